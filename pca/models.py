"""Priority control areas (PCA): coordinated control campaigns designated by the Commission.

A PCA's linked criteria run only within its period and never while it is suspended or
closed: ``risk_engine.compiler.campaign_windows`` reads the links and periods below.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from pca import periods


class PcaStatus(models.TextChoices):
    DESIGNATED = "designated", "Designated"
    SUSPENDED = "suspended", "Suspended (crisis)"
    CLOSED = "closed", "Closed"


class PriorityControlArea(models.Model):
    reference = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    risk_area = models.ForeignKey("reference.RiskArea", on_delete=models.PROTECT, related_name="+")
    hs_codes = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    routes = ArrayField(models.CharField(max_length=2), default=list, blank=True, help_text="Routing countries")
    # The period: whole UTC days, both included; ends_at is the exclusive bound (see pca/periods.py).
    starts_at = models.DateTimeField()  # 00:00 UTC of the first day
    ends_at = models.DateTimeField()  # 00:00 UTC of the day after the last day: excluded
    participants = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    criteria = models.ManyToManyField("risk_engine.Criterion", blank=True, related_name="pcas")
    rifs = models.ManyToManyField("rif.Rif", blank=True, related_name="pcas")
    status = models.CharField(max_length=12, choices=PcaStatus.choices, default=PcaStatus.DESIGNATED)
    suspended_by_crisis = models.ForeignKey(
        "rif.CrisisAlert", on_delete=models.SET_NULL, null=True, blank=True, related_name="suspended_pcas"
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    operational_results = models.TextField(blank=True)
    lessons = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(help_text="Bumped by every change: part of the engine's cache stamp")

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["status", "-starts_at"], name="pca_status_idx"),
            models.Index(fields=["risk_area", "status"], name="pca_area_idx"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="pca_period")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("pca-detail", args=[self.pk])

    @property
    def first_day(self):
        return periods.first_day(self.starts_at)

    @property
    def last_day(self):
        """The last day of the period, included (not ``ends_at``, the instant after it)."""
        return periods.last_day(self.ends_at)

    def running_at(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.status == PcaStatus.DESIGNATED and self.starts_at <= moment < self.ends_at

    @property
    def phase(self) -> str:
        """What the page shows: scheduled, running, ended, suspended or closed."""
        if self.status != PcaStatus.DESIGNATED:
            return self.status
        now = timezone.now()
        if now < self.starts_at:
            return "scheduled"
        return "running" if now < self.ends_at else "ended"


class PcaTarget(models.Model):
    """The controls a participating Member State commits to within the PCA's period."""

    pca = models.ForeignKey(PriorityControlArea, on_delete=models.CASCADE, related_name="targets")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    controls = models.PositiveIntegerField()

    class Meta:
        ordering = ["member_state"]
        constraints = [models.UniqueConstraint(fields=["pca", "member_state"], name="pca_target_once")]

    def __str__(self) -> str:
        return f"{self.pca_id} {self.member_state_id}: {self.controls}"


class PcaReport(models.Model):
    """Results a participant reports by hand (controls not recorded on a declaration here)."""

    pca = models.ForeignKey(PriorityControlArea, on_delete=models.CASCADE, related_name="reports")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    controls = models.PositiveIntegerField(default=0)
    detections = models.PositiveIntegerField(default=0)
    seizures = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["pca", "member_state"], name="pcareport_pca_idx")]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.pca_id} by {self.member_state_id}"
