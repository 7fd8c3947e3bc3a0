"""Celery tasks: thin wrappers over screening and the sweeper (enqueued after commit)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from risk_engine import pipeline

log = logging.getLogger(__name__)

# Screening work: acknowledged after it is done (a killed worker's batch is redone), retried while the
# database is away, never a stored result.
SCREENING = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(name="risk_engine.screen_versions", **SCREENING)
def screen_versions_task(version_ids: list[int]) -> dict:
    """Screen a micro-batch; a poison declaration is isolated and flagged, the rest is screened."""
    from risk_engine.isolation import screen_isolating

    return screen_isolating(version_ids)


@shared_task(name="risk_engine.drain_filed", **SCREENING)
def drain_filed_task() -> int:
    """Screen the single filings gathered in Redis, in batches, until none is left (``coalescing``)."""
    from risk_engine.coalescing import drain
    from risk_engine.isolation import screen_isolating

    return drain(screen_isolating)


@shared_task(name="risk_engine.sweep_pending")
def sweep_pending_task() -> int:
    """Re-queue declarations left pending (broker was down, a worker died): nothing filed is lost."""
    return pipeline.sweep_pending()


@shared_task(name="risk_engine.rescreen_open", acks_late=True)
def rescreen_open_task() -> int:
    return pipeline.rescreen_open()


@shared_task(name="risk_engine.learn_credibility_bounds")
def learn_credibility_bounds_task() -> int:
    from risk_engine.dataquality import learn_credibility_bounds

    return learn_credibility_bounds()


import risk_engine.backtest_tasks  # noqa: E402, F401 - registers risk_engine.run_backtest with the worker
