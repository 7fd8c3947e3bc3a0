"""Permission matrix over every RIF, crisis and PCA page and the RIF API, for the shared personas."""

from __future__ import annotations

import pytest

from tests.conftest import make_user
from tests.permissions import Case, check_matrix
from tests.rif.conftest import exchange_world, rif_body

pytestmark = pytest.mark.django_db

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
EVERYONE = [*PEOPLE, "fr_system"]
AUTHORS = ["commission", "commission_approver", "fr_analyst", "fr_risk_manager", "nl_analyst", "de_analyst"]


def page(allowed: list[str], *, ok: int = 200, hidden: int = 404) -> dict[str, int]:
    """People outside ``allowed`` get ``hidden``; national systems 403 (no browser area); anonymous to login."""
    expected = dict.fromkeys(PEOPLE, hidden) | dict.fromkeys(allowed, ok)
    return expected | {"fr_system": 403, "anonymous": 302, "outsider": 302}


def api(allowed: list[str], *, ok: int = 200, hidden: int = 404, refused: dict | None = None) -> dict[str, int]:
    expected = dict.fromkeys(EVERYONE, hidden) | dict.fromkeys(allowed, ok) | (refused or {})
    return expected | {"anonymous": 401, "outsider": 401}


@pytest.fixture
def world(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    nl_manager = make_user("nl_risk_manager", "NL", "risk_manager")
    return exchange_world(
        nl_author=personas["nl_analyst"],
        nl_approver=nl_manager,
        fr_author=personas["fr_analyst"],
        commission=personas["commission"],
    )


def test_rif_and_pca_pages(personas, world):
    received, draft = world["received"].reference, world["draft"].reference
    readers = ["commission", "commission_approver", "eu_auditor", "fr_analyst", "fr_risk_manager", "fr_auditor"]
    readers_of_received = [*readers, "nl_analyst"]
    crisis, pca = world["crisis"].pk, world["pca"].pk
    cases = [
        Case("GET", "/rif/", page(PEOPLE)),
        Case("GET", "/rif/?q=toys&risk_area=product_safety&country=CN&hs_code=9503", page(PEOPLE)),
        Case("GET", "/rif/new/", page(AUTHORS)),
        Case("GET", "/rif/follow-up/", page(PEOPLE)),
        Case("GET", "/rif/notifications/", page(PEOPLE)),
        Case("GET", f"/rif/{received}/", page(readers_of_received)),
        Case("GET", f"/rif/{received}/attachments/{world['attachment'].pk}/", page(readers_of_received)),
        Case("GET", f"/rif/{received}/attachments/999999/", page([], hidden=404)),
        Case("GET", f"/rif/{received}/edit/", page([])),
        Case("GET", f"/rif/{draft}/", page(["fr_analyst", "fr_risk_manager", "fr_auditor"])),
        Case("GET", f"/rif/{draft}/edit/", page(["fr_analyst", "fr_risk_manager"])),
        Case("GET", "/rif/crises/", page(PEOPLE)),
        Case("GET", "/rif/crises/new/", page(["commission", "commission_approver"])),
        Case("GET", f"/rif/crises/{crisis}/", page(PEOPLE)),
        Case("GET", "/pca/", page(PEOPLE)),
        Case("GET", "/pca/new/", page(["commission", "commission_approver"])),
        Case("GET", f"/pca/{pca}/", page(PEOPLE)),
        Case("GET", "/pca/999999/", page([])),
    ]
    # Actions: a Member State that may not see the RIF gets 404; everyone else is redirected back to
    # the page with the service's verdict (refusals are checked in the service tests).
    de_hidden = page([*PEOPLE], ok=302) | {"de_analyst": 404}
    for action in ("transition/submit/", "transition/approve/", "read/", "feedback/", "criterion/", "attachments/"):
        cases.append(Case("POST", f"/rif/{received}/{action}", de_hidden))
    draft_hidden = page(["fr_analyst", "fr_risk_manager", "fr_auditor"], ok=302)
    cases.append(Case("POST", f"/rif/{draft}/transition/return/", draft_hidden))
    for action in ("posts/", "criteria/", "close/"):
        cases.append(Case("POST", f"/rif/crises/{crisis}/{action}", page(PEOPLE, ok=302)))
    for action in ("results/", "suspend/", "resume/", "close/"):
        cases.append(Case("POST", f"/pca/{pca}/{action}", page(PEOPLE, ok=302)))
    check_matrix(personas, cases)


def test_rif_api(personas, world):
    received = world["received"].reference
    readers = ["commission", "commission_approver", "eu_auditor", "fr_analyst", "fr_risk_manager", "fr_auditor"]
    refused = {"fr_auditor": 403, "eu_auditor": 403}
    cases = [
        Case("GET", "/api/v1/rifs/", api(EVERYONE), api=True),
        Case("GET", f"/api/v1/rifs/{received}/", api([*readers, "nl_analyst", "fr_system"]), api=True),
        Case(
            "GET",
            f"/api/v1/rifs/{world['draft'].reference}/",
            api(["fr_analyst", "fr_risk_manager", "fr_auditor", "fr_system"]),
            api=True,
        ),
        Case(
            "POST",
            "/api/v1/rifs/",
            api([*AUTHORS, "fr_system"], ok=201, refused=refused),
            data=rif_body(recipients=["BE"]),
            api=True,
        ),
        Case(
            "POST",
            f"/api/v1/rifs/{received}/feedback/",
            api(
                ["fr_system", "fr_analyst", "fr_risk_manager"],
                ok=201,
                refused=dict.fromkeys(
                    ("fr_auditor", "commission", "commission_approver", "eu_auditor", "nl_analyst"), 403
                ),
            ),
            data={"relevance": "high"},
            api=True,
        ),
    ]
    check_matrix(personas, cases)
