"""The sidebar's risk-information badge: computed lazily, only when a page renders it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from crms.core.navigation import AREAS_BY_KEY


def _counts(user) -> dict[str, int]:
    from rif.selectors import notification_counts

    counts = notification_counts(user)
    return {**counts, "total": counts["unread"] + counts["overdue"] + counts["crises"]}


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not AREAS_BY_KEY["rif"].allows(user):
        return {}
    return {"rif_notifications": SimpleLazyObject(lambda: _counts(user))}
