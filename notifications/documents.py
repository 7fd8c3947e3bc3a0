"""An event as the feed and the webhooks send it: the same bytes in both places, so one signature check
and one de-duplication by ``id`` serve a receiver that reads both."""

from __future__ import annotations

from typing import Any

import orjson

from notifications.models import Event


def event_document(event: Event, data: dict | None = None) -> dict[str, Any]:
    """``data``: the redacted content for someone who may not read the resource (``selectors.readable``)."""
    document: dict[str, Any] = {
        "id": event.pk,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "cursor": str(event.position),
        "url": None if data is not None else event.url,
        "data": event.data if data is None else data,
    }
    return document


def event_body(event: Event, data: dict | None = None) -> bytes:
    return orjson.dumps(event_document(event, data))
