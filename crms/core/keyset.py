"""Keyset ("seek") pagination on (timestamp, id) descending.

Page N costs the same as page 1 on a table of millions: no OFFSET and no COUNT(*).
The cursor is opaque to clients: ``<microseconds since epoch>.<id>``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
CURSOR_MICROS, CURSOR_PK = re.compile(r"-?[0-9]{1,18}"), re.compile(r"[0-9]{1,18}")


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    is_first: bool


def encode(moment: dt.datetime, pk: int) -> str:
    return f"{int((moment - EPOCH) / dt.timedelta(microseconds=1))}.{pk}"


def decode(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if not cursor:
        return None
    micros, _, pk = cursor.partition(".")
    if not (CURSOR_MICROS.fullmatch(micros) and CURSOR_PK.fullmatch(pk)):  # ASCII digits: int("²") raises
        return None
    try:
        return EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:  # beyond year 9999
        return None


def page(queryset: QuerySet, *, field: str, cursor: str | None, size: int) -> Page:
    """Rows ordered by ``field`` then id, newest first, after ``cursor``."""
    position = decode(cursor)
    ordered = queryset.order_by(f"-{field}", "-id")
    if position is not None:
        moment, pk = position
        ordered = ordered.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": pk}))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode(getattr(rows[-1], field), rows[-1].pk) if more and rows else None
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)


def page_union(querysets: list[QuerySet], *, field: str, cursor: str | None, size: int) -> Page:
    """One keyset page over the union of disjoint querysets.

    Each branch is read in its own index order (``size + 1`` rows at most) and the results
    merged: much cheaper than letting the database OR two indexes and sort every match.
    """
    position = decode(cursor)
    rows: list[Any] = []
    for queryset in querysets:
        ordered = queryset.order_by(f"-{field}", "-id")
        if position is not None:
            moment, pk = position
            ordered = ordered.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": pk}))
        rows += list(ordered[: size + 1])
    rows.sort(key=lambda row: (getattr(row, field), row.pk), reverse=True)
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode(getattr(rows[-1], field), rows[-1].pk) if more and rows else None
    return Page(rows=rows, next_cursor=next_cursor, is_first=position is None)
