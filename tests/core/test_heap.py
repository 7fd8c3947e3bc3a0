"""Server processes freeze start-up's objects out of the garbage collector's walk (crms/core/heap.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from crms.core import heap


def _in_a_fresh_process(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], env=os.environ, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_wsgi_application_loads_its_views_then_freezes():
    out = _in_a_fresh_process(
        "import gc, sys; import crms.wsgi; "
        "print(gc.get_freeze_count(), gc.get_threshold()[0], 'crms.declarations.api' in sys.modules)"
    )
    frozen, young, views_loaded = out.split()
    assert int(frozen) > 50_000  # Django, DRF, the views: out of every collection's walk
    assert int(young) == heap.YOUNG_THRESHOLD
    assert views_loaded == "True"  # imported before the freeze, not by the first request


def test_the_celery_pool_process_hook_is_connected_and_settles_the_heap():
    out = _in_a_fresh_process(
        "import gc; import django; django.setup(); from celery import signals; from crms.celery import _settle_heap; "
        "hooks = [ref() if callable(ref) else ref for _, ref in signals.worker_process_init.receivers]; "
        "before = gc.get_freeze_count(); signals.worker_process_init.send(sender=None); "
        "print(_settle_heap in hooks, before, gc.get_freeze_count())"
    )
    connected, before, after = out.split()
    assert connected == "True"  # what a forked pool process runs at start
    assert int(before) == 0 and int(after) > 50_000
