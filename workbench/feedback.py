"""The feedback loop: per criterion and Member State, hits, decisions, controls and what they found.

Precision is the share of controlled hit declarations where an irregularity was found.
Computed from the live tables in one grouped query, so a control result recorded a
second ago already counts. The Member State of a hit is the queue that worked it: the
Member State of first entry for EU criteria, the owner for a national profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from crms.accounts.roles import is_eu_wide_reader, member_state_of

SQL = """
SELECT ms,
       count(*) AS hits,
       count(*) FILTER (WHERE action IS NOT NULL AND action <> 'dismiss') AS controlled,
       count(*) FILTER (WHERE action = 'dismiss') AS dismissed,
       count(*) FILTER (WHERE controls > 0) AS controls,
       count(*) FILTER (WHERE irregular > 0) AS irregular
FROM (
    SELECT CASE WHEN h.scope = 'eu' THEN a.responsible_member_state_id ELSE h.owner_id END AS ms,
           dc.action, cr.controls, cr.irregular
    FROM risk_engine_hit h
    JOIN risk_engine_assessment a ON a.id = h.assessment_id
    LEFT JOIN workbench_decision dc
           ON dc.version_id = a.version_id
          AND dc.member_state_id = CASE WHEN h.scope = 'eu' THEN a.responsible_member_state_id ELSE h.owner_id END
    LEFT JOIN LATERAL (
        SELECT count(*) AS controls, count(*) FILTER (WHERE r.result <> 'no_irregularity') AS irregular
        FROM workbench_controlresult r WHERE r.version_id = a.version_id
    ) cr ON true
    WHERE h.criterion_code = %s AND NOT h.shadow AND h.created_at >= %s {extra}
) per_hit
GROUP BY ms ORDER BY ms
"""


@dataclass(frozen=True)
class FeedbackRow:
    member_state: str
    hits: int
    controlled: int
    dismissed: int
    controls: int
    irregular: int

    @property
    def precision(self) -> float | None:
        return self.irregular / self.controls if self.controls else None

    @property
    def decided(self) -> int:
        return self.controlled + self.dismissed


def _total(rows: list[FeedbackRow]) -> FeedbackRow:
    return FeedbackRow(
        "EU", *(sum(getattr(r, name) for r in rows) for name in FeedbackRow.__annotations__ if name != "member_state")
    )


def criterion_feedback(user, code: str, *, since: dt.datetime | None = None) -> dict:
    """Rows per Member State the user may see (all for the Commission, its own otherwise) and the EU total."""
    since = since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(extra=""), [code, since])
        rows = [FeedbackRow(*row) for row in cursor.fetchall()]
    total = _total(rows)
    if not (is_eu_wide_reader(user) or user.is_superuser):
        own = member_state_of(user)
        rows = [row for row in rows if row.member_state == own]
    return {"rows": rows, "total": total}
