"""ENS intake over real HTTP: batch throughput and single-POST latency (issue 3)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import orjson
import psycopg2
from tqdm import tqdm

from crms.benchmarks.harness import Client, gunicorn, manage, summary


def _token(env: dict[str, str], username: str, org: str) -> str:
    return (
        manage(env, "add_user", username, "--org", org, "--role", "national_system", "--token").strip().splitlines()[-1]
    )


def _bodies(count: int, *, seed: int, member_state: str, prefix: str) -> list[dict]:
    from crms.declarations.synthetic import generate_declarations
    from crms.reference.models import CustomsOffice

    offices = list(
        CustomsOffice.objects.filter(member_state_id=member_state).values_list(
            "code", "member_state_id", "unlocode", "border_type"
        )
    )
    return list(generate_declarations(count, seed=seed, offices=offices, lrn_prefix=prefix))


def _stored(env: dict[str, str]) -> int:
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        count = cursor.fetchone()[0]
    conn.close()
    return count


def run(env: dict[str, str], *, declarations: int, batch_size: int, clients: int, singles: int, workers: int) -> dict:
    token = _token(env, "bench_fr_system", "FR")
    bodies = _bodies(declarations, seed=11, member_state="FR", prefix="BENCH")
    items = sum(len(body["goods_items"]) for body in bodies)
    batches = [
        orjson.dumps({"declarations": bodies[start : start + batch_size]})
        for start in range(0, len(bodies), batch_size)
    ]
    singles_bodies = [orjson.dumps(body) for body in _bodies(singles, seed=12, member_state="FR", prefix="SINGLE")]

    with gunicorn(env, workers=workers) as port:
        Client(port, token).post("/api/v1/declarations/batch/", orjson.dumps({"declarations": bodies[:1]}))  # warm-up
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        progress = tqdm(total=len(bodies), desc="batch ingest", unit="ENS")

        def send(batch: bytes) -> None:
            client = Client(port, token)
            started = time.perf_counter()
            status, raw = client.post("/api/v1/declarations/batch/", batch)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"batch answered {status}: {raw[:500]!r}")
            for result in orjson.loads(raw)["results"]:
                statuses[result["status"]] = statuses.get(result["status"], 0) + 1
            progress.update(len(orjson.loads(raw)["results"]))

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(send, batches))
        elapsed = time.perf_counter() - started
        progress.close()

        single_latencies = []
        client = Client(port, token)
        for body in tqdm(singles_bodies, desc="single POSTs", unit="ENS"):
            begin = time.perf_counter()
            status, raw = client.post("/api/v1/declarations/", body)
            single_latencies.append(time.perf_counter() - begin)
            if status not in (200, 201):
                raise RuntimeError(f"single POST answered {status}: {raw[:500]!r}")

    return {
        "declarations": len(bodies),
        "goods_items": items,
        "batch_size": batch_size,
        "clients": clients,
        "web_workers": workers,
        "seconds": elapsed,
        "declarations_per_s": len(bodies) / elapsed,
        "items_per_s": items / elapsed,
        "batch_latency_s": summary(latencies),
        "statuses": statuses,
        "stored": _stored(env),
        "single_post_ms": {key: value * 1000 for key, value in summary(single_latencies).items()},
        "single_posts": singles,
    }
