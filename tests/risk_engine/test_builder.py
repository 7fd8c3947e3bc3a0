"""The criterion builder's server side: plain language, preview, save, lookups, JSON round trip, shadow mode."""

from __future__ import annotations

import json

import pytest

from risk_engine import services
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models import Criterion, Hit
from risk_engine.plain import describe, describe_scope
from tests.conftest import make_user
from tests.permissions import Case, check_matrix
from tests.risk_engine.test_engine_flow import criterion, ens, file_and_screen, publish

FA = {
    "all": [
        {"field": "item.hs_code", "op": "starts_with", "value": ["9303", "9305"]},
        {
            "any": [
                {"field": "routing.countries", "op": "any_in", "value": ["AE"]},
                {"not": {"field": "any_party.aeo", "op": "eq", "value": True}},
            ]
        },
    ]
}


def test_plain_language_of_nested_groups():
    assert describe(FA) == (
        "goods item HS code starts with 9303 or 9305, and (the route passes through AE, or not (a party is an AEO))"
    )
    assert describe({"field": "item.value_eur", "op": "between", "value": [0, 10]}) == (
        "goods item value (EUR) is between 0 and 10"
    )
    assert describe(
        {
            "any": [
                {"field": "item.description", "op": "contains_any", "value": ["detonator"]},
                {"field": "item.dangerous_goods_code", "op": "is_not_empty"},
            ]
        }
    ) == ("either goods description contains “detonator”, or UN dangerous goods number is given")
    assert describe_scope(scope="national", owner="FR", applies_to={"phases": ["pre_arrival"]}) == (
        "ENS entering or unloaded in FR in the pre-arrival phase."
    )
    # Malformed scope values are the validation's to name, not spelt out letter by letter (adversarial probe).
    assert describe_scope(scope="eu", owner="", applies_to={"transport_modes": "air", "phases": 7}) == "Every ENS."


@pytest.fixture
def author(db):
    return make_user("b-author", "EU", "commission")


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_preview_gives_plain_language_and_every_problem_with_its_node(client, author):
    client.force_login(author)
    doc = criterion(
        "CRC-B-1",
        condition={
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9303"]},
                {"field": "consignor.name", "op": "gt", "value": 3},
            ]
        },
        weight=500,
    )
    data = post(client, "/criteria/builder/preview/", doc).json()
    assert data["plain"].startswith("goods item HS code starts with 9303, and consignor name")
    fields = {error["field"] for error in data["errors"]}
    assert {"weight", "condition.all[1].op"} <= fields


def test_save_creates_a_draft_then_edits_it(client, author):
    client.force_login(author)
    response = post(client, "/criteria/builder/save/", criterion("CRC-B-2", condition=FA))
    assert response.status_code == 201 and response.json()["url"] == "/criteria/CRC-B-2/"
    version = Criterion.objects.get(code="CRC-B-2").versions.get()
    assert version.status == "draft" and version.condition == FA
    assert post(client, "/criteria/builder/save/", criterion("CRC-B-2", condition=FA, weight=77)).status_code == 201
    assert Criterion.objects.get(code="CRC-B-2").versions.get().weight == 77  # the same draft, edited


def test_save_refuses_invalid_documents_without_storing(client, author):
    client.force_login(author)
    response = post(client, "/criteria/builder/save/", criterion("CRC-B-3", condition={"all": []}))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "condition.all"
    assert not Criterion.objects.filter(code="CRC-B-3").exists()


def test_json_export_then_import_gives_the_same_document(client, author):
    client.force_login(author)
    original = criterion(
        "CRC-B-4",
        condition=FA,
        applies_to={"phases": ["pre_loading"], "transport_modes": ["air"]},
        allows_aeo_facilitation=True,
        valid_to="2027-01-01T00:00:00+00:00",
        legal_act="C(2018)3293 final",
        control_stage="pre_loading",
    )
    post(client, "/criteria/builder/save/", original)
    exported = client.get("/criteria/CRC-B-4/export.json").json()
    imported = exported | {"code": "CRC-B-5"}
    assert post(client, "/criteria/builder/save/", imported).status_code == 201
    again = client.get("/criteria/CRC-B-5/export.json").json()
    assert again == imported
    assert {k: v for k, v in exported.items() if k not in ("valid_from", "valid_to")} == {
        k: v
        for k, v in (
            original | {"restricted": False, "shadow": False, "description": "", "financial_subtype": None}
        ).items()
        if k not in ("valid_from", "valid_to")
    }


