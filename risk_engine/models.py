"""Risk criteria (EU common risk criteria and national risk profiles), watch lists, assessments and hits."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Scope(models.TextChoices):
    EU = "eu", "EU common risk criterion"
    NATIONAL = "national", "National risk profile"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"  # a newer version was published
    RETIRED = "retired", "Retired"


class ControlType(models.TextChoices):
    DOCUMENTARY = "documentary", "Documentary"
    PHYSICAL = "physical", "Physical"
    SCANNING = "scanning", "Scanning"


class OutcomeChoice(models.TextChoices):
    ASSESSMENT_COMPLETE = "assessment_complete", "Assessment complete"
    REQUEST_FOR_INFORMATION = "request_for_information", "Request for information"
    CONTROL_RECOMMENDED = "control_recommended", "Control recommended"
    HIGH_RISK_CARGO_SCREENING = "high_risk_cargo_screening", "High-risk cargo and mail screening"
    DO_NOT_LOAD = "do_not_load", "Do not load"


class FinancialSubtype(models.TextChoices):
    """The types of financial risk the common financial risk criteria address (C(2018)3293, 001:594)."""

    ECONOMIC_OPERATORS = "economic_operators", "Economic operators at risk"
    GOODS = "goods", "Goods at risk"
    UNDERVALUATION = "undervaluation", "Undervaluation"
    ANTI_DUMPING_EVASION = "anti_dumping_evasion", "Evasion of anti-dumping duties"
    OTHER = "other", "Other financial risk"


class ControlStage(models.TextChoices):
    """The most opportune time and place of the control a criterion aims at (001:594)."""

    PRE_LOADING = "pre_loading", "Before loading"
    ENTRY = "entry", "At entry / arrival"
    IMPORT_CLEARANCE = "import_clearance", "At import clearance"
    POST_CLEARANCE = "post_clearance", "After clearance"


FINANCIAL_RISK_AREA = "financial"


class Criterion(models.Model):
    """The stable identity of a criterion: its code, scope and owner. Content lives in versions."""

    code = models.CharField(max_length=40, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="criteria")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def restricted(self) -> bool:
        """Whether the criterion's logic is restricted (who may read it: ``selectors.may_see_logic``).

        ``restricted`` belongs to each version and changes only through approval (contract v2
        section 3). The criterion counts as restricted when its version in force is (the published
        one, else the newest) or when an open version would make it so: narrowing who reads never
        waits, widening it waits for approval. One small query; the criteria list reads it in bulk
        (``selectors.restricted_criterion_ids``).
        """
        rows = list(self.versions.order_by("version").values_list("status", "restricted"))
        flags = dict(rows)  # published, draft and submitted are one version each at most
        in_force = flags.get(Status.PUBLISHED, rows[-1][1] if rows else False)
        return bool(in_force or flags.get(Status.DRAFT) or flags.get(Status.SUBMITTED))


class CriterionVersion(models.Model):
    """One version of a criterion: editable while draft (an edit of a submitted version returns it to draft),
    immutable once published; only its status moves on. Every attribute that changes what runs or who
    reads it lives here, so it changes only through approval."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    risk_area = models.ForeignKey("reference.RiskArea", on_delete=models.PROTECT, related_name="+")
    applies_to = models.JSONField(default=dict, blank=True)
    condition = models.JSONField()
    weight = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices)
    control_type = models.CharField(max_length=12, choices=ControlType.choices, null=True, blank=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    allows_aeo_facilitation = models.BooleanField(default=False)
    shadow = models.BooleanField(default=False, help_text="Evaluated and counted, but sets no outcome")
    restricted = models.BooleanField(
        default=False, help_text="Logic for entitled readers only (e.g. financial risk criteria); changes by approval"
    )
    # Optional (null: not stated); added after publication began, so older versions have none.
    legal_act = models.CharField(
        max_length=100, null=True, blank=True, help_text='The legal act it implements, e.g. "C(2018)3293 final"'
    )
    financial_subtype = models.CharField(
        max_length=24, choices=FinancialSubtype.choices, null=True, blank=True, help_text="Financial risk area only"
    )
    control_stage = models.CharField(
        max_length=20,
        choices=ControlStage.choices,
        null=True,
        blank=True,
        help_text="When and where the control is best made",
    )

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Everyone who wrote this version's content (its author included): none of them may approve it.
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["criterion", "version"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "version"], name="criterion_version_unique"),
            models.UniqueConstraint(
                fields=["criterion"], condition=models.Q(status="published"), name="one_published_version"
            ),
            models.UniqueConstraint(
                fields=["criterion"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="one_open_version",
            ),
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=100), name="weight_1_100"),
        ]
        indexes = [models.Index(fields=["status"], name="criterion_version_status_idx")]

    def __str__(self) -> str:
        return f"{self.criterion.code} v{self.version} ({self.status})"


