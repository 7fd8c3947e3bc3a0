"""Assessment events, written by COPY inside the screening transaction (receiver of ``assessments_written``).

One row per screened version at most: ``assessment.completed`` on its first screening,
``assessment.changed`` when a re-screening changed its result (the engine tells which:
those it archived), nothing when a re-screening changed nothing. A COPY of a few hundred
narrow rows per batch costs about as much as the assessments' own COPY, and the feed then
needs no join or reconstruction from the assessments table (see docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from notifications.events import emit_rows
from notifications.models import EventType


def assessment_url(mrn: str) -> str:
    return f"/api/v1/declarations/{mrn}/assessment/"


def assessment_events(
    sender,
    *,
    assessments: list[dict[str, Any]],
    now: dt.datetime,
    mrns: list[str] | None = None,
    versions: list[int] | None = None,
    unloading: list[str | None] | None = None,
    rescreened: set[int] | frozenset[int] = frozenset(),
    changed: set[int] | frozenset[int] = frozenset(),
    **kwargs,
) -> None:
    if not assessments or mrns is None:
        return
    rows = []
    for row, assessment in enumerate(assessments):
        version_id = assessment["version_id"]
        if version_id in rescreened and version_id not in changed:
            continue
        kind = EventType.ASSESSMENT_CHANGED if version_id in rescreened else EventType.ASSESSMENT_COMPLETED
        first_entry = assessment["responsible_member_state_id"]
        rows.append(
            {
                "type": kind.value,
                "occurred_at": now,
                "member_states": [first_entry, unloading[row] if unloading else None],
                "subject": mrns[row],
                "url": assessment_url(mrns[row]),
                "data": {
                    "mrn": mrns[row],
                    "version": versions[row] if versions else None,
                    "outcome": assessment["outcome"],
                    "score": assessment["score"],
                    "responsible_member_state": first_entry,
                    "criteria_revision": assessment["criteria_revision"],
                    "screened_at": now.isoformat(),
                },
                "people_only": False,
            }
        )
    emit_rows(rows)
