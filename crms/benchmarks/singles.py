"""Single ENS POSTs at rising concurrency with screening running (issue 17, "ingest at national-system rates").

Closed-loop clients (each posts its next ENS as soon as the last is answered) over keep-alive
connections, against gunicorn with a real Celery worker screening as they arrive, everything on the
same machine. For each step: sustained throughput, POST latency, and POST -> screened latency (from
the moment the client sent the POST to the assessment's ``screened_at``, same clock). Then the batch
endpoint's throughput with the worker screening behind it.
"""

from __future__ import annotations

import threading
import time

import orjson

from crms.benchmarks.engine import _db, _wait_screened, _worker
from crms.benchmarks.harness import Client, gunicorn, manage, summary
from crms.benchmarks.ingest import _bodies, _token


def _screened_latencies(conn, sent_at: dict[str, float]) -> list[float]:
    with conn.cursor() as cursor:
        cursor.execute(
            """SELECT d.mrn, extract(epoch from a.screened_at) FROM risk_engine_assessment a
               JOIN declarations_declaration d ON d.id = a.declaration_id
               WHERE d.mrn = ANY(%s) AND a.screened_at IS NOT NULL""",
            [list(sent_at)],
        )
        return [float(screened) - sent_at[mrn] for mrn, screened in cursor.fetchall()]


def _screened_count(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_declaration WHERE screening_status = 'screened'")
        return cursor.fetchone()[0]


def _step(port: int, token: str, conn, clients: int, seconds: float, seed: int) -> dict:
    """``clients`` closed-loop posters for ``seconds``; then wait for every ENS to be screened."""
    per_client = int(seconds * 1_200 / max(clients, 1)) + 50  # more bodies than any client can post in time
    bodies = _bodies(per_client * clients, seed=seed, member_state="FR", prefix=f"S{clients:02d}")
    already = _screened_count(conn)
    sent_at: dict[str, float] = {}
    post_latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client_loop(part: list[dict]) -> None:
        client = Client(port, token)
        mine: list[tuple[str, float, float]] = []
        for body in part:
            if time.perf_counter() >= stop:
                break
            begin_wall, begin = time.time(), time.perf_counter()
            status, raw = client.post("/api/v1/declarations/", orjson.dumps(body))
            took = time.perf_counter() - begin
            if status not in (200, 201):
                raise RuntimeError(f"POST answered {status}: {raw[:300]!r}")
            mine.append((orjson.loads(raw)["mrn"], begin_wall, took))
        with lock:
            for mrn, begin_wall, took in mine:
                sent_at[mrn] = begin_wall
                post_latencies.append(took)

    started = time.perf_counter()
    threads = [
        threading.Thread(target=client_loop, args=(bodies[index * per_client : (index + 1) * per_client],))
        for index in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    _wait_screened(conn, already + len(sent_at), timeout=300)
    screened = _screened_latencies(conn, sent_at)
    return {
        "clients": clients,
        "posted": len(sent_at),
        "seconds": elapsed,
        "per_s": len(sent_at) / elapsed,
        "post_ms": {key: value * 1000 for key, value in summary(post_latencies).items()},
        "to_screened_ms": {key: value * 1000 for key, value in summary(screened).items()},
    }


def _batch_with_screening(port: int, token: str, conn, declarations: int, clients: int) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    bodies = _bodies(declarations, seed=41, member_state="FR", prefix="SBATCH")
    batches = [orjson.dumps({"declarations": bodies[i : i + 1000]}) for i in range(0, len(bodies), 1000)]
    already = _screened_count(conn)

    def send(batch: bytes) -> None:
        status, raw = Client(port, token).post("/api/v1/declarations/batch/", batch)
        if status != 200:
            raise RuntimeError(f"batch answered {status}: {raw[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, batches))
    posted = time.perf_counter() - started
    done = _wait_screened(conn, already + len(bodies), timeout=900) - started
    return {
        "declarations": len(bodies),
        "post_seconds": posted,
        "posted_per_s": len(bodies) / posted,
        "to_screened_seconds": done,
        "screened_per_s": len(bodies) / done,
    }


def run(
    env: dict[str, str],
    *,
    concurrency: tuple[int, ...] = (1, 4, 8, 16, 32),
    seconds: float = 10.0,
    web_workers: int = 3,
    worker_concurrency: int = 2,
    batch_declarations: int = 20_000,
) -> dict:
    manage(env, "load_demo", "--declarations", "0")
    token = _token(env, "bench_singles_fr", "FR")
    conn = _db(env)
    worker = _worker(env, worker_concurrency)
    try:
        with gunicorn(env, workers=web_workers) as port:
            time.sleep(3)  # worker start-up
            warm = Client(port, token)
            for body in _bodies(20, seed=40, member_state="FR", prefix="SWARM"):
                warm.post("/api/v1/declarations/", orjson.dumps(body))
            steps = [_step(port, token, conn, clients, seconds, seed=50 + clients) for clients in concurrency]
            batch = _batch_with_screening(port, token, conn, batch_declarations, clients=2)
    finally:
        worker.terminate()
        worker.wait(30)
        conn.close()
    return {
        "steps": steps,
        "batch": batch,
        "web_workers": web_workers,
        "worker_concurrency": worker_concurrency,
        "seconds_per_step": seconds,
    }


def run_scaling(
    env: dict[str, str], *, declarations: int = 20_000, processes: tuple[int, ...] = (1, 2), web_workers: int = 3
) -> dict:
    """Screening throughput with 1 and 2 worker processes (issue 17, "beyond one machine"): the ENS are
    filed first with no worker running (their screening tasks wait in Redis), then N single-process
    workers on the screening queue start together and the clock runs until every ENS is screened. A
    backtest worker on its own queue runs beside them, as in production, idle."""
    manage(env, "load_demo", "--declarations", "0")
    token = _token(env, "bench_scaling_fr", "FR")
    conn = _db(env)
    figures = []
    try:
        with gunicorn(env, workers=web_workers) as port:
            for count in processes:
                bodies = _bodies(declarations, seed=60 + count, member_state="FR", prefix=f"W{count}")
                batches = [orjson.dumps({"declarations": bodies[i : i + 1000]}) for i in range(0, len(bodies), 1000)]
                already = _screened_count(conn)
                client = Client(port, token)
                for batch in batches:
                    status, raw = client.post("/api/v1/declarations/batch/", batch)
                    if status != 200:
                        raise RuntimeError(f"batch answered {status}: {raw[:300]!r}")
                started = time.perf_counter()
                workers = [_worker(env, 1, hostname=f"scaling{index}@%h") for index in range(count)]
                workers.append(
                    _worker(env, 1, hostname="backtests@%h", queues=env.get("CELERY_BACKTEST_QUEUE", "backtests"))
                )
                try:
                    done = _wait_screened(conn, already + len(bodies), timeout=1200) - started
                finally:
                    for worker in workers:
                        worker.terminate()
                    for worker in workers:
                        worker.wait(30)
                figures.append(
                    {"processes": count, "declarations": len(bodies), "seconds": done, "per_s": len(bodies) / done}
                )
    finally:
        conn.close()
    return {"runs": figures}
