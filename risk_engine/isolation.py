"""Screening a batch so that one poison declaration cannot stop the others.

A batch that fails with anything but a database outage is split in halves, each screened in
its own transaction, down to single versions; a single version that still fails is recorded
as a ``ScreeningFailure`` (flagged for an engineer) and left pending. A database outage is
re-raised: the task retries the whole batch later, nothing is flagged.
"""

from __future__ import annotations

import logging
import traceback

from django.db import DatabaseError, transaction
from django.utils import timezone

from crms.core.api.errors import database_unavailable
from risk_engine.models import ScreeningFailure
from risk_engine.screening import screen_versions

log = logging.getLogger(__name__)


def screen_isolating(version_ids: list[int]) -> dict[str, int]:
    counts = {"versions": 0, "hits": 0, "flagged": 0}
    if not version_ids:
        return counts
    try:
        result = screen_versions(version_ids)
    except Exception as exc:
        if database_unavailable(exc) or (isinstance(exc, DatabaseError) and _connection_lost()):
            raise
        if len(version_ids) == 1:
            _flag(version_ids[0], exc)
            counts["flagged"] = 1
            return counts
        middle = len(version_ids) // 2
        for half in (version_ids[:middle], version_ids[middle:]):
            for key, value in screen_isolating(half).items():
                counts[key] += value
        return counts
    counts["versions"], counts["hits"] = result["versions"], result["hits"]
    ScreeningFailure.objects.filter(version_id__in=version_ids, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    return counts


def _connection_lost() -> bool:
    from django.db import connection

    return connection.connection is None or bool(getattr(connection.connection, "closed", False))


def _flag(version_id: int, exc: Exception) -> None:
    log.error("Screening of version %s failed on its own; flagged for an engineer: %r", version_id, exc)
    with transaction.atomic():
        failure, created = ScreeningFailure.objects.select_for_update().get_or_create(
            version_id=version_id,
            defaults={
                "error": repr(exc)[:500],
                "traceback": "".join(traceback.format_exception(exc))[-20_000:],
                "failed_at": timezone.now(),
            },
        )
        if not created:
            failure.attempts += 1
            failure.error, failure.failed_at, failure.resolved_at = repr(exc)[:500], timezone.now(), None
            failure.traceback = "".join(traceback.format_exception(exc))[-20_000:]
            failure.save()
