"""Celery tasks for the indicators: thin wrappers over the refresh service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from indicators import services
from indicators.models import RefreshRun


@shared_task(name="indicators.refresh", acks_late=True, ignore_result=True)
def refresh_task(run_id: int) -> None:
    run = RefreshRun.objects.filter(pk=run_id).first()
    if run is not None and run.status == RefreshRun.Status.QUEUED:
        services.run_refresh(run)


@shared_task(name="indicators.refresh_recent", ignore_result=True)
def refresh_recent_task() -> int:
    """On the schedule: today, yesterday and the older days that late decisions and control results touched."""
    return services.refresh_recent().rows


@shared_task(name="indicators.refresh_period", ignore_result=True)
def refresh_period_task() -> int:
    """Nightly: the whole reporting window, so late decisions and results reach old days too."""
    today = timezone.now().date()
    return services.refresh_now(today - dt.timedelta(days=settings.INDICATORS_REFRESH_DAYS - 1), today).rows
