"""Delivering events to webhooks: at least once, in feed order per subscription, with back-off.

The state lives in Postgres, not in the broker: a subscription's ``position`` is the last event it
got (or gave up on). Each delivery locks the subscription row (``SKIP LOCKED``: one deliverer per
subscription at a time, the others move on), POSTs the next event and moves the position in the
same transaction. A worker killed mid-POST rolls its transaction back, so the event is sent
again later: at least once, and a receiver de-duplicates by event ``id``. A Redis outage only
delays the beat sweeper; nothing is lost with the queue.

A failing event blocks the ones behind it (order per subscription): it is retried with
exponential back-off (``WEBHOOK_BACKOFF_BASE_SECONDS`` doubling up to ``WEBHOOK_BACKOFF_MAX_SECONDS``)
until ``WEBHOOK_RETRY_SECONDS`` (24 h at least) have passed since its first failure; then it is a
dead letter (listed on the subscription) and delivery goes on with the next event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications import events as outbox
from notifications import targets
from notifications.documents import event_body
from notifications.models import Delivery, DeliveryStatus, Event, Subscription
from notifications.selectors import events_for, readable

log = logging.getLogger(__name__)

PAGE = 200
USER_AGENT = "CRMS-webhooks/1"


def signature(secret: str, body: bytes) -> str:
    """The ``X-CRMS-Signature`` header: ``sha256=<hex HMAC-SHA256 of the body with the secret>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pending(subscription: Subscription) -> QuerySet[Event]:
    """Events of the subscribed types after the subscription's position, in feed order (before read checks)."""
    return (
        events_for(subscription.owner)
        .filter(position__gt=subscription.position, type__in=subscription.events)
        .order_by("position")
    )


def backlog(subscription: Subscription) -> int:
    return pending(subscription).count()


def backoff(attempt: int) -> dt.timedelta:
    seconds = settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** min(attempt - 1, 30)
    return dt.timedelta(seconds=min(seconds, settings.WEBHOOK_BACKOFF_MAX_SECONDS))


@dataclass
class Attempt:
    ok: bool
    http_status: int | None
    error: str
    duration_ms: int


def post(subscription: Subscription, event: Event, body: bytes, attempt: int) -> Attempt:
    """POST ``body`` to the subscription's URL (its address checked again now); 2xx is success."""
    began = time.monotonic()
    try:
        target = targets.check(subscription.url)
        conn = targets.connection(target, settings.WEBHOOK_TIMEOUT_SECONDS)
        try:
            conn.request(
                "POST",
                target.path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-CRMS-Event-Id": str(event.pk),
                    "X-CRMS-Event-Type": event.type,
                    "X-CRMS-Delivery-Attempt": str(attempt),
                    "X-CRMS-Signature": signature(subscription.secret, body),
                },
            )
            response = conn.getresponse()
            response.read(65536)
            status = response.status
        finally:
            conn.close()
    except targets.TargetRefused as refused:
        return Attempt(False, None, f"refused: {refused}"[:500], int((time.monotonic() - began) * 1000))
    except (OSError, ValueError) as exc:  # connection refused or reset, timeout, TLS, bad response
        return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500], int((time.monotonic() - began) * 1000))
    elapsed = int((time.monotonic() - began) * 1000)
    if 200 <= status < 300:
        return Attempt(True, status, "", elapsed)
    return Attempt(False, status, f"HTTP {status}", elapsed)


def _next_event(subscription: Subscription) -> tuple[Event, dict | None] | None:
    """The next event the owner may read; events it may not read are passed over (the position moves)."""
    while True:
        page = list(pending(subscription)[:PAGE])
        if not page:
            return None
        shown = readable(subscription.owner, page)
        if shown:
            return shown[0]
        subscription.position = page[-1].position


def deliver_one(subscription_id: int, *, now: dt.datetime | None = None) -> str:
    """Try the subscription's next event once. Returns delivered, failed, dead, idle, waiting or busy."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("owner")
            .filter(pk=subscription_id, active=True)
            .first()
        )
        if subscription is None:
            return "busy"
        now = now or timezone.now()
        if subscription.next_attempt_at is not None and subscription.next_attempt_at > now:
            return "waiting"
        passed_over = subscription.position
        found = _next_event(subscription)
        if found is None:
            if subscription.position != passed_over:
                subscription.save(update_fields=["position"])
            return "idle"
        event, data = found
        attempt_number = subscription.failures + 1
        attempt = post(subscription, event, event_body(event, data), attempt_number)
        if attempt.ok:
            outcome = DeliveryStatus.DELIVERED
        elif now - (subscription.failing_since or now) >= dt.timedelta(seconds=settings.WEBHOOK_RETRY_SECONDS):
            outcome = DeliveryStatus.DEAD
        else:
            outcome = DeliveryStatus.FAILED
        Delivery.objects.create(
            subscription=subscription,
            event=event,
            attempt=attempt_number,
            status=outcome,
            http_status=attempt.http_status,
            error=attempt.error,
            attempted_at=now,
            duration_ms=attempt.duration_ms,
        )
        if outcome == DeliveryStatus.FAILED:
            subscription.failures = attempt_number
            subscription.failing_since = subscription.failing_since or now
            subscription.next_attempt_at = now + backoff(attempt_number)
            subscription.last_error = attempt.error
        else:
            subscription.position = event.position
            subscription.failures, subscription.failing_since, subscription.next_attempt_at = 0, None, None
            if outcome == DeliveryStatus.DELIVERED:
                subscription.delivered += 1
                subscription.last_error = ""
            else:
                subscription.dead_letters += 1
                subscription.last_error = f"dead letter: {attempt.error}"[:500]
                log.warning("webhook %s: event %s is a dead letter (%s)", subscription.pk, event.pk, attempt.error)
        subscription.save()
        return outcome


def sweep(*, budget_seconds: float = 20.0, per_subscription: int = 5000) -> int:
    """Number new events, then deliver what is due to every subscription, round by round. Returns deliveries."""
    outbox.sequence()
    deadline = time.monotonic() + budget_seconds
    now = timezone.now()
    due = list(
        Subscription.objects.filter(active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", flat=True)
    )
    delivered = 0
    for subscription_id in due:
        for _ in range(per_subscription):
            if time.monotonic() > deadline:
                return delivered
            if deliver_one(subscription_id) != DeliveryStatus.DELIVERED:
                break
            delivered += 1
    return delivered
