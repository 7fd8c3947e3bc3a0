"""A worker killed in the middle of a screening batch: the batch is redone, nothing is lost or doubled.

Screening tasks are ``acks_late`` and ``reject_on_worker_lost``: the broker keeps a task until the
worker acknowledges it after the task. Two ways to die, two ways back:

- a pool process killed (the OOM killer's usual victim): the worker's main process sees it die,
  rejects the task with requeue, and a fresh pool process redoes it at once;
- the whole worker killed (the machine died): the task stays unacknowledged in Redis; kombu hands
  it to another worker once ``CELERY_VISIBILITY_TIMEOUT`` (30 s here, the platform's minimum)
  has passed. Meanwhile the sweeper re-queues the versions left pending, so the batch is done
  twice: screening is idempotent, so the rows must be the same as if it had been done once.

Beat is stopped in the first test, so only the redelivery can bring the batch back.
"""

from __future__ import annotations

import os
import re
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.stack import SWEEP_SECONDS, VISIBILITY_TIMEOUT, wait_until

pytestmark = pytest.mark.faults

BATCHES, PER_BATCH = 6, 1000  # batch filings of 1,000: screening tasks of 500 the worker is busy with


def _file_all(stack, bodies: list[dict]) -> dict[str, str]:
    accepted: dict[str, str] = {}
    for start in range(0, len(bodies), PER_BATCH):
        accepted |= stack.file(bodies[start : start + PER_BATCH])
    return accepted


def _succeeded(worker, task_id: str) -> bool:
    return re.search(rf"screen_versions\[{task_id}\] succeeded", worker.output()) is not None


def test_pool_process_killed_mid_batch_the_batch_is_redelivered_at_once(stack):
    prefix = "KILLPOOL"
    stack.stop_beat()  # no sweeper: only the redelivery can save the batch
    worker = stack.live_workers()[0]
    lost_before = worker.output().count("WorkerLostError")
    bodies = stack.bodies(BATCHES * PER_BATCH, prefix=prefix, seed=3)

    with ThreadPoolExecutor(1) as clients:
        filing = clients.submit(_file_all, stack, bodies)
        pool = stack.freeze_mid_screening(worker)
        taken = stack.in_flight()  # the task the frozen process is screening, not acknowledged
        for process in pool:
            os.kill(process.pid, signal.SIGKILL)
        accepted = filing.result(timeout=300)

    assert taken, "the killed pool process held no screening task"
    wait_until(
        lambda: worker.output().count("WorkerLostError") > lost_before,
        timeout=30,
        what="the worker noticing its pool process died with a task",
        explain=stack.explain,
    )
    assert worker.alive(), "the worker's main process survives its pool process"
    wait_until(
        lambda: stack.all_screened(prefix, len(bodies)),
        timeout=90,
        what="every ENS screened, the killed batch included",
        explain=stack.explain,
    )
    for task_id in taken:  # the very task the dead process held was done again, not lost
        wait_until(lambda task_id=task_id: _succeeded(worker, task_id), timeout=30, what=f"task {task_id} redone")
    stack.assert_nothing_lost_nothing_doubled(accepted)
    assert stack.hit_count(accepted) > 0  # the duplicate-hit check had hits to look at
    assert stack.in_flight() == {}


def test_whole_worker_killed_mid_batch_another_worker_redoes_it(stack):
    prefix = "KILLALL"
    dead = stack.live_workers()[0]
    bodies = stack.bodies(BATCHES * PER_BATCH, prefix=prefix, seed=4)

    with ThreadPoolExecutor(1) as clients:
        filing = clients.submit(_file_all, stack, bodies)
        stack.freeze_mid_screening(dead)
        taken = stack.in_flight()
        dead.kill()  # SIGKILL to the main process and its pool at once, as if the machine died
        assert taken, "the dead worker held no screening task"
        # Killed mid-transaction: Postgres rolls it back, nothing of that batch is committed.
        held = [version for versions in taken.values() for version in versions]
        wait_until(
            lambda: (
                stack.query(
                    """SELECT count(*) FROM declarations_declarationversion v
                   JOIN declarations_declaration d ON d.id = v.declaration_id
                   WHERE v.id = ANY(%s) AND d.screening_status = 'pending'""",
                    [held],
                )[0][0]
                == len(held)
            ),
            timeout=10,
            what="the dead worker's batch rolled back",
        )
        assert stack.in_flight() == taken, "the broker still holds the dead worker's task"
        replacement = stack.start_worker()
        accepted = filing.result(timeout=300)

    # The sweeper (beat is running) re-queues what stayed pending, and kombu redelivers the dead
    # worker's task after the visibility timeout: the batch is screened twice, one set of rows.
    wait_until(
        lambda: stack.all_screened(prefix, len(bodies)),
        timeout=60 + 4 * SWEEP_SECONDS,
        what="every ENS screened after the worker died",
        explain=stack.explain,
    )
    for task_id in taken:
        wait_until(
            lambda task_id=task_id: _succeeded(replacement, task_id),
            timeout=VISIBILITY_TIMEOUT + 45,
            what=f"the dead worker's task {task_id} redelivered to the new worker",
            explain=stack.explain,
        )
    wait_until(lambda: stack.in_flight() == {}, timeout=30, what="nothing left unacknowledged")
    stack.assert_nothing_lost_nothing_doubled(accepted)
    assert stack.hit_count(accepted) > 0


SINGLES = 600  # single POSTs: coalesced, screened by drain tasks (risk_engine/coalescing.py)


def _file_singly(stack, bodies: list[dict]) -> dict[str, str]:
    with ThreadPoolExecutor(8) as clients:
        return {lrn: mrn for one in clients.map(lambda body: stack.file([body]), bodies) for lrn, mrn in one.items()}


def test_whole_worker_killed_mid_drain_what_it_popped_is_screened_anyway(stack):
    """The drain task pops ids off the Redis list before screening them: a worker dying then takes them
    out of the list for good. They are still ``pending`` in Postgres, so the sweeper re-queues them."""
    prefix = "KILLDRAIN"
    dead = stack.live_workers()[0]
    bodies = stack.bodies(SINGLES, prefix=prefix, seed=5)

    with ThreadPoolExecutor(1) as outer:
        filing = outer.submit(_file_singly, stack, bodies)
        stack.freeze_mid_screening(dead)
        drains = stack.unacknowledged("risk_engine.drain_filed")
        dead.kill()
        assert drains, "the dead worker was not draining single filings"
        stack.start_worker()
        accepted = filing.result(timeout=300)

    assert len(accepted) == SINGLES
    wait_until(
        lambda: stack.all_screened(prefix, SINGLES),
        timeout=60 + 4 * SWEEP_SECONDS,
        what="every single filing screened after the drainer died",
        explain=stack.explain,
    )
    stack.assert_nothing_lost_nothing_doubled(accepted)
    assert stack.hit_count(accepted) > 0
