"""Writing events (the outbox) and giving committed events their place in the feed.

``emit`` and ``emit_rows`` must be called inside the transaction of the change they record:
if that transaction rolls back, the event was never written. ``sequence`` numbers the
events that have committed since its last run, in id order, under one advisory lock, so a
position is never handed out while an event with a lower id may still commit (the classic
hole in id-ordered outbox feeds: a long transaction commits id 41 after a reader has moved past 42).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from crms.core.bulk import copy_insert
from notifications.models import Event, EventType

SEQUENCER_LOCK = 0x43524D53_45560001  # "CRMSEV" + 1: pg_try_advisory_xact_lock key of the sequencer
SEQUENCE_BATCH = 20_000


class OutsideTransaction(RuntimeError):
    """An event written outside a transaction would not be tied to the change it records."""


def _member_states(codes: Iterable[str | None]) -> list[str]:
    return sorted({code for code in codes if code and code != "EU"})


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise OutsideTransaction("Events are written in the transaction of the change they record.")


def emit(
    type: EventType | str,
    *,
    member_states: Iterable[str | None],
    url: str,
    data: dict[str, Any],
    subject: str = "",
    people_only: bool = False,
    occurred_at: dt.datetime | None = None,
) -> Event:
    """Record one event in the current transaction."""
    _require_transaction()
    return Event.objects.create(
        type=str(type),
        occurred_at=occurred_at or timezone.now(),
        member_states=_member_states(member_states),
        subject=subject,
        url=url,
        data=data,
        people_only=people_only,
    )


def emit_rows(rows: list[dict[str, Any]]) -> None:
    """Many events at once with COPY (the screening hot path). Rows: type, occurred_at, member_states,
    subject, url, data, people_only."""
    _require_transaction()
    for row in rows:
        row["member_states"] = _member_states(row["member_states"])
    copy_insert(Event, rows)


def sequence(limit: int = SEQUENCE_BATCH) -> int:
    """Give committed events without a position the next positions, in id order. Returns how many.

    One sequencer at a time (advisory transaction lock); a caller that finds it busy returns at
    once: the running sequencer will number what it sees, and the next run the rest.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            """WITH pending AS (
                   SELECT id FROM notifications_event WHERE position IS NULL ORDER BY id LIMIT %s
               ), numbered AS (
                   SELECT id, row_number() OVER (ORDER BY id) AS n FROM pending
               )
               UPDATE notifications_event e
               SET position = (SELECT COALESCE(MAX(position), 0) FROM notifications_event) + numbered.n
               FROM numbered WHERE e.id = numbered.id""",
            [limit],
        )
        return cursor.rowcount


def last_position() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(position), 0) FROM notifications_event")
        return cursor.fetchone()[0]
