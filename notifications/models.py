"""The event outbox and webhook subscriptions (contract 5).

An ``Event`` row is written in the same transaction as the change it records (the outbox
pattern), so the feed holds exactly what committed. Rows get their place in the feed,
``position``, only once committed (``notifications.events.sequence``): positions follow the
order in which events became visible, so a reader that asks for ``after=<position>`` can never
miss an event that committed late with a lower id.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class EventType(models.TextChoices):
    ASSESSMENT_COMPLETED = "assessment.completed", "Assessment completed"
    ASSESSMENT_CHANGED = "assessment.changed", "Assessment changed by a re-screening"
    DECISION_CREATED = "decision.created", "Decision recorded"
    REFERRAL_OPENED = "referral.opened", "Referral opened (or asked again)"
    REFERRAL_ANSWERED = "referral.answered", "Referral answered"
    REFERRAL_CLOSED = "referral.closed", "Referral closed"
    CONTROL_RESULT_RECORDED = "control_result.recorded", "Control result recorded"
    RIF_PUBLISHED = "rif.published", "Risk information form published"
    CRITERION_CHANGED = "criterion.changed", "Criterion published, superseded or retired"
    CRISIS_OPENED = "crisis.opened", "Crisis alert opened"
    PCA_DESIGNATED = "pca.designated", "Priority control area designated"


class Event(models.Model):
    position = models.BigIntegerField(null=True, unique=True, help_text="Place in the feed, given once committed")
    type = models.CharField(max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    member_states = ArrayField(models.CharField(max_length=3), help_text="The Member States the event concerns")
    subject = models.CharField(max_length=60, blank=True, help_text="Key of the resource (RIF reference, code...)")
    url = models.CharField(max_length=300, help_text="Path of the resource over REST")
    data = models.JSONField(help_text="The resource's key fields")
    people_only = models.BooleanField(
        default=False, help_text="Content for people only: machine accounts get the event without its content"
    )

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="event_unsequenced_idx", condition=models.Q(position__isnull=True)),
            GinIndex(fields=["member_states"], name="event_member_states_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Subscription(models.Model):
    """A national system's webhook: the events of its feed of these types, POSTed in feed order."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.CharField(max_length=500)
    events = ArrayField(models.CharField(max_length=40))
    secret = models.CharField(max_length=200, help_text="HMAC-SHA256 key of X-CRMS-Signature; never shown again")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    # Delivery state: the feed position delivered (or dead-lettered) last, and the head event's failures.
    position = models.BigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered = models.PositiveBigIntegerField(default=0)
    dead_letters = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["owner", "id"], name="subscription_owner_idx")]

    def __str__(self) -> str:
        return f"subscription {self.pk} of {self.owner_id} to {self.url}"


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (will be retried)"
    DEAD = "dead", "Dead letter (given up)"


class Delivery(models.Model):
    """One attempt to POST one event to one subscription."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    attempt = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempted_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["subscription", "-id"], name="delivery_recent_idx"),
            models.Index(fields=["subscription", "-id"], name="delivery_dead_idx", condition=models.Q(status="dead")),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.event_id} -> {self.subscription_id}"
