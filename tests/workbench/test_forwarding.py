"""Forwarding: a control at the place of unloading opens a case in that Member State's queue; others see nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, make_criterion, publish_criterion
from tests.workbench.conftest import file_and_screen
from workbench import services
from workbench.models import Case, CaseOrigin, CaseState

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queue_mrns(user, query: str = "") -> list[str]:
    response = browser(user).get(f"/workbench/{query}")
    assert response.status_code == 200
    return re.findall(r'<a href="/workbench/cases/\d+/[^"]*"><code>(\w+)</code></a>', response.content.decode())


def forward(people, case: Case):
    return services.decide(actor=people["fr_analyst"], case=case, action="control", control_type="physical",
                           control_place="place_of_unloading")  # fmt: skip


def arrival(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat()


def test_forwarded_case_opens_in_the_unloading_member_states_queue(people, referred):
    case = referred()
    decision = forward(people, case)
    assert decision.forwarded_to_id == "NL"
    forwarded = Case.objects.get(version=case.version, member_state_id="NL")
    assert (forwarded.origin, forwarded.state, forwarded.forwarded_by) == (CaseOrigin.FORWARDED, "open", decision)
    assert forwarded.control_type == "physical" and forwarded.criteria == ["CRC-WB-TOY"]
    assert (forwarded.expected_arrival, forwarded.pre_loading, forwarded.score) == (
        case.expected_arrival,
        case.pre_loading,
        case.score,
    )
    mrn = case.declaration.mrn
    assert queue_mrns(people["fr_analyst"]) == []  # decided: out of FR's queue
    assert queue_mrns(people["nl_analyst"]) == [mrn]
    assert queue_mrns(people["nl_analyst"], "?origin=forwarded") == [mrn]
    assert queue_mrns(people["nl_analyst"], "?origin=first_entry") == []
    page = browser(people["nl_analyst"]).get(f"/workbench/cases/{forwarded.pk}/").content.decode()
    assert "Forwarded for control at the place of unloading" in page and "by FR (fr_analyst," in page
    assert 'id="control-form"' in page  # NL records what its control finds
    fr = browser(people["fr_analyst"])
    assert 'id="control-form"' not in fr.get(f"/workbench/cases/{case.pk}/").content.decode()
    body = {"control_type": "physical", "result": "no_irregularity"}
    assert fr.post(f"/workbench/cases/{case.pk}/control-results/", body).status_code == 404


def test_the_nl_queue_orders_forwarded_and_own_cases_by_urgency(people, referred, toy_criterion):
    nl_system = people["nl_system"]
    pre_loading_late = referred(expected_arrival=arrival(30))
    pre_arrival_early = referred(phase="pre_arrival", filing_type="F20", expected_arrival=arrival(3))
    pre_arrival_late = referred(phase="pre_arrival", filing_type="F20", expected_arrival=arrival(20))
    for case in (pre_loading_late, pre_arrival_early, pre_arrival_late):
        forward(people, case)
    own = file_and_screen(
        nl_system, office_of_first_entry="NL000851", transport_mode="sea", phase="pre_arrival", filing_type="F10",
        place_of_loading="CNSHA", expected_arrival=arrival(10),
    )  # fmt: skip
    assert Case.objects.get(declaration__mrn=own).member_state_id == "NL"
    # None is a pre-loading referral (all are control recommendations): by expected arrival.
    expected = [pre_arrival_early.declaration.mrn, own] + [
        c.declaration.mrn for c in (pre_arrival_late, pre_loading_late)
    ]
    assert queue_mrns(people["nl_analyst"]) == expected
    assert queue_mrns(people["nl_auditor"]) == expected
    html = browser(people["nl_analyst"]).get("/workbench/").content.decode()
    assert html.count('<span class="badge">forwarded</span>') == 3


def test_de_sees_nothing_of_it(people, referred):
    case = referred()
    decision = forward(people, case)
    forwarded = Case.objects.get(version=case.version, member_state_id="NL")
    de = people["de_analyst"]
    mrn = case.declaration.mrn
    assert queue_mrns(de) == []
    assert ">0</strong> open" in browser(de).get("/workbench/").content.decode()
    for pk in (case.pk, forwarded.pk):
        assert browser(de).get(f"/workbench/cases/{pk}/").status_code == 404
    de_system = make_user("de_system", "DE", "national_system")
    for user in (de, de_system):
        assert api_client(user).get("/api/v1/decisions/").json()["results"] == []
        assert api_client(user).get(f"/api/v1/declarations/{mrn}/decisions/").status_code == 404
    # NL reads only the decision that concerns it; FR's own page is not NL's.
    assert [d["id"] for d in api_client(people["nl_system"]).get("/api/v1/decisions/").json()["results"]] == [
        decision.pk
    ]
    assert browser(people["nl_analyst"]).get(f"/workbench/cases/{case.pk}/").status_code == 404


def test_forwarding_into_an_existing_national_profile_case_merges_it(people, referred):
    publish_criterion(
        make_criterion("NL-WB-NP", scope="national", risk_area="ipr", outcome="control_recommended"),
        people["nl_analyst"],
        people["nl_risk_manager"],
    )
    case = referred()
    national = Case.objects.get(version=case.version, member_state_id="NL")
    assert national.origin == CaseOrigin.NATIONAL_PROFILE and national.criteria == ["NL-WB-NP"]
    assert case.criteria == ["CRC-WB-TOY"]  # the national profile's hit is NL's, not FR's
    decision = forward(people, case)
    national.refresh_from_db()
    assert (national.origin, national.state, national.forwarded_by) == (CaseOrigin.FORWARDED, "open", decision)
    assert national.criteria == ["CRC-WB-TOY", "NL-WB-NP"] and national.risk_areas == ["ipr", "product_safety"]


def test_forwarding_does_not_reopen_a_case_the_unloading_state_already_closed(people, referred):
    publish_criterion(
        make_criterion("NL-WB-NP2", scope="national", outcome="control_recommended"),
        people["nl_analyst"],
        people["nl_risk_manager"],
    )
    case = referred(phase="pre_arrival", filing_type="F20")
    national = Case.objects.get(version=case.version, member_state_id="NL")
    services.decide(actor=people["nl_analyst"], case=national, action="control", control_type="physical",
                    control_place="place_of_unloading")  # fmt: skip
    services.record_control_result(
        actor=people["nl_analyst"], declaration=case.declaration,
        data={"control_type": "physical", "result": "no_irregularity"},
    )  # fmt: skip
    national.refresh_from_db()
    assert national.state == CaseState.CLOSED
    decision = forward(people, case)
    national.refresh_from_db()
    assert national.state == CaseState.CLOSED, "a control already done is not asked for again"
    assert national.decision.member_state_id == "NL" and decision.forwarded_to_id == "NL"


def test_forwarding_reopens_a_case_the_unloading_state_had_dismissed(people, referred):
    publish_criterion(
        make_criterion("NL-WB-NP3", scope="national", outcome="control_recommended"),
        people["nl_analyst"],
        people["nl_risk_manager"],
    )
    case = referred(phase="pre_arrival", filing_type="F20")
    national = Case.objects.get(version=case.version, member_state_id="NL")
    services.decide(actor=people["nl_analyst"], case=national, action="dismiss", reason="Our profile: known importer.")
    forward(people, case)
    national.refresh_from_db()
    assert (national.state, national.origin, national.control_type) == ("open", "forwarded", "physical")
    assert national.decision.action == "dismiss"
    assert queue_mrns(people["nl_analyst"]) == [case.declaration.mrn]
    page = browser(people["nl_analyst"]).get(f"/workbench/cases/{national.pk}/").content.decode()
    assert 'id="control-form"' in page and 'id="decision-form"' not in page
