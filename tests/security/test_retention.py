"""Data retention: old declarations lose their personal data, statistics stay, old audit entries go."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from crms.audit.models import AuditEntry
from crms.audit.services import record
from crms.declarations.models import Declaration, Party
from crms.declarations.retention import pseudonym, run_housekeeping
from risk_engine.models import Hit
from tests.conftest import make_user
from tests.risk_engine.conftest import (  # noqa: F401
    _fresh_engine_caches,
    file_bodies,
    make_criterion,
    make_ens,
    publish_criterion,
    screen_mrns,
)

pytestmark = pytest.mark.django_db


def test_expired_personal_data_is_pseudonymised_and_statistics_are_kept(settings, personas):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    publish_criterion(
        make_criterion("CRC-RET-TOY"),
        make_user("r-a", "EU", "commission"),
        make_user("r-b", "EU", "commission_approver"),
    )
    old, new = file_bodies(personas["fr_system"], make_ens(), make_ens())
    screen_mrns(old, new)
    Declaration.objects.filter(mrn=old).update(received_at=timezone.now() - dt.timedelta(days=31))
    hits_before = Hit.objects.count()

    assert run_housekeeping(dry_run=True).declarations == 1
    result = run_housekeeping()
    assert result.declarations == 1 and result.parties >= 2

    declaration = Declaration.objects.get(mrn=old)
    assert declaration.personal_data_removed_at is not None
    assert declaration.consignor_name == pseudonym("Shenzhen Bright Trading Co")
    assert declaration.consignee_name.startswith("pseud-")
    body = declaration.versions.get().body
    assert body["consignee"]["name"].startswith("pseud-") and body["consignee"]["address"] == {"country": "FR"}
    assert "Jean Martin" not in str(body) and "rue de la Paix" not in str(body)
    consignee = Party.objects.get(version__declaration=declaration, role="consignee")
    assert (consignee.street, consignee.city, consignee.postcode, consignee.country) == ("", "", "", "FR")
    # The same party gets the same pseudonym, so its history still links; statistics are untouched.
    assert Hit.objects.count() == hits_before
    fresh = Declaration.objects.get(mrn=new)
    assert fresh.consignee_name == "Jean Martin" and fresh.personal_data_removed_at is None
    assert AuditEntry.objects.filter(action="housekeeping.retention").get().after["declarations_pseudonymised"] == 1
    assert run_housekeeping().declarations == 0  # idempotent


def test_old_audit_entries_are_purged_through_the_gate_only(settings, personas):
    settings.AUDIT_RETENTION_DAYS = 365
    entry = record(actor=None, action="test.old", object_type="x", object_id="1")
    from django.db import connection

    with connection.cursor() as cursor:  # back-date it (the trigger lets only the housekeeping gate through)
        cursor.execute("SET LOCAL crms.audit_purge = 'on'")
        cursor.execute("UPDATE audit_auditentry SET at = now() - interval '400 days' WHERE id = %s", [entry.pk])
        cursor.execute("SET LOCAL crms.audit_purge = 'off'")
    recent = record(actor=None, action="test.recent", object_type="x", object_id="2")
    call_command("housekeeping")
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [recent.pk])
