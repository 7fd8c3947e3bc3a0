"""``make load``: a bounded load test on loopback. National systems post at a steady rate (single ENS and
batches) while analysts work the queue in the browser; then every posted ENS must end ``screened``.

Everything runs on this machine: a scratch database, gunicorn, a real Celery worker and the clients.
Reports throughput, p50/p95/p99 latency per kind of request, errors, and the time until the last
posted ENS was screened.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import orjson
from tqdm import tqdm

from crms.benchmarks.engine import _db, _wait_screened, _worker
from crms.benchmarks.harness import (
    Client,
    gunicorn,
    login_session,
    manage,
    summary,
)
from crms.benchmarks.harness import prepared_environment as harness_environment
from crms.benchmarks.ingest import _bodies, _token

SYSTEMS = ("FR", "NL", "DE")
LOAD_REDIS_DB = 14  # not the benchmarks' 15: a load test may run while a benchmark does


def prepared_environment() -> dict[str, str]:
    """Like the benchmarks' scratch environment, but its own database (``<name>_load``) and Redis
    database, and no API rate limit (the load test measures the platform, not the limiter)."""
    return harness_environment(
        suffix="load",
        redis_db=LOAD_REDIS_DB,
        extra={"API_RATE_LIMIT": "100000/min", "API_RATE_LIMIT_NATIONAL_SYSTEM": "100000/min"},
    )


CASE_LINK = re.compile(r'href="(/workbench/cases/\d+/)"')


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float, status: int, detail: bytes = b"") -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status >= 400 and len(self.errors) < 20:
                self.errors.append(f"{kind} {status} {detail[:200]!r}")


class SessionClient(Client):
    """A logged-in browser session (cookie), for the analysts' pages."""

    def __init__(self, port: int, session: str):
        super().__init__(port, "")
        self.headers = {"Cookie": f"sessionid={session}"}

    def get_partial(self, path: str) -> tuple[int, bytes]:
        """What an HTMX refresh asks for (the rows fragment)."""
        self.conn.request("GET", path, headers={**self.headers, "HX-Request": "true"})
        response = self.conn.getresponse()
        return response.status, response.read()


def _timed(recorder: Recorder, kind: str, call) -> bytes:
    started = time.perf_counter()
    try:
        status, raw = call()
    except OSError as exc:
        recorder.add(kind, time.perf_counter() - started, 599, str(exc).encode())
        return b""
    recorder.add(kind, time.perf_counter() - started, status, raw if status >= 400 else b"")
    return raw if status < 400 else b""


