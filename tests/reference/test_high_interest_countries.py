"""The high-interest-country list is reference data the Commission maintains (issue 15 point 7), no longer an
environment variable: browser page and REST, audited, read by the indicators; reloading the reference data
never undoes the Commission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from crms.audit.models import AuditEntry
from crms.reference.loader import load_reference_data
from crms.reference.selectors import high_interest_countries
from indicators.services import _bounds
from tests.risk_engine.conftest import api_client, assert_error_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/reference/high-interest-countries/"
SEEDED = ["AE", "CN", "HK", "IR", "RU", "SY", "TR"]


def test_the_commission_replaces_the_list_over_rest(people):
    assert api_client(people["fr_system"]).get(URL).json() == {
        "countries": SEEDED,
        "changed_at": None,
        "changed_by": None,
    }
    response = api_client(people["commission_approver"]).put(URL, {"countries": ["RU", "CN", "KP"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["countries"] == ["CN", "KP", "RU"]
    assert response.json()["changed_by"] == "commission_approver"
    entry = AuditEntry.objects.get(action="reference.high_interest_countries_changed")
    assert (entry.before, entry.after) == ({"countries": SEEDED}, {"countries": ["CN", "KP", "RU"]})
    # What the indicators break out by; reloading the reference data does not bring AE back.
    day = dt.date(2026, 12, 1)
    assert _bounds(day, day)["countries"] == ["CN", "KP", "RU"]
    load_reference_data()
    assert high_interest_countries() == ["CN", "KP", "RU"]
    # Unchanged: nothing recorded.
    api_client(people["commission"]).put(URL, {"countries": ["CN", "KP", "RU"]}, format="json")
    assert AuditEntry.objects.filter(action="reference.high_interest_countries_changed").count() == 1


def test_bad_lists_and_other_roles(people):
    commission = api_client(people["commission"])
    for body, fields in [
        ({"countries": ["XX"]}, {"countries[0]"}),
        ({"countries": ["CN", "cn"]}, {"countries[1]"}),
        ({"countries": "CN"}, {"countries"}),
        ({"countries": [], "why": "tidy"}, {"why"}),
        ({}, {"countries"}),
    ]:
        errors = assert_error_body(commission.put(URL, body, format="json"), 400)
        assert {e["field"] for e in errors} == fields, (body, errors)
    assert high_interest_countries() == SEEDED
    for name in ("fr_risk_manager", "fr_system", "eu_auditor"):
        assert_error_body(api_client(people[name]).put(URL, {"x": 1}, format="json"), 403)
    assert_error_body(api_client(None).get(URL), 401)
    assert commission.put(URL, {"countries": []}, format="json").json()["countries"] == []


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_reference_page(people):
    page = _browser(people["fr_analyst"]).get("/reference/high-interest-countries/").content.decode()
    assert "United Arab Emirates" in page and 'id="high-interest-form"' not in page
    assert (
        _browser(people["fr_analyst"]).post("/reference/high-interest-countries/", {"countries": "CN"}).status_code
        == 403
    )
    commission = _browser(people["commission"])
    assert 'id="high-interest-form"' in commission.get("/reference/high-interest-countries/").content.decode()
    assert commission.post("/reference/high-interest-countries/", {"countries": "cn, ru ir"}).status_code == 302
    assert high_interest_countries() == ["CN", "IR", "RU"]
    refused = commission.post("/reference/high-interest-countries/", {"countries": "CN, ZZ"})
    assert refused.status_code == 400 and "countries[1]" in refused.content.decode()
    assert high_interest_countries() == ["CN", "IR", "RU"]


def test_the_participants_page_shows_what_an_agreement_covers(people):
    page = _browser(people["de_analyst"]).get("/reference/participants/").content.decode()
    assert "Risk information forms, Crisis alerts, Priority control areas: Security and safety" in page
