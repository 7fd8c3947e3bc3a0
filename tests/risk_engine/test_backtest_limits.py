"""Backtests are bounded (issue 13 point 4): their own queue, a time limit, one at a time per user.

The isolation itself (a backtest never holds a screening worker) is proved against real processes in
``tests/faults/test_backtest_isolation.py``; here, the rules on the rows and the routing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.test import Client
from django.utils import timezone

from crms.celery import app
from risk_engine import backtest as backtests
from risk_engine import services
from risk_engine.backtest_tasks import run_backtest_task
from risk_engine.models_backtest import Backtest
from tests.conftest import TEST_BACKTEST_QUEUE, TEST_QUEUE, make_user
from tests.risk_engine.test_backtest import criterion_doc

PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-03"}


@pytest.fixture
def draft(db):
    author = make_user("bl-author", "EU", "commission")
    version = services.create_criterion(actor=author, data=criterion_doc("CRC-T-LIM", ["9302"]))
    return author, version.criterion


def test_one_backtest_at_a_time_per_user(draft):
    author, criterion = draft
    first = backtests.start_backtest(actor=author, criterion=criterion, params=PERIOD)
    with pytest.raises(backtests.TooManyBacktests, match="at most 1 at a time"):
        backtests.start_backtest(actor=author, criterion=criterion, params=PERIOD)
    other = make_user("bl-other", "EU", "commission")
    backtests.start_backtest(actor=other, criterion=criterion, params=PERIOD)  # the limit is per user

    browser = Client()
    browser.force_login(author)
    refused = browser.post(f"/criteria/{criterion.code}/backtests/", PERIOD)
    assert refused.status_code == 429 and 'id="backtest-limit"' in refused.content.decode()
    assert Backtest.objects.filter(requested_by=author).count() == 1

    backtests.run_backtest(first.pk)  # finished: the user may start the next one
    assert backtests.start_backtest(actor=author, criterion=criterion, params=PERIOD).status == "queued"


def test_a_backtest_past_its_time_limit_or_lost_in_the_queue_stops_counting(draft):
    author, criterion = draft
    running = backtests.start_backtest(actor=author, criterion=criterion, params=PERIOD)
    long_ago = timezone.now() - dt.timedelta(seconds=settings.BACKTEST_TIME_LIMIT + 120)
    Backtest.objects.filter(pk=running.pk).update(status="running", started_at=long_ago)  # its process was killed
    queued = backtests.start_backtest(actor=author, criterion=criterion, params=PERIOD)
    running.refresh_from_db()
    assert running.status == "failed" and "time limit" in running.error

    Backtest.objects.filter(pk=queued.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.BACKTEST_QUEUE_TIMEOUT + 60)
    )
    assert backtests.release_stale_backtests() == 1
    queued.refresh_from_db()
    assert queued.status == "failed" and "Never started" in queued.error
    backtests.run_backtest(queued.pk)  # a lost task delivered late never runs a released backtest
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.results is None


def test_the_soft_time_limit_fails_the_backtest_with_a_reason(draft, monkeypatch):
    author, criterion = draft
    backtest = backtests.start_backtest(actor=author, criterion=criterion, params=PERIOD)

    def endless(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(backtests, "compute", endless)
    with pytest.raises(SoftTimeLimitExceeded):
        backtests.run_backtest(backtest.pk)
    backtest.refresh_from_db()
    assert backtest.status == "failed" and f"time limit of {settings.BACKTEST_SOFT_TIME_LIMIT:,} s" in backtest.error
    assert backtest.started_at is not None and backtest.finished_at is not None


def test_backtests_go_to_their_own_queue_with_a_time_limit():
    route = app.amqp.router.route({}, "risk_engine.run_backtest", (1,), {})
    assert route["queue"].name == TEST_BACKTEST_QUEUE != TEST_QUEUE  # tests: per-run names of the two queues
    assert settings.CELERY_TASK_ROUTES["risk_engine.run_backtest"]["queue"] == settings.CELERY_BACKTEST_QUEUE
    screening = app.amqp.router.route({}, "risk_engine.screen_versions", ([1],), {})
    assert screening["queue"].name == TEST_QUEUE
    task = app.tasks[run_backtest_task.name]
    assert (task.soft_time_limit, task.time_limit) == (settings.BACKTEST_SOFT_TIME_LIMIT, settings.BACKTEST_TIME_LIMIT)
    assert task.soft_time_limit < task.time_limit and task.reject_on_worker_lost is False
