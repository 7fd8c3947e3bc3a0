"""Celery tasks of learned selection: thin wrappers over services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="learning.compute_price_baselines")
def compute_price_baselines_task() -> int:
    """Nightly (beat): rebuild the price baselines; returns how many there are."""
    from crms.learning.prices import compute_price_baselines

    return compute_price_baselines().baselines
