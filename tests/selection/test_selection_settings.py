"""Member States steer their own selection (issue 15 point 7): risk managers set the random-selection rate
and the daily control capacity per transport mode, over REST and in the browser, audited; bounds are 400s
naming the field; a changed rate moves the criteria revision (the risk_engine 0006 trigger)."""

from __future__ import annotations

import pytest
from django.test import Client

from crms.audit.models import AuditEntry
from risk_engine.models import CriteriaChange, RandomSelectionRate
from risk_engine.models_revision import current_revision
from selection.models import ControlCapacity
from tests.risk_engine.conftest import api_client, assert_error_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/selection-settings/"
NOTHING = dict.fromkeys(["sea", "air", "express", "postal", "road", "rail", "inland_water"])


def test_a_risk_manager_sets_them_over_rest_audited_and_the_revision_moves(people):
    fr = api_client(people["fr_risk_manager"])
    assert api_client(people["fr_system"]).get(URL).json() == {
        "member_state": "FR",
        "random_selection_rate": 0.0,
        "daily_capacity": NOTHING,
        "changed_at": None,
        "changed_by": None,
    }
    before = current_revision() or 0
    response = fr.put(URL, {"random_selection_rate": 0.01, "daily_capacity": {"sea": 120, "air": 300}}, format="json")
    assert response.status_code == 200, response.content
    document = response.json()
    assert document["daily_capacity"] == NOTHING | {"sea": 120, "air": 300}
    assert (document["random_selection_rate"], document["changed_by"]) == (0.01, "fr_risk_manager")
    assert RandomSelectionRate.objects.get(member_state_id="FR").rate == 0.01
    assert ControlCapacity.objects.get(member_state_id="FR", transport_mode="sea").daily_controls == 120
    entry = AuditEntry.objects.get(action="selection.settings_changed")
    assert (entry.object_id, entry.before["random_selection_rate"], entry.after["random_selection_rate"]) == (
        "FR",
        0.0,
        0.01,
    )
    assert entry.after["daily_capacity"]["air"] == 300 and entry.before["daily_capacity"]["air"] is None
    moved = current_revision()
    assert moved > before
    assert CriteriaChange.objects.filter(kind="random_selection.changed", subject="FR", revision=moved).exists()
    # The same again changes nothing: no audit entry, the revision stays.
    fr.put(URL, {"random_selection_rate": 0.01, "daily_capacity": {"sea": 120, "air": 300}}, format="json")
    assert AuditEntry.objects.filter(action="selection.settings_changed").count() == 1
    assert current_revision() == moved
    # Capacity alone: audited, the rate is not rewritten, so what runs does not change.
    fr.put(URL, {"random_selection_rate": 0.01, "daily_capacity": {"sea": 100}}, format="json")
    assert AuditEntry.objects.filter(action="selection.settings_changed").count() == 2
    assert current_revision() == moved
    assert not ControlCapacity.objects.filter(member_state_id="FR", transport_mode="air").exists()  # PUT replaces


def test_bounds_and_unknown_fields_are_400s_naming_the_field(people):
    fr = api_client(people["fr_risk_manager"])
    ok = {"random_selection_rate": 0.2, "daily_capacity": {"road": 1_000_000, "rail": 0}}
    assert fr.put(URL, ok, format="json").status_code == 200
    cases = [
        ({"random_selection_rate": 0.21, "daily_capacity": {}}, {"random_selection_rate"}),
        ({"random_selection_rate": -0.01, "daily_capacity": {}}, {"random_selection_rate"}),
        ({"random_selection_rate": "0.1", "daily_capacity": {}}, {"random_selection_rate"}),
        ({"random_selection_rate": 0.1, "daily_capacity": {"sea": 1_000_001}}, {"daily_capacity.sea"}),
        ({"random_selection_rate": 0.1, "daily_capacity": {"air": -1, "express": 1.5}}, {"daily_capacity.air",
                                                                                         "daily_capacity.express"}),
        ({"random_selection_rate": 0.1, "daily_capacity": {"bicycle": 3}}, {"daily_capacity.bicycle"}),
        ({"random_selection_rate": 0.1, "daily_capacity": {}, "comment": "x"}, {"comment"}),
        ({"random_selection_rate": 0.1}, {"daily_capacity"}),
    ]  # fmt: skip
    for body, fields in cases:
        errors = assert_error_body(fr.put(URL, body, format="json"), 400)
        assert {e["field"] for e in errors} == fields, (body, errors)
    assert RandomSelectionRate.objects.get(member_state_id="FR").rate == 0.2  # nothing stored
    assert_error_body(fr.put(URL, b"{", content_type="application/json"), 400)


def test_who_reads_and_who_changes(people, settings):
    api_client(people["nl_risk_manager"]).put(
        URL, {"random_selection_rate": 0.005, "daily_capacity": {"sea": 50}}, format="json"
    )
    for name in ("fr_analyst", "fr_system", "fr_auditor", "commission", "eu_auditor", "nl_analyst"):
        assert_error_body(api_client(people[name]).put(URL, {"x": 1}, format="json"), 403)  # before the body
    assert api_client(people["nl_system"]).get(URL).json()["daily_capacity"]["sea"] == 50
    assert api_client(people["fr_analyst"]).get(URL).json()["random_selection_rate"] == 0.0
    assert_error_body(api_client(people["fr_analyst"]).get(f"{URL}?member_state=NL"), 404)
    commission = api_client(people["commission"])
    assert commission.get(f"{URL}?member_state=nl").json()["random_selection_rate"] == 0.005
    for query in ("", "?member_state=EU", "?member_state=XX"):
        assert [e["field"] for e in assert_error_body(commission.get(f"{URL}{query}"), 400)] == ["member_state"]
    assert_error_body(api_client(None).get(URL), 401)


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_page(people):
    manager = _browser(people["fr_risk_manager"])
    assert 'name="rate"' in manager.get("/selection/").content.decode()
    saved = manager.post("/selection/", {"rate": "1,5", "sea": "1 200", "air": ""})
    assert saved.status_code == 302
    assert RandomSelectionRate.objects.get(member_state_id="FR").rate == pytest.approx(0.015)
    assert ControlCapacity.objects.get(member_state_id="FR", transport_mode="sea").daily_controls == 1200
    assert AuditEntry.objects.filter(action="selection.settings_changed", actor_username="fr_risk_manager").exists()
    page = manager.get("/selection/").content.decode()
    assert 'value="1,50"' in page and 'value="1200"' in page
    refused = manager.post("/selection/", {"rate": "25", "sea": "lots"})
    assert refused.status_code == 400
    assert set(refused.context["errors"]) == {"random_selection_rate", "daily_capacity.sea"}
    refused = manager.post("/selection/", {"rate": "25", "sea": "10"})
    assert set(refused.context["errors"]) == {"random_selection_rate"}
    assert 'aria-invalid="true"' in refused.content.decode()
    # An analyst reads, a risk manager changes; the EU auditor sees every Member State.
    analyst = _browser(people["fr_analyst"])
    assert "disabled" in analyst.get("/selection/").content.decode()
    assert analyst.post("/selection/", {"rate": "0"}).status_code == 403
    overview = _browser(people["eu_auditor"]).get("/selection/").content.decode()
    assert "1,5\u00a0%" in overview and "1\u00a0200" in overview
    # The Commission reads the same overview (it sees the capacities in an EU-wide model's forecast too).
    commission = _browser(people["commission"])
    assert "1\u00a0200" in commission.get("/selection/").content.decode()
    assert commission.post("/selection/", {"rate": "0"}).status_code == 403
