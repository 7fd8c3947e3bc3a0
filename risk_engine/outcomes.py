"""Outcomes, scores and AEO facilitation (contract 2.4 and issue 4 item 5), as pure functions.

- Severity order: assessment_complete < request_for_information < control_recommended
  < high_risk_cargo_screening < do_not_load. The assessment's outcome is the most severe
  effective outcome of its hits.
- The three pre-loading referrals do not exist in pre_arrival: there they become
  control_recommended (with control type physical for the last two).
- AEO facilitation, only for criteria that allow it and declarations with an AEO party:
  control_recommended becomes assessment_complete and the weight is halved. do_not_load
  and high_risk_cargo_screening are never facilitated. The hit is always recorded.
- Shadow criteria record hits but change neither outcome nor score.
- Score: 0 without hits, else 100 * (1 - prod(1 - weight/100)) over effective hits:
  between 0 and 100, and never lower when another criterion hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ASSESSMENT_COMPLETE = "assessment_complete"
    REQUEST_FOR_INFORMATION = "request_for_information"
    CONTROL_RECOMMENDED = "control_recommended"
    HIGH_RISK_CARGO_SCREENING = "high_risk_cargo_screening"
    DO_NOT_LOAD = "do_not_load"


SEVERITY = {outcome: rank for rank, outcome in enumerate(Outcome)}
PRE_LOADING_ONLY = {Outcome.REQUEST_FOR_INFORMATION, Outcome.HIGH_RISK_CARGO_SCREENING, Outcome.DO_NOT_LOAD}
NEVER_FACILITATED = {Outcome.HIGH_RISK_CARGO_SCREENING, Outcome.DO_NOT_LOAD}
AEO_WEIGHT_FACTOR = 0.5


@dataclass(frozen=True)
class Effect:
    """What one hit does to the assessment."""

    outcome: Outcome
    control_type: str | None
    weight: float
    facilitated: bool
    counts: bool  # False for shadow criteria


def effect(
    *,
    outcome: str,
    control_type: str | None,
    weight: int,
    phase: str,
    aeo: bool,
    allows_facilitation: bool,
    shadow: bool = False,
) -> Effect:
    result = Outcome(outcome)
    if phase == "pre_arrival" and result in PRE_LOADING_ONLY:
        if result in NEVER_FACILITATED:
            control_type = "physical"
        result = Outcome.CONTROL_RECOMMENDED
    facilitated = False
    effective_weight = float(weight)
    if aeo and allows_facilitation and Outcome(outcome) not in NEVER_FACILITATED:
        effective_weight *= AEO_WEIGHT_FACTOR
        if result == Outcome.CONTROL_RECOMMENDED:
            result = Outcome.ASSESSMENT_COMPLETE
            control_type = None
        facilitated = True
    return Effect(result, control_type, effective_weight, facilitated, counts=not shadow)


def combine(effects: list[Effect]) -> tuple[Outcome, int, str | None]:
    """Outcome, score and control type of an assessment from its hits' effects."""
    counting = [e for e in effects if e.counts]
    if not counting:
        return Outcome.ASSESSMENT_COMPLETE, 0, None
    worst = max(counting, key=lambda e: (SEVERITY[e.outcome], e.weight))
    miss = 1.0
    for item in counting:
        miss *= 1.0 - min(max(item.weight, 0.0), 100.0) / 100.0
    score = round(100 * (1.0 - miss))
    if score == 0 and any(e.weight > 0 for e in counting):
        score = 1  # a hit is never scored as no hit
    return worst.outcome, score, worst.control_type
