"""Celery task: the webhook sweeper, run by beat every ``WEBHOOK_SWEEP_SECONDS`` (a thin wrapper)."""

from __future__ import annotations

from celery import shared_task

from notifications import delivery


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_task() -> int:
    return delivery.sweep()
