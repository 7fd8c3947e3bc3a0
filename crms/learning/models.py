"""History labels and trained risk-model versions (issue 16, contract 6).

``HistoryLabel`` is what an imported history line said its control found, kept apart from the
workbench's ``ControlResult`` (no officer recorded it, no control type, no Member State's
queue): one row per declaration version. ``ModelVersion`` is one trained model, immutable
once written except for its governance fields (``crms/learning/governance.py``): status and who moved it when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce


class HistoryLabel(models.Model):
    version = models.OneToOneField(
        "declarations.DeclarationVersion", on_delete=models.CASCADE, primary_key=True, related_name="history_label"
    )
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="+")
    irregularity_found = models.BooleanField()
    recorded_at = models.DateTimeField(help_text="When the label was imported (or last changed)")

    class Meta:
        indexes = [models.Index(fields=["declaration"], name="history_label_decl_idx")]

    def __str__(self) -> str:
        return f"{self.version_id}: {'irregular' if self.irregularity_found else 'regular'}"


class ModelStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    SHADOW = "shadow", "Shadow"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class ModelVersion(models.Model):
    """One trained risk model: its data, features, library, parameters, the model itself and its evaluation."""

    name = models.CharField(max_length=120)
    number = models.PositiveIntegerField(help_text="1, 2, ... per name")
    member_state = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Trained on and for this Member State's declarations; empty: EU-wide",
    )
    status = models.CharField(max_length=10, choices=ModelStatus.choices, default=ModelStatus.DRAFT)
    train_from = models.DateField()
    train_to = models.DateField()
    validate_from = models.DateField(null=True, blank=True)
    validate_to = models.DateField(null=True, blank=True)
    features = models.JSONField(help_text="Feature names in order, category codes, smoothing")
    params = models.JSONField(help_text="Library parameters and boosting rounds")
    library = models.CharField(max_length=40, default="lightgbm")
    library_version = models.CharField(max_length=40)
    model_text = models.TextField(help_text="The model as the library saves it (LightGBM text format)")
    training = models.JSONField(help_text="Declarations, irregular ones and seconds of the training run")
    evaluation = models.JSONField(null=True, blank=True, help_text="On the validation period; null without one")
    insights = models.JSONField(
        default=dict,
        blank=True,
        help_text="For the model page's charts: importance, precision curve, calibration, weekly scores",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    shadow_at = models.DateTimeField(null=True, blank=True, help_text="Scoring without selecting since")
    live_at = models.DateTimeField(null=True, blank=True, help_text="Scoring and selecting since")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "number"], name="model_version_name_number_unique"),
            # One live model per Member State, and one EU-wide (member_state empty).
            models.UniqueConstraint(
                Coalesce("member_state", Value("EU")),
                condition=Q(status="live"),
                name="model_version_one_live_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class PriceLevel(models.TextChoices):
    """The keys of a price baseline, most specific first (``crms.learning.prices.LEVELS``)."""

    HS6_ORIGIN_MEMBER_STATE = "hs6_origin_ms", "HS6, origin and Member State"
    HS6_ORIGIN = "hs6_origin", "HS6 and origin"
    HS6 = "hs6", "HS6, all origins"
    HS4_ORIGIN = "hs4_origin", "HS4 and origin"
    HS4 = "hs4", "HS4, all origins"


class PriceBaseline(models.Model):
    """A robust value-per-kg baseline for one key (issue 16 point 5, AMT-style), rebuilt by
    ``compute_price_baselines``. Parts of the key a level does not use are empty strings, so one unique
    constraint covers every level. Statistics are of value_eur / gross_mass_kg (EUR per kg): the median and
    the 10th and 90th percentiles (computed in log space), over ``n`` goods items."""

    level = models.CharField(max_length=16, choices=PriceLevel.choices)
    hs_code = models.CharField(max_length=6, help_text="6 digits (HS6 levels) or 4 (HS4 levels)")
    origin = models.CharField(max_length=2, blank=True, help_text="Country of origin; empty when not in the key")
    member_state = models.CharField(
        max_length=2, blank=True, help_text="Member State of first entry; empty when not in the key"
    )
    median = models.FloatField(help_text="EUR per kg")
    low = models.FloatField(help_text="10th percentile, EUR per kg")
    high = models.FloatField(help_text="90th percentile, EUR per kg")
    n = models.PositiveIntegerField(help_text="Goods items it was computed from")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["hs_code", "level", "origin", "member_state"]
        constraints = [
            models.UniqueConstraint(fields=["level", "hs_code", "origin", "member_state"], name="price_baseline_key")
        ]
        indexes = [models.Index(fields=["hs_code"], opclasses=["varchar_pattern_ops"], name="price_baseline_hs_idx")]

    def __str__(self) -> str:
        return f"{self.level} {self.hs_code} {self.origin} {self.member_state}: {self.median:.2f} EUR/kg"


class ModelScore(models.Model):
    """A model's score of one declaration version, written when it is first screened in shadow or live.

    Kept per model (a shadow model scores beside the live one) and never recomputed when the version
    is screened again: a score is of the moment of filing (later control results, the declaration's
    own included, must not move it). The live model's score is also copied into the assessment.
    """

    model = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="scores")
    version = models.ForeignKey("declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="+")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    percentile = models.FloatField(null=True, blank=True, help_text="0-100: share of the reference scores below")
    reasons = models.JSONField(default=list)
    live = models.BooleanField(help_text="Scored as the live model (else in shadow)")
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="model_score_once")]
        indexes = [models.Index(fields=["model", "scored_at"], name="model_score_time_idx")]

    def __str__(self) -> str:
        return f"{self.model_id} on {self.version_id}: {self.score:.3f}"
