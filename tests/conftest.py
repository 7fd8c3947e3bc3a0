"""Shared fixtures: reference data, personas, a real Celery worker."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from crms.accounts.models import User
from crms.accounts.services import set_up_user
from crms.reference.loader import load_reference_data

ROOT = Path(__file__).resolve().parent.parent
# Chromium fixtures for the browser tests wherever they are (tests/browser/, tests/security/).
pytest_plugins = ["tests.browser_support"]
# Concurrent test runs share the throw-away Redis: each run has its own queue and worker.
TEST_QUEUE = f"test-{os.getpid()}"
TEST_BACKTEST_QUEUE = f"{TEST_QUEUE}-backtests"  # backtests have a queue of their own (CELERY_BACKTEST_QUEUE)
TEST_TRAINING_QUEUE = f"{TEST_QUEUE}-training"  # and learning from history (CELERY_TRAINING_QUEUE)


@pytest.fixture(scope="session", autouse=True)
def _private_celery_queue():
    from crms.celery import app

    app.conf.task_default_queue = TEST_QUEUE
    app.conf.task_routes = {
        "risk_engine.run_backtest": {"queue": TEST_BACKTEST_QUEUE},
        "risk_engine.learn_credibility_bounds": {"queue": TEST_TRAINING_QUEUE},
        "learning.compute_price_baselines": {"queue": TEST_TRAINING_QUEUE},
    }


PERSONA_SPECS = {
    "commission": ("EU", "commission"),
    "commission_approver": ("EU", "commission_approver"),
    "eu_auditor": ("EU", "auditor"),
    "fr_system": ("FR", "national_system"),
    "fr_analyst": ("FR", "analyst"),
    "fr_risk_manager": ("FR", "risk_manager"),
    "fr_auditor": ("FR", "auditor"),
    "nl_analyst": ("NL", "analyst"),
    "de_analyst": ("DE", "analyst"),
}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """One test database per run (test_crms_<pid>), so concurrent runs never drop each other's."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data is loaded once into the test database; tests roll back around it."""
    with django_db_blocker.unblock():
        load_reference_data()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


def _wait_until_database_is_quiet(timeout: float = 20.0) -> None:
    """Wait until no re-screening is still due (publishing asks for one with a countdown, which the
    worker holds outside the queue) and no other session works in the test database (none three
    times in a row)."""
    from django.core.cache import cache

    from risk_engine.pipeline import RESCREEN_KEY

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and cache.get(RESCREEN_KEY):
        time.sleep(0.1)
    quiet_checks = 0
    while time.monotonic() < deadline and quiet_checks < 3:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            busy = cursor.fetchone()[0]
        quiet_checks = 0 if busy else quiet_checks + 1
        time.sleep(0.1)


@pytest.fixture(scope="session", autouse=True)
def _flush_retries_a_deadlock():
    """The last line of defence for the flush: a TRUNCATE that loses a deadlock to a late worker
    task was rolled back whole, so it is simply run again."""
    from django.db import OperationalError
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        for attempt in range(3):
            try:
                return flush(self, sql_list)
            except OperationalError as exc:
                if "deadlock" not in str(exc) or attempt == 2:
                    raise
                time.sleep(0.5)
        return None

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = flush


@pytest.fixture(autouse=True)
def _fresh_learned_scoring():
    """Models in force and behaviour counts are cached per worker process: never one test's for the next."""
    from crms.learning.scoring import forget

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _quiet_before_flush(request):
    """A transactional test ends with a TRUNCATE of every table; a worker still screening what the
    test filed would deadlock with it. Drop the test's queued tasks and let running ones finish.
    Without the worker nobody runs a requested re-screening: its flag is dropped, not waited for."""
    yield
    if not _is_transactional(request):
        return
    if "celery_worker_process" not in request.fixturenames:
        from django.core.cache import cache

        from risk_engine.pipeline import RESCREEN_KEY

        with contextlib.suppress(Exception):  # a test that stopped Redis
            cache.delete(RESCREEN_KEY)
    from crms.celery import app
    from risk_engine import coalescing

    # Twice: a re-screening that starts while we wait queues screening tasks of its own.
    for _ in range(2):
        with contextlib.suppress(Exception):  # a test that stopped the broker: nothing queued to drop
            app.control.purge()
        # A purged drain task leaves its flag for 30 s: the next test's single filings would wait for it.
        with contextlib.suppress(Exception):
            coalescing._redis().delete(coalescing.DRAIN_FLAG, coalescing.FILED_KEY)
        try:
            _wait_until_database_is_quiet()
        except Exception:  # noqa: BLE001 - a test that broke the connection: the flush reconnects
            connection.close()


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests (live server, worker), whose flush empties every table."""
    load_reference_data()


def make_user(name: str, org: str, role: str, password: str = "correct-horse-battery") -> User:
    return set_up_user(username=name, org_code=org, role=role, password=password).user


@pytest.fixture
def personas(db) -> dict[str, User | None]:
    """The cast of the permission tests: every role, three Member States, an outsider, anonymous."""
    people: dict[str, User | None] = {name: make_user(name, *spec) for name, spec in PERSONA_SPECS.items()}
    people["outsider"] = User.objects.create_user("outsider", password="correct-horse-battery")
    people["anonymous"] = None
    return people


@pytest.fixture
def fr_analyst(personas) -> User:
    return personas["fr_analyst"]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the real broker, pointed at the test database.

    One process takes every queue here (screening, backtests, training); `make run` gives backtests a worker
    of their own, and the fault tests prove why (tests/faults/test_backtest_isolation.py).
    """
    env = {
        **os.environ,
        "CELERY_QUEUE": TEST_QUEUE,
        "CELERY_BACKTEST_QUEUE": TEST_BACKTEST_QUEUE,
        "CELERY_TRAINING_QUEUE": TEST_TRAINING_QUEUE,
        "LEARNED_BEHAVIOUR_MAX_AGE_SECONDS": "0",  # every test's labels, not a previous test's
    }
    test_db = connection.settings_dict["NAME"]
    url = env["DATABASE_URL"]
    base, _, query = url.partition("?")
    env["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + test_db + (f"?{query}" if query else "")
    log_path = ROOT / "var" / f"test-worker-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - kept open for the worker's lifetime
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crms",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--hostname",
            f"test-worker-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
            "--queues",
            f"{TEST_QUEUE},{TEST_BACKTEST_QUEUE},{TEST_TRAINING_QUEUE}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready." in log_path.read_text(errors="replace"):
            break
        if worker.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log_path.read_text()}")
        time.sleep(0.2)
    else:
        worker.kill()
        raise RuntimeError(f"celery worker not ready in 60s:\n{log_path.read_text()}")
    yield worker
    worker.terminate()
    try:
        worker.wait(15)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()
