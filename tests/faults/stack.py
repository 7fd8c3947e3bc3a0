"""A private platform for the fault tests: its own Postgres, Redis, gunicorn, Celery worker(s) and beat.

Nothing here touches the servers of the main test run (or of `make run`): the fault tests break
things on purpose, so they get a cluster, a redis-server and processes of their own in a
temporary directory, and talk to them the way national systems do, over HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.client
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil
import psycopg2

from crms.declarations.synthetic import generate_declarations
from crms.stack.embedded import EmbeddedPostgres, EmbeddedRedis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POISON_PREFIX = "POISON-"
SWEEP_SECONDS = 5  # both how long a version may stay pending and how often beat sweeps
VISIBILITY_TIMEOUT = 30  # the platform's minimum: a killed worker's task is redelivered after this
SYSTEM = "faults_fr_system"
WORKER_APPLICATION = "crms-faults-worker"

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], *, timeout: float, what: str, explain: Callable[[], str] = str, interval: float = 0.1
) -> T:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` (and ``explain()``) at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s\n{explain()}")
        time.sleep(interval)


def _with_option(url: str, key: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{key}={value}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.popen.wait()

    def kill(self) -> None:
        """SIGKILL the process and everything it started (its own session), as if the machine died."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any

    def __repr__(self) -> str:
        return f"<{self.status} {json.dumps(self.body)[:300] if not isinstance(self.body, str) else self.body[:300]}>"


