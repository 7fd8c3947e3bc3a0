"""Single filings screened together: one drain task per burst, not one Celery task per POST (issue 17).

A national system posting ENS one by one at hundreds a second would otherwise cost a task each
(broker round trip, task set-up, a one-row screening). The web process pushes the new version ids
onto a Redis list and schedules a drain task only when none is scheduled (a flag set with NX). The
drain task pops up to ``SCREENING_BATCH_SIZE`` ids at a time and screens them as one batch until
the list is empty; while it screens, the next filings gather, so batches grow with the load.

Nothing is lost on a fault: the list is only a fast path. Every filed version stays ``pending`` in
the database until screened, and the sweeper re-queues what a lost list, a killed worker or a Redis
restart left behind. The race between the drain ending and a new push is closed by ordering: the
drainer clears the flag, then looks at the list once more; a filing pushes, then sets the flag.
Either the drainer sees the new id, or the filing finds the flag cleared and schedules a drain.
"""

from __future__ import annotations

import logging

from django.conf import settings

from crms.core.redis_cache import raw_client

log = logging.getLogger(__name__)

FILED_KEY = "crms:risk_engine:filed"  # list of version ids waiting for a drain
DRAIN_FLAG = "crms:risk_engine:drain-scheduled"
FLAG_SECONDS = 30  # a drainer that died lets the next filing schedule another after this


def _redis():
    """The raw client of the Django cache's Redis (same server and connection pool)."""
    return raw_client()


def coalesces(version_ids: list[int]) -> bool:
    """Filings small enough to ride along with others (a batch filing already is a batch)."""
    return 0 < len(version_ids) < settings.SCREENING_COALESCE_BELOW


def push(version_ids: list[int]) -> None:
    """Queue versions for the drainer and make sure one is scheduled; raises when Redis or the broker fail."""
    from risk_engine.tasks import drain_filed_task

    pipe = _redis().pipeline(transaction=False)  # one round trip; the push still comes before the flag
    pipe.rpush(FILED_KEY, *version_ids)
    pipe.set(DRAIN_FLAG, "1", nx=True, ex=FLAG_SECONDS)
    _, scheduled_now = pipe.execute()
    if scheduled_now:
        try:
            drain_filed_task.apply_async(retry=False)
        except Exception:
            _redis().delete(DRAIN_FLAG)  # the next filing tries again; the sweeper covers these
            raise


def drain(screen) -> int:
    """Pop and ``screen`` batches until the list is empty; returns how many versions were popped."""
    client = _redis()
    popped = 0
    while True:
        raw = client.lpop(FILED_KEY, settings.SCREENING_BATCH_SIZE)
        if raw:
            client.expire(DRAIN_FLAG, FLAG_SECONDS)  # still draining: no second drainer needed
            ids = sorted({int(value) for value in raw})
            popped += len(ids)
            screen(ids)
            continue
        client.delete(DRAIN_FLAG)
        if not client.llen(FILED_KEY) or not client.set(DRAIN_FLAG, "1", nx=True, ex=FLAG_SECONDS):
            return popped  # empty, or a filing after our look scheduled its own drain
