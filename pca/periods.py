"""What a PCA's period means, in one place: whole calendar days in UTC, first and last day included.

People type and read days ("Last day 2027-02-28"); the engine and the results compare instants.
So a period is stored as two instants: ``starts_at`` = 00:00 UTC of the first day and ``ends_at``
= 00:00 UTC of the day *after* the last day, an exclusive bound (``starts_at <= t < ends_at``).
A last day of 2027-02-28 is stored as 2027-03-01T00:00Z and shown as 2027-02-28. Every page, the
audit record and the engine read the period through these functions, so none of them can show or
apply the exclusive bound as if it were the last day.

Why UTC: the platform counts every day in UTC (indicators, history import, RIF validity), and a
campaign spans Member States in three time zones; a Member State's local 23:00 on the last day may
already be the next UTC day, which the page says ("UTC days").
"""

from __future__ import annotations

import datetime as dt

from crms.core.dates import PLANNED

ZONE = dt.UTC
_LAST_INSTANT = dt.timedelta(microseconds=1)


def allowed(day: dt.date) -> bool:
    """Days a period may use: the planning window of ``crms.core.dates`` (2000-01-01 to ten years ahead), far
    beyond any campaign and short of the calendar's end (9999-12-31 + 1 day overflowed)."""
    return PLANNED.admits(day)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZONE)


def start_of(first_day: dt.date) -> dt.datetime:
    """``starts_at`` of a period whose first day is ``first_day``."""
    return _midnight(first_day)


def end_after(last_day: dt.date) -> dt.datetime:
    """``ends_at`` of a period whose last day (included) is ``last_day``."""
    return _midnight(last_day + dt.timedelta(days=1))


def bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The stored instants of a period from its first and last day (both included)."""
    return start_of(first_day), end_after(last_day)


def first_day(starts_at: dt.datetime) -> dt.date:
    return starts_at.astimezone(ZONE).date()


def last_day(ends_at: dt.datetime) -> dt.date:
    """The last day the period includes: the day of its last instant (``ends_at`` itself is excluded)."""
    return (ends_at - _LAST_INSTANT).astimezone(ZONE).date()


def whole_days(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Widen two instants to the whole UTC days they touch, so every stored period means whole days.

    Instants already on day boundaries (what ``bounds`` gives) are unchanged.
    """
    return bounds(first_day(starts_at), last_day(ends_at))
