"""Capacity-aware selection by the live risk model (issue 16 point 6).

A Member State's risk managers state a daily control capacity per transport mode (``models``).
Rule-based controls (criteria, random selection) come first; the live model fills what is left of
the day's capacity with the highest-scored clean declarations, and keeps an exploration share
(``EXPLORATION_SHARE`` of that budget) for declarations picked at random among the rest, marked
``exploration``: without them, later training data would only hold what the model already
suspected. Each plan (how many the model may select today, from which score) is derived from the
last ``WINDOW_DAYS`` days of that Member State and mode, and kept by a worker for five minutes:

- expected volume V and expected rule-based controls R per day: the window's daily averages;
- budget L = capacity - R (never below 0), of which (1 - share) x L go to the highest scores:
  the score threshold is the quantile 1 - (1 - share) x L / (V - R) of the model's recent scores
  of that Member State and mode (of its reference scores while fewer than ``MIN_RECENT`` exist);
- exploration probability share x L / (V - R - (1 - share) x L), by a seeded hash of the MRN and
  version (the same declaration always draws the same, as random selection does).

The day's budget is a hard limit: selections already made today (counted once per batch and then
kept up to date) stop the model when the budget is used, whatever the plan predicted. Two workers
screening the same Member State and mode at the same instant can each take the last place: the
overshoot is at most one declaration per concurrent batch (decided in docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db import connection

from crms.core.caching import cached_per_revision

EXPLORATION_SHARE = 0.10
WINDOW_DAYS = 7
MIN_RECENT = 200
COLD_START_SHARE = 0.10
COLD_START_EXPLORATION = 0.01
PLAN_MAX_AGE = 300.0


@dataclass(frozen=True)
class Plan:
    """What the live model may select in one Member State and transport mode today."""

    capacity: int
    expected_volume: float
    expected_rule_controls: float
    budget: int
    threshold: float | None
    exploration_probability: float

    @property
    def exploit_share(self) -> float:
        clean = self.expected_volume - self.expected_rule_controls
        return min(1.0, (1 - EXPLORATION_SHARE) * self.budget / clean) if clean > 0 else 0.0


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def window_figures(member_state: str, mode: str, day: dt.date) -> tuple[float, float]:
    """Daily averages over the window before ``day``: screened declarations, and rule-based controls."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*), count(*) FILTER (WHERE a.outcome <> 'assessment_complete' AND NOT a.learned_selection)
               FROM risk_engine_assessment a JOIN declarations_declaration d ON d.id = a.declaration_id
               WHERE a.responsible_member_state_id = %s AND d.transport_mode = %s
                 AND a.screened_at >= %s AND a.screened_at < %s""",
            [member_state, mode, _day_start(day - dt.timedelta(days=WINDOW_DAYS)), _day_start(day)],
        )
        total, rules = cursor.fetchone()
    return total / WINDOW_DAYS, rules / WINDOW_DAYS


def recent_scores(model_id: int, member_state: str, mode: str, day: dt.date) -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.score FROM learning_modelscore s
               JOIN declarations_declarationversion v ON v.id = s.version_id
               WHERE s.model_id = %s AND s.member_state_id = %s AND v.transport_mode = %s
                 AND s.scored_at >= %s AND s.scored_at < %s""",
            [model_id, member_state, mode, _day_start(day - dt.timedelta(days=WINDOW_DAYS)), _day_start(day)],
        )
        return np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.float64)


def make_plan(*, capacity: int, volume: float, rules: float, recent: np.ndarray, reference: np.ndarray | None) -> Plan:
    """The plan from the window's figures (pure: the model page's forecast uses it too)."""
    budget = max(0, int(capacity - round(rules)))
    clean = volume - rules
    # No declarations in the window (a new Member State or mode): the volume is unknown, so the model
    # selects only from its top tenth and explores a hundredth until the day's budget is used.
    exploit = min(1.0, (1 - EXPLORATION_SHARE) * budget / clean) if clean > 0 else COLD_START_SHARE
    scores = recent if len(recent) >= MIN_RECENT else reference
    threshold = None
    if budget and scores is not None and len(scores):
        threshold = float(np.quantile(scores, 1 - exploit)) if exploit < 1 else float(np.min(scores))
    rest = clean - (1 - EXPLORATION_SHARE) * budget
    if clean <= 0:
        explore = COLD_START_EXPLORATION if budget else 0.0
    else:
        explore = min(1.0, EXPLORATION_SHARE * budget / rest) if rest > 0 else (1.0 if budget else 0.0)
    return Plan(capacity, volume, rules, budget, threshold, explore)


def selected_today(member_state: str, mode: str, day: dt.date) -> int:
    """The learned selections screened on ``day``: a database function whose plan is kept per session
    (migration selection 0003), planning across every month's partition being most of its cost."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT crms_learned_selected(%s, %s, %s, %s)",
            [member_state, mode, _day_start(day), _day_start(day + dt.timedelta(days=1))],
        )
        return cursor.fetchone()[0]


@cached_per_revision
def stated_capacities() -> dict[tuple[str, str], int]:
    """Every stated capacity by (Member State, mode), read once per criteria revision: a capacity change
    moves the revision in its own transaction (migration selection 0002), so a screening batch never runs
    on a capacity older than one committed before it started, and a batch no longer pays a read for it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT member_state_id, transport_mode, daily_controls FROM selection_controlcapacity")
        return {(member_state, mode): daily for member_state, mode, daily in cursor.fetchall()}


