import pytest
from django.contrib.admin.sites import site
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.test import RequestFactory

from crms.audit.models import AppendOnlyError, AuditEntry
from crms.audit.services import record
from tests.conftest import make_user


@pytest.fixture
def entry(db):
    return record(actor=None, action="test.happened", object_type="thing", object_id="1", after={"a": 1})


def test_record_stores_who_what_when(db):
    user = make_user("fr1", "FR", "analyst")
    entry = record(
        actor=user, action="thing.changed", object_type="thing", object_id="7", before={"x": 1}, after={"x": 2}
    )
    entry.refresh_from_db()
    assert (entry.actor_username, entry.organisation_code, entry.action) == ("fr1", "FR", "thing.changed")
    assert entry.before == {"x": 1} and entry.after == {"x": 2} and entry.at is not None


def test_orm_cannot_change_or_delete(entry):
    entry.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"


@pytest.mark.parametrize("sql", ["UPDATE audit_auditentry SET action = 'rewritten'", "DELETE FROM audit_auditentry"])
def test_database_trigger_refuses_raw_sql(entry, sql):
    with (
        pytest.raises((InternalError, ProgrammingError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"


def test_admin_offers_no_add_change_or_delete(entry):
    admin = site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = make_user("boss", "EU", "commission")
    request.user.is_superuser = True
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)


def test_audit_page_has_no_write_path(client, entry):
    user = make_user("boss", "EU", "commission")
    client.force_login(user)
    assert client.post("/audit/", {"action": "x"}).status_code == 405
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"