def run(
    env: dict[str, str],
    *,
    seconds: float,
    rate: float,
    batch_every: float,
    batch_size: int,
    analysts: int,
    web_workers: int,
    worker_concurrency: int,
) -> dict:
    manage(env, "load_demo", "--declarations", "1000")
    tokens = {state: _token(env, f"load_{state.lower()}_system", state) for state in SYSTEMS}
    singles = {
        state: _bodies(int(rate * seconds) + 10, seed=40 + i, member_state=state, prefix=f"LOAD{state}")
        for i, state in enumerate(SYSTEMS)
    }
    batches = _bodies(int(seconds / batch_every + 2) * batch_size, seed=50, member_state="FR", prefix="LOADB")
    conn = _db(env)
    recorder = Recorder()
    posted: set[str] = set()
    posted_lock = threading.Lock()
    worker = _worker(env, worker_concurrency)
    try:
        with gunicorn(env, workers=web_workers) as port:
            time.sleep(3)  # worker start-up
            sessions = [login_session(port, user, "demo-crms-2026") for user in ("fr_analyst", "nl_analyst")][:analysts]
            stop = threading.Event()
            local = threading.local()

            def client_for(state: str) -> Client:
                if not hasattr(local, "clients"):
                    local.clients = {}
                if state not in local.clients:
                    local.clients[state] = Client(port, tokens[state])
                return local.clients[state]

            def post_single(state: str, body: dict) -> None:
                raw = _timed(
                    recorder,
                    "POST single ENS",
                    lambda: client_for(state).post("/api/v1/declarations/", orjson.dumps(body)),
                )
                if raw:
                    with posted_lock:
                        posted.add(orjson.loads(raw)["mrn"])

            def systems() -> None:
                with ThreadPoolExecutor(max_workers=24) as pool:
                    begin, index = time.perf_counter(), 0
                    total = int(rate * seconds)
                    with tqdm(
                        total=total * len(SYSTEMS), desc=f"single POSTs at {rate * len(SYSTEMS):.0f}/s", unit="ENS"
                    ) as bar:
                        while index < total and not stop.is_set():
                            delay = begin + index / rate - time.perf_counter()
                            if delay > 0:
                                time.sleep(delay)
                            for state in SYSTEMS:
                                pool.submit(post_single, state, singles[state][index])
                            bar.update(len(SYSTEMS))
                            index += 1

            def batcher() -> None:
                client = Client(port, tokens["FR"])
                for start in range(0, len(batches), batch_size):
                    if stop.is_set():
                        return
                    chunk = batches[start : start + batch_size]
                    raw = _timed(
                        recorder,
                        f"POST batch of {batch_size}",
                        lambda c=chunk: client.post("/api/v1/declarations/batch/", orjson.dumps({"declarations": c})),
                    )
                    if raw:
                        with posted_lock:
                            posted.update(r["mrn"] for r in orjson.loads(raw)["results"] if r.get("mrn"))
                    stop.wait(batch_every)

            def analyst(session: str) -> None:
                client = SessionClient(port, session)
                cases: list[str] = []
                turn = 0
                while not stop.is_set():
                    page = _timed(recorder, "GET queue page", lambda: client.get("/workbench/"))
                    cases = CASE_LINK.findall(page.decode(errors="replace")) or cases
                    _timed(recorder, "GET queue refresh (HTMX)", lambda: client.get_partial("/workbench/"))
                    if cases:
                        url = cases[turn % len(cases)]
                        _timed(recorder, "GET case page", lambda u=url: client.get(u))
                    turn += 1
                    stop.wait(1.0)

            threads = [threading.Thread(target=systems), threading.Thread(target=batcher)]
            threads += [threading.Thread(target=analyst, args=(s,)) for s in sessions]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            threads[0].join()
            stop.set()
            for thread in threads[1:]:
                thread.join()
            elapsed = time.perf_counter() - started
            with conn.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM declarations_declaration WHERE lrn LIKE 'LOAD%%'")
                stored = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM declarations_declaration WHERE screening_status = 'screened'")
                screened_before = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM declarations_declaration")
                total = cursor.fetchone()[0]
            try:
                done = _wait_screened(conn, total, timeout=300)
                all_screened, drain = True, done - (started + elapsed)
            except RuntimeError:
                all_screened, drain = False, None
            with conn.cursor() as cursor:
                cursor.execute("""SELECT count(*) FROM declarations_declaration d
                                  WHERE d.lrn LIKE 'LOAD%%' AND d.screening_status = 'screened'""")
                screened_load = cursor.fetchone()[0]
                cursor.execute("""SELECT count(*) FROM (SELECT assessment_id, criterion_version_id FROM risk_engine_hit
                                  GROUP BY 1, 2 HAVING count(*) > 1) dup""")
                duplicate_hits = cursor.fetchone()[0]
    finally:
        worker.terminate()
        worker.wait(30)
        conn.close()
    requests = {
        kind: {
            "count": len(values),
            "per_s": len(values) / elapsed,
            "latency_s": summary(values),
            "statuses": dict(recorder.statuses[kind]),
        }
        for kind, values in recorder.latency.items()
    }
    return {
        "seconds": elapsed,
        "requests": requests,
        "posted": len(posted),
        "stored": stored,
        "screened": screened_load,
        "all_screened": all_screened and screened_load == stored == len(posted),
        "drain_seconds_after_load": drain,
        "screened_before_drain": screened_before,
        "duplicate_hits": duplicate_hits,
        "errors": recorder.errors,
        "rate_per_system": rate,
        "systems": len(SYSTEMS),
        "batch": {"size": batch_size, "every_s": batch_every},
        "analysts": len(sessions),
    }
