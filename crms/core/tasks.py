"""Platform-level Celery tasks."""

import socket

from celery import shared_task


@shared_task(name="crms.ping")
def ping(payload: str) -> dict:
    """Echo through the broker and a worker: proves the queue works end to end (health, tests)."""
    return {"echo": payload, "worker": socket.gethostname()}


@shared_task(name="crms.housekeeping", ignore_result=True)
def housekeeping_task() -> dict:
    """Daily: the months ahead get their partitions; the data-retention periods (crms/declarations/retention.py,
    partitions.py)."""
    from dataclasses import asdict

    from crms.declarations.partitions import drop_expired_months, ensure_ahead
    from crms.declarations.retention import run_housekeeping

    partitions = ensure_ahead()
    dropped = drop_expired_months()
    return asdict(run_housekeeping()) | {
        "partitions_created": partitions.created,
        "partitions_blocked": partitions.blocked,
        "months_dropped": [result.month.isoformat() for result in dropped],
    }
