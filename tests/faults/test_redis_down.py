"""Redis stopped while national systems keep filing: nothing filed is lost, everything is screened later.

Redis goes away while the worker holds a task waiting for its countdown (a kombu bug made the
worker exit then: see ``crms/celery.py``), and comes back empty: the queued tasks are gone with
it, so only the sweeper knows what is still pending.
"""

from __future__ import annotations

import time

import pytest

from tests.faults.stack import SWEEP_SECONDS, wait_until

pytestmark = pytest.mark.faults

PREFIX = "REDISDOWN"
AFTER = "REDISBACK"


def _retrying_or_dead(worker, losses_before: int) -> bool:
    """The worker noticed the broker is gone and is trying to reconnect, or it died."""
    if not worker.alive():
        return True
    log = worker.output()
    lost = "Connection to broker lost"
    return log.count(lost) > losses_before and "Cannot connect to" in log.rsplit(lost, 1)[1]


def test_filings_succeed_while_redis_is_down_and_are_screened_when_it_returns(stack):
    worker = stack.live_workers()[0]
    bodies = stack.bodies(240, prefix=PREFIX, seed=1)
    lost_connection = worker.output().count("Connection to broker lost")
    # A task waiting in the worker for its countdown, as screening retries after a database error
    # do: the worker holds it unacknowledged while it polls the broker for more.
    waiting = stack.manage(
        "shell",
        "-c",
        "from risk_engine.tasks import sweep_pending_task; print(sweep_pending_task.apply_async(countdown=600).id)",
    ).split()[-1]
    wait_until(
        lambda: f"sweep_pending[{waiting}] received" in worker.output(),
        timeout=30,
        what="the countdown task held by the worker",
        explain=stack.explain,
    )

    stack.redis.stop(keep_directory=True)  # non-persistent: its queue is gone with it
    wait_until(
        lambda: _retrying_or_dead(worker, lost_connection),
        timeout=30,
        what="the worker noticing Redis is gone and retrying",
        explain=stack.explain,
    )
    assert worker.alive(), f"the worker died when Redis went away while it held a task:\n{worker.tail()}"

    began = time.monotonic()
    # Single filings and batches, as national systems send them.
    accepted: dict[str, str] = {}
    for chunk in [bodies[i : i + 1] for i in range(20)] + [bodies[20:120], bodies[120:240]]:
        accepted |= stack.file(chunk)
    took = time.monotonic() - began
    # Each web process waits for the missing broker once, then leaves it alone for a while.
    assert took < 15, f"22 filings took {took:.1f} s with the broker down"
    assert len(accepted) == len(bodies)

    # Stored, and pending: no worker can have seen them.
    assert set(stack.statuses(PREFIX).values()) == {"pending"}
    mrn = accepted[bodies[0]["lrn"]]
    assessment = stack.get(f"/api/v1/declarations/{mrn}/assessment/")
    assert assessment.status == 200 and assessment.body["status"] == "pending", assessment
    assert stack.get("/healthz").status == 503  # readiness says Redis is missing

    stack.redis.start()  # same socket, empty: only the sweeper knows what is pending
    wait_until(
        lambda: stack.all_screened(PREFIX, len(accepted)),
        timeout=60 + 4 * SWEEP_SECONDS,
        what="every ENS filed during the outage screened",
        explain=stack.explain,
    )
    stack.assert_nothing_lost_nothing_doubled(accepted)
    assessment = stack.get(f"/api/v1/declarations/{mrn}/assessment/")
    assert assessment.body["status"] == "screened", assessment
    assert worker.alive() and "Sweeper re-queues" in "".join(w.output() for w in stack.workers)

    # And the platform is back to normal for new filings.
    fresh = stack.bodies(3, prefix=AFTER, seed=3)
    accepted_after = stack.file(fresh)
    wait_until(
        lambda: stack.all_screened(AFTER, 3), timeout=30, what="a filing after the outage", explain=stack.explain
    )
    stack.assert_nothing_lost_nothing_doubled(accepted_after)
