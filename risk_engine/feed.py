"""The criteria change feed (contract section 3, v2): how a national engine keeps an exact copy.

``GET /api/v1/criteria/?changed_since=<ISO time>&after=<cursor>`` lists, oldest first, every change of
a criterion's published version (published, superseded, retired, ...) the caller may see, each with
the criteria revision it belongs to and the version's document. It reads the change log the revision
triggers write (``models_revision``): changes are appended in commit order (the counter row serialises
them), so a cursor never skips a change committed later with a smaller number.
"""

from __future__ import annotations

from typing import Any

from crms.core.client_input import whole_number
from crms.core.dates import QUERY, DateRefused, read_moment
from risk_engine.documents import document_of
from risk_engine.models import CriterionVersion
from risk_engine.models_revision import CriteriaChange, current_revision

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


class FeedError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def is_feed_request(params) -> bool:
    return "changed_since" in params or "after" in params


def _parameters(params) -> tuple[Any, int, int]:
    try:  # an ISO 8601 time with a time zone, within the query window of crms.core.dates
        since = read_moment(params.get("changed_since"), field="changed_since", window=QUERY)
    except DateRefused as refused:
        raise FeedError(refused.field, refused.message) from None
    after = 0
    if params.get("after"):
        after = whole_number(params["after"])
        if after is None:
            raise FeedError("after", "The cursor of an earlier page (a whole number).")
    limit = DEFAULT_LIMIT
    if params.get("limit"):
        limit = whole_number(params["limit"])
        if limit is None or not 1 <= limit <= MAX_LIMIT:
            raise FeedError("limit", f"A whole number from 1 to {MAX_LIMIT}.")
    return since, after, limit


def criteria_feed(user, params, *, on_logic_read) -> dict[str, Any]:
    """One page of the feed for ``user``; ``on_logic_read(criterion)`` says whether logic is shown (and audits it)."""
    from risk_engine.selectors import criteria_for, versions_readable

    since, after, limit = _parameters(params)
    revision = current_revision()
    changes = CriteriaChange.objects.filter(kind__startswith="criterion.", id__gt=after).order_by("id")
    if since is not None:
        changes = changes.filter(occurred_at__gte=since)
    visible = criteria_for(user)
    results, last_id = [], None
    # Scan in chunks: changes of criteria the caller may not see are skipped, never shown.
    while len(results) < limit:
        chunk = list(changes.filter(id__gt=last_id or after)[: limit * 2])
        if not chunk:
            last_id = None
            break
        codes = {change.subject for change in chunk}
        criteria = {c.code: c for c in visible.filter(code__in=codes)}
        versions = {
            (v.criterion.code, v.version): v
            for v in versions_readable(user).select_related("criterion").filter(criterion__code__in=criteria)
        }
        for change in chunk:
            last_id = change.id
            criterion = criteria.get(change.subject)
            if criterion is None:
                continue
            results.append(_item(change, criterion, versions.get((change.subject, change.version)), on_logic_read))
            if len(results) == limit:
                break
    more = last_id is not None and changes.filter(id__gt=last_id).exists()
    return {
        "results": results,
        "next": str(last_id) if more else None,
        "criteria_revision": revision,
    }


def _item(change: CriteriaChange, criterion, version: CriterionVersion | None, on_logic_read) -> dict[str, Any]:
    document = None
    if version is not None:
        document = document_of(version)
        if not on_logic_read(criterion):  # logic is the condition and the description (contract v2 section 3)
            document["condition"] = document["description"] = None
            document["logic_restricted"] = True
    return {
        "cursor": str(change.id),
        "criteria_revision": change.revision,
        "occurred_at": change.occurred_at.isoformat(),
        "change": change.kind.removeprefix("criterion."),
        "code": criterion.code,
        "scope": criterion.scope,
        "owner": criterion.owner_id,
        "version": change.version,
        "document": document,
    }
