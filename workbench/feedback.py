"""The feedback loop: per criterion and Member State, hits, decisions, controls and what they found.

Computed live from the tables (one grouped query), so a control result recorded a second
ago already counts. What counts as a hit's Member State, a controlled or a positive hit,
and precision is defined once in ``crms.core.figures``, shared with the indicators, the PCA
page and the backtest. Shadow hits are counted with the same definitions but kept apart:
their precision is what the criterion would have had if it had been live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db import connection

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.core.figures import HIT_FIGURES, HIT_MEMBER_STATE, HITS_FROM, hit_outcomes_sql, precision

SQL = f"""
SELECT shadow, member_state, {HIT_FIGURES}
FROM ({hit_outcomes_sql("h.criterion_code = %(code)s AND h.created_at >= %(since)s")}) hit
GROUP BY shadow, member_state ORDER BY shadow, member_state
"""  # noqa: S608 - fixed fragments

SAMPLE = f"""
SELECT d.mrn, {HIT_MEMBER_STATE} AS member_state, d.received_at, h.items
FROM {HITS_FROM}
WHERE h.criterion_code = %(code)s AND h.shadow AND (%(own)s::text IS NULL OR {HIT_MEMBER_STATE} = %(own)s)
ORDER BY d.received_at DESC, h.id DESC LIMIT %(limit)s
"""  # noqa: S608 - fixed fragments
SAMPLE_SIZE = 10


@dataclass(frozen=True)
class FeedbackRow:
    member_state: str
    hits: int
    after_assessment: int  # a control decided by the hit's Member State
    dismissed: int
    controlled: int  # a control result counts for the hit (crms.core.figures)
    positive: int  # ... and one of them found an irregularity or seized goods

    @property
    def precision(self) -> float | None:
        return precision(self.positive, self.controlled)

    @property
    def decided(self) -> int:
        return self.after_assessment + self.dismissed


COUNTS = [field.name for field in fields(FeedbackRow) if field.name != "member_state"]


def _total(rows: list[FeedbackRow]) -> FeedbackRow:
    return FeedbackRow("EU", *(sum(getattr(r, name) for r in rows) for name in COUNTS))


def criterion_feedback(user, code: str, *, since: dt.datetime | None = None) -> dict:
    """Live hits (``rows``, ``total``) and shadow hits (``shadow_rows``, ``shadow_total``, ``shadow_sample``)
    per Member State the user may see (all for the Commission, its own otherwise) and EU-wide."""
    since = since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"code": code, "since": since})
        found = cursor.fetchall()
    live = [FeedbackRow(*row[1:]) for row in found if not row[0]]
    shadow = [FeedbackRow(*row[1:]) for row in found if row[0]]
    everything = is_eu_wide_reader(user) or user.is_superuser
    own = None if everything else member_state_of(user)
    sample = []
    if shadow:
        with connection.cursor() as cursor:
            cursor.execute(
                SAMPLE,
                {"code": code, "own": own or ("--" if not everything else None), "limit": SAMPLE_SIZE},
            )
            sample = [
                {"mrn": mrn, "member_state": state, "received_at": received, "items": items}
                for mrn, state, received, items in cursor.fetchall()
            ]
    result = {"rows": live, "total": _total(live), "shadow_rows": shadow, "shadow_total": _total(shadow)}
    if not everything:
        result["rows"] = [row for row in live if row.member_state == own]
        result["shadow_rows"] = [row for row in shadow if row.member_state == own]
    result["shadow_sample"] = sample
    return result