def capacity_of(member_state: str, mode: str, revision: int | None = None) -> int | None:
    """``revision`` None (outside screening): read now."""
    return stated_capacities(revision).get((member_state, mode))


_plans: dict[tuple, tuple[float, Plan]] = {}
_lock = threading.Lock()


def plan_for(
    member_state: str,
    mode: str,
    model_id: int,
    reference: np.ndarray | None,
    day: dt.date,
    revision: int | None = None,
) -> Plan | None:
    """Today's plan, kept for ``PLAN_MAX_AGE`` seconds per worker; None without a stated capacity.
    The capacity is the one of the batch's criteria revision (a risk manager's change applies at once)."""
    capacity = capacity_of(member_state, mode, revision)
    if capacity is None:
        return None
    key = (member_state, mode, model_id, day, capacity)
    with _lock:
        cached = _plans.get(key)
        if cached and time.monotonic() - cached[0] < PLAN_MAX_AGE:
            return cached[1]
    volume, rules = window_figures(member_state, mode, day)
    plan = make_plan(
        capacity=capacity,
        volume=volume,
        rules=rules,
        recent=recent_scores(model_id, member_state, mode, day),
        reference=reference,
    )
    with _lock:
        _plans[key] = (time.monotonic(), plan)
    return plan


def forget() -> None:
    with _lock:
        _plans.clear()
    stated_capacities.forget()


def _draw(mrn: str, version: int) -> float:
    digest = hashlib.sha256(f"explore:{mrn}:{version}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Selector:
    """Chooses, during one screening batch, the clean declarations the live model selects."""

    def __init__(self, now: dt.datetime, revision: int | None = None):
        self.day = now.astimezone(dt.UTC).date()
        self.revision = revision
        self.used: dict[tuple[str, str], int] = {}
        self.plans: dict[tuple, Plan | None] = {}

    def choose(
        self, *, member_state: str, mode: str, mrn: str, version: int, learned, reference: np.ndarray | None
    ) -> tuple[bool, bool]:
        """(selected, exploration) for a clean declaration with the live model's score ``learned``."""
        if learned is None:
            return False, False
        key = (member_state, mode)
        if (key, learned.model_id) not in self.plans:  # one plan per batch and key
            self.plans[(key, learned.model_id)] = plan_for(
                member_state, mode, learned.model_id, reference, self.day, self.revision
            )
        plan = self.plans[(key, learned.model_id)]
        if plan is None or not plan.budget:
            return False, False
        if key not in self.used:
            self.used[key] = selected_today(member_state, mode, self.day)
        if self.used[key] >= plan.budget:
            return False, False
        if plan.threshold is not None and learned.score >= plan.threshold:
            self.used[key] += 1
            return True, False
        if _draw(mrn, version) < plan.exploration_probability:
            self.used[key] += 1
            return True, True
        return False, False


def precision_at(curve: list[dict], share: float) -> float | None:
    """Validation precision when controlling the top ``share`` of declarations, read off the model's
    precision curve (linear between its points; the first point's below it)."""
    if not curve:
        return None
    percents = [point["percent"] for point in curve]
    precisions = [point["precision"] for point in curve]
    return float(np.interp(share * 100, percents, precisions))


def forecast(model, member_states: list[str], day: dt.date) -> list[dict]:
    """Per Member State and mode with a stated capacity: the expected daily load and detections if this
    model were live (the model page; the same plan screening follows)."""
    insights = model.insights or {}
    reference = np.asarray(insights["score_quantiles"]) if insights.get("score_quantiles") else None
    curve = insights.get("precision_curve") or []
    base_rate = (model.evaluation or {}).get("base_rate")
    rows = []
    from selection.models import ControlCapacity

    capacities = ControlCapacity.objects.filter(member_state_id__in=member_states).order_by(
        "member_state_id", "transport_mode"
    )
    for capacity in capacities:
        volume, rules = window_figures(capacity.member_state_id, capacity.transport_mode, day)
        recent = recent_scores(model.pk, capacity.member_state_id, capacity.transport_mode, day)
        plan = make_plan(
            capacity=capacity.daily_controls, volume=volume, rules=rules, recent=recent, reference=reference
        )
        clean = max(0.0, volume - rules)
        exploit = min(plan.budget * (1 - EXPLORATION_SHARE), clean)
        explore = min(plan.budget - exploit, max(0.0, clean - exploit))
        precision = precision_at(curve, exploit / clean) if clean else None
        detections = None
        if precision is not None and base_rate is not None:
            detections = exploit * precision + explore * base_rate
        rows.append(
            {
                "member_state": capacity.member_state_id,
                "mode": capacity.transport_mode,
                "capacity": capacity.daily_controls,
                "volume": volume,
                "rule_controls": rules,
                "model_controls": exploit + explore,
                "exploration": explore,
                "precision": precision,
                "detections": detections,
            }
        )
    return rows