@dataclass
class PrivateStack:
    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    web: Process | None = None
    beat: Process | None = None
    workers: list[Process] = field(default_factory=list)
    port: int = 0
    token: str = ""
    offices: list[tuple[str, str, str, str]] = field(default_factory=list)
    _started: int = 0

    # -- life cycle ---------------------------------------------------------------------------

    @classmethod
    def create(cls) -> PrivateStack:
        # Short path: the Redis socket must fit in sun_path; /tmp keeps it well below.
        return cls(Path(tempfile.mkdtemp(prefix="crms-faults-")))

    def start(self) -> None:
        # pgserver narrates every pg_ctl call at INFO, also from its exit hook after pytest closed the streams.
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        (self.directory / "logs").mkdir(parents=True, exist_ok=True)
        self.postgres = EmbeddedPostgres(self.directory / "pgdata")
        database_url = self.postgres.start()
        self.redis = EmbeddedRedis(self.directory / "redis", persistent=False)
        redis_url = self.redis.start()
        self.port = _free_port()
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "CELERY_"))},
            "DJANGO_SETTINGS_MODULE": "crms.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CRMS_VAR_DIR": str(self.directory / "var"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_HTTPS": "false",
            "STATICFILES_MANIFEST": "false",
            "API_RATE_LIMIT": "1000000/min",
            "API_RATE_LIMIT_NATIONAL_SYSTEM": "1000000/min",
            "SCREENING_BATCH_SIZE": "500",
            "SWEEP_AFTER_SECONDS": str(SWEEP_SECONDS),
            "SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "FAULT_INJECTION_POISON_LRN_PREFIX": POISON_PREFIX,
            "BACKTEST_SOFT_TIME_LIMIT": "180",  # a backtest worker is started by the tests that need one
            # Webhooks to the tests' receiver on loopback, swept every second, retried after 1, 2, 2 ... s.
            "WEBHOOK_ALLOW_LOOPBACK": "true",
            "WEBHOOK_SWEEP_SECONDS": "1",
            "WEBHOOK_BACKOFF_BASE_SECONDS": "1",
            "WEBHOOK_BACKOFF_MAX_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
        }
        self.manage("migrate", "--noinput")
        self.manage("load_reference_data")
        # The demo criteria (EU and national) give the screening hits to count; no demo declarations.
        self.manage("load_demo", "--declarations", "0")
        self.token = self.manage("add_user", SYSTEM, "--org", "FR", "--role", "national_system", "--token")
        self.token = self.token.strip().splitlines()[-1]
        self.offices = [
            tuple(row)
            for row in self.query(
                "SELECT code, member_state_id, unlocode, border_type FROM reference_customsoffice "
                "WHERE member_state_id = 'FR' AND roles LIKE '%%entry%%' ORDER BY code"
            )
        ]
        self.start_web()
        self.start_worker()
        self.start_beat()

    def close(self, *, keep_logs_in: Path | None = None) -> None:
        """Stop everything and remove the directory; ``keep_logs_in`` saves the processes' logs first."""
        if keep_logs_in is not None and (self.directory / "logs").exists():
            shutil.copytree(self.directory / "logs", keep_logs_in, dirs_exist_ok=True)
        for process in [*self.workers, self.beat, self.web]:
            if process is not None:
                process.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None and self.postgres_running():
            self.postgres.stop_cluster()
        shutil.rmtree(self.directory, ignore_errors=True)

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} exited with {done.returncode}:\n{done.stderr[-3000:]}")
        return done.stdout

    def _spawn(self, name: str, command: list[str], *, env: dict[str, str] | None = None) -> Process:
        self._started += 1
        log = self.directory / "logs" / f"{self._started:02d}-{name}.log"
        handle = open(log, "w")  # noqa: SIM115 - the child writes to it; closed in this process at once
        try:
            popen = subprocess.Popen(
                command,
                env={**self.env, **(env or {})},
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill reaches the pool processes too
            )
        finally:
            handle.close()
        return Process(name, popen, log)

    def start_web(self) -> None:
        self.web = self._spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "crms.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                "--no-control-socket",  # not ~/.gunicorn/gunicorn.ctl, which another gunicorn may hold
            ],
        )
        wait_until(
            lambda: self._answers() or not self.web.alive(), timeout=60, what="gunicorn up", explain=self.web.tail
        )
        assert self.web.alive(), self.web.tail()

    def _answers(self) -> bool:
        try:
            return self.get("/healthz").status in (200, 503)
        except OSError:
            return False

    def start_worker(self, *, concurrency: int = 1, queue: str = "celery") -> Process:
        """A real `celery worker` (prefork pool: a main process and ``concurrency`` pool processes).

        ``queue="backtests"``: the backtest worker, as `make run` starts it (its own queue and process, niced).
        """
        number = len(self.workers) + 1
        backtests = queue == "backtests"
        worker = self._spawn(
            f"{'backtests' if backtests else 'worker'}{number}",
            [
                *(["nice", "-n", "10"] if backtests else []),
                str(BIN / "celery"),
                "-A",
                "crms",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "INFO",
                "--hostname",
                f"faults{number}@%h",
                "--without-mingle",
                "--without-gossip",
                "--queues",
                queue,
            ],
            # Named sessions, so the tests can see when a worker is inside a screening transaction.
            env={"DATABASE_URL": _with_option(self.env["DATABASE_URL"], "application_name", WORKER_APPLICATION)},
        )
        wait_until(
            lambda: "ready." in worker.output() or not worker.alive(),
            timeout=60,
            what="celery worker ready",
            explain=worker.tail,
        )
        assert worker.alive(), worker.tail()
        self.workers.append(worker)
        return worker

    def live_workers(self) -> list[Process]:
        """The screening workers alive (a backtest worker is not one)."""
        return [worker for worker in self.workers if worker.alive() and not worker.name.startswith("backtests")]

    def start_beat(self) -> None:
        self.beat = self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "crms",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.directory / "celerybeat-schedule"),
            ],
        )
        wait_until(
            lambda: "beat: Starting..." in self.beat.output() or not self.beat.alive(),
            timeout=60,
            what="celery beat started",
            explain=self.beat.tail,
        )
        assert self.beat.alive(), self.beat.tail()

    def stop_beat(self) -> None:
        if self.beat is not None:
            self.beat.stop()
            self.beat = None

    def restore(self) -> None:
        """Back to normal between tests: Postgres and Redis up, one worker, beat, web answering 200."""
        if not self.postgres_running():
            self.postgres.start_cluster()
        if self.redis.process is None or self.redis.process.poll() is not None:
            self.redis.start()
        if self.web is None or not self.web.alive():
            self.start_web()
        if not self.live_workers():
            self.start_worker()
        if self.beat is None or not self.beat.alive():
            self.start_beat()
        wait_until(lambda: self._healthy(), timeout=60, what="/healthz 200", explain=self.explain)

    def _healthy(self) -> bool:
        try:
            return self.get("/healthz").status == 200
        except OSError:
            return False

    def postgres_running(self) -> bool:
        try:
            self.query("SELECT 1")
            return True
        except psycopg2.OperationalError:
            return False

    def explain(self) -> str:
        """What the processes last said, for failure messages."""
        parts = []
        for process in [self.web, self.beat, *self.workers[-2:]]:
            if process is not None:
                parts.append(f"--- {process.name} ({'alive' if process.alive() else 'dead'}) ---\n{process.tail(25)}")
        return "\n".join(parts)

    # -- HTTP, as a national system ------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 60) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Accept": "application/json", "Authorization": f"Token {self.token}"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=data, headers=headers)
            answer = connection.getresponse()
            raw = answer.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            return Response(answer.status, {key.lower(): value for key, value in answer.getheaders()}, parsed)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> Response:
        return self.request("POST", path, body)

    def file(self, bodies: list[dict]) -> dict[str, str]:
        """File ENS one by one (a single body) or as a batch; every one must be accepted. Returns LRN -> MRN."""
        if len(bodies) == 1:
            response = self.post("/api/v1/declarations/", bodies[0])
            assert response.status == 201, response
            return {response.body["lrn"]: response.body["mrn"]}
        response = self.post("/api/v1/declarations/batch/", {"declarations": bodies})
        assert response.status == 200, response
        results = response.body["results"]
        assert [row["status"] for row in results] == [201] * len(bodies), [
            row for row in results if row["status"] != 201
        ][:3]
        return {bodies[row["index"]]["lrn"]: row["mrn"] for row in results}

    def bodies(self, count: int, *, prefix: str, seed: int = 0) -> list[dict]:
        """Valid synthetic ENS for the FR system's offices, arriving around now."""
        start = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return list(generate_declarations(count, seed=seed, offices=self.offices, start=start, lrn_prefix=prefix))

    # -- the database, read directly ------------------------------------------------------------

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        connection = psycopg2.connect(self.postgres.url, connect_timeout=5)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return cursor.fetchall()
        finally:
            connection.close()

    def statuses(self, prefix: str) -> dict[str, str]:
        """MRN -> screening status of the declarations whose LRN starts with ``prefix``."""
        rows = self.query(
            "SELECT mrn, screening_status FROM declarations_declaration WHERE lrn LIKE %s", [f"{prefix}%"]
        )
        return dict(rows)

    def screening_in_progress(self, cursor) -> bool:
        """A worker holds row locks on declaration versions: it is inside a screening transaction."""
        cursor.execute(
            """SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE c.relname = 'declarations_declarationversion' AND l.mode = 'RowShareLock' AND l.granted
                 AND a.application_name = %s""",
            [WORKER_APPLICATION],
        )
        return cursor.fetchone() is not None

    def freeze_mid_screening(self, worker: Process, *, timeout: float = 60) -> list[psutil.Process]:
        """Catch ``worker`` inside a screening transaction and freeze it there (SIGSTOP to its pool processes).

        Polls every few milliseconds for the worker's row locks, stops the pool processes, and checks
        the locks are still held: a batch that committed in between is let go and the next one caught.
        Returns the frozen processes, for the test to kill.
        """
        connection = psycopg2.connect(self.postgres.url, connect_timeout=5)
        connection.autocommit = True
        deadline = time.monotonic() + timeout
        try:
            with connection.cursor() as cursor:
                while True:
                    wait_until(
                        lambda: self.screening_in_progress(cursor),
                        timeout=max(deadline - time.monotonic(), 0),
                        interval=0.002,
                        what="a worker screening",
                        explain=self.explain,
                    )
                    pool = worker.children()
                    for process in pool:
                        process.suspend()
                    if self.screening_in_progress(cursor):
                        return pool
                    for process in pool:
                        process.resume()
        finally:
            connection.close()

    def all_screened(self, prefix: str, expected: int) -> bool:
        statuses = self.statuses(prefix)
        return len(statuses) == expected and set(statuses.values()) == {"screened"}

    def assert_nothing_lost_nothing_doubled(self, accepted: dict[str, str], *, poison: Collection[str] = ()) -> None:
        """The rule of every fault test: every accepted ENS is stored under its MRN and screened exactly once.

        ``accepted`` maps LRN -> MRN as the platform answered. One assessment per declaration
        version (and per declaration: no amendments here), no criterion hitting the same
        assessment twice, nothing flagged for an engineer but the planted ``poison`` LRNs
        (which stay pending, without an assessment).
        """
        lrns, poison = sorted(accepted), set(poison)
        rows = self.query("SELECT lrn, mrn, screening_status FROM declarations_declaration WHERE lrn = ANY(%s)", [lrns])
        stored = {lrn: mrn for lrn, mrn, _ in rows}
        assert stored == accepted, (
            f"lost: {sorted(set(accepted) - set(stored))[:5]}, "
            f"other MRN: {[lrn for lrn in stored if stored[lrn] != accepted.get(lrn)][:5]}"
        )
        wrong = sorted(lrn for lrn, _, status in rows if status != ("pending" if lrn in poison else "screened"))
        assert wrong == [], f"{len(wrong)} in the wrong screening status: {wrong[:5]}"
        per_version = self.query(
            """SELECT d.lrn, count(a.id) FROM declarations_declarationversion v
               JOIN declarations_declaration d ON d.id = v.declaration_id
               LEFT JOIN risk_engine_assessment a ON a.version_id = v.id
               WHERE d.lrn = ANY(%s) GROUP BY v.id, d.lrn""",
            [lrns],
        )
        assert len(per_version) == len(accepted), "one version per declaration"
        miscounted = [(lrn, count) for lrn, count in per_version if count != (0 if lrn in poison else 1)]
        assert miscounted == [], f"assessments per version: {miscounted[:5]}"
        per_declaration = self.query(
            """SELECT d.lrn, count(a.id) FROM declarations_declaration d
               JOIN risk_engine_assessment a ON a.declaration_id = d.id
               WHERE d.lrn = ANY(%s) GROUP BY d.lrn HAVING count(a.id) > 1""",
            [lrns],
        )
        assert per_declaration == [], f"declarations assessed more than once: {per_declaration[:5]}"
        doubled_hits = self.query(
            """SELECT h.assessment_id, h.criterion_version_id, count(*) FROM risk_engine_hit h
               JOIN risk_engine_assessment a ON a.id = h.assessment_id
               JOIN declarations_declaration d ON d.id = a.declaration_id
               WHERE d.lrn = ANY(%s) GROUP BY h.assessment_id, h.criterion_version_id HAVING count(*) > 1""",
            [lrns],
        )
        assert doubled_hits == [], f"hits written twice: {doubled_hits[:5]}"
        flagged = self.query(
            """SELECT d.lrn FROM risk_engine_screeningfailure f
               JOIN declarations_declarationversion v ON v.id = f.version_id
               JOIN declarations_declaration d ON d.id = v.declaration_id
               WHERE d.lrn = ANY(%s) AND f.resolved_at IS NULL""",
            [lrns],
        )
        assert {lrn for (lrn,) in flagged} == poison, f"flagged for an engineer: {flagged[:5]}, planted: {poison}"

    def hit_count(self, lrns: Iterable[str]) -> int:
        return self.query(
            """SELECT count(*) FROM risk_engine_hit h JOIN risk_engine_assessment a ON a.id = h.assessment_id
               JOIN declarations_declaration d ON d.id = a.declaration_id WHERE d.lrn = ANY(%s)""",
            [list(lrns)],
        )[0][0]

    # -- the broker, read directly ------------------------------------------------------------

    def unacknowledged(self, task: str) -> int:
        """How many ``task`` messages a worker has taken and not acknowledged (see ``in_flight``)."""
        import redis

        client = redis.Redis.from_url(self.redis.url, socket_timeout=5)
        try:
            delivered = client.hvals("unacked")
        finally:
            client.close()
        return sum(1 for raw in delivered if json.loads(raw)[0]["headers"]["task"] == task)

    def in_flight(self) -> dict[str, list[int]]:
        """Screening tasks a worker has taken and not acknowledged: task id -> version ids.

        kombu keeps a delivered message in the ``unacked`` hash until the worker acknowledges it
        (after the task, as tasks are ``acks_late``); a worker that dies leaves it there.
        """
        import redis

        client = redis.Redis.from_url(self.redis.url, socket_timeout=5)
        try:
            delivered = client.hvals("unacked")
        finally:
            client.close()
        tasks = {}
        for raw in delivered:
            message = json.loads(raw)[0]
            if message["headers"]["task"] == "risk_engine.screen_versions":
                args = json.loads(base64.b64decode(message["body"]))[0]
                tasks[message["headers"]["id"]] = args[0]
        return tasks