@pytest.mark.parametrize(
    "kind,query,expected",
    [
        ("hs", "9303", "930320"),
        ("hs", "revolvers", "930200"),
        ("country", "TR", "TR"),
        ("country", "Ital", "IT"),
        ("office", "FR0043", "FR004380"),
    ],
)
def test_lookups(client, author, kind, query, expected):
    client.force_login(author)
    values = [
        item["value"] for item in client.get(f"/criteria/builder/lookup/?kind={kind}&q={query}").json()["results"]
    ]
    assert expected in values


def test_shadow_hits_are_counted_but_change_nothing_then_promotion_needs_four_eyes(db):
    author, approver = make_user("s-author", "EU", "commission"), make_user("s-appr", "EU", "commission_approver")
    fr_system = make_user("s-fr", "FR", "national_system")
    crit = publish(criterion("CRC-B-SHADOW", outcome="do_not_load", shadow=True), author, approver)
    declaration = file_and_screen(fr_system, ens())
    assessment = declaration.assessments.get()
    assert (assessment.outcome, assessment.score) == ("assessment_complete", 0)
    assert Hit.objects.filter(assessment=assessment, criterion_code="CRC-B-SHADOW", shadow=True).count() == 1

    submitted = services.promote_shadow(actor=author, criterion=crit)
    assert (submitted.version, submitted.status, submitted.shadow) == (2, "submitted", False)
    with pytest.raises(services.CriteriaError) as refused:
        services.approve_criterion(actor=author, criterion=crit)
    assert refused.value.status == 403
    services.approve_criterion(actor=approver, criterion=crit)
    forget_compiled_criteria()
    live = file_and_screen(fr_system, ens()).assessments.get()
    assert live.outcome == "do_not_load" and live.score > 0


def test_builder_pages_matrix(personas):
    publish(
        criterion("CRC-B-M"),
        make_user("m-author", "EU", "commission"),
        make_user("m-appr", "EU", "commission_approver"),
    )
    authors = {
        "commission": 200,
        "commission_approver": 200,
        "fr_analyst": 200,
        "fr_risk_manager": 200,
        "nl_analyst": 200,
        "de_analyst": 200,
    }
    readers = {"eu_auditor": 403, "fr_auditor": 403, "fr_system": 403, "outsider": 302, "anonymous": 302}
    check_matrix(
        personas,
        [
            Case("GET", "/criteria/new/", authors | readers),
            Case("GET", "/criteria/CRC-B-M/edit/", authors | readers),
            Case(
                "GET",
                "/criteria/CRC-B-M/export.json",
                authors | {"eu_auditor": 200, "fr_auditor": 200, "fr_system": 403, "anonymous": 302},
            ),
            Case("GET", "/criteria/builder/lookup/?kind=hs&q=93", authors | {"eu_auditor": 200, "fr_system": 403}),
        ],
    )


@pytest.mark.parametrize(
    "leaf",
    [
        {"field": "item.hs_code", "op": "starts_with", "value": []},
        {"field": "routing.countries", "op": "any_in", "value": []},
        {"field": "item.description", "op": "contains_any", "value": []},
        {"field": "item.hs_code", "op": "in", "value": None},
        {"field": "item.value_eur", "op": "lt"},
        {"field": "item.hs_code", "op": "starts_with", "value": ""},
    ],
)
def test_preview_of_a_condition_without_a_value_yet(client, author, leaf):
    """A condition just added in the builder has no value: the preview says so (it was an IndexError, 500)."""
    client.force_login(author)
    response = post(client, "/criteria/builder/preview/", criterion("CRC-B-EMPTY", condition={"all": [leaf]}))
    assert response.status_code == 200
    assert "(no value yet)" in response.json()["plain"]
