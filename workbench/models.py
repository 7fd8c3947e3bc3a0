"""The analysts' workbench: cases in a Member State's queue, decisions, control results, information requests.

A ``Case`` is one declaration version in one Member State's queue. The risk engine opens
cases as it screens (``workbench.cases.sync_cases``); a decision to control at the place of
unloading opens a forwarded case in the Member State of unloading. The queue reads the
urgency columns copied onto the case, through one partial index per queue order.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from risk_engine.outcomes import PRE_LOADING_ONLY, SEVERITY

# Pre-loading referrals by severity: request for information 1, high-risk cargo screening 2, do not load 3.
REFERRAL_SEVERITY = {
    outcome.value: rank for rank, outcome in enumerate(sorted(PRE_LOADING_ONLY, key=SEVERITY.__getitem__), start=1)
}


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed (control result recorded)"
    CLEARED = "cleared", "Cleared by re-screening"
    SUPERSEDED = "superseded", "Superseded by an amendment"


class CaseOrigin(models.TextChoices):
    FIRST_ENTRY = "first_entry", "Member State of first entry"
    NATIONAL_PROFILE = "national_profile", "Own national profile hit"
    FORWARDED = "forwarded", "Forwarded for control at the place of unloading"


class Case(models.Model):
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="cases")
    version = models.ForeignKey("declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="cases")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases")
    origin = models.CharField(max_length=20, choices=CaseOrigin.choices, default=CaseOrigin.FIRST_ENTRY)
    state = models.CharField(max_length=12, choices=CaseState.choices, default=CaseState.OPEN)
    forwarded_by = models.ForeignKey(
        "workbench.Decision", on_delete=models.SET_NULL, null=True, blank=True, related_name="forwarded_cases"
    )

    # Urgency and filter columns, copied from the version and its assessment when screened.
    pre_loading = models.BooleanField()
    expected_arrival = models.DateTimeField()
    score = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=30, help_text="The engine's outcome")
    # 0 for outcomes that are not pre-loading referrals; computed by Postgres, so every writer agrees.
    referral_severity = models.GeneratedField(
        expression=models.Case(
            *(models.When(outcome=outcome, then=models.Value(rank)) for outcome, rank in REFERRAL_SEVERITY.items()),
            default=models.Value(0),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    control_type = models.CharField(max_length=12, blank=True)
    transport_mode = models.CharField(max_length=12)
    office = models.ForeignKey("reference.CustomsOffice", on_delete=models.PROTECT, related_name="+")
    aeo = models.BooleanField(default=False)
    random_selection = models.BooleanField(default=False)
    # Chosen by the live risk model within the Member State's capacity (issue 16), and of those the
    # exploration share drawn at random: no criterion hit, so the queue says why the case is there.
    learned_selection = models.BooleanField(default=False, db_default=False)  # db_default: raw inserts may omit it
    exploration = models.BooleanField(default=False, db_default=False)
    risk_areas = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    criteria = ArrayField(models.CharField(max_length=40), default=list, blank=True)

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="claimed_cases"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "member_state"], name="case_once_per_version_and_state"),
        ]
        indexes = [
            # The queue in tiers (workbench.selectors.queue_page), each an ordered index scan that stops
            # at the page: pre-loading referrals not yet arrived by severity, then arrival, then score ...
            models.Index(
                "member_state",
                models.F("referral_severity").desc(),
                "expected_arrival",
                models.F("score").desc(),
                "id",
                name="case_referral_queue_idx",
                condition=models.Q(state="open", referral_severity__gt=0),
            ),
            # ... then the others not yet arrived by arrival and score, then those arrived (read backwards).
            models.Index(
                fields=["member_state", "expected_arrival", "-score", "id"],
                include=["referral_severity", "pre_loading"],
                name="case_arrival_queue_idx",
                condition=models.Q(state="open"),
            ),
            models.Index(fields=["declaration"], name="case_declaration_idx"),
            models.Index(fields=["member_state", "state", "-updated_at"], name="case_state_idx"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.member_state_id}, {self.state})"


class DecisionAction(models.TextChoices):
    CONTROL = "control", "Control recommended"
    REQUEST_FOR_INFORMATION = "request_for_information", "Request for information"
    SCREENING = "high_risk_cargo_screening", "High-risk cargo and mail screening"
    DO_NOT_LOAD = "do_not_load", "Do not load"
    DISMISS = "dismiss", "Dismiss (no control)"


class ControlPlace(models.TextChoices):
    BORDER = "border", "At the border (office of first entry)"
    PLACE_OF_UNLOADING = "place_of_unloading", "At the place of unloading"
    POST_RELEASE = "post_release", "Post-release"


class Decision(models.Model):
    """An analyst's decision on one case: one per declaration version and Member State queue."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="decision")
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="decisions")
    version = models.ForeignKey("declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="decisions")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30, choices=DecisionAction.choices)
    control_type = models.CharField(max_length=12, blank=True)
    control_place = models.CharField(max_length=20, choices=ControlPlace.choices, blank=True)
    reason = models.TextField(blank=True)
    engine_outcome = models.CharField(max_length=30)
    forwarded_to = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["member_state", "-decided_at"], name="decision_state_idx"),
            models.Index(fields=["forwarded_to", "-decided_at"], name="decision_forwarded_idx"),
            models.Index(fields=["version"], name="decision_version_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.version_id} by {self.member_state_id}"

    @property
    def controls(self) -> bool:
        return self.action != DecisionAction.DISMISS


class ControlKind(models.TextChoices):
    DOCUMENTARY = "documentary", "Documentary"
    PHYSICAL = "physical", "Physical"
    SCANNING = "scanning", "Scanning"
    POST_RELEASE = "post_release", "Post-release"


class ControlOutcome(models.TextChoices):
    NO_IRREGULARITY = "no_irregularity", "No irregularity"
    IRREGULARITY = "irregularity", "Irregularity found"
    SEIZURE = "seizure", "Seizure"


class IrregularityType(models.TextChoices):
    MISDESCRIPTION = "misdescription", "Goods misdescribed"
    UNDERVALUATION = "undervaluation", "Undervaluation"
    ORIGIN = "origin", "False origin"
    CLASSIFICATION = "classification", "Wrong tariff classification"
    PROHIBITED = "prohibited", "Prohibited or restricted goods"
    IPR = "ipr", "IPR infringement (counterfeit)"
    PRODUCT_SAFETY = "product_safety", "Product safety or compliance"
    SECURITY = "security", "Security and safety threat"
    DRUGS = "drugs", "Drugs or precursors"
    WEAPONS = "weapons", "Weapons, firearms or explosives"
    CASH = "cash", "Undeclared cash"
    DOCUMENTS = "documents", "Missing or false documents"
    OTHER = "other", "Other"


class ControlResult(models.Model):
    """The control actually carried out and what it found (recorded by an officer or a national system)."""

    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.CASCADE, related_name="control_results"
    )
    version = models.ForeignKey(
        "declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="control_results"
    )
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="control_results")
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="control_results"
    )
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    control_type = models.CharField(max_length=12, choices=ControlKind.choices)
    based_on_risk_analysis = models.BooleanField(default=True)
    result = models.CharField(max_length=16, choices=ControlOutcome.choices)
    irregularity_type = models.CharField(max_length=20, choices=IrregularityType.choices, blank=True)
    seized_goods = models.CharField(max_length=300, blank=True)
    seized_quantity = models.FloatField(null=True, blank=True)
    seized_unit = models.CharField(max_length=20, blank=True)
    estimated_value_eur = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True)
    controlled_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["version"], name="control_version_idx"),
            models.Index(fields=["member_state", "-controlled_at"], name="control_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.control_type} {self.result} on {self.version_id}"

    @property
    def found_irregularity(self) -> bool:
        return self.result != ControlOutcome.NO_IRREGULARITY


class LegalBasis(models.TextChoices):
    UCC_46 = "ucc_art_46", "Union Customs Code, Art. 46 (risk management and customs controls)"
    UCC_47 = "ucc_art_47", "Union Customs Code, Art. 47 (cooperation between authorities)"
    REG_515_97 = "reg_515_97", "Regulation (EC) No 515/97 (mutual administrative assistance)"
    NAPLES_II = "naples_ii", "Naples II Convention (customs cooperation)"
    OTHER = "other", "Other (stated in the purpose)"


class InformationRequest(models.Model):
    """A Member State asks another for information on a party or a consignment."""

    class Subject(models.TextChoices):
        PARTY = "party", "A party (economic operator or person)"
        CONSIGNMENT = "consignment", "A consignment (declaration)"

    class State(models.TextChoices):
        OPEN = "open", "Awaiting an answer"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    requesting_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    requested_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=12, choices=Subject.choices)
    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    party_name = models.CharField(max_length=200, blank=True)
    party_eori = models.CharField(max_length=17, blank=True)
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    purpose = models.TextField()
    question = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    first_answer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_state", "state", "-created_at"], name="inforeq_inbox_idx"),
            models.Index(fields=["requesting_state", "-created_at"], name="inforeq_outbox_idx"),
        ]

    def __str__(self) -> str:
        return f"request {self.pk} {self.requesting_state_id} -> {self.requested_state_id}"

    @property
    def answer_time(self):
        return self.first_answer_at - self.created_at if self.first_answer_at else None


