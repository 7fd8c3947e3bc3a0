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
