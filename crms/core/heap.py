"""The garbage collector set for long-lived server processes (gunicorn workers, Celery pool processes).

Python's cyclic collector walks every tracked object of the oldest generation on each full collection.
A web process holds about 200,000 of them after start-up (Django, DRF, pydantic, numpy, pandas, the
URL conf and its views), none of which will ever be garbage; filing a batch of 1,000 ENS creates
enough objects to trigger several full collections, about 100 ms each: measured in process, 28 % of a
batch's time was the collector (issue 17). ``gc.freeze()`` moves what start-up created out of the
collector's sight (CPython's documented use: after loading, before forking or serving), and a larger
first-generation threshold makes young collections rarer, each still short. Cycles created while
serving are collected as before.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations before a young collection (CPython's default: 700)
OLDER_THRESHOLDS = (10, 10)  # young collections per middle one, middle per full (default 10, 10)


def settle() -> None:
    """Collect what start-up left, freeze the rest, and set the thresholds. Call once start-up is done."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def warm_web() -> None:
    """Import what the first request would (URL conf, views, their modules), so it is frozen too."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing the views is the point
