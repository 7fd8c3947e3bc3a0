"""Every Celery task has a queue chosen on purpose (issue 17: a heavy job never delays screening).

The table lists every task the platform registers; a new task without a row fails here, so whoever
adds one decides whether it may share the screening workers.
"""

from __future__ import annotations

from django.conf import settings

from crms.celery import app

SCREENING, BACKTESTS, TRAINING = "default", "backtests", "training"
QUEUE_OF_TASK = {
    "risk_engine.screen_versions": SCREENING,
    "risk_engine.drain_filed": SCREENING,
    "risk_engine.sweep_pending": SCREENING,
    "risk_engine.rescreen_open": SCREENING,  # re-screening is screening: it must run promptly
    "risk_engine.run_backtest": BACKTESTS,
    "risk_engine.learn_credibility_bounds": TRAINING,
    "learning.compute_price_baselines": TRAINING,
    "indicators.refresh": SCREENING,  # incremental summary refresh: seconds, and the dashboard waits for it
    "indicators.refresh_recent": SCREENING,
    "indicators.refresh_period": SCREENING,
    "notifications.deliver": SCREENING,
    "crms.ping": SCREENING,
    "crms.housekeeping": SCREENING,
}
SETTING_OF = {
    SCREENING: "CELERY_TASK_DEFAULT_QUEUE",
    BACKTESTS: "CELERY_BACKTEST_QUEUE",
    TRAINING: "CELERY_TRAINING_QUEUE",
}


def platform_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_has_a_row():
    assert platform_tasks() == set(QUEUE_OF_TASK)


def test_each_task_is_routed_to_its_queue_by_the_settings():
    for name, queue in QUEUE_OF_TASK.items():
        routed = settings.CELERY_TASK_ROUTES.get(name, {}).get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
        assert routed == getattr(settings, SETTING_OF[queue]), name


def test_the_three_queues_are_distinct():
    assert len({getattr(settings, setting) for setting in SETTING_OF.values()}) == 3
