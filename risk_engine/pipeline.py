"""Getting declaration versions to the screening workers: on filing, by the sweeper, on criteria changes.

Enqueueing never makes a filing fail: if the broker is down the versions stay
``pending`` and the sweeper sends them once it is back.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from crms.declarations.models import DeclarationVersion, ScreeningStatus

log = logging.getLogger(__name__)


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# After a failed send this process leaves the broker alone for a while: each attempt waits out
# CELERY_BROKER_CONNECTION_TIMEOUT, and a filing must not pay that on every request of an outage.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0


def enqueue(version_ids: list[int]) -> int:
    """Send versions to the workers in micro-batches; returns how many batches were sent."""
    global _broker_down_until
    from risk_engine import coalescing
    from risk_engine.tasks import screen_versions_task

    if time.monotonic() < _broker_down_until:
        log.warning("Broker down a moment ago: %d versions left pending for the sweeper", len(version_ids))
        return 0
    if coalescing.coalesces(version_ids):
        try:
            coalescing.push(version_ids)
            return 1
        except Exception:  # noqa: BLE001 - Redis or broker unreachable: the sweeper will catch up
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            log.warning("Could not queue %d versions for screening; the sweeper will retry", len(version_ids))
            return 0
    sent = 0
    for chunk in chunks(sorted(version_ids), settings.SCREENING_BATCH_SIZE):
        try:
            screen_versions_task.apply_async(args=[chunk], retry=False)
            sent += 1
        except Exception:  # noqa: BLE001 - broker unreachable: the sweeper will catch up
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            log.warning("Could not enqueue %d versions for screening; the sweeper will retry", len(chunk))
            return sent
    return sent


def on_versions_filed(sender, version_ids: list[int], **kwargs) -> None:
    enqueue(version_ids)


def pending_version_ids(*, older_than: dt.timedelta, limit: int) -> list[int]:
    from risk_engine.models import ScreeningFailure

    cutoff = timezone.now() - older_than
    return list(
        DeclarationVersion.objects.filter(
            declaration__screening_status=ScreeningStatus.PENDING,
            declaration__is_history=False,  # imported history is never screened live (issue 16)
            declaration__updated_at__lt=cutoff,
            version=F("declaration__current_version"),
        )
        .exclude(pk__in=ScreeningFailure.objects.filter(resolved_at__isnull=True).values("version_id"))
        .values_list("id", flat=True)[:limit]
    )


def sweep_pending() -> int:
    ids = pending_version_ids(older_than=dt.timedelta(seconds=settings.SWEEP_AFTER_SECONDS), limit=50_000)
    if ids:
        log.info("Sweeper re-queues %d pending versions", len(ids))
        enqueue(ids)
    try:
        rescreen_if_revision_moved()
    except Exception:  # noqa: BLE001 - Redis down: the next sweep tries again
        log.warning("Could not check the criteria revision for a re-screening")
    return len(ids)


def open_version_ids(behind: int | None = None) -> list[int]:
    """Current versions of ENS not yet arrived (expected arrival in the future or the last 24 hours).

    With ``behind``, only those screened with an older criteria revision: an ENS already screened
    with the newest criteria need not run again, and one not screened yet is on its way (its filing
    enqueued it; the sweeper catches it if that was lost), so it needs no second task.
    """
    since = timezone.now() - dt.timedelta(hours=24)
    versions = DeclarationVersion.objects.filter(
        declaration__expected_arrival__gte=since,
        declaration__is_history=False,
        version=F("declaration__current_version"),
    )
    if behind is not None:
        versions = versions.filter(
            Q(assessment__criteria_revision__isnull=True, assessment__isnull=False)
            | Q(assessment__criteria_revision__lt=behind)
        )
    return list(versions.values_list("id", flat=True))


RESCREEN_KEY = "risk_engine:rescreen-requested"


def request_rescreen() -> None:
    """Ask for the open ENS to be screened again; requests arriving together run once.

    The task clears the flag before it reads anything, so a criterion published while it
    runs raises the flag again and gets a run of its own: nothing is missed.
    """
    from django.core.cache import cache

    from risk_engine.tasks import rescreen_open_task

    try:
        if cache.add(RESCREEN_KEY, "1", timeout=300):
            try:
                rescreen_open_task.apply_async(countdown=2, retry=False)
            except Exception:
                cache.delete(RESCREEN_KEY)  # let the next change try again
                raise
    except Exception:  # noqa: BLE001 - Redis down: the criterion is published; open ENS catch up later
        log.warning("Could not enqueue the re-screening of open declarations")


RESCREENED_REVISION_KEY = "risk_engine:rescreened-revision"


def rescreen_open() -> int:
    """Queue the open ENS screened with older criteria; workers replace (and archive) their assessments."""
    from django.core.cache import cache

    from risk_engine.models_revision import current_revision

    cache.delete(RESCREEN_KEY)
    revision = current_revision()
    ids = open_version_ids(behind=revision)
    enqueue(ids)
    if revision is not None:
        cache.set(RESCREENED_REVISION_KEY, revision, timeout=None)
    return len(ids)


def rescreen_if_revision_moved() -> bool:
    """The sweeper's safety net: a change made where nobody asked for a re-screening (admin, shell,
    a lost request while Redis was down) still reaches the open ENS within a sweep interval."""
    from django.core.cache import cache

    from risk_engine.models_revision import current_revision

    revision = current_revision()
    if revision is None or cache.get(RESCREENED_REVISION_KEY) == revision:
        return False
    request_rescreen()
    return True
