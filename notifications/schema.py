"""REST bodies of the notifications (pydantic: types, lengths, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StrictStr

from notifications.models import EventType

EventName = Literal[tuple(EventType.values)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SubscriptionBody(_Strict):
    """A webhook: the events of these types from your feed, POSTed to ``url`` and signed with ``secret``."""

    url: Annotated[StrictStr, Field(min_length=8, max_length=500)]
    events: Annotated[list[EventName], Field(min_length=1, max_length=len(EventType.values))]
    secret: Annotated[StrictStr, Field(min_length=16, max_length=200)]
    after: Annotated[StrictInt, Field(ge=0)] | None = Field(
        default=None, description="Start after this feed cursor (replay); default: only events from now on"
    )


class EventRead(_Strict):
    id: int
    type: EventName
    occurred_at: AwareDatetime
    cursor: str
    url: str | None
    data: dict


class EventList(_Strict):
    results: list[EventRead]
    cursor: str = Field(description="Pass as ?after= to read on from here")
    next: str | None = Field(description="URL of the next page, or null when you have read everything")


class DeliveryRead(_Strict):
    event_id: int
    event_type: str
    cursor: str
    attempt: int
    status: Literal["delivered", "failed", "dead"]
    http_status: int | None
    error: str
    attempted_at: AwareDatetime
    duration_ms: int


class SubscriptionRead(_Strict):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: AwareDatetime
    cursor: str = Field(description="Feed position delivered (or dead-lettered) last")
    backlog: int = Field(description="Events of the subscribed types after the cursor, waiting to be delivered")
    delivered: int
    dead_letters: int
    consecutive_failures: int
    failing_since: AwareDatetime | None
    next_attempt_at: AwareDatetime | None
    last_error: str
    recent_deliveries: list[DeliveryRead]
    dead_letter_events: list[DeliveryRead]


class SubscriptionList(_Strict):
    results: list[SubscriptionRead]
