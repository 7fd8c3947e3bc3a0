"""The Celery task running one backtest (a thin wrapper over ``risk_engine.backtest.run_backtest``)."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="risk_engine.run_backtest", acks_late=True, ignore_result=True)
def run_backtest_task(backtest_id: int) -> None:
    from risk_engine.backtest import run_backtest

    try:
        run_backtest(backtest_id)
    except Exception:  # recorded on the row as failed; redelivering would fail the same way
        log.exception("backtest %s failed", backtest_id)
