"""Control results: the browser form and the REST endpoint for national systems, validation naming the field."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from crms.audit.models import AuditEntry
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, assert_error_body
from workbench import services
from workbench.models import Case, CaseState, ControlResult

pytestmark = pytest.mark.django_db

SEIZURE = {
    "control_type": "physical",
    "result": "seizure",
    "irregularity_type": "ipr",
    "seizure": {"goods": "counterfeit toy cars", "quantity": 40, "unit": "pieces", "estimated_value_eur": 800},
}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def decided(people, referred, place: str = "border", **overrides) -> Case:
    case = referred(**overrides)
    services.decide(actor=people["fr_analyst"], case=case, action="control", control_type="physical",
                    control_place=place)  # fmt: skip
    case.refresh_from_db()
    return case


def post_result(user, mrn: str, body: dict):
    return api_client(user).post(f"/api/v1/declarations/{mrn}/control-results/", body, format="json")


def nothing_recorded() -> None:
    assert not ControlResult.objects.exists()
    assert not AuditEntry.objects.filter(action="control_result.recorded").exists()


# --- in the browser ------------------------------------------------------------------------------------------------


def test_browser_form_records_a_seizure_and_closes_the_case(people, referred):
    case = decided(people, referred)
    client = browser(people["fr_analyst"])
    assert 'id="control-form"' in client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert case.pk in [c.pk for c in client.get("/workbench/awaiting-results/").context["cases"]]
    response = client.post(
        f"/workbench/cases/{case.pk}/control-results/",
        {"control_type": "physical", "based_on_risk_analysis": "yes", "result": "seizure",
         "irregularity_type": "ipr", "seized_goods": "counterfeit toy cars", "seized_quantity": "40",
         "seized_unit": "pieces", "estimated_value_eur": "799,50", "notes": "Brand logos on the boxes"},
        follow=True,
    )  # fmt: skip
    html = response.content.decode()
    seized = (
        'Seized: counterfeit toy cars, 40 pieces, estimated value <span class="seized-value">EUR\u00a0799,50</span>'
    )
    assert "Control result recorded." in html and seized in html  # to the cent (it was rounded to "800")
    result = ControlResult.objects.get()
    assert (result.member_state_id, result.case, result.decision, result.recorded_by) == (
        "FR",
        case,
        case.decision,
        people["fr_analyst"],
    )
    assert (result.seized_quantity, result.estimated_value_eur, result.notes) == (
        40.0,
        799.5,
        "Brand logos on the boxes",
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert client.get("/workbench/awaiting-results/").context["cases"] == []
    entry = AuditEntry.objects.get(action="control_result.recorded")
    assert entry.after["result"] == "seizure" and entry.after["seizure"]["goods"] == "counterfeit toy cars"


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"result": "seizure", "irregularity_type": "ipr"}, "seized_goods", "Describe the seized goods."),
        ({"result": "seizure", "irregularity_type": "ipr", "seized_goods": "toys", "seized_quantity": "lots"},
         "seized_quantity", "Not a number: write digits"),
        ({"result": "seizure", "irregularity_type": "ipr", "seized_goods": "toys", "estimated_value_eur": "-5"},
         "estimated_value_eur", "The estimated value cannot be negative."),
        ({"result": "seizure", "irregularity_type": "ipr", "seized_goods": "toys", "estimated_value_eur": "1,200"},
         "estimated_value_eur", "could be read two ways"),
        ({"result": "irregularity"}, "irregularity_type", "Choose what kind of irregularity was found."),
        ({"result": "no_irregularity", "irregularity_type": "ipr"}, "irregularity_type",
         "Leave the irregularity empty when nothing irregular was found."),
        ({"result": "maybe"}, "result", "Choose the result from the list."),
        ({"result": "no_irregularity", "control_type": "sniffing"}, "control_type",
         "Choose the control done from the list."),
        ({"result": "no_irregularity", "controlled_at": "yesterday"}, "controlled_at", ""),
        ({"result": "no_irregularity", "controlled_at": "2026-13-01T10:00"}, "controlled_at", ""),
        ({"result": "no_irregularity", "controlled_at": "2999-01-01T10:00"}, "controlled_at", ""),
    ],
)  # fmt: skip
def test_browser_form_keeps_what_was_typed_says_it_beside_the_field_and_records_nothing(
    people, referred, form, field, says
):
    """Issue 14: a refused form comes back as typed, the message in plain words next to its field."""
    case = decided(people, referred)
    typed = {"control_type": "physical", "notes": "Boxes opened at 10:40", "seized_unit": "pieces"} | form
    response = browser(people["fr_analyst"]).post(f"/workbench/cases/{case.pk}/control-results/", typed)
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'id="control-{field}-error">([^<]*)<', html)
    assert error, html[html.index('id="control-form"') :][:3000]
    assert says in error.group(1)
    assert "seizure." not in error.group(1) and ": one of" not in error.group(1)  # no developer wording
    form_html = html[html.index('id="control-form"') :]
    assert "Boxes opened at 10:40</textarea>" in form_html and 'value="pieces"' in form_html
    for name in ("seized_goods", "seized_quantity", "estimated_value_eur"):
        if typed.get(name):
            assert f'name="{name}"' in form_html and f'value="{typed[name]}"' in form_html
    if typed.get("result") in ("seizure", "irregularity"):
        assert f'<option value="{typed["result"]}" selected>' in form_html
    nothing_recorded()
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


@pytest.mark.parametrize("typed", ["1 200,50", "1.200,50", "1,200.50", "1200.5", "1\u00a0200,5"])
def test_browser_form_reads_european_amounts(people, referred, typed):
    case = decided(people, referred)
    browser(people["fr_analyst"]).post(
        f"/workbench/cases/{case.pk}/control-results/",
        {"control_type": "physical", "result": "seizure", "irregularity_type": "ipr", "seized_goods": "toys",
         "seized_quantity": "1 000", "estimated_value_eur": typed},
    )  # fmt: skip
    result = ControlResult.objects.get()
    assert (result.seized_quantity, result.estimated_value_eur) == (1000.0, 1200.5)


def test_an_htmx_post_that_fails_gets_the_form_back_with_values_and_errors(people, referred):
    case = decided(people, referred)
    response = browser(people["fr_analyst"]).post(
        f"/workbench/cases/{case.pk}/control-results/",
        {"control_type": "physical", "result": "seizure", "irregularity_type": "", "seized_goods": "toys"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#control-form" and response["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith('<form method="post"') and 'value="toys"' in html
    assert "Choose what kind of irregularity was found." in html
    nothing_recorded()


def test_browser_form_takes_a_past_controlled_at(people, referred):
    case = decided(people, referred)
    when = (timezone.now() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    browser(people["fr_analyst"]).post(
        f"/workbench/cases/{case.pk}/control-results/",
        {"control_type": "documentary", "result": "no_irregularity", "based_on_risk_analysis": "no",
         "controlled_at": when.strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    result = ControlResult.objects.get()
    assert result.controlled_at == when and result.based_on_risk_analysis is False


def test_browser_form_only_where_a_control_was_decided_or_forwarded(people, referred):
    open_case = referred()
    dismissed = referred()
    services.decide(actor=people["fr_analyst"], case=dismissed, action="dismiss", reason="Known consignee.")
    body = {"control_type": "physical", "result": "no_irregularity"}
    for case in (open_case, dismissed):
        assert (
            browser(people["fr_analyst"]).post(f"/workbench/cases/{case.pk}/control-results/", body).status_code == 404
        )
        assert (
            'id="control-form"'
            not in browser(people["fr_analyst"]).get(f"/workbench/cases/{case.pk}/").content.decode()
        )
    forwarded_from = decided(people, referred, place="place_of_unloading")
    nl_case = Case.objects.get(version=forwarded_from.version, member_state_id="NL")
    for name in ("fr_auditor", "nl_auditor"):  # auditors read, never record
        case = forwarded_from if name == "fr_auditor" else nl_case
        assert browser(people[name]).post(f"/workbench/cases/{case.pk}/control-results/", body).status_code == 403
    assert (
        browser(people["de_analyst"]).post(f"/workbench/cases/{nl_case.pk}/control-results/", body).status_code == 404
    )
    nothing_recorded()
    assert (
        browser(people["nl_analyst"]).post(f"/workbench/cases/{nl_case.pk}/control-results/", body).status_code == 302
    )
    nl_case.refresh_from_db()
    assert nl_case.state == CaseState.CLOSED and ControlResult.objects.get().decision == forwarded_from.decision


# --- over REST -----------------------------------------------------------------------------------------------------


def test_fr_system_records_over_rest_and_reads_them_back(people, referred):
    case = decided(people, referred)
    mrn = case.declaration.mrn
    controlled_at = (timezone.now() - dt.timedelta(minutes=30)).replace(microsecond=0)
    response = post_result(people["fr_system"], mrn, SEIZURE | {"controlled_at": controlled_at.isoformat(),
                                                                  "notes": "x-ray first"})  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mrn"] == mrn and body["version"] == 1 and body["member_state"] == "FR"
    assert body["seizure"] == SEIZURE["seizure"] and body["decision_id"] == case.decision.pk
    assert body["recorded_by"] == "fr_system" and body["based_on_risk_analysis"] is True
    assert dt.datetime.fromisoformat(body["controlled_at"]) == controlled_at
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    second = post_result(people["fr_system"], mrn, {"control_type": "documentary", "result": "no_irregularity",
                                                    "based_on_risk_analysis": False})  # fmt: skip
    assert second.status_code == 201 and second.json()["seizure"] is None
    listed = api_client(people["fr_system"]).get(f"/api/v1/declarations/{mrn}/control-results/")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [body["id"], second.json()["id"]]
    assert AuditEntry.objects.filter(action="control_result.recorded").count() == 2
    entry = AuditEntry.objects.filter(action="control_result.recorded").earliest("id")
    assert entry.actor == people["fr_system"] and entry.after["notes"] == "x-ray first"


def test_nl_system_records_only_where_nl_is_the_member_state_of_unloading(people, referred):
    forwarded = decided(people, referred, place="place_of_unloading")
    response = post_result(people["nl_system"], forwarded.declaration.mrn, SEIZURE)
    assert response.status_code == 201, response.content
    nl_case = Case.objects.get(version=forwarded.version, member_state_id="NL")
    assert response.json()["decision_id"] == forwarded.decision.pk
    nl_case.refresh_from_db()
    assert nl_case.state == CaseState.CLOSED
    # Both Member States read the result; FR's decided case has nothing left to await.
    for name in ("nl_system", "fr_system"):
        listed = api_client(people[name]).get(f"/api/v1/declarations/{forwarded.declaration.mrn}/control-results/")
        assert [r["member_state"] for r in listed.json()["results"]] == ["NL"]
    assert browser(people["fr_analyst"]).get("/workbench/awaiting-results/").context["cases"] == []
    elsewhere = referred(place_of_unloading="FRLEH", countries_of_routing=["CN", "FR"])
    assert_error_body(post_result(people["nl_system"], elsewhere.declaration.mrn, SEIZURE), 404)
    assert ControlResult.objects.count() == 1


def test_de_system_gets_404(people, referred):
    case = decided(people, referred, place="place_of_unloading")
    de_system = make_user("de_system", "DE", "national_system")
    mrn = case.declaration.mrn
    assert_error_body(post_result(de_system, mrn, SEIZURE), 404)
    assert_error_body(api_client(de_system).get(f"/api/v1/declarations/{mrn}/control-results/"), 404)
    nothing_recorded()


def test_read_only_roles_may_not_record(people, referred):
    case = decided(people, referred)
    for name in ("fr_auditor", "commission", "eu_auditor"):
        assert_error_body(post_result(people[name], case.declaration.mrn, SEIZURE), 403)
    assert_error_body(post_result(None, case.declaration.mrn, SEIZURE), 401)
    nothing_recorded()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"control_type": "physical", "result": "seizure", "irregularity_type": "ipr"}, "seizure.goods", "required"),
        (SEIZURE | {"seizure": {"quantity": 3}}, "seizure.goods", "required"),
        (SEIZURE | {"seizure": {"goods": ""}}, "seizure.goods", "too_short"),
        (SEIZURE | {"seizure": {"goods": "toys", "quantity": -1}}, "seizure.quantity", "out_of_range"),
        (SEIZURE | {"seizure": {"goods": "toys", "quantity": "40"}}, "seizure.quantity", None),
        (SEIZURE | {"irregularity_type": None}, "irregularity_type", "required"),
        (SEIZURE | {"colour": "red"}, "colour", "unknown_field"),
        (SEIZURE | {"seizure": {"goods": "toys", "weight": 3}}, "seizure.weight", "unknown_field"),
        (SEIZURE | {"controlled_at": "yesterday"}, "controlled_at", None),
        (SEIZURE | {"controlled_at": "2026-13-01T10:00:00Z"}, "controlled_at", None),
        (SEIZURE | {"controlled_at": "2026-03-01T10:00:00"}, "controlled_at", "timezone_required"),
        (SEIZURE | {"controlled_at": "2999-03-01T10:00:00Z"}, "controlled_at", "out_of_range"),
        ({"control_type": "physical", "result": "no_irregularity", "irregularity_type": "ipr"}, "irregularity_type",
         "invalid"),
        ({"control_type": "physical", "result": "no_irregularity", "seizure": {"goods": "toys"}}, "seizure", "invalid"),
        ({"control_type": "sniffing", "result": "no_irregularity"}, "control_type", "invalid_choice"),
        ({"control_type": "physical"}, "result", "required"),
        ({"control_type": "physical", "result": "no_irregularity", "based_on_risk_analysis": "yes"},
         "based_on_risk_analysis", None),
    ],
)  # fmt: skip
def test_rest_validation_names_the_field_and_records_nothing(people, referred, body, field, code):
    case = decided(people, referred)
    errors = assert_error_body(post_result(people["fr_system"], case.declaration.mrn, body), 400)
    assert field in [e["field"] for e in errors], errors
    if code:
        assert code in [e["code"] for e in errors if e["field"] == field], errors
    nothing_recorded()
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def test_rest_refuses_what_is_not_json(people, referred):
    case = decided(people, referred)
    client = api_client(people["fr_system"])
    url = f"/api/v1/declarations/{case.declaration.mrn}/control-results/"
    assert_error_body(client.post(url, "{not json", content_type="application/json"), 400)
    assert_error_body(client.post(url, [SEIZURE], format="json"), 400)
    assert client.post(url, "result=seizure", content_type="application/x-www-form-urlencoded").status_code == 415
    nothing_recorded()
