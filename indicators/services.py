"""Refreshing the summary tables: rebuild the daily figures of a range of days from the live tables.

Each metric is deleted and re-inserted for the range in its own short transaction, so the
dashboard never sees a half-refreshed metric and a failure leaves the previous figures.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from crms.operators.models import MRA_PROGRAMMES
from crms.reference.selectors import high_interest_countries
from indicators.metrics import METRICS, Metric
from indicators.models import DailyFigure, RefreshRun

log = logging.getLogger(__name__)

INSERT = """
INSERT INTO indicators_dailyfigure (metric, day, member_state, key, key2, value)
SELECT %(metric)s, s.day, coalesce(s.ms, ''), coalesce(s.k, ''), coalesce(s.k2, ''), s.v
FROM ({sql}) AS s(day, ms, k, k2, v)
"""


def _bounds(day_from: dt.date, day_to: dt.date) -> dict:
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return {
        "start": start,
        "end": end,
        "countries": high_interest_countries(),
        "mra": sorted(MRA_PROGRAMMES),
    }


# The weeks' sums rebuilt from the days they sum (``WeeklyFigure``), for the weeks a refresh touched.
ROLL_UP = """
INSERT INTO indicators_weeklyfigure (metric, week, member_state, key, key2, value)
SELECT metric, date_trunc('week', day)::date, member_state, key, key2, sum(value) FROM indicators_dailyfigure
WHERE metric = %(metric)s AND day BETWEEN %(first)s AND %(last)s GROUP BY 1, 2, 3, 4, 5
"""


def roll_up(cursor, metric: str, day_from: dt.date | None = None, day_to: dt.date | None = None) -> None:
    """Rebuild ``metric``'s weekly sums over the whole weeks holding ``day_from``..``day_to`` (every week
    without them), in the caller's transaction: the weeks never disagree with their days."""
    first = dt.date.min if day_from is None else day_from - dt.timedelta(days=day_from.weekday())
    last = dt.date.max if day_to is None else day_to + dt.timedelta(days=6 - day_to.weekday())
    params = {"metric": metric, "first": first, "last": last}
    cursor.execute(
        "DELETE FROM indicators_weeklyfigure WHERE metric = %(metric)s AND week BETWEEN %(first)s AND %(last)s", params
    )
    cursor.execute(ROLL_UP, params)


def refresh_metric(metric: Metric, day_from: dt.date, day_to: dt.date) -> int:
    if metric.compute is not None:
        return _refresh_computed(metric, day_from, day_to)
    params = _bounds(day_from, day_to) | {"metric": metric.name}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM indicators_dailyfigure WHERE metric = %s AND day BETWEEN %s AND %s",
            [metric.name, day_from, day_to],
        )
        cursor.execute(INSERT.format(sql=metric.sql), params)
        rows = cursor.rowcount
        roll_up(cursor, metric.name, day_from, day_to)
        return rows


def _refresh_computed(metric: Metric, day_from: dt.date, day_to: dt.date) -> int:
    """Rows from a function; the keys it returns replace their earlier rows whatever their day."""
    rows = metric.compute(day_from, day_to)
    with transaction.atomic():
        keys = {row[2] for row in rows}
        DailyFigure.objects.filter(metric=metric.name).filter(
            Q(day__range=(day_from, day_to)) | Q(key__in=keys)
        ).delete()
        DailyFigure.objects.bulk_create(
            DailyFigure(metric=metric.name, day=d, member_state=s, key=k, key2=k2, value=v) for d, s, k, k2, v in rows
        )
        with connection.cursor() as cursor:
            roll_up(cursor, metric.name)  # its keys' rows can leave any day: every week again (a small metric)
    return len(rows)


def refresh(day_from: dt.date, day_to: dt.date, *, on_progress: Callable[[int, int, str], None] | None = None) -> int:
    """Rebuild every metric for ``day_from``..``day_to`` (inclusive); returns the rows written."""
    if day_to < day_from:
        raise ValueError("day_to is before day_from")
    rows = 0
    for index, metric in enumerate(METRICS):
        if on_progress:
            on_progress(index, len(METRICS), metric.label)
        rows += refresh_metric(metric, day_from, day_to)
    if on_progress:
        on_progress(len(METRICS), len(METRICS), "done")
    return rows


