"""Shared pieces of the benchmarks: a scratch database, a real gunicorn server, an HTTP client, stats.

Benchmarks run against their own database (``<name>_bench`` on the same server),
rebuilt each run, so figures are repeatable and the working data is never touched.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(values),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values),
    }


def scratch_database_url(suffix: str = "bench") -> str:
    """The main DATABASE_URL with the database name replaced by ``<name>_<suffix>``."""
    url = os.environ["DATABASE_URL"]
    base, _, query = url.partition("?")
    head, _, name = base.rpartition("/")
    return f"{head}/{name}_{suffix}" + (f"?{query}" if query else "")


def recreate_database(url: str) -> None:
    db = settings.DATABASES["default"]
    name = url.partition("?")[0].rpartition("/")[2]
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or None
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def table_columns(cursor, table: str) -> list[str]:
    """A table's columns in order, for the builds that copy rows in SQL with some columns replaced."""
    cursor.execute(
        """SELECT column_name FROM information_schema.columns
           WHERE table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position""",  # generated: computed
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def rebuildable(definition: str) -> str:
    """An index definition read from the catalogue, as a statement that builds it again everywhere.

    Postgres describes an index of a partitioned table as ``CREATE INDEX ... ON ONLY parent``: run as is,
    it would build the parent's index alone, and every partition would be left without it (an ENS page
    on the indicators year took 5 s, each partition read whole)."""
    return definition.replace(" ON ONLY ", " ON ", 1)


def analyze_filed(cursor) -> None:
    """Statistics for what was just filed, before a build copies it in SQL. The filed rows sit in this
    month's fresh partitions, which autovacuum may not have analysed yet: with no statistics the planner
    read them once per copied row (the queue's build took a quarter of an hour instead of 40 s)."""
    for table in ("declarations_declaration", "declarations_declarationversion", "risk_engine_assessment"):
        cursor.execute(f"ANALYZE {table}")


def ensure_partitions(env: dict[str, str], *, days_back: int) -> None:
    """The monthly partitions of the past ``days_back`` days, before a build copies rows into them.

    In production the nightly housekeeping has created each month before its first filing; a build that
    spreads copies over past months must create them too, or its rows would land in the default partitions.
    """
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_back)
    manage(env, "partitions", "--ensure", "--since", f"{since:%Y-%m}")


BENCH_REDIS_DB = 15


def scratch_redis_url(number: int = BENCH_REDIS_DB) -> str:
    """The main REDIS_URL on its own database number, flushed: no stale tasks from the working data."""
    import redis

    url = os.environ["REDIS_URL"]
    if url.startswith("unix://"):
        scratch = url.split("?")[0] + f"?db={number}"
    else:
        head, _, _ = url.rpartition("/")
        scratch = f"{head}/{number}"
    redis.Redis.from_url(scratch).flushdb()
    return scratch


def prepared_environment(
    *, fresh: bool = True, suffix: str = "bench", redis_db: int = BENCH_REDIS_DB, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """A scratch database ``<name>_<suffix>`` (fresh, or the last run's with ``fresh=False``) and Redis
    database, migrated, with reference data; ``extra`` settings on top."""
    url = scratch_database_url(suffix)
    if fresh:
        recreate_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": scratch_redis_url(redis_db),
        "DEBUG": "false",
        "STATICFILES_MANIFEST": "false",
    }
    env.setdefault("SECRET_KEY", f"{suffix}-only-secret-key")
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["SECURE_HTTPS"] = "false"
    env.update(extra or {})
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    use_database(url)
    return env


def use_database(url: str) -> None:
    """Point this process's own ORM at the scratch database too (it reads reference data from it),
    so a benchmark never depends on the main database having been migrated."""
    from django.db import connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = url.partition("?")[0].rpartition("/")[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 3) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crms.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not become healthy in 60 s")
    try:
        yield port
    finally:
        process.terminate()
        process.wait(20)


class Client:
    """A keep-alive HTTP client with a token: the way a national system talks to us."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def timed_gets(
    port: int, path: str, headers: dict[str, str], repeats: int, *, follow=None, progress=None
) -> tuple[list[float], bytes]:
    """GET ``path`` ``repeats + 1`` times on one keep-alive connection, the first only warming caches.

    Returns the seconds of each timed request and the last body; ``follow(body)`` may name the
    next path (e.g. a list's "Older" link) so deep pages are measured too.
    """
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    timings, body, current = [], b"", path
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        client.request("GET", current, headers=headers)
        response = client.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{current} answered {response.status}: {body[:300]!r}")
        if attempt:
            timings.append(elapsed)
        if follow is not None:
            current = follow(body) or path
        if progress is not None:
            progress.update()
    client.close()
    return timings, body


def login_session(port: int, username: str, password: str) -> str:
    """Log in through the login form like a browser; returns the session cookie's value."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    conn.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if session is None:
        raise RuntimeError("login failed")
    return session.group(1)
