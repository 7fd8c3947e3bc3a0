"""Webhook deliveries survive a worker killed mid-delivery and a Redis restart: a receiver on loopback that
de-duplicates by event id counts every event exactly once, in feed order.

The receiver holds one delivery open until the test has killed the whole worker (so the kill lands in the
middle of a POST, after the receiver got the event and before the platform learnt it was accepted); it
also fails some first attempts, so retries are part of the run. Then Redis is stopped and started again
(empty) while ENS are still being screened. Delivery state lives in Postgres, so nothing is lost: the
held event is sent again (at least once), and every ENS filed yields exactly one assessment.completed
event among the unique ids the receiver kept.
"""

from __future__ import annotations

import time

import pytest

from tests.faults.stack import wait_until
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.faults

SECRET = "faults-webhook-secret-0123456789"
PREFIX = "HOOK"


def test_every_event_is_received_once_after_deduplication_through_a_worker_kill_and_a_redis_restart(stack):
    receiver = Receiver(SECRET)
    try:
        _run(stack, receiver)
    finally:
        receiver.close()


def _run(stack, receiver: Receiver) -> None:
    response = stack.post(
        "/api/v1/subscriptions/", {"url": receiver.url, "events": ["assessment.completed"], "secret": SECRET}
    )
    assert response.status == 201, response
    subscription = response.body["id"]
    held: dict = {}

    def hold(event: dict, seen: int) -> bool:
        if not held and len(receiver.unique()) >= 40 and seen == 1:
            held.update(event)
            return True
        return False

    receiver.hold_when = hold
    receiver.status_for = lambda event, seen: 500 if event["id"] % 11 == 0 and seen == 1 else 200
    bodies = stack.bodies(360, prefix=PREFIX, seed=7)
    accepted = stack.file(bodies[:120])

    # A delivery is in flight (the receiver holds it): kill the whole worker, as if the machine died.
    assert receiver.holding.wait(120), f"no delivery reached the receiver\n{stack.explain()}"
    worker = stack.live_workers()[0]
    worker.kill()
    receiver.release.set()  # the answer goes to a dead socket: the platform never learns it was accepted
    stack.start_worker()
    accepted |= stack.file(bodies[120:240])

    # Redis goes away (its queue with it) and comes back empty, while ENS are still filed and screened.
    wait_until(lambda: len(receiver.unique()) >= 60, timeout=120, what="deliveries resumed", explain=stack.explain)
    stack.redis.stop(keep_directory=True)
    accepted |= stack.file(bodies[240:300])  # filed while Redis is down: stored pending
    time.sleep(3)
    stack.redis.start()
    accepted |= stack.file(bodies[300:])
    assert len(accepted) == len(bodies)

    expected = set(accepted.values())
    wait_until(
        lambda: {e["data"]["mrn"] for e in receiver.unique()} >= expected,
        timeout=300,
        what="an assessment.completed event received for every ENS filed",
        explain=lambda: f"{len(expected - {e['data']['mrn'] for e in receiver.unique()})} missing\n{stack.explain()}",
        interval=0.5,
    )
    unique = [e for e in receiver.unique() if e["data"]["mrn"] in expected]
    assert len(unique) == len(expected), "one event per ENS screened once (no event id for a second screening)"
    assert receiver.bad_signatures == 0
    ids = [e["id"] for e in receiver.received]
    assert ids.count(held["id"]) >= 2, "the event in flight when the worker died was delivered again"
    assert any(ids.count(i) >= 2 for i in ids if i % 11 == 0), "failed first attempts were retried"
    cursors = [int(e["cursor"]) for e in receiver.unique()]
    assert cursors == sorted(cursors), "first receipts follow the feed's order"
    status = wait_until(
        lambda: (s := stack.get(f"/api/v1/subscriptions/{subscription}/")).body["backlog"] == 0 and s,
        timeout=60,
        what="the subscription's backlog emptied",
    )
    assert status.body["dead_letters"] == 0 and status.body["delivered"] >= len(expected)
