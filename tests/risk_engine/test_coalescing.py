"""Single filings gathered in Redis and screened together (risk_engine/coalescing.py, issue 17).

Real Redis throughout. The invariant: every pushed version is handed to a screening exactly once per
push while a drain runs or is scheduled, whatever the interleaving of filings and the drain's end;
and only one drain task is scheduled for a burst.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings

from risk_engine import coalescing, pipeline
from risk_engine.tasks import drain_filed_task


@pytest.fixture
def redis_lists():
    client = coalescing._redis()
    client.delete(coalescing.FILED_KEY, coalescing.DRAIN_FLAG)
    yield client
    client.delete(coalescing.FILED_KEY, coalescing.DRAIN_FLAG)


@pytest.fixture
def scheduled(monkeypatch):
    """Drain tasks asked of the broker (recorded, not sent)."""
    calls: list[dict] = []
    monkeypatch.setattr(drain_filed_task, "apply_async", lambda **kwargs: calls.append(kwargs))
    return calls


def test_single_filings_are_queued_and_a_batch_filing_is_not():
    assert coalescing.coalesces([7])
    assert not coalescing.coalesces([])
    with override_settings(SCREENING_COALESCE_BELOW=50):
        assert coalescing.coalesces(list(range(49))) and not coalescing.coalesces(list(range(50)))
    with override_settings(SCREENING_COALESCE_BELOW=0):
        assert not coalescing.coalesces([7])  # switched off: one task per filing as before


def test_a_burst_of_filings_schedules_one_drain_that_screens_them_in_one_batch(redis_lists, scheduled):
    for version_id in (3, 1, 2):
        coalescing.push([version_id])
    assert len(scheduled) == 1
    screened: list[list[int]] = []
    assert coalescing.drain(screened.append) == 3
    assert screened == [[1, 2, 3]]
    assert not redis_lists.exists(coalescing.DRAIN_FLAG) and not redis_lists.llen(coalescing.FILED_KEY)
    coalescing.push([4])  # the drain is over: the next filing schedules another
    assert len(scheduled) == 2


def test_batches_are_at_most_the_screening_batch_size(redis_lists, scheduled):
    with override_settings(SCREENING_BATCH_SIZE=4):
        for version_id in range(10):
            coalescing.push([version_id])
        screened: list[list[int]] = []
        coalescing.drain(screened.append)
    assert [len(batch) for batch in screened] == [4, 4, 2]
    assert sorted(version for batch in screened for version in batch) == list(range(10))


def test_a_filing_arriving_during_the_drain_is_screened_by_it(redis_lists, scheduled):
    coalescing.push([1])
    screened: list[list[int]] = []

    def screen(ids: list[int]) -> None:
        screened.append(ids)
        if len(screened) == 1:
            coalescing.push([2])  # filed while the first batch is screened: the flag is set, no new task

    coalescing.drain(screen)
    assert screened == [[1], [2]] and len(scheduled) == 1


def test_a_failed_send_to_the_broker_leaves_no_flag_behind(redis_lists, monkeypatch):
    def broker_down(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(drain_filed_task, "apply_async", broker_down)
    with pytest.raises(ConnectionError):
        coalescing.push([1])
    assert not redis_lists.exists(coalescing.DRAIN_FLAG)  # the next filing (or the sweeper) tries again


def test_enqueue_never_fails_a_filing_when_redis_is_unreachable(monkeypatch):
    def unreachable():
        raise ConnectionError("redis down")

    monkeypatch.setattr(coalescing, "_redis", unreachable)
    monkeypatch.setattr(pipeline, "_broker_down_until", 0.0)
    assert pipeline.enqueue([1]) == 0  # left pending: the sweeper sends it once Redis is back
    monkeypatch.setattr(pipeline, "_broker_down_until", 0.0)


@pytest.mark.parametrize("round_", range(5))
def test_concurrent_filings_and_drains_lose_nothing(redis_lists, monkeypatch, round_):
    """Eight filers pushing while drains start and end as the flag says: every version is screened,
    and never two drains screening at once. Each scheduled drain runs at once on a thread, as a worker would."""
    drains = ThreadPoolExecutor(4)
    screening, overlap = [0], [0]
    lock = threading.Lock()
    screened: list[int] = []

    def screen(ids: list[int]) -> None:
        with lock:
            screening[0] += 1
            overlap[0] = max(overlap[0], screening[0])
            screened.extend(ids)
        time.sleep(0.001)  # screening takes a while: filings gather meanwhile
        with lock:
            screening[0] -= 1

    monkeypatch.setattr(drain_filed_task, "apply_async", lambda **kwargs: drains.submit(coalescing.drain, screen))
    filed = list(range(round_ * 10_000, round_ * 10_000 + 800))

    def filer(part: list[int]) -> None:
        for version_id in part:
            coalescing.push([version_id])

    with ThreadPoolExecutor(8) as filers:
        list(filers.map(filer, [filed[start::8] for start in range(8)]))
    drains.shutdown(wait=True)
    assert sorted(screened) == filed
    assert overlap[0] == 1
