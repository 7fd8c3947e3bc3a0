"""Who sees which hits and which criteria (contract 2.4 and 3).

Hits of a national profile are shown only to users of the profile's Member State and to the
Commission; to others reading the same ENS the hit is left out. EU criteria hits are shown to
everyone who may read the ENS. The criteria endpoints are checked persona by persona.
"""

from __future__ import annotations

import pytest

from risk_engine import services
from tests.permissions import Case, check_matrix
from tests.risk_engine.conftest import make_criterion, make_ens


@pytest.fixture
def screened(people, publish, file_ens, screen):
    """An ENS entering in FR (CDG) and unloaded in NL (Rotterdam), hit by an EU criterion and two national profiles."""
    publish(make_criterion("CRC-VIS-EU"), people["commission"], people["commission_approver"])
    publish(
        make_criterion("FR-VIS-NP", scope="national", risk_area="financial"),
        people["fr_analyst"],
        people["fr_risk_manager"],
    )
    publish(make_criterion("NL-VIS-NP", scope="national"), people["nl_analyst"], people["nl_risk_manager"])
    # A DE profile matching the same goods: it must not run on an ENS that neither enters nor unloads in DE.
    publish(make_criterion("DE-VIS-NP", scope="national"), people["de_analyst"], people["de_risk_manager"])
    (mrn,) = file_ens(people["fr_system"], make_ens(office_of_first_entry="FR004380", place_of_unloading="NLRTM"))
    screen(mrn)
    return mrn