# Days whose figures changed since a moment: hits are dated by their ENS's receipt, so a decision, a control
# result or a re-screening today changes the figures of the day the ENS was received, however long ago.
TOUCHED_DAYS = """
SELECT (d.received_at AT TIME ZONE 'UTC')::date FROM workbench_controlresult r
JOIN declarations_declaration d ON d.id = r.declaration_id WHERE r.recorded_at >= %(since)s
UNION SELECT (r.controlled_at AT TIME ZONE 'UTC')::date FROM workbench_controlresult r WHERE r.recorded_at >= %(since)s
UNION SELECT (d.received_at AT TIME ZONE 'UTC')::date FROM workbench_decision dc
JOIN declarations_declaration d ON d.id = dc.declaration_id WHERE dc.decided_at >= %(since)s
UNION SELECT (d.received_at AT TIME ZONE 'UTC')::date FROM risk_engine_assessment a
JOIN declarations_declaration d ON d.id = a.declaration_id WHERE a.screened_at >= %(since)s
"""


def touched_days(since: dt.datetime) -> set[dt.date]:
    """The days whose figures decisions, control results and screenings since ``since`` changed."""
    with connection.cursor() as cursor:
        cursor.execute(TOUCHED_DAYS, {"since": since})
        return {row[0] for row in cursor.fetchall()}


def day_ranges(days: set[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) ranges: one refresh per range instead of one per day."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + dt.timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def refresh_recent(now: dt.datetime | None = None) -> RefreshRun:
    """The 5-minute refresh: today, yesterday and every older day touched since the previous refresh began
    (a control result recorded today on an ENS received last month changes last month's hit figures)."""
    now = now or timezone.now()
    today = now.date()
    previous = RefreshRun.objects.filter(status=RefreshRun.Status.DONE, started_at__isnull=False)
    last = previous.order_by("-started_at").values_list("started_at", flat=True).first()
    since = (last or now - dt.timedelta(days=2)) - dt.timedelta(minutes=1)
    oldest = today - dt.timedelta(days=settings.INDICATORS_REFRESH_DAYS - 1)
    days = {today - dt.timedelta(days=1), today} | {day for day in touched_days(since) if oldest <= day <= today}
    ranges = day_ranges(days)
    run = RefreshRun.objects.create(day_from=ranges[0][0], day_to=ranges[-1][1])
    return run_refresh(run, ranges=ranges)


def run_refresh(run: RefreshRun, *, ranges: list[tuple[dt.date, dt.date]] | None = None) -> RefreshRun:
    """Carry out a queued run, saving progress after each metric (the browser shows it)."""
    RefreshRun.objects.filter(pk=run.pk).update(status=RefreshRun.Status.RUNNING, started_at=timezone.now())

    def progress(done: int, total: int, step: str) -> None:
        RefreshRun.objects.filter(pk=run.pk).update(progress=done / total, step=step[:80])

    try:
        rows = sum(
            refresh(day_from, day_to, on_progress=progress)
            for day_from, day_to in ranges or [(run.day_from, run.day_to)]
        )
    except Exception as exc:
        log.exception("Indicator refresh %s failed", run.pk)
        RefreshRun.objects.filter(pk=run.pk).update(
            status=RefreshRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    RefreshRun.objects.filter(pk=run.pk).update(
        status=RefreshRun.Status.DONE, rows=rows, progress=1.0, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def refresh_now(day_from: dt.date, day_to: dt.date) -> RefreshRun:
    """A scheduled refresh, run here and now, leaving a run row (the dashboard says "figures as of")."""
    return run_refresh(RefreshRun.objects.create(day_from=day_from, day_to=day_to))


def request_refresh(*, actor=None, day_from: dt.date | None = None, day_to: dt.date | None = None) -> RefreshRun:
    """Queue a refresh (default: the last ``INDICATORS_REFRESH_DAYS`` days) for the worker."""
    from indicators.tasks import refresh_task

    today = timezone.now().date()
    run = RefreshRun.objects.create(
        day_from=day_from or today - dt.timedelta(days=settings.INDICATORS_REFRESH_DAYS - 1),
        day_to=day_to or today,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    transaction.on_commit(lambda: _send(run.pk, refresh_task))
    return run


def _send(run_id: int, task) -> None:
    try:
        task.apply_async(args=[run_id], retry=False)
    except Exception:  # noqa: BLE001 - broker down: the next scheduled refresh catches up
        log.warning("Could not enqueue indicator refresh %s", run_id)
        RefreshRun.objects.filter(pk=run_id).update(status=RefreshRun.Status.FAILED, error="broker unavailable")


def audit_export(*, actor, what: str, fmt: str, period) -> None:
    """Exports leave the platform: who took which table for which period is recorded."""
    from crms.audit.services import record

    record(
        actor=actor,
        action="indicators.exported",
        object_type="indicators.table",
        object_id=what,
        object_repr=f"{what} {period.day_from}..{period.day_to} ({fmt})",
        after={"table": what, "format": fmt, "from": str(period.day_from), "to": str(period.day_to)},
    )
