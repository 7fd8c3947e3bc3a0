"""Permission matrix over the shell's pages and the platform-level API."""

import pytest

from crms.audit.services import record
from crms.core.navigation import AREAS
from tests.permissions import Case, check_matrix

PEOPLE = [
    "commission",
    "commission_approver",
    "eu_auditor",
    "fr_analyst",
    "fr_risk_manager",
    "fr_auditor",
    "nl_analyst",
    "de_analyst",
]
EVERYONE_SIGNED_IN = [*PEOPLE, "fr_system"]


def expect(allowed: list[str], *, ok: int = 200, denied: int = 403, anonymous: int = 302):
    """An account with no organisation (the outsider) cannot authenticate: it is treated as anonymous."""
    everyone = dict.fromkeys(EVERYONE_SIGNED_IN, denied)
    everyone.update(dict.fromkeys(allowed, ok))
    everyone.update({"anonymous": anonymous, "outsider": anonymous})
    return everyone


@pytest.mark.django_db
def test_shell_pages_matrix(personas):
    cases = [
        Case("GET", "/", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/login/", dict.fromkeys(EVERYONE_SIGNED_IN, 302) | {"anonymous": 200}),
        Case("GET", "/reference/", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/participants/", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/offices/?member_state=FR", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/countries/?q=chi", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/hs/?q=9303", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/hs/?parent=93", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/risk-areas/", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/reference/vague-terms/", expect(EVERYONE_SIGNED_IN)),
        Case(
            "GET",
            "/audit/",
            expect(["commission", "commission_approver", "eu_auditor", "fr_auditor", "fr_risk_manager"]),
        ),
        Case("GET", "/declarations/", expect(EVERYONE_SIGNED_IN)),
        Case("GET", "/operators/", expect(PEOPLE)),
        Case("GET", "/criteria/", expect(PEOPLE)),
        Case(
            "GET",
            "/workbench/",
            expect(["fr_analyst", "fr_risk_manager", "fr_auditor", "eu_auditor", "nl_analyst", "de_analyst"]),
        ),
        Case("GET", "/rif/", expect(PEOPLE)),
        Case("GET", "/pca/", expect(PEOPLE)),
        Case(
            "GET",
            "/selection/",
            expect(
                [
                    *("fr_analyst", "fr_risk_manager", "fr_auditor", "eu_auditor", "nl_analyst", "de_analyst"),
                    *("commission", "commission_approver"),
                ]
            ),
        ),
        Case("GET", "/indicators/", expect(PEOPLE)),
        # The Commission's analysis workspace: its people only (an FR auditor has the role, not the seat).
        Case("GET", "/analysis/", expect(["commission", "commission_approver", "eu_auditor"])),
        # Risk models: Member State risk staff and auditors, the Commission (issue 16).
        Case("GET", "/models/", expect(MODEL_READERS)),
        # Price outliers and baselines: the same readers, each over the declarations it reads (issue 16 point 5).
        Case("GET", "/prices/outliers/", expect(MODEL_READERS)),
        Case("GET", "/prices/baselines/", expect(MODEL_READERS)),
        Case("GET", "/api/docs/", expect(EVERYONE_SIGNED_IN, anonymous=401)),
        Case("GET", "/admin/", {"commission": 302, "fr_analyst": 302, "anonymous": 302}),
    ]
    check_matrix(personas, cases)


MODEL_READERS = ["commission", "commission_approver", "eu_auditor", "fr_analyst", "fr_risk_manager", "fr_auditor",
                 "nl_analyst", "de_analyst"]  # fmt: skip


@pytest.mark.django_db
def test_api_matrix(personas):
    cases = [
        Case("GET", "/api/v1/me/", expect(EVERYONE_SIGNED_IN, anonymous=401), api=True),
        Case("GET", "/api/schema/", expect(EVERYONE_SIGNED_IN, anonymous=401), api=True),
    ]
    check_matrix(personas, cases)


def test_every_area_is_in_the_matrix():
    """A new area must be added to the matrix above (this fails when one is not)."""
    covered = {"declarations", "criteria", "workbench", "rif", "pca", "indicators", "reference", "audit", "operators"}
    covered |= {"selection", "analysis", "models", "prices"}
    assert {area.key for area in AREAS} == covered


@pytest.mark.django_db
def test_home_shows_org_role_and_only_allowed_areas(client, personas):
    client.force_login(personas["fr_analyst"])
    html = client.get("/").content.decode()
    assert "France" in html and "Risk analyst" in html
    assert 'href="/workbench/"' in html and 'href="/audit/"' not in html
    client.force_login(personas["fr_system"])
    html = client.get("/").content.decode()
    assert 'href="/criteria/"' not in html and 'href="/declarations/"' in html


@pytest.mark.django_db
def test_audit_log_scoped_by_organisation(client, personas):
    record(actor=personas["fr_analyst"], action="fr.thing", object_type="t", object_id="1")
    record(actor=personas["de_analyst"], action="de.thing", object_type="t", object_id="2")
    client.force_login(personas["fr_risk_manager"])
    html = client.get("/audit/").content.decode()
    # Actions are shown as labels ("Fr: thing"), not codes (issue 14).
    assert "Fr: thing" in html and "De: thing" not in html
    client.force_login(personas["commission"])
    html = client.get("/audit/").content.decode()
    assert "Fr: thing" in html and "De: thing" in html


@pytest.mark.django_db
def test_hs_search_by_words_and_by_prefix(client, personas):
    client.force_login(personas["fr_analyst"])
    html = client.get("/reference/hs/?q=9303").content.decode()
    assert "930320" in html
    html = client.get("/reference/hs/?q=revolvers").content.decode()
    assert "930200" in html
    partial = client.get("/reference/hs/?q=9303", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "930320" in partial


def test_healthz_reports_database_and_redis(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