class WatchList(models.Model):
    class Kind(models.TextChoices):
        EORI = "eori", "EORI numbers"
        PARTY_NAME = "party_name", "Party names"
        HS_CODE = "hs_code", "HS codes (prefixes)"
        OTHER = "other", "Other codes"

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="watch_lists")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class WatchListEntry(models.Model):
    watch_list = models.ForeignKey(WatchList, on_delete=models.CASCADE, related_name="entries")
    value = models.CharField(max_length=200)
    reason = models.CharField(max_length=300)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["watch_list", "value"]
        constraints = [models.UniqueConstraint(fields=["watch_list", "value"], name="watch_list_value_unique")]

    def __str__(self) -> str:
        return f"{self.watch_list.code}: {self.value}"


class Assessment(models.Model):
    """The screening result of one declaration version (one row per version: re-screening replaces it)."""

    # Keys declared between same-month partitions (declarations.partitions.LOCAL_KEYS), not by Django.
    version = models.OneToOneField(
        "declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="assessment", db_constraint=False
    )
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="assessments")
    outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices)
    score = models.PositiveSmallIntegerField()
    control_type = models.CharField(max_length=12, choices=ControlType.choices, null=True, blank=True)
    random_selection = models.BooleanField(default=False)
    aeo = models.BooleanField(db_default=False, help_text="An AEO party (consignor, consignee, filer) when screened")
    data_quality = models.JSONField(default=list)
    responsible_member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField()
    criteria_revision = models.BigIntegerField(null=True, help_text="The criteria revision it was computed with")
    learned_model = models.ForeignKey(
        "learning.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The live risk model that scored it (issue 16)",
    )  # fmt: skip
    learned_score = models.FloatField(null=True, blank=True, help_text="0-1, higher is riskier")
    learned_percentile = models.FloatField(null=True, blank=True, help_text="0-100 against the model's reference")
    learned_reasons = models.JSONField(default=list, blank=True, help_text="The main reasons, in plain language")
    learned_selection = models.BooleanField(
        db_default=False, help_text="Selected by the live model within the Member State's control capacity"
    )
    exploration = models.BooleanField(
        db_default=False, help_text="A learned selection drawn at random, so training data is not only past suspicion"
    )

    class Meta:
        indexes = [
            models.Index(fields=["declaration", "-screened_at"], name="assessment_decl_idx"),
            # Hit rates on the criteria list: screened per window, EU-wide and per Member State.
            models.Index(fields=["screened_at"], name="assessment_screened_idx"),
            models.Index(fields=["responsible_member_state", "screened_at"], name="assessment_ms_screened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.outcome} ({self.score})"

    def save(self, *args, **kwargs) -> None:
        # The id is the version's id: its month's partition, and one assessment per version by primary key.
        self.pk = self.version_id
        super().save(*args, **kwargs)


class Hit(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="hits", db_constraint=False)
    criterion_version = models.ForeignKey(CriterionVersion, on_delete=models.PROTECT, related_name="hits")
    criterion_code = models.CharField(max_length=40)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    risk_area = models.CharField(max_length=40)
    outcome = models.CharField(max_length=30, choices=OutcomeChoice.choices, help_text="Effective outcome")
    control_type = models.CharField(max_length=12, choices=ControlType.choices, null=True, blank=True)
    weight = models.FloatField(help_text="Effective weight (after AEO facilitation)")
    facilitated = models.BooleanField(default=False)
    shadow = models.BooleanField(default=False)
    items = ArrayField(models.PositiveSmallIntegerField())
    explanation = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion_version"], name="hit_once_per_criterion")
        ]
        indexes = [
            models.Index(fields=["criterion_version", "-created_at"], name="hit_criterion_idx"),
            models.Index(fields=["criterion_code", "-created_at"], name="hit_code_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_code} on {self.assessment_id}"


class RandomSelectionRate(models.Model):
    """Share of otherwise clean ENS a Member State selects at random for quality control."""

    member_state = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, primary_key=True)
    rate = models.FloatField(help_text="0.0 to 1.0, e.g. 0.005 for 0.5%")
    seed = models.CharField(max_length=40, default="crms", help_text="Same seed, same selection")

    def __str__(self) -> str:
        return f"{self.member_state_id}: {self.rate:.3%}"


class CredibilityBound(models.Model):
    """Plausible range per HS chapter, learned from stored history (credibility checks)."""

    class Metric(models.TextChoices):
        VALUE_PER_KG = "value_per_kg", "Value per kg (EUR)"
        MASS_PER_PACKAGE = "mass_per_package", "Mass per package (kg)"

    chapter = models.CharField(max_length=2)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    low = models.FloatField()
    high = models.FloatField()
    sample_size = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chapter", "metric"], name="credibility_chapter_metric")]

    def __str__(self) -> str:
        return f"{self.chapter} {self.metric}: {self.low:.2f}-{self.high:.2f}"


from risk_engine.models_backtest import Backtest  # noqa: E402, F401 - backtests live in their own module
from risk_engine.models_failures import ScreeningFailure  # noqa: E402, F401 - poison declarations
from risk_engine.models_history import AssessmentRecord  # noqa: E402, F401 - assessment history
from risk_engine.models_revision import CriteriaChange, CriteriaRevision  # noqa: E402, F401 - criteria revision
