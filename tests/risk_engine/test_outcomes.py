"""Outcomes, scores and AEO facilitation (contract 2.4; ``risk_engine.outcomes``).

Pure rules are checked on ``effect``/``combine`` directly (with hypothesis for the score's
promises); the same rules are then checked end to end on screened ENS, read over the API.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crms.operators.models import AeoAuthorisation, Operator
from risk_engine.models import Hit
from risk_engine.outcomes import SEVERITY, Outcome, combine, effect
from tests.risk_engine.conftest import make_ens, make_item

ORDER = [
    "assessment_complete",
    "request_for_information",
    "control_recommended",
    "high_risk_cargo_screening",
    "do_not_load",
]
PHASES = ["pre_loading", "pre_arrival"]


def make_effect(outcome: str, weight: int = 50, *, phase: str = "pre_loading", aeo=False, allows=False, control=None):
    return effect(
        outcome=outcome, control_type=control, weight=weight, phase=phase, aeo=aeo, allows_facilitation=allows
    )


# --- pure rules ----------------------------------------------------------------------------------


def test_severity_order_is_the_contracts():
    assert sorted(SEVERITY, key=SEVERITY.get) == [Outcome(o) for o in ORDER]


@pytest.mark.parametrize("lower,higher", list(itertools.combinations(ORDER, 2)))
def test_most_severe_outcome_wins_whatever_the_weights(lower, higher):
    # The less severe hit carries the larger weight: severity, not weight, decides.
    for effects in (
        [make_effect(lower, 100), make_effect(higher, 1)],
        [make_effect(higher, 1), make_effect(lower, 100)],
    ):
        assert combine(effects)[0] == Outcome(higher)


def test_no_hits_score_zero_and_assessment_complete():
    assert combine([]) == (Outcome.ASSESSMENT_COMPLETE, 0, None)


@pytest.mark.parametrize(
    "outcome,control,phase,expected,expected_control",
    [
        ("request_for_information", None, "pre_loading", "request_for_information", None),
        ("high_risk_cargo_screening", None, "pre_loading", "high_risk_cargo_screening", None),
        ("do_not_load", None, "pre_loading", "do_not_load", None),
        ("request_for_information", None, "pre_arrival", "control_recommended", None),
        ("request_for_information", "documentary", "pre_arrival", "control_recommended", "documentary"),
        ("high_risk_cargo_screening", None, "pre_arrival", "control_recommended", "physical"),
        ("high_risk_cargo_screening", "scanning", "pre_arrival", "control_recommended", "physical"),
        ("do_not_load", None, "pre_arrival", "control_recommended", "physical"),
        ("control_recommended", "scanning", "pre_arrival", "control_recommended", "scanning"),
        ("assessment_complete", None, "pre_arrival", "assessment_complete", None),
    ],
)
def test_pre_arrival_mapping(outcome, control, phase, expected, expected_control):
    result = make_effect(outcome, phase=phase, control=control)
    assert (result.outcome, result.control_type) == (Outcome(expected), expected_control)


effects_strategy = st.builds(
    make_effect,
    outcome=st.sampled_from(ORDER),
    weight=st.integers(1, 100),
    phase=st.sampled_from(PHASES),
    aeo=st.booleans(),
    allows=st.booleans(),
    control=st.sampled_from([None, "documentary", "physical", "scanning"]),
)


@settings(max_examples=300, deadline=None)
@given(weights=st.lists(st.integers(1, 100), min_size=1, max_size=30))
def test_score_never_lower_with_more_hits_and_within_bounds(weights):
    previous = combine([])[1]
    assert previous == 0
    effects = []
    for weight in weights:
        effects.append(make_effect("control_recommended", weight))
        score = combine(effects)[1]
        assert 1 <= score <= 100
        assert score >= previous, (weights, score, previous)
        assert score >= max(weight for weight in weights[: len(effects)]) - 1  # at least about the largest weight
        previous = score


@settings(max_examples=300, deadline=None)
@given(effects=st.lists(effects_strategy, max_size=12), extra=effects_strategy, position=st.integers(0, 12))
def test_adding_any_hit_anywhere_never_lowers_score_or_severity(effects, extra, position):
    outcome, score, _ = combine(effects)
    more = [*effects[:position], extra, *effects[position:]]
    more_outcome, more_score, _ = combine(more)
    assert 0 <= score <= 100 and 0 <= more_score <= 100
    assert more_score >= score
    assert SEVERITY[more_outcome] >= SEVERITY[outcome]
    # The outcome is the most severe effective outcome, whatever the order.
    assert more_outcome == max((e.outcome for e in more), key=SEVERITY.get)
    assert combine(list(reversed(more)))[:2] == (more_outcome, more_score)


@settings(max_examples=200, deadline=None)
@given(outcome=st.sampled_from(ORDER), weight=st.integers(1, 100), phase=st.sampled_from(PHASES))
def test_facilitation_never_makes_a_hit_heavier_or_more_severe(outcome, weight, phase):
    plain = make_effect(outcome, weight, phase=phase)
    eased = make_effect(outcome, weight, phase=phase, aeo=True, allows=True)
    assert eased.weight <= plain.weight
    assert SEVERITY[eased.outcome] <= SEVERITY[plain.outcome]
    if outcome in ("do_not_load", "high_risk_cargo_screening"):
        assert eased == plain and not eased.facilitated
    # Both conditions are needed.
    assert make_effect(outcome, weight, phase=phase, aeo=True, allows=False) == plain
    assert make_effect(outcome, weight, phase=phase, aeo=False, allows=True) == plain


# --- end to end: screened ENS read over the API ----------------------------------------------------


@pytest.fixture
def flow(people, criterion, publish, file_ens, screen, assessment):
    class Flow:
        def publish(self, code: str, **overrides):
            return publish(criterion(code, **overrides), people["commission"], people["commission_approver"])

        def screened(self, body: dict | None = None) -> dict:
            (mrn,) = file_ens(people["fr_system"], body or make_ens())
            screen(mrn)
            return assessment(people["fr_analyst"], mrn)

    return Flow()


def test_outcome_score_and_control_type_of_several_hits(flow):
    flow.publish("OUT-T-RFI", outcome="request_for_information", control_type=None, weight=30)
    flow.publish("OUT-T-CR", outcome="control_recommended", control_type="scanning", weight=50)
    flow.publish("OUT-T-HRCS", outcome="high_risk_cargo_screening", control_type=None, weight=20)
    result = flow.screened()
    assert result["status"] == "screened"
    assert result["outcome"] == "high_risk_cargo_screening"
    assert result["score"] == round(100 * (1 - 0.7 * 0.5 * 0.8))  # 72
    assert {hit["criterion"]: hit["outcome"] for hit in result["hits"]} == {
        "OUT-T-RFI": "request_for_information",
        "OUT-T-CR": "control_recommended",
        "OUT-T-HRCS": "high_risk_cargo_screening",
    }


def test_clean_ens_scores_zero(flow):
    flow.publish("OUT-T-NONE", condition={"field": "item.hs_code", "op": "starts_with", "value": ["0101"]})
    result = flow.screened()
    assert (result["status"], result["outcome"], result["score"], result["hits"]) == (
        "screened",
        "assessment_complete",
        0,
        [],
    )


def test_more_hits_never_lower_the_screened_score(flow, people, file_ens, screen, assessment):
    body = make_ens()
    scores = []
    for index, weight in enumerate([40, 5, 90, 1]):
        flow.publish(f"OUT-T-W{index}", weight=weight)
        (mrn,) = file_ens(people["fr_system"], make_ens(goods_items=body["goods_items"]))
        screen(mrn)
        scores.append(assessment(people["fr_analyst"], mrn)["score"])
    assert scores == sorted(scores) and scores[0] > 0 and scores[-1] <= 100
    assert scores[0] == 40


@pytest.mark.parametrize("outcome", ["request_for_information", "high_risk_cargo_screening", "do_not_load"])
def test_pre_arrival_ens_gets_control_recommended_instead_of_pre_loading_referrals(flow, outcome):
    flow.publish("OUT-T-PA", outcome=outcome, control_type=None)
    body = make_ens(phase="pre_arrival")
    result = flow.screened(body)
    (hit,) = result["hits"]
    assert result["outcome"] == hit["outcome"] == "control_recommended"
    expected_control = None if outcome == "request_for_information" else "physical"
    assert hit["control_type"] == result["control_type"] == expected_control
    # The same criterion in the pre_loading phase keeps its own outcome.
    assert flow.screened()["outcome"] == outcome


# --- AEO facilitation ------------------------------------------------------------------------------

AEO_EORI = "DE123456789012345"  # the filer of the contract example


def make_aeo(eori: str = AEO_EORI, *, status="active", valid_from=dt.date(2020, 1, 1), valid_to=None, number=None):
    operator, _ = Operator.objects.get_or_create(eori=eori, defaults={"name": "Trusted Trader", "country_id": "DE"})
    AeoAuthorisation.objects.create(
        operator=operator,
        number=number or f"DEAEOF{eori}{status}",
        type="AEOF",
        issuing_country_id="DE",
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
    )
    return operator


def test_aeo_facilitation_completes_the_assessment_with_a_lower_score(flow):
    flow.publish("OUT-T-AEO", allows_aeo_facilitation=True, weight=60)
    without = flow.screened()  # no AEO yet: the example's filer is unknown to the platform
    make_aeo()
    eased = flow.screened()  # filed after the authorisation: the filer is linked by EORI
    assert (without["outcome"], without["score"]) == ("control_recommended", 60)
    assert eased["outcome"] == "assessment_complete"
    assert 0 < eased["score"] < without["score"]
    (hit,) = eased["hits"]  # the hit is always recorded
    assert hit["criterion"] == "OUT-T-AEO" and hit["aeo_facilitated"] is True
    assert hit["outcome"] == "assessment_complete" and hit["control_type"] is None
    assert Hit.objects.filter(criterion_code="OUT-T-AEO", facilitated=True).count() == 1


def test_no_facilitation_when_the_criterion_does_not_allow_it(flow):
    make_aeo()
    flow.publish("OUT-T-NOAEO", allows_aeo_facilitation=False, weight=60)
    result = flow.screened()
    assert (result["outcome"], result["score"], result["hits"][0]["aeo_facilitated"]) == (
        "control_recommended",
        60,
        False,
    )


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("outcome", ["do_not_load", "high_risk_cargo_screening"])
def test_referrals_are_never_facilitated(flow, outcome, phase):
    make_aeo()
    flow.publish("OUT-T-DNL", outcome=outcome, control_type=None, allows_aeo_facilitation=True, weight=80)
    result = flow.screened(make_ens(phase=phase))
    (hit,) = result["hits"]
    expected = outcome if phase == "pre_loading" else "control_recommended"
    assert (result["outcome"], hit["outcome"], hit["aeo_facilitated"], result["score"]) == (
        expected,
        expected,
        False,
        80,
    )


def test_a_facilitated_hit_does_not_hide_another_control(flow):
    make_aeo()
    flow.publish("OUT-T-EASY", allows_aeo_facilitation=True, weight=60)
    flow.publish("OUT-T-HARD", allows_aeo_facilitation=False, weight=20, control_type="physical")
    result = flow.screened()
    assert result["outcome"] == "control_recommended" and result["control_type"] == "physical"
    assert {h["criterion"]: h["aeo_facilitated"] for h in result["hits"]} == {"OUT-T-EASY": True, "OUT-T-HARD": False}
    assert result["score"] == round(100 * (1 - 0.7 * 0.8))  # 30 (eased 60) and 20


@pytest.mark.parametrize(
    "status,valid_from,valid_to",
    [
        ("suspended", dt.date(2020, 1, 1), None),
        ("revoked", dt.date(2020, 1, 1), None),
        ("active", dt.date(2020, 1, 1), dt.date(2021, 12, 31)),  # expired
        ("active", dt.date.today() + dt.timedelta(days=30), None),  # not yet valid
    ],
    ids=["suspended", "revoked", "expired", "not-yet-valid"],
)
def test_invalid_authorisations_give_no_facilitation(flow, status, valid_from, valid_to):
    make_aeo(status=status, valid_from=valid_from, valid_to=valid_to)
    flow.publish("OUT-T-INV", allows_aeo_facilitation=True, weight=60)
    result = flow.screened()
    assert (result["outcome"], result["score"], result["hits"][0]["aeo_facilitated"]) == (
        "control_recommended",
        60,
        False,
    )


@pytest.mark.parametrize(
    "role,facilitated", [("consignor", True), ("consignee", True), ("filer", True), ("carrier", False)]
)
def test_which_parties_count_as_aeo(flow, role, facilitated):
    eori = "DE777000111"
    make_aeo(eori)
    flow.publish("OUT-T-ROLE", allows_aeo_facilitation=True, weight=60)
    body = make_ens(filer={"name": "Plain Filer", "eori": "DE000000001"}, carrier=None)
    body[role] = {"name": "Trusted Trader", "eori": eori}
    result = flow.screened(body)
    assert result["hits"][0]["aeo_facilitated"] is facilitated
    assert result["outcome"] == ("assessment_complete" if facilitated else "control_recommended")


def test_facilitation_follows_the_authorisation_on_screening_day(flow, people, file_ens, screen, assessment):
    """A still-valid authorisation that expires later: screening today facilitates, screening after expiry does not."""
    make_aeo(valid_to=dt.date.today() + dt.timedelta(days=10))
    flow.publish("OUT-T-DAY", allows_aeo_facilitation=True, weight=60)
    (mrn,) = file_ens(people["fr_system"], make_ens())
    screen(mrn)
    assert assessment(people["fr_analyst"], mrn)["outcome"] == "assessment_complete"
    screen(mrn, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=11))
    assert assessment(people["fr_analyst"], mrn)["outcome"] == "control_recommended"


def test_item_without_hits_keeps_aeo_irrelevant(flow):
    make_aeo()
    flow.publish(
        "OUT-T-GUN",
        allows_aeo_facilitation=True,
        condition={"field": "item.hs_code", "op": "starts_with", "value": ["9303"]},
    )
    result = flow.screened(make_ens(goods_items=[make_item(1)]))
    assert (result["outcome"], result["score"], result["hits"]) == ("assessment_complete", 0, [])
