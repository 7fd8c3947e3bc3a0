"""Who may file, amend and read an ENS (contract 1 roles, 2.1 office scoping, 2.3 amend, 2.4 read)."""

from __future__ import annotations

import pytest

from crms.declarations.models import Declaration
from crms.declarations.services import file_declarations
from tests.declarations.conftest import DECLARATIONS_URL, api_client, contract_body, post_json, stored_counts
from tests.permissions import Case, check_matrix

EVERYONE_WHO_READS_EVERYTHING = {"commission": 200, "commission_approver": 200, "eu_auditor": 200}
FRANCE = {"fr_system": 200, "fr_analyst": 200, "fr_risk_manager": 200, "fr_auditor": 200}
LOGGED_OUT = {"outsider": 401, "anonymous": 401}


@pytest.fixture
def cast(personas, nl_system, de_system):
    return {**personas, "nl_system": nl_system, "de_system": de_system}


def filed_by_fr(personas, **overrides) -> str:
    [result] = file_declarations([contract_body(**overrides)], user=personas["fr_system"])
    assert result.status == 201, result.errors
    return result.mrn


@pytest.fixture
def fr_only(personas) -> str:
    """Entering at Paris CDG and unloaded there: France's alone."""
    return filed_by_fr(personas, lrn="FR-ONLY", place_of_unloading="FRCDG")


@pytest.fixture
def fr_unloading_nl(personas) -> str:
    """Entering in France, unloaded in Rotterdam: France's and the Netherlands'."""
    return filed_by_fr(personas, lrn="FR-TO-NL", place_of_unloading="NLRTM")


def read_cases(mrn: str, expected: dict[str, int]) -> list[Case]:
    return [
        Case("GET", f"{DECLARATIONS_URL}{mrn}/", expected, api=True),
        Case("GET", f"{DECLARATIONS_URL}{mrn}/assessment/", expected, api=True),
    ]


def test_reading_a_declaration_of_france_only(cast, fr_only):
    expected = {
        **FRANCE,
        **EVERYONE_WHO_READS_EVERYTHING,
        "nl_analyst": 404,
        "de_analyst": 404,
        "nl_system": 404,
        "de_system": 404,
        **LOGGED_OUT,
    }
    assert set(expected) == set(cast)
    check_matrix(cast, read_cases(fr_only, expected))


def test_reading_a_declaration_unloaded_in_the_netherlands(cast, fr_unloading_nl):
    expected = {
        **FRANCE,
        **EVERYONE_WHO_READS_EVERYTHING,
        "nl_analyst": 200,
        "nl_system": 200,
        "de_analyst": 404,
        "de_system": 404,
        **LOGGED_OUT,
    }
    assert set(expected) == set(cast)
    check_matrix(cast, read_cases(fr_unloading_nl, expected))


def test_a_session_user_reads_like_a_token_user(personas, fr_only):
    check_matrix(
        personas,
        [
            Case(
                "GET",
                f"{DECLARATIONS_URL}{fr_only}/",
                {"fr_analyst": 200, "fr_auditor": 200, "eu_auditor": 200, "de_analyst": 404, "nl_analyst": 404},
            )
        ],
    )


def test_a_german_analyst_learns_nothing_from_the_404(personas, fr_only):
    client = api_client(personas["de_analyst"])
    known = client.get(f"{DECLARATIONS_URL}{fr_only}/")
    unknown = client.get(f"{DECLARATIONS_URL}26FR00000000000000/")
    assert (known.status_code, unknown.status_code) == (404, 404)
    assert known.json()["errors"][0]["code"] == unknown.json()["errors"][0]["code"]
    assert fr_only not in known.content.decode()


def test_who_may_file(cast):
    expected = {
        "fr_system": 201,
        "nl_system": 403,  # a French office
        "de_system": 403,
        "fr_analyst": 403,
        "fr_risk_manager": 403,
        "fr_auditor": 403,
        "nl_analyst": 403,
        "de_analyst": 403,
        "commission": 403,
        "commission_approver": 403,
        "eu_auditor": 403,
        "outsider": 401,
        "anonymous": 401,
    }
    check_matrix(cast, [Case("POST", DECLARATIONS_URL, expected, data=contract_body(), api=True)])
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize("office", ["NL000851", "NL000854", "DE003150", "CH000200"])
def test_a_french_system_may_not_file_for_another_countrys_office(personas, office):
    before = stored_counts()
    response = post_json(
        api_client(personas["fr_system"]), DECLARATIONS_URL, contract_body(office_of_first_entry=office)
    )
    assert response.status_code == 403
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("office_of_first_entry", "forbidden")]
    assert stored_counts() == before


def test_a_dutch_system_files_for_dutch_offices(nl_system, personas):
    body = contract_body(office_of_first_entry="NL000854", place_of_unloading="NLAMS")
    response = post_json(api_client(nl_system), DECLARATIONS_URL, body)
    assert response.status_code == 201
    mrn = response.json()["mrn"]
    assert Declaration.objects.get(mrn=mrn).first_entry_member_state_id == "NL"
    assert api_client(personas["nl_analyst"]).get(f"{DECLARATIONS_URL}{mrn}/").status_code == 200
    assert api_client(personas["fr_analyst"]).get(f"{DECLARATIONS_URL}{mrn}/").status_code == 404


def amendment_of(mrn: str) -> dict:
    declaration = Declaration.objects.get(mrn=mrn)
    body = dict(declaration.versions.get(version=1).body)
    body["goods_items"] = [dict(body["goods_items"][0], description="plastic toy trucks")]
    return body


def test_who_may_amend_a_french_declaration(cast, fr_only, fr_system_2):
    expected = {
        "nl_system": 404,
        "de_system": 404,
        "fr_analyst": 403,
        "fr_risk_manager": 403,
        "fr_auditor": 403,
        "nl_analyst": 403,
        "de_analyst": 403,
        "commission": 403,
        "commission_approver": 403,
        "eu_auditor": 403,
        "outsider": 401,
    }
    url = f"{DECLARATIONS_URL}{fr_only}/amendments/"
    check_matrix(cast, [Case("POST", url, expected, data=amendment_of(fr_only), api=True)])
    assert Declaration.objects.get(mrn=fr_only).current_version == 1
    check_matrix(
        {"fr_system_2": fr_system_2}, [Case("POST", url, {"fr_system_2": 201}, data=amendment_of(fr_only), api=True)]
    )
    assert Declaration.objects.get(mrn=fr_only).current_version == 2


def test_the_unloading_member_states_system_reads_but_may_not_amend(nl_system, fr_unloading_nl):
    client = api_client(nl_system)
    assert client.get(f"{DECLARATIONS_URL}{fr_unloading_nl}/").status_code == 200
    response = post_json(client, f"{DECLARATIONS_URL}{fr_unloading_nl}/amendments/", amendment_of(fr_unloading_nl))
    assert response.status_code == 403
    assert Declaration.objects.get(mrn=fr_unloading_nl).current_version == 1


def test_an_amendment_may_not_move_the_declaration_to_another_countrys_office(personas, fr_only):
    body = amendment_of(fr_only)
    body["office_of_first_entry"] = "NL000854"
    response = post_json(api_client(personas["fr_system"]), f"{DECLARATIONS_URL}{fr_only}/amendments/", body)
    assert response.status_code == 403
    assert [e["field"] for e in response.json()["errors"]] == ["office_of_first_entry"]
    assert Declaration.objects.get(mrn=fr_only).current_version == 1
