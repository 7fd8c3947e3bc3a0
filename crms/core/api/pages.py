"""The ``?after=<id>`` keyset page every exchange list uses: oldest first, a ``next`` URL while more remain.

A national system keeps the last id it received and asks for what came after; ``after`` that is not
a whole number is a 400 naming the parameter (``"²".isdigit()`` is true: ``int("²")`` was a 500).
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import exceptions

from crms.core.client_input import whole_number


def after_id(request, *, what: str) -> int | None:
    after = request.query_params.get("after", "")
    if not after:
        return None
    if whole_number(after) is None:
        raise exceptions.ValidationError({"after": [f"The id of the last {what} you received."]})
    return whole_number(after)


def choice(request, name: str, allowed: list[str]) -> str | None:
    """An optional query parameter taking one of ``allowed`` values (else a 400 naming it)."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    if value not in allowed:
        raise exceptions.ValidationError({name: [f"One of: {', '.join(allowed)}."]})
    return value


def id_page(request, queryset: QuerySet, *, size: int, what: str) -> tuple[list, str | None]:
    """One page of ``queryset`` by ascending id after ``?after=``, and the next page's URL (or None)."""
    after = after_id(request, what=what)
    if after is not None:
        queryset = queryset.filter(id__gt=after)
    rows = list(queryset.order_by("id")[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    query = request.query_params.copy()
    query["after"] = str(rows[-1].pk)
    return rows, f"{request.path}?{query.urlencode()}"
