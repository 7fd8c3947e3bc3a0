"""The readable audit log (issue 14): changes as field/before/after rows, filters, dates validated,
pagination, per-object History, and restricted criteria logic withheld from readers without the right."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from crms.audit.presenters import change_rows, flatten
from crms.audit.services import record
from tests.risk_engine.conftest import make_criterion, publish_criterion

MARK = "950399"  # a HS prefix only the restricted criterion's condition carries


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_change_rows_show_only_what_changed_in_words():
    before = {"status": "draft", "weight": 60, "condition": {"all": [{"field": "item.hs_code", "value": ["9503"]}]}}
    after = {"status": "submitted", "weight": 60, "condition": {"all": [{"field": "item.hs_code", "value": ["9504"]}]}}
    rows = {row.field: (row.before, row.after) for row in change_rows(before, after)}
    assert rows == {"status": ("draft", "submitted"), "condition.all 1.value": ("9503", "9504")}


def test_values_are_written_for_people_not_as_python_reprs():
    flat = flatten({"valid_from": "2027-02-28", "shadow": False, "countries": ["YE", "SO"], "valid_to": None})
    assert flat == {"valid from": "28/02/2027", "shadow": "no", "countries": "YE, SO", "valid to": "—"}
    assert flatten({"value": 1200.5}) == {"value": "1\u00a0200,50"}
    assert flatten({"at": "2027-02-28T14:05:00+01:00"}) == {"at": "28/02/2027 13:05 UTC"}
    # Creation: every field of the new state, nothing on the before side.
    assert [(r.field, r.before, r.after) for r in change_rows(None, {"a": 1})] == [("a", "", "1")]


@pytest.fixture
def entries(personas):
    fr = personas["fr_risk_manager"]
    record(
        actor=fr,
        action="thing.changed",
        object_type="demo.thing",
        object_id="7",
        object_repr="THING-7",
        before={"status": "draft"},
        after={"status": "published"},
    )
    record(
        actor=personas["commission"],
        action="other.changed",
        object_type="demo.other",
        object_id="8",
        object_repr="OTHER-8",
        after={"note": "x"},
    )
    return personas


def test_page_shows_a_readable_diff(entries):
    page = _client(entries["eu_auditor"]).get("/audit/").content.decode()
    assert "Thing: changed" in page and ">draft<" in page and ">published<" in page
    assert "{&#x27;" not in page and "{'" not in page  # no Python reprs


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("user=FR_RISK_MANAGER", "THING-7", "OTHER-8"),
        ("object_type=demo.other", "OTHER-8", "THING-7"),
        ("object=THING-7", "THING-7", "OTHER-8"),
        ("object=8", "OTHER-8", "THING-7"),
        ("action=thing.", "THING-7", "OTHER-8"),
    ],
)
def test_filters(entries, query, shown, hidden):
    page = _client(entries["commission"]).get(f"/audit/?{query}").content.decode()
    assert shown in page and hidden not in page


def test_date_range_includes_today_and_excludes_other_days(entries):
    client = _client(entries["commission"])
    today = timezone.now().date()
    assert "THING-7" in client.get(f"/audit/?from={today}&to={today}").content.decode()
    yesterday = today - dt.timedelta(days=1)
    assert "THING-7" not in client.get(f"/audit/?to={yesterday}").content.decode()
    assert "THING-7" not in client.get(f"/audit/?from={today + dt.timedelta(days=1)}").content.decode()


@pytest.mark.parametrize(
    ("query", "field"), [("from=yesterday", "from"), ("to=9999-12-31", "to"), ("from=2026-13-01", "from")]
)
def test_bad_dates_are_400_naming_the_field(entries, query, field):
    response = _client(entries["commission"]).get(f"/audit/?{query}")
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


def test_paginated(personas):
    for number in range(55):
        record(
            actor=None, action="bulk.made", object_type="demo.bulk", object_id=str(number), object_repr=f"B-{number}"
        )
    client = _client(personas["commission"])
    first = client.get("/audit/?action=bulk.").content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in client.get("/audit/?action=bulk.&page=2").content.decode()


def test_member_state_auditor_reads_only_own_organisation(entries):
    page = _client(entries["fr_auditor"]).get("/audit/").content.decode()
    assert "THING-7" in page and "OTHER-8" not in page


@pytest.fixture
def restricted(personas):
    condition = {"all": [{"field": "item.hs_code", "op": "starts_with", "value": [MARK]}]}
    doc = make_criterion("CRC-AUD-FIN", risk_area="financial", restricted=True, condition=condition)
    return publish_criterion(doc, personas["commission"], personas["commission_approver"])


def test_restricted_logic_is_withheld_from_auditors(personas, restricted):
    auditor = _client(personas["eu_auditor"])
    page = auditor.get("/audit/?object=CRC-AUD-FIN").content.decode()
    assert "CRC-AUD-FIN" in page and "Change withheld" in page and MARK not in page
    history = auditor.get("/criteria/CRC-AUD-FIN/").content.decode()
    assert 'id="history"' in history and MARK not in history
    # The Commission reads restricted logic: the same entries show the condition.
    commission = _client(personas["commission"])
    assert MARK in commission.get("/audit/?object=CRC-AUD-FIN").content.decode()


def test_criterion_history_tab_lists_its_entries(personas):
    criterion = publish_criterion(
        make_criterion("CRC-AUD-OPEN"), personas["commission"], personas["commission_approver"]
    )
    record(actor=None, action="unrelated.changed", object_type="demo.thing", object_id=str(criterion.pk))
    page = _client(personas["eu_auditor"]).get("/criteria/CRC-AUD-OPEN/").content.decode()
    section = page[page.index('id="history"') :]
    assert "Criterion: submitted" in section and "Criterion: draft created" in section
    assert "Unrelated" not in section  # same id, other object type


def test_rif_history_tab_lists_its_entries_to_log_readers_only(personas):
    from django.urls import reverse

    from tests.conftest import make_user
    from tests.rif.conftest import published

    rif = published(personas["nl_analyst"], make_user("nl_rm_audit", "NL", "risk_manager"))
    url = reverse("rif-detail", args=[rif.reference])
    page = _client(personas["commission"]).get(url).content.decode()
    section = page[page.index('id="history"') :]
    assert "Rif: submitted" in section and "Rif: draft created" in section
    # An analyst may read the RIF page but not the audit log: no History section.
    assert 'id="history"' not in _client(personas["nl_analyst"]).get(url).content.decode()


def test_a_models_choice_codes_are_shown_as_its_labels():
    """A risk model's status in the diff is "Draft" -> "Submitted", as the model's choices say, not the codes;
    a criterion's entries keep its version's snapshot, whose status is labelled the same way."""
    rows = change_rows({"status": "draft", "name": "m"}, {"status": "submitted", "name": "m"}, "learning.modelversion")
    assert [(r.field, r.before, r.after) for r in rows] == [("status", "Draft", "Submitted")]
    rows = change_rows({"status": "shadow"}, {"status": "live"}, "learning.modelversion")
    assert [(r.before, r.after) for r in rows] == [("Shadow", "Live")]
    rows = change_rows(None, {"status": "published", "version": 2}, "risk_engine.criterion")
    assert ("status", "", "Published") in [(r.field, r.before, r.after) for r in rows]
    assert change_rows({"status": "draft"}, {"status": "odd"}, "learning.modelversion")[0].after == "odd"  # unknown


def test_the_log_shows_a_models_status_moves_in_words(personas):
    record(
        actor=personas["fr_risk_manager"],
        action="model.submitted",
        object_type="learning.modelversion",
        object_id="41",
        object_repr="FR model v1",
        before={"status": "draft", "name": "FR model"},
        after={"status": "submitted", "name": "FR model", "comment": "Ready"},
    )
    page = _client(personas["eu_auditor"]).get("/audit/?object_type=learning.modelversion").content.decode()
    assert ">Draft<" in page and ">Submitted<" in page
    assert ">draft<" not in page and ">submitted<" not in page
