"""Platform-level Celery tasks."""

import socket

from celery import shared_task


@shared_task(name="crms.ping")
def ping(payload: str) -> dict:
    """Echo through the broker and a worker: proves the queue works end to end (health, tests)."""
    return {"echo": payload, "worker": socket.gethostname()}
