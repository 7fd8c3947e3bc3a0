"""Weekly sums of the daily figures (``WeeklyFigure``): a period read as whole weeks plus edge days gives
exactly what summing its days gives, for every period shape, and every refresh leaves the weeks equal to
the days they sum.

The definition a reading is checked against is the sum of ``DailyFigure`` over the period's days (what
the dashboard read before weeks existed).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection

from indicators import services
from indicators.figures import Period, Spans, View, sums, weekly_sums
from indicators.models import DailyFigure
from tests.indicators.test_figures import dataset, today  # noqa: F401 - the hand-computed dataset

pytestmark = pytest.mark.django_db

METRIC_NAMES = ("ens", "hits_automated", "seizure_value_eur")
FIRST_DAY = dt.date(2025, 12, 1)  # a Monday; the figures run over 430 days across a year's end
SPAN = 430


@pytest.fixture
def figures_over_a_year():
    """Random daily figures (counts, and amounts with cents) for three Member States, some keys and days missing."""
    rng = random.Random(17)  # noqa: S311 - reproducible test data
    rows = []
    for metric in METRIC_NAMES:
        for offset in range(SPAN):
            day = FIRST_DAY + dt.timedelta(days=offset)
            for state in ("FR", "NL", "DE"):
                for key, key2 in (("air", "pre_loading"), ("sea", "pre_arrival"), ("CRC-X", "security_safety")):
                    if rng.random() < 0.2:
                        continue
                    value = rng.randint(0, 40) if metric != "seizure_value_eur" else round(rng.uniform(0, 900), 2)
                    rows.append(
                        DailyFigure(metric=metric, day=day, member_state=state, key=key, key2=key2, value=value)
                    )
    DailyFigure.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        for metric in METRIC_NAMES:
            services.roll_up(cursor, metric)
    return rows


def _daily_sums(period: Period, metric: str) -> dict[tuple, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT member_state, key, key2, sum(value) FROM indicators_dailyfigure
               WHERE metric = %s AND day BETWEEN %s AND %s GROUP BY 1, 2, 3""",
            [metric, period.day_from, period.day_to],
        )
        return {row[:3]: row[3] for row in cursor.fetchall()}


