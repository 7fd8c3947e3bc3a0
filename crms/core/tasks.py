"""Platform-level Celery tasks."""

import socket

from celery import shared_task


@shared_task(name="crms.ping")
def ping(payload: str) -> dict:
    """Echo through the broker and a worker: proves the queue works end to end (health, tests)."""
    return {"echo": payload, "worker": socket.gethostname()}


@shared_task(name="crms.housekeeping", ignore_result=True)
def housekeeping_task() -> dict:
    """Daily: the data-retention periods (see crms/declarations/retention.py)."""
    from dataclasses import asdict

    from crms.declarations.retention import run_housekeeping

    return asdict(run_housekeeping())
