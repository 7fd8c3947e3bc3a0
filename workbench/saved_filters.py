"""Saved queue filters: each analyst names the filter sets they use; only their own are listed or deleted.

The query string is kept as the queue's own parser leaves it (unknown keys and the page dropped), so a
saved filter is exactly what the queue would have shown.
"""

from __future__ import annotations

from django.http import QueryDict

from workbench.models import SavedQueueFilter
from workbench.services import WorkbenchError, _error

MAX_PER_USER = 30
KEYS = ("member_state", "outcome", "risk_area", "criterion", "mode", "office", "aeo", "hours_left", "mine", "origin")


def normalised(query: str) -> str:
    """The filter and sort parameters of a queue query string, in a fixed order, nothing else."""
    given = QueryDict(query[:2000])
    kept = QueryDict(mutable=True)
    for key in (*KEYS, "sort"):
        if given.get(key):
            kept[key] = given[key]
    return kept.urlencode()


def saved_filters(user) -> list[SavedQueueFilter]:
    return list(SavedQueueFilter.objects.filter(user=user)) if user.is_authenticated else []


def save_filter(user, name: str, query: str) -> SavedQueueFilter:
    """Save (or overwrite, under the same name) the user's current queue filters."""
    name = " ".join(name.split())
    if not name:
        raise WorkbenchError(400, [_error("name", "required", "Give the filter a name.")])
    if len(name) > 80:
        raise WorkbenchError(400, [_error("name", "too_long", "A name of at most 80 characters.")])
    existing = SavedQueueFilter.objects.filter(user=user, name=name).first()
    if existing is None and SavedQueueFilter.objects.filter(user=user).count() >= MAX_PER_USER:
        raise WorkbenchError(
            400, [_error("name", "too_many", f"At most {MAX_PER_USER} saved filters: delete one first.")]
        )
    saved, _ = SavedQueueFilter.objects.update_or_create(user=user, name=name, defaults={"query": normalised(query)})
    return saved


def delete_filter(user, pk: int) -> bool:
    """Delete one of the user's own saved filters; False when it is not theirs or does not exist."""
    deleted, _ = SavedQueueFilter.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)
