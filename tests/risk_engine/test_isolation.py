"""A poison declaration is isolated and flagged for an engineer; the rest of its batch is screened;
the sweeper leaves it alone until it is re-queued; a database outage flags nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from crms.declarations.models import Declaration
from risk_engine import pipeline
from risk_engine.isolation import screen_isolating
from risk_engine.models import Assessment, ScreeningFailure
from tests.risk_engine.conftest import api_client, current_version_ids, file_bodies, make_ens

pytestmark = pytest.mark.django_db


def test_poison_is_isolated_and_the_batch_is_screened(settings, personas, criterion, publish, people):
    publish(criterion("CRC-ISO-TOY"), people["commission"], people["commission_approver"])
    settings.FAULT_INJECTION_POISON_LRN_PREFIX = "POISON-"
    bodies = [make_ens() for _ in range(7)] + [make_ens(lrn="POISON-1")]
    mrns = file_bodies(personas["fr_system"], *bodies)
    ids = current_version_ids(*mrns)

    counts = screen_isolating(ids)

    assert counts == {"versions": 7, "hits": 7, "flagged": 1}
    poison = Declaration.objects.get(lrn="POISON-1")
    assert poison.screening_status == "pending" and not Assessment.objects.filter(declaration=poison).exists()
    failure = ScreeningFailure.objects.get()
    assert failure.version.declaration == poison and "injected poison" in failure.error and failure.traceback
    assert Declaration.objects.filter(screening_status="screened").count() == 7
    # The sweeper does not re-queue a flagged version (it would fail again and again).
    assert failure.version_id not in pipeline.pending_version_ids(older_than=pipeline.dt.timedelta(0), limit=100)
    # Clients see it is pending and flagged.
    response = api_client(personas["fr_system"]).get(f"/api/v1/declarations/{poison.mrn}/assessment/")
    assert response.json()["status"] == "pending" and response.json()["screening_failed"] is True

    # After the fix, the engineer re-queues it; screening it again resolves the failure.
    settings.FAULT_INJECTION_POISON_LRN_PREFIX = ""
    call_command("screening_failures", "--retry")
    assert screen_isolating([failure.version_id]) == {"versions": 1, "hits": 1, "flagged": 0}
    failure.refresh_from_db()
    assert failure.resolved_at is not None
    assert Declaration.objects.get(lrn="POISON-1").screening_status == "screened"


def test_a_poison_flagged_twice_counts_its_attempts(settings, personas):
    settings.FAULT_INJECTION_POISON_LRN_PREFIX = "POISON-"
    (mrn,) = file_bodies(personas["fr_system"], make_ens(lrn="POISON-2"))
    ids = current_version_ids(mrn)
    screen_isolating(ids)
    screen_isolating(ids)
    assert ScreeningFailure.objects.get().attempts == 2