def _daily_weeks(period: Period, metric: str, state: str | None) -> dict[tuple, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT date_trunc('week', day)::date, key, sum(value) FROM indicators_dailyfigure
               WHERE metric = %s AND day BETWEEN %s AND %s AND (%s::text IS NULL OR member_state = %s)
               GROUP BY 1, 2""",
            [metric, period.day_from, period.day_to, state, state],
        )
        return {row[:2]: row[2] for row in cursor.fetchall()}


def _close(left: dict, right: dict) -> bool:
    return left.keys() == right.keys() and all(abs(left[key] - right[key]) < 1e-6 for key in left)


def _periods() -> list[Period]:
    """Every start on the 9 days from a Sunday x lengths of 1 to 16 days, a month, a quarter, a year and
    more, so each weekday starts and ends a period with and without whole weeks inside."""
    starts = [FIRST_DAY + dt.timedelta(days=6 + offset) for offset in range(9)]
    lengths = [*range(1, 17), 30, 31, 90, 365, 366, 400]
    periods = [Period(start, start + dt.timedelta(days=length - 1)) for start in starts for length in lengths]
    periods.append(Period(FIRST_DAY - dt.timedelta(days=20), FIRST_DAY + dt.timedelta(days=SPAN + 20)))
    return periods


def test_a_period_is_its_whole_weeks_and_its_edge_days_with_no_day_twice_or_missing():
    for period in _periods():
        spans = Spans.of(period)
        days = set()
        (week_from, week_to), edges = spans.weeks, spans.days
        assert (week_from.weekday() == 0 and week_to.weekday() == 0) or week_from > week_to, period
        week = week_from
        while week <= week_to:
            days |= {week + dt.timedelta(days=n) for n in range(7)}
            week += dt.timedelta(days=7)
        for first, last in edges:
            edge = {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
            assert not days & edge, period
            days |= edge
        assert days == {period.day_from + dt.timedelta(days=n) for n in range(period.days)}, period


def test_sums_over_weeks_and_edge_days_equal_the_sums_of_the_days(figures_over_a_year):
    for metric in METRIC_NAMES:
        for period in _periods():
            frame = sums(View(period, None, True), metric)
            read = {(r.member_state, r.key, r.key2): r.value for r in frame.itertuples()}
            assert _close(read, _daily_sums(period, metric)), (metric, period)


def test_weekly_series_equal_the_days_summed_by_week_for_the_viewer(figures_over_a_year):
    for metric in METRIC_NAMES:
        for period in _periods()[::3]:
            for state in (None, "FR"):
                frame = weekly_sums(View(period, state, state is None), metric, by_key=True)
                read = {(r.week, r.key): r.value for r in frame.itertuples()}
                assert _close(read, _daily_weeks(period, metric, state)), (metric, period, state)


def test_hidden_national_criteria_stay_hidden_in_the_weekly_series(figures_over_a_year):
    period = Period(FIRST_DAY, FIRST_DAY + dt.timedelta(days=99))
    hidden = View(period, "FR", False, frozenset({"CRC-X"}))
    assert "CRC-X" not in set(weekly_sums(hidden, "hits_automated", by_key=True)["key"])
    assert "CRC-X" not in set(sums(hidden, "hits_automated")["key"])
    assert "CRC-X" in set(weekly_sums(View(period, "FR", False), "hits_automated", by_key=True)["key"])


def _weeks_differ_from_their_days() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """(SELECT metric, date_trunc('week', day)::date, member_state, key, key2, round(sum(value)::numeric, 6)
                FROM indicators_dailyfigure GROUP BY 1, 2, 3, 4, 5
                EXCEPT SELECT metric, week, member_state, key, key2, round(value::numeric, 6) FROM indicators_weeklyfigure)
               UNION ALL
               (SELECT metric, week, member_state, key, key2, round(value::numeric, 6) FROM indicators_weeklyfigure
                EXCEPT SELECT metric, date_trunc('week', day)::date, member_state, key, key2,
                       round(sum(value)::numeric, 6) FROM indicators_dailyfigure GROUP BY 1, 2, 3, 4, 5)"""
        )
        return cursor.fetchall()


def test_every_refresh_leaves_every_metrics_weeks_equal_to_their_days(dataset):  # noqa: F811
    """Over every metric (a new one is covered by being in METRICS): a whole refresh, then refreshes of a
    single mid-week day and of a range across a week's end, each followed by the invariant."""
    services.refresh(today() - dt.timedelta(days=40), today())
    assert DailyFigure.objects.exists()
    with connection.cursor() as cursor:  # refresh goes over services.METRICS: each is rolled up
        cursor.execute("SELECT count(DISTINCT metric) FROM indicators_weeklyfigure")
        assert cursor.fetchone()[0] == DailyFigure.objects.values("metric").distinct().count()
    assert _weeks_differ_from_their_days() == []
    DailyFigure.objects.filter(metric="ens", day=today()).update(value=999)  # a stale week, put right below
    for day_from, day_to in ((today(), today()), (today() - dt.timedelta(days=9), today() - dt.timedelta(days=3))):
        services.refresh(day_from, day_to)
        assert _weeks_differ_from_their_days() == [], (day_from, day_to)
    assert not DailyFigure.objects.filter(metric="ens", value=999).exists()


def test_the_weeks_refuse_a_day_that_is_not_a_monday():
    from django.db import IntegrityError, transaction

    from indicators.models import WeeklyFigure

    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyFigure.objects.create(metric="ens", week=dt.date(2026, 12, 8), member_state="FR", value=1)