class InformationMessage(models.Model):
    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="messages")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message {self.pk} on request {self.request_id}"


class ReferralKind(models.TextChoices):
    REQUEST_FOR_INFORMATION = "request_for_information", "Request for information"
    SCREENING = "high_risk_cargo_screening", "High-risk cargo and mail screening"
    DO_NOT_LOAD = "do_not_load", "Do not load"


class ReferralStatus(models.TextChoices):
    OPEN = "open", "Open: awaiting the filer's answer"
    ANSWERED = "answered", "Answered: awaiting the analyst"
    CLOSED = "closed", "Closed"


class Referral(models.Model):
    """An ICS2 pre-loading referral (contract 5): the filer answers through its national system.

    Opened by an analyst's decision (request for information, high-risk cargo screening, do not
    load); answered by the national system of the Member State of first entry; closed by the
    referring Member State's analysts, or asked again (a new round, open again).
    """

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="referral")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="referrals")
    version = models.ForeignKey("declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=ReferralKind.choices)
    requested_by = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    first_entry = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", help_text="Its national system answers"
    )
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN)
    round = models.PositiveSmallIntegerField(default=1)
    question = models.TextField(help_text="The current round's question (RFI) or screening required (HRCM)")
    requested_at = models.DateTimeField()
    asked_at = models.DateTimeField(help_text="When the current round was asked: the overdue clock")
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["first_entry", "status", "id"], name="referral_answerer_idx"),
            models.Index(fields=["requested_by", "status", "asked_at"], name="referral_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.kind}, {self.status})"


class ReferralQuestion(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="questions")
    round = models.PositiveSmallIntegerField()
    text = models.TextField()
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()

    class Meta:
        ordering = ["round"]
        constraints = [models.UniqueConstraint(fields=["referral", "round"], name="referral_question_once")]

    def __str__(self) -> str:
        return f"round {self.round} of referral {self.referral_id}"


class AnswerKind(models.TextChoices):
    ADDITIONAL_INFORMATION = "additional_information", "Additional information"
    SCREENING_RESULT = "screening_result", "Screening result"
    ACKNOWLEDGED = "acknowledged", "Do-not-load acknowledged"


class ScreeningMethod(models.TextChoices):
    X_RAY = "x_ray", "X-ray"
    ETD = "etd", "Explosive trace detection"
    EDD = "edd", "Explosive detection dog"
    PHYSICAL = "physical", "Physical search"
    OTHER = "other", "Other"


class ScreeningOutcome(models.TextChoices):
    NO_THREAT = "no_threat", "No threat found"
    THREAT_CONFIRMED = "threat_confirmed", "Threat confirmed"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


# The answer that fits each referral.
ANSWER_FOR = {
    ReferralKind.REQUEST_FOR_INFORMATION: AnswerKind.ADDITIONAL_INFORMATION,
    ReferralKind.SCREENING: AnswerKind.SCREENING_RESULT,
    ReferralKind.DO_NOT_LOAD: AnswerKind.ACKNOWLEDGED,
}


class ReferralAnswer(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="answers")
    round = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30, choices=AnswerKind.choices)
    text = models.TextField(blank=True)
    method = models.CharField(max_length=12, choices=ScreeningMethod.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=ScreeningOutcome.choices, blank=True)
    amendment_version = models.PositiveIntegerField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["answered_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on referral {self.referral_id}"


class SavedQueueFilter(models.Model):
    """A named set of queue filters (and sort) one analyst keeps: the queue's query string, re-read
    through the queue's own filter parsing when opened, so a saved filter never bypasses its checks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_filters")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_queue_filter_name_per_user")]

    def __str__(self) -> str:
        return self.name


class CaseNote(models.Model):
    """An analyst's note on a case, with photos or documents (e.g. of a seizure). Append-only:
    a note is corrected by another note, like a paper file."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


def case_attachment_path(instance: CaseAttachment, filename: str) -> str:
    """Under MEDIA_ROOT/cases/<case>/, prefixed by the content's hash: never served directly."""
    return f"cases/{instance.case_id}/{instance.sha256[:16]}-{filename}"


class CaseAttachment(models.Model):
    """A file on a case note: an image (PNG, JPEG, GIF, WebP) or a PDF, type checked by content."""

    note = models.ForeignKey(CaseNote, on_delete=models.CASCADE, related_name="attachments")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=case_attachment_path, max_length=300)
    name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
