"""Risk Information Forms (RIF), their recipients and feedback, and crisis alerts.

A RIF is authored by a Member State or the Commission, approved (four-eyes) and published
to its recipients: one ``RifRecipient`` row per receiving Member State, written at
publication (also when the RIF goes to "all participants"), so the inbox, the unread count
and the overdue follow-up report are each one indexed query on that table.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse


class RifStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class HandlingMarking(models.TextChoices):
    """Who may handle a RIF beyond its recipients' risk staff (see docs/decisions.md, issue 7)."""

    CRMS_RESTRICTED = "crms_restricted", "CRMS restricted"
    EU_RESTRICTED = "eu_restricted", "EU restricted"
    LIMITED = "limited_distribution", "Limited distribution"


class TransportMode(models.TextChoices):
    SEA = "sea", "Sea"
    AIR = "air", "Air"
    EXPRESS = "express", "Express"
    POSTAL = "postal", "Postal"
    ROAD = "road", "Road"
    RAIL = "rail", "Rail"
    INLAND_WATER = "inland_water", "Inland waterway"


class RecommendedControl(models.TextChoices):
    DOCUMENTARY = "documentary", "Documentary"
    PHYSICAL = "physical", "Physical"
    SCANNING = "scanning", "Scanning"


class CrisisStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CrisisAlert(models.Model):
    """A crisis opened by the Commission (e.g. a pandemic), with guidance on prioritising risks."""

    reference = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=200)
    risk_area = models.ForeignKey("reference.RiskArea", on_delete=models.PROTECT, related_name="+")
    guidance = models.TextField()
    status = models.CharField(max_length=10, choices=CrisisStatus.choices, default=CrisisStatus.OPEN)
    criteria = models.ManyToManyField("risk_engine.Criterion", blank=True, related_name="crises")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    lessons = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="crisis_status_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("crisis-detail", args=[self.pk])


class CrisisPost(models.Model):
    """Information a participant posts under a crisis."""

    crisis = models.ForeignKey(CrisisAlert, on_delete=models.CASCADE, related_name="posts")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["-created_at"], name="crisispost_recent_idx")]

    def __str__(self) -> str:
        return f"post {self.pk} on {self.crisis_id} by {self.organisation_id}"


class Rif(models.Model):
    reference = models.CharField(max_length=30, unique=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="rifs")
    status = models.CharField(max_length=12, choices=RifStatus.choices, default=RifStatus.DRAFT)
    handling = models.CharField(max_length=24, choices=HandlingMarking.choices, default=HandlingMarking.CRMS_RESTRICTED)

    risk_area = models.ForeignKey("reference.RiskArea", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="The new trend or targeting element")
    modus_operandi = models.TextField(blank=True)
    goods = models.JSONField(default=list, blank=True, help_text='[{"hs_code": "950300", "description": "..."}]')
    countries_of_origin = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    routing = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    parties = models.JSONField(
        default=list, blank=True, help_text='[{"role": "consignor", "name": "...", "eori": "...", "country": "CN"}]'
    )
    transport_mode = models.CharField(max_length=12, choices=TransportMode.choices, blank=True)
    concealment = models.TextField(blank=True)
    detection_method = models.TextField(blank=True)
    seizure = models.JSONField(null=True, blank=True, help_text="Optional seizure details")
    recommended_action = models.TextField(blank=True)
    recommended_control = models.CharField(max_length=12, choices=RecommendedControl.choices, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    all_participants = models.BooleanField(default=False)
    recipient_codes = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    crisis = models.ForeignKey(CrisisAlert, on_delete=models.SET_NULL, null=True, blank=True, related_name="rifs")
    criteria = models.ManyToManyField("risk_engine.Criterion", blank=True, related_name="rifs")

    # Denormalised for search and matching (GIN-indexed arrays, no extension needed).
    hs_codes = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    hs_prefixes = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    eoris = ArrayField(models.CharField(max_length=17), default=list, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Everyone who wrote its content (author, later editors, who attached files): none of them approves it.
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="rif_published_idx"),
            models.Index(fields=["organisation", "-created_at"], name="rif_org_idx"),
            models.Index(fields=["risk_area", "-published_at"], name="rif_area_idx"),
            GinIndex(fields=["search_vector"], name="rif_search_idx"),
            GinIndex(fields=["hs_codes"], name="rif_hs_codes_idx"),
            GinIndex(fields=["hs_prefixes"], name="rif_hs_prefixes_idx"),
            GinIndex(fields=["countries"], name="rif_countries_idx"),
            GinIndex(fields=["eoris"], name="rif_eoris_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("rif-detail", args=[self.reference])

    @property
    def is_commission_rif(self) -> bool:
        from crms.accounts.roles import COMMISSION_CODE

        return self.organisation_id == COMMISSION_CODE


class RifRecipient(models.Model):
    """One receiving Member State of a published RIF: its inbox row and follow-up state."""

    rif = models.ForeignKey(Rif, on_delete=models.CASCADE, related_name="recipients")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(help_text="Copied from the RIF, for the inbox and overdue indexes")
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True, help_text="First feedback")

    class Meta:
        ordering = ["-published_at", "member_state"]
        constraints = [models.UniqueConstraint(fields=["rif", "member_state"], name="rif_recipient_once")]
        indexes = [
            models.Index(fields=["member_state", "-published_at"], name="rifrecipient_inbox_idx"),
            models.Index(fields=["member_state"], name="rifrecipient_unread_idx", condition=models.Q(read_at=None)),
            models.Index(
                fields=["published_at"], name="rifrecipient_pending_idx", condition=models.Q(responded_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rif_id} -> {self.member_state_id}"


class Relevance(models.TextChoices):
    HIGH = "high", "Highly relevant"
    MEDIUM = "medium", "Relevant"
    LOW = "low", "Of little relevance"
    NOT_RELEVANT = "not_relevant", "Not relevant for us"


class Measure(models.TextChoices):
    PROFILE_CREATED = "profile_created", "National risk profile created"
    PROFILE_TUNED = "profile_tuned", "National risk profile tuned"
    CONTROLS_PLANNED = "controls_planned", "Controls planned"
    CONTROLS_DONE = "controls_done", "Controls carried out"
    INFORMATION_SHARED = "information_shared", "Information passed to other services"
    NONE = "none", "No measure"


class RifFeedback(models.Model):
    """A recipient Member State's evaluation of a RIF and what it did about it."""

    rif = models.ForeignKey(Rif, on_delete=models.CASCADE, related_name="feedback")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    relevance = models.CharField(max_length=14, choices=Relevance.choices)
    measures = ArrayField(models.CharField(max_length=20, choices=Measure.choices), default=list, blank=True)
    criterion = models.ForeignKey(
        "risk_engine.Criterion", on_delete=models.SET_NULL, null=True, blank=True, related_name="rif_feedback"
    )
    controls_planned = models.PositiveIntegerField(null=True, blank=True)
    results = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["rif", "member_state"], name="riffeedback_rif_idx")]

    def __str__(self) -> str:
        return f"feedback {self.pk} on {self.rif_id} by {self.member_state_id}"

    @property
    def measure_labels(self) -> list[str]:
        labels = dict(Measure.choices)
        return [labels.get(m, m) for m in self.measures]


def attachment_path(instance: RifAttachment, filename: str) -> str:
    return f"rif/{instance.rif_id}/{instance.sha256[:16]}-{filename}"


class RifAttachment(models.Model):
    rif = models.ForeignKey(Rif, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
