"""Who may open which indicator page, export and endpoint."""

import pytest

from tests.permissions import Case, check_matrix

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


def everyone(ok: int = 200, *, system: int = 403, anonymous: int = 302, **overrides) -> dict:
    expected = dict.fromkeys(PEOPLE, ok) | {"fr_system": system, "outsider": anonymous, "anonymous": anonymous}
    return expected | overrides


def test_indicator_pages_matrix(personas):
    read_only = {"eu_auditor": 404, "fr_auditor": 404}
    check_matrix(
        personas,
        [
            Case("GET", "/indicators/", everyone()),
            Case("GET", "/indicators/?from=2026-01-01&to=2026-12-31&member_state=FR", everyone()),
            Case("GET", "/indicators/export/hits.csv", everyone()),
            Case("GET", "/indicators/export/all.xlsx", everyone()),
            Case("GET", "/indicators/export/nothing.csv", everyone(404)),
            Case("GET", "/indicators/records/controls/", everyone()),
            Case("GET", "/indicators/reports/quarterly/?quarter=2026-Q4", everyone()),
            Case("GET", "/indicators/reports/annual/?year=2026", everyone()),
            Case("POST", "/indicators/refresh/", everyone(302, **read_only), data={}),
        ],
    )


def test_indicator_api_matrix(personas):
    check_matrix(
        personas,
        [
            Case("GET", "/api/v1/indicators/", everyone(system=200, anonymous=401), api=True),
            Case("GET", "/api/v1/indicators/evaluation/?period=2026", everyone(system=200, anonymous=401), api=True),
        ],
    )
