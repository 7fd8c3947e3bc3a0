"""Creating and ending webhook subscriptions (national systems), and what a subscription page shows."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from crms.accounts.roles import Role, member_state_of
from crms.audit.services import record
from notifications import events, targets
from notifications.models import Delivery, DeliveryStatus, Subscription
from notifications.schema import SubscriptionBody

SUBSCRIBERS = frozenset({Role.NATIONAL_SYSTEM})
MAX_PER_OWNER = 10


class SubscriptionError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.status = status
        self.errors = errors


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def require_subscriber(actor) -> None:
    if actor.role not in SUBSCRIBERS or member_state_of(actor) is None:
        raise SubscriptionError(403, [_error(None, "not_allowed", "Only national systems subscribe to webhooks.")])


@transaction.atomic
def subscribe(*, actor, body: SubscriptionBody) -> Subscription:
    require_subscriber(actor)
    try:
        targets.check(body.url)
    except targets.TargetRefused as refused:
        raise SubscriptionError(400, [_error("url", "refused", str(refused))]) from None
    # The account's row is locked before counting, so parallel requests cannot each see room for one more
    # (adversarial probe, 7 December: 30 at once made 11 active subscriptions).
    type(actor).objects.select_for_update().filter(pk=actor.pk).first()
    if Subscription.objects.filter(owner=actor, active=True).count() >= MAX_PER_OWNER:
        raise SubscriptionError(
            409, [_error(None, "too_many", f"At most {MAX_PER_OWNER} active subscriptions per account.")]
        )
    events.sequence()
    start = events.last_position() if body.after is None else body.after
    subscription = Subscription.objects.create(
        owner=actor,
        url=body.url,
        events=sorted(set(body.events)),
        secret=body.secret,
        created_at=timezone.now(),
        position=start,
    )
    record(
        actor=actor,
        action="subscription.created",
        obj=subscription,
        after={"url": subscription.url, "events": subscription.events, "after": start},
    )
    return subscription


@transaction.atomic
def unsubscribe(*, actor, subscription: Subscription) -> Subscription:
    subscription.active = False
    subscription.save(update_fields=["active"])
    record(actor=actor, action="subscription.ended", obj=subscription, after={"url": subscription.url})
    return subscription


def _delivery_document(delivery: Delivery) -> dict[str, Any]:
    return {
        "event_id": delivery.event_id,
        "event_type": delivery.event.type,
        "cursor": str(delivery.event.position),
        "attempt": delivery.attempt,
        "status": delivery.status,
        "http_status": delivery.http_status,
        "error": delivery.error,
        "attempted_at": delivery.attempted_at.isoformat(),
        "duration_ms": delivery.duration_ms,
    }


def subscription_document(subscription: Subscription, *, backlog: int) -> dict[str, Any]:
    deliveries = subscription.deliveries.select_related("event").order_by("-id")
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
        "created_at": subscription.created_at.isoformat(),
        "cursor": str(subscription.position),
        "backlog": backlog,
        "delivered": subscription.delivered,
        "dead_letters": subscription.dead_letters,
        "consecutive_failures": subscription.failures,
        "failing_since": subscription.failing_since.isoformat() if subscription.failing_since else None,
        "next_attempt_at": subscription.next_attempt_at.isoformat() if subscription.next_attempt_at else None,
        "last_error": subscription.last_error,
        "recent_deliveries": [_delivery_document(d) for d in deliveries[:20]],
        "dead_letter_events": [_delivery_document(d) for d in deliveries.filter(status=DeliveryStatus.DEAD)[:100]],
    }