SEES = {
    "commission": {"CRC-VIS-EU", "FR-VIS-NP", "NL-VIS-NP"},
    "commission_approver": {"CRC-VIS-EU", "FR-VIS-NP", "NL-VIS-NP"},
    "eu_auditor": {"CRC-VIS-EU", "FR-VIS-NP", "NL-VIS-NP"},
    "fr_analyst": {"CRC-VIS-EU", "FR-VIS-NP"},
    "fr_risk_manager": {"CRC-VIS-EU", "FR-VIS-NP"},
    "fr_auditor": {"CRC-VIS-EU", "FR-VIS-NP"},
    "fr_system": {"CRC-VIS-EU", "FR-VIS-NP"},
    "nl_analyst": {"CRC-VIS-EU", "NL-VIS-NP"},
    "nl_risk_manager": {"CRC-VIS-EU", "NL-VIS-NP"},
    "nl_system": {"CRC-VIS-EU", "NL-VIS-NP"},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_national_profile_hits_only_for_their_member_state_and_the_commission(people, assessment, screened, persona):
    document = assessment(people[persona], screened)
    assert document["status"] == "screened"
    assert {hit["criterion"] for hit in document["hits"]} == SEES[persona]
    # Everyone who may read the ENS gets the same outcome and score (only the hit list differs).
    full = assessment(people["commission"], screened)
    assert (document["outcome"], document["score"], document["responsible_member_state"]) == (
        full["outcome"],
        full["score"],
        "FR",
    )


def test_the_profile_hit_is_complete_for_its_member_state(people, assessment, screened):
    hits = {hit["criterion"]: hit for hit in assessment(people["fr_analyst"], screened)["hits"]}
    assert (hits["FR-VIS-NP"]["scope"], hits["FR-VIS-NP"]["criterion_version"], hits["FR-VIS-NP"]["items"]) == (
        "national",
        1,
        [1],
    )
    assert hits["FR-VIS-NP"]["explanation"] and hits["CRC-VIS-EU"]["scope"] == "eu"


def test_other_member_states_cannot_read_the_ens_at_all(people, api, screened):
    for persona in ("de_analyst", "de_risk_manager"):
        response = api(people[persona]).get(f"/api/v1/declarations/{screened}/assessment/")
        assert response.status_code == 404
        assert set(response.json()) == {"errors"}


def test_eu_criterion_hit_visible_to_both_member_states(people, publish, file_ens, screen, assessment):
    publish(make_criterion("CRC-VIS-ONLY"), people["commission"], people["commission_approver"])
    (mrn,) = file_ens(people["fr_system"], make_ens(place_of_unloading="NLRTM"))
    screen(mrn)
    for persona in ("fr_analyst", "nl_analyst", "commission", "eu_auditor"):
        assert [hit["criterion"] for hit in assessment(people[persona], mrn)["hits"]] == ["CRC-VIS-ONLY"], persona


def test_national_profile_of_the_unloading_member_state_runs_and_stays_its_own(
    people, publish, file_ens, screen, assessment
):
    publish(make_criterion("NL-VIS-UNL", scope="national"), people["nl_analyst"], people["nl_risk_manager"])
    (unloading_nl,) = file_ens(people["fr_system"], make_ens(place_of_unloading="NLRTM"))
    (unloading_fr,) = file_ens(people["fr_system"], make_ens(place_of_unloading="FRCDG"))
    screen(unloading_nl, unloading_fr)
    assert [hit["criterion"] for hit in assessment(people["nl_analyst"], unloading_nl)["hits"]] == ["NL-VIS-UNL"]
    assert assessment(people["fr_analyst"], unloading_nl)["hits"] == []
    assert assessment(people["fr_analyst"], unloading_nl)["outcome"] == "control_recommended"
    assert assessment(people["commission"], unloading_fr)["hits"] == []  # nothing NL about it: the profile did not run


def test_restricted_criterion_logic_does_not_leak_through_hit_explanations(
    people, publish, file_ens, screen, assessment
):
    secret = {"all": [{"field": "item.value_per_kg", "op": "lt", "value": 17.25}]}
    publish(
        make_criterion("CRC-VIS-SECRET", restricted=True, risk_area="financial", condition=secret),
        people["commission"],
        people["commission_approver"],
    )
    (mrn,) = file_ens(people["fr_system"], make_ens())
    screen(mrn)
    # Contract v2 section 3: the Commission, Member State risk staff and national systems read it (audited) ...
    for persona in ("commission", "fr_analyst", "fr_system"):
        (hit,) = assessment(people[persona], mrn)["hits"]
        assert hit["explanation"][0]["expected"] == 17.25, persona
    # ... auditors never.
    for persona in ("eu_auditor", "fr_auditor"):
        (hit,) = assessment(people[persona], mrn)["hits"]
        assert hit["criterion"] == "CRC-VIS-SECRET"
        assert all("expected" not in entry for entry in hit["explanation"]), (persona, hit["explanation"])


# --- the criteria endpoints, persona by persona ---------------------------------------------------------

ALL_READERS = {
    "commission": 200,
    "commission_approver": 200,
    "eu_auditor": 200,
    "fr_analyst": 200,
    "fr_risk_manager": 200,
    "fr_auditor": 200,
    "nl_analyst": 200,
    "de_analyst": 200,
}
UNAUTHENTICATED = {"anonymous": 401, "outsider": 401}


def test_criteria_endpoint_matrix(personas, publish):
    author_2 = personas["commission"]
    publish(make_criterion("CRC-MX-EU"), author_2, personas["commission_approver"])
    publish(make_criterion("FR-MX-NP", scope="national"), personas["fr_analyst"], personas["fr_risk_manager"])
    duplicate_eu = make_criterion("CRC-MX-EU")
    services.create_criterion(actor=personas["commission"], data=make_criterion("CRC-MX-DRAFT"))
    member_states = ["fr_analyst", "fr_risk_manager", "fr_auditor", "nl_analyst", "de_analyst", "fr_system"]
    check_matrix(
        personas,
        [
            Case("GET", "/api/v1/criteria/", {**ALL_READERS, "fr_system": 200, **UNAUTHENTICATED}, api=True),
            Case("GET", "/api/v1/criteria/CRC-MX-EU/", {**ALL_READERS, "fr_system": 200, **UNAUTHENTICATED}, api=True),
            Case(
                "GET",
                "/api/v1/criteria/FR-MX-NP/",
                {**ALL_READERS, "nl_analyst": 404, "de_analyst": 404, "fr_system": 200, **UNAUTHENTICATED},
                api=True,
            ),
            # An EU draft is the Commission's (contract v2 section 3): the 404 of an unknown code elsewhere.
            Case(
                "GET",
                "/api/v1/criteria/CRC-MX-DRAFT/",
                {**ALL_READERS, **dict.fromkeys(member_states, 404), **UNAUTHENTICATED},
                api=True,
            ),
            Case("GET", "/api/v1/criteria/NOPE-404/", dict.fromkeys(ALL_READERS, 404) | UNAUTHENTICATED, api=True),
            # Approving what is already published: who may approve gets 409, who may not 403, who cannot see it 404.
            Case(
                "POST",
                "/api/v1/criteria/CRC-MX-EU/approve/",
                {
                    "commission_approver": 409,
                    "commission": 403,
                    "eu_auditor": 403,
                    "fr_analyst": 403,
                    "fr_risk_manager": 403,
                    "fr_auditor": 403,
                    "nl_analyst": 403,
                    "de_analyst": 403,
                    "fr_system": 403,  # reads it (contract v2 section 3), may not approve
                    **UNAUTHENTICATED,
                },
                data={},
                api=True,
            ),
            Case(
                "POST",
                "/api/v1/criteria/FR-MX-NP/approve/",
                {
                    "fr_risk_manager": 409,
                    "fr_analyst": 403,
                    "fr_auditor": 403,
                    "commission_approver": 403,
                    "commission": 403,
                    "eu_auditor": 403,
                    "nl_analyst": 404,
                    "de_analyst": 404,
                    "fr_system": 403,
                    **UNAUTHENTICATED,
                },
                data={},
                api=True,
            ),
            Case(
                "POST",
                "/api/v1/criteria/FR-MX-NP/submit/",
                {
                    "fr_analyst": 409,  # the author, but nothing is in draft
                    "fr_risk_manager": 409,
                    "commission": 409,
                    "nl_analyst": 404,
                    "de_analyst": 404,
                    "fr_system": 409,  # reads it; nothing is in draft (the state is checked first, as for others)
                    **UNAUTHENTICATED,
                },
                data={},
                api=True,
            ),
            # Creating an EU criterion whose code exists: authors get 409, everyone else 403.
            Case(
                "POST",
                "/api/v1/criteria/",
                {
                    "commission": 409,
                    "commission_approver": 409,
                    "eu_auditor": 403,
                    "fr_analyst": 403,
                    "fr_risk_manager": 403,
                    "fr_auditor": 403,
                    "nl_analyst": 403,
                    "de_analyst": 403,
                    "fr_system": 403,
                    **UNAUTHENTICATED,
                },
                data=duplicate_eu,
                api=True,
            ),
        ],
    )
