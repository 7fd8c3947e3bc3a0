"""Postgres stopped and started again while national systems keep filing: clear 503s, never a 500.

Clients behave as the contract asks: on 503 they wait (here a fraction of ``Retry-After``, to keep
the test short) and send the same body again; an ENS whose first attempt did commit answers 200
(idempotent retry), so nothing is filed twice. After recovery every accepted ENS is stored and
screened once, and the outage flagged nothing as poison.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.stack import SWEEP_SECONDS, wait_until

pytestmark = pytest.mark.faults

PREFIX = "PGRESTART"
CLIENTS = 3  # two systems filing one ENS at a time, one filing batches of 25
RETRY_PAUSE = 0.2
UNAVAILABLE_RETRIES = 5  # the outage lasts until every client has retried this often


class Clients:
    def __init__(self, stack, bodies: list[dict]):
        self.stack = stack
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.accepted: dict[str, str] = {}
        self.statuses: Counter[int] = Counter()
        self.bad_unavailable: list = []  # 503s without Retry-After or the contract's error body
        self.unexpected: list = []
        self.unavailable_per_client: Counter[int] = Counter()
        share = len(bodies) // CLIENTS
        self.work = [bodies[i * share : (i + 1) * share] for i in range(CLIENTS)]

    def run(self, number: int) -> None:
        bodies = self.work[number]
        size = 25 if number == CLIENTS - 1 else 1
        for start in range(0, len(bodies), size):
            if self.stop.is_set():
                return
            self._file_until_accepted(number, bodies[start : start + size])

    def _file_until_accepted(self, number: int, chunk: list[dict]) -> None:
        single = len(chunk) == 1
        path, payload = (
            ("/api/v1/declarations/", chunk[0])
            if single
            else (
                "/api/v1/declarations/batch/",
                {"declarations": chunk},
            )
        )
        while True:
            response = self.stack.post(path, payload)
            with self.lock:
                self.statuses[response.status] += 1
                self.unavailable_per_client[number] += response.status == 503
            if response.status == 503:
                self._check_unavailable(response)
                time.sleep(RETRY_PAUSE)
                continue
            with self.lock:
                if single and response.status in (200, 201):
                    self.accepted[response.body["lrn"]] = response.body["mrn"]
                elif not single and response.status == 200:
                    for row in response.body["results"]:
                        if row["status"] in (200, 201):
                            self.accepted[row["lrn"]] = row["mrn"]
                        else:
                            self.unexpected.append(row)
                else:
                    self.unexpected.append(response)
            return

    def _check_unavailable(self, response) -> None:
        body = response.body
        clear = (
            response.headers.get("retry-after", "").isdigit()
            and response.headers.get("content-type", "").startswith("application/json")
            and isinstance(body, dict)
            and [error.get("code") for error in body.get("errors", [])] == ["unavailable"]
        )
        if not clear:
            with self.lock:
                self.bad_unavailable.append((response.headers, body))

    def count(self) -> int:
        with self.lock:
            return len(self.accepted)

    def every_client_told_unavailable(self, times: int) -> bool:
        """Each client (single filings and batches) got ``times`` 503s: the outage lasted some retries."""
        with self.lock:
            return all(self.unavailable_per_client[number] >= times for number in range(CLIENTS))


def test_postgres_restart_under_load_answers_503_with_retry_after_and_loses_nothing(stack):
    clients = Clients(stack, stack.bodies(3000, prefix=PREFIX, seed=6))
    with ThreadPoolExecutor(CLIENTS) as pool:
        running = [pool.submit(clients.run, number) for number in range(CLIENTS)]
        try:
            wait_until(lambda: clients.count() >= 30, timeout=60, what="filings before the restart")
            stack.postgres.stop_cluster()  # fast shutdown: open sessions are cut, as in a restart
            wait_until(
                lambda: clients.every_client_told_unavailable(UNAVAILABLE_RETRIES),
                timeout=30,
                what="clients told the database is unavailable",
                explain=stack.explain,
            )
            before = clients.count()
            stack.postgres.start_cluster()
            wait_until(
                lambda: clients.count() >= before + 60,
                timeout=60,
                what="filings going through again after the restart",
                explain=stack.explain,
            )
        finally:
            clients.stop.set()
            for future in running:
                future.result(timeout=120)

    assert clients.statuses[500] == 0, f"500s during the restart: {clients.statuses}"
    assert clients.unexpected == [], clients.unexpected[:3]
    assert clients.bad_unavailable == [], clients.bad_unavailable[:3]
    assert set(clients.statuses) <= {200, 201, 503}, clients.statuses
    assert clients.every_client_told_unavailable(UNAVAILABLE_RETRIES)

    accepted = clients.accepted
    wait_until(
        lambda: stack.all_screened(PREFIX, len(accepted)),
        timeout=90 + 4 * SWEEP_SECONDS,
        what="every accepted ENS screened after the restart",
        explain=stack.explain,
    )
    stack.assert_nothing_lost_nothing_doubled(accepted)  # also: the outage flagged nothing
    assert stack.get("/healthz").status == 200
