"""The definitions behind every hit and control figure, written once.

Every page, export, API and the backtest that shows hits, controls, positives, precision or
detection rates builds on the fragments and functions below, so two places can never count
differently (docs/decisions.md, "Figures defined once (issue 12)"):

- **The Member State of a hit** is the queue that works it: the Member State of first entry
  for an EU criterion, the owner for a national profile (``HIT_MEMBER_STATE``).
- **The day of a hit** is the day (UTC) its declaration was received (``HIT_DAY``): it never
  moves when a re-screening writes the hit again, and it is the day ENS volumes use.
- **A positive control result** found an irregularity or made a seizure (``POSITIVE_RESULTS``).
- **The control outcome of a hit**: the control results recorded on the hit's declaration
  version by the hit's Member State, or by the Member State its decision forwarded the control
  to (``controls_of``). The hit is *controlled* when there is at least one, *positive* when at
  least one of them is positive. Controls by another Member State for its own reasons do not
  count for this hit (they count for that Member State's own hits).
- **Precision** = positive hits / controlled hits (per hit, not per control result).
- **Detection rate** = positive control results / control results (per control: PCAs, controls
  by type).
- **Shadow hits** use the same definitions; they are kept apart (``shadow``), never summed with
  live hits: their precision is what the criterion would have had.

Lives in ``crms.core`` because the figures read four apps (engine, workbench, PCAs,
indicators) and none of them owns the others. Only SQL fragments and pure functions: no models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

POSITIVE_RESULTS = ("irregularity", "seizure")
SEIZURE = "seizure"

# SQL fragments over the aliases h (risk_engine_hit), a (risk_engine_assessment), d (declarations_declaration).
HIT_MEMBER_STATE = "(CASE WHEN h.scope = 'eu' THEN a.responsible_member_state_id ELSE h.owner_id END)"
HIT_DAY = "(d.received_at AT TIME ZONE 'UTC')::date"
POSITIVE_SQL = "r.result IN ('irregularity', 'seizure')"
HITS_FROM = """risk_engine_hit h
    JOIN risk_engine_assessment a ON a.id = h.assessment_id
    JOIN declarations_declaration d ON d.id = a.declaration_id"""
# Hits received in [%(start)s, %(end)s): the window every dated hit figure uses.
HIT_RECEIVED_IN = "d.received_at >= %(start)s AND d.received_at < %(end)s"


def controls_of(version: str, member_state: str, forwarded_to: str) -> str:
    """A LATERAL subquery: the control results that count for a hit of ``member_state`` on ``version``
    (recorded by that Member State or by the one its decision forwarded the control to), as
    ``controls`` (how many), ``positive`` (how many found something) and ``seized_eur``."""
    return f"""SELECT count(*) AS controls,
                  count(*) FILTER (WHERE {POSITIVE_SQL}) AS positive,
                  coalesce(sum(r.estimated_value_eur) FILTER (WHERE r.result = '{SEIZURE}'), 0) AS seized_eur
           FROM workbench_controlresult r
           WHERE r.version_id = {version}
             AND (r.member_state_id = {member_state} OR r.member_state_id = {forwarded_to})"""  # noqa: S608 - fixed fragments


def hit_outcomes_sql(where: str) -> str:
    """One row per hit matching ``where`` (over h, a, d): hit_id, code, risk_area, shadow, version_id,
    declaration_id, member_state, day, action (the decision of the hit's Member State on that version,
    or NULL), controls, positive_results, seized_eur."""
    return f"""SELECT h.id AS hit_id, h.criterion_code AS code, h.risk_area, h.shadow, a.version_id,
               a.declaration_id, {HIT_MEMBER_STATE} AS member_state, {HIT_DAY} AS day, dc.action,
               o.controls, o.positive AS positive_results, o.seized_eur
        FROM {HITS_FROM}
        LEFT JOIN workbench_decision dc ON dc.version_id = a.version_id AND dc.member_state_id = {HIT_MEMBER_STATE}
        LEFT JOIN LATERAL ({controls_of("a.version_id", HIT_MEMBER_STATE, "dc.forwarded_to_id")}) o ON true
        WHERE {where}"""  # noqa: S608 - fixed fragments and the caller's fixed condition


# Aggregates over rows of ``hit_outcomes_sql``: the five counts every hit table shows.
HIT_FIGURES = """count(*) AS hits,
       count(*) FILTER (WHERE action IS NOT NULL AND action <> 'dismiss') AS after_assessment,
       count(*) FILTER (WHERE action = 'dismiss') AS dismissed,
       count(*) FILTER (WHERE controls > 0) AS controlled,
       count(*) FILTER (WHERE positive_results > 0) AS positive"""
# Per hit, for metrics keyed by outcome: 'positive', 'negative' or NULL (not controlled).
HIT_RESULT = "CASE WHEN positive_results > 0 THEN 'positive' WHEN controls > 0 THEN 'negative' END"


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as a dash, never as 0 %)."""
    if not whole or part is None:
        return None
    return part / whole


def precision(positive: int, controlled: int) -> float | None:
    """Positive hits over controlled hits."""
    return share(positive, controlled)


def detection_rate(detections: int, controls: int) -> float | None:
    """Control results that found an irregularity or a seizure, over control results."""
    return share(detections, controls)


def is_positive(result: str) -> bool:
    return result in POSITIVE_RESULTS


@dataclass(frozen=True)
class HitOutcomes:
    """The counts of a set of hits (real, shadow or hypothetical ones from a backtest)."""

    hits: int
    controlled: int
    positive: int

    @property
    def precision(self) -> float | None:
        return precision(self.positive, self.controlled)


def outcomes_of(pairs: Iterable[tuple[int, str]]) -> HitOutcomes:
    """Control outcomes of hits given as (declaration version id, Member State of the hit): the
    backtest's "what did the controls of these declarations find", with the definition above."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return HitOutcomes(0, 0, 0)
    versions, states = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE o.controls > 0), count(*) FILTER (WHERE o.positive > 0)
                FROM unnest(%s::bigint[], %s::varchar[]) AS x(version_id, member_state)
                LEFT JOIN workbench_decision dc ON dc.version_id = x.version_id AND dc.member_state_id = x.member_state
                LEFT JOIN LATERAL ({controls_of("x.version_id", "x.member_state", "dc.forwarded_to_id")}) o ON true""",  # noqa: S608 - fixed fragments
            [list(versions), list(states)],
        )
        hits, controlled, positive = cursor.fetchone()
    return HitOutcomes(hits, controlled, positive)
