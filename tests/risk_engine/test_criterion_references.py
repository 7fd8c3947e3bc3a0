"""Criteria carry a legal-act reference, a financial risk type and the control stage (issue 15 point 2; 001:586-594).

The three fields are optional on create, validated with the field named, and read back everywhere the
document goes: the REST read, the criterion page, the JSON export and the change feed. A financial
risk type is refused outside the financial risk area.
"""

from __future__ import annotations

import pytest
from django.test import Client

from risk_engine.models import CriterionVersion
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, assert_error_body, make_criterion, publish_criterion

URL = "/api/v1/criteria/"
FINANCIAL = {
    "risk_area": "financial",
    "legal_act": "C(2018)3293 final",
    "financial_subtype": "undervaluation",
    "control_stage": "import_clearance",
}


@pytest.fixture
def financial(personas):
    return publish_criterion(
        make_criterion("CRC-REF-FIN", **FINANCIAL), personas["commission"], personas["commission_approver"]
    )


def test_the_fields_read_back_over_rest_and_in_the_export(personas, financial):
    body = api_client(personas["commission"]).get(f"{URL}CRC-REF-FIN/").json()
    for key, value in FINANCIAL.items():
        assert body[key] == value
        assert body["versions"][-1][key] == value
    client = Client()
    client.force_login(personas["commission"])
    exported = client.get("/criteria/CRC-REF-FIN/export.json").json()
    assert {key: exported[key] for key in FINANCIAL} == FINANCIAL


def test_the_criterion_page_shows_labels(personas, financial):
    client = Client()
    client.force_login(personas["fr_analyst"])
    page = client.get("/criteria/CRC-REF-FIN/").content.decode()
    assert "C(2018)3293 final" in page
    assert "Undervaluation" in page and "At import clearance" in page
    assert "import_clearance" not in page.split('id="criterion-control-stage"')[1][:80]


def test_the_feed_document_carries_them(reference_data):
    # The change log is written when the transaction commits: a transactional test, like the feed's own.
    author, approver = (
        make_user("ref_author", "EU", "commission"),
        make_user("ref_approver", "EU", "commission_approver"),
    )
    publish_criterion(make_criterion("CRC-REF-FEED", **FINANCIAL), author, approver)
    body = api_client(make_user("ref_fr_analyst", "FR", "analyst")).get(URL, {"after": 0}).json()
    item = next(i for i in body["results"] if i["code"] == "CRC-REF-FEED" and i["change"] == "published")
    assert {key: item["document"][key] for key in FINANCIAL} == FINANCIAL


def test_they_are_optional_and_null_when_not_stated(personas):
    publish_criterion(make_criterion("CRC-REF-PLAIN"), personas["commission"], personas["commission_approver"])
    version = CriterionVersion.objects.get(criterion__code="CRC-REF-PLAIN")
    assert (version.legal_act, version.financial_subtype, version.control_stage) == (None, None, None)
    body = api_client(personas["commission"]).get(f"{URL}CRC-REF-PLAIN/").json()
    assert (body["legal_act"], body["financial_subtype"], body["control_stage"]) == (None, None, None)
    # Financial risk area without a type: accepted (v1 clients do not send one).
    doc = make_criterion("CRC-REF-FIN2", risk_area="financial")
    assert api_client(personas["commission"]).post(URL, doc, format="json").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"financial_subtype": "undervaluation"}, "financial_subtype"),  # product safety is not financial
        ({"risk_area": "financial", "financial_subtype": "smuggling"}, "financial_subtype"),
        ({"control_stage": "at_the_border"}, "control_stage"),
        ({"legal_act": "x" * 101}, "legal_act"),
        ({"legal_act": 3293}, "legal_act"),
        ({"legal_act": ""}, "legal_act"),
    ],
)
def test_bad_values_are_400_naming_the_field(personas, overrides, field):
    response = api_client(personas["commission"]).post(URL, make_criterion("CRC-REF-BAD", **overrides), format="json")
    errors = assert_error_body(response, 400)
    assert field in {error["field"] for error in errors}, errors


def test_a_changed_stage_needs_a_new_version_and_shows_in_the_diff(personas, financial):
    author = api_client(personas["commission"])
    doc = make_criterion("CRC-REF-FIN", **{**FINANCIAL, "control_stage": "post_clearance"})
    assert author.put(f"{URL}CRC-REF-FIN/", doc, format="json").status_code == 200
    versions = CriterionVersion.objects.filter(criterion__code="CRC-REF-FIN").order_by("version")
    assert [v.control_stage for v in versions] == ["import_clearance", "post_clearance"]
    client = Client()
    client.force_login(personas["commission"])
    diff = client.get("/criteria/CRC-REF-FIN/diff/", {"a": 1, "b": 2}).content.decode()
    assert "After clearance" in diff and "At import clearance" in diff
