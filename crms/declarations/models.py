"""Entry summary declarations (ENS) as ICS2 has them: a declaration with versions, parties and goods items.

A ``Declaration`` is the stable identity (MRN, LRN, filer) with the current
version's key fields copied onto it for the analysts' filters. Every filing or
amendment is a ``DeclarationVersion``: the body as filed (normalised JSON, for
reading back) plus typed columns, ``Party`` and ``GoodsItem`` rows for the risk
engine's columnar reads. Versions are never changed after they are written.

Masses and values are double precision: they feed risk analysis, not accounting.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class TransportMode(models.TextChoices):
    SEA = "sea", "Sea"
    AIR = "air", "Air"
    EXPRESS = "express", "Express"
    POSTAL = "postal", "Postal"
    ROAD = "road", "Road"
    RAIL = "rail", "Rail"
    INLAND_WATER = "inland_water", "Inland waterway"


class Phase(models.TextChoices):
    PRE_LOADING = "pre_loading", "Pre-loading"
    PRE_ARRIVAL = "pre_arrival", "Pre-arrival"


class ScreeningStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCREENED = "screened", "Screened"


class MovementFields(models.Model):
    """Who files what movement where: held by every version and, for the current one, the declaration."""

    filing_type = models.CharField(max_length=3)
    phase = models.CharField(max_length=12, choices=Phase.choices)
    transport_mode = models.CharField(max_length=12, choices=TransportMode.choices)
    # Without the single-column index a ForeignKey adds (issue 17): declarations are found by the lists'
    # composite indexes, which lead with these columns; no query selects versions by them (lists and
    # scoping read the declaration's copies). Each index cost every filing two entries (with its pattern twin).
    office_of_first_entry = models.ForeignKey(
        "reference.CustomsOffice", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    first_entry_member_state = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unloading_member_state = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    expected_arrival = models.DateTimeField()
    master_document = models.CharField(max_length=70, blank=True)
    house_document = models.CharField(max_length=70, blank=True)
    item_count = models.PositiveIntegerField()

    class Meta:
        abstract = True


class Declaration(MovementFields):
    mrn = models.CharField(max_length=18, unique=True)  # unique: also a varchar_pattern_ops index (prefixes)
    lrn = models.CharField(max_length=35)
    # Idempotency key: (filer organisation, filer key, LRN). The filer key is the filer's EORI
    # when the body names one, else the submitting account; scoped by organisation so a retry
    # never reveals another Member State's filings.
    filer_org = models.ForeignKey(  # indexed by the idempotency key, which leads with it
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    filer_key = models.CharField(max_length=160)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filed_declarations"
    )
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    current_version = models.PositiveIntegerField(default=1)
    # The current version's id, written with the version by the filing services: it names one month's
    # partition, where (declaration, version number) would be planned against every month's
    # (docs/decisions.md, "A declaration knows its current version's id"). Null on rows written
    # around the services (benchmark copies): readers then fall back to the number.
    current_version_pk = models.BigIntegerField(null=True, blank=True, editable=False)

    # The movement fields (MovementFields) are copied from the current version for lists and access.
    consignor_name = models.CharField(max_length=200)
    consignee_name = models.CharField(max_length=200)
    screening_status = models.CharField(max_length=10, choices=ScreeningStatus.choices, default=ScreeningStatus.PENDING)
    personal_data_removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by data-retention housekeeping: parties pseudonymised"
    )
    # History (contract 6): imported with its control result for backtests and training. Never
    # screened by the live pipeline, so never in a queue; left out of the operational indicators.
    # db_default: the COPY paths and benchmarks that name their columns need not know about it.
    is_history = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["filer_org", "filer_key", "lrn"], name="declaration_filer_lrn_unique"),
        ]
        indexes = [
            models.Index(fields=["first_entry_member_state", "-received_at", "-id"], name="decl_first_entry_recv_idx"),
            models.Index(fields=["unloading_member_state", "-received_at", "-id"], name="decl_unloading_recv_idx"),
            models.Index(fields=["office_of_first_entry", "-received_at"], name="decl_office_recv_idx"),
            models.Index(fields=["-received_at", "-id"], name="decl_received_idx"),
            models.Index(fields=["expected_arrival"], name="decl_expected_arrival_idx"),
            models.Index(fields=["master_document"], name="decl_master_doc_idx"),
            models.Index(fields=["house_document"], name="decl_house_doc_idx", condition=~models.Q(house_document="")),
            # Pattern operator classes: equality as before, and LIKE 'prefix%' for the global search
            # whatever the database's collation (docs/decisions.md, i14-search). The MRN's is the one
            # Django builds for a unique text column (``..._mrn_..._like``).
            models.Index(fields=["lrn"], opclasses=["varchar_pattern_ops"], name="decl_lrn_prefix_idx"),
            models.Index(fields=["consignor_name"], name="decl_consignor_idx"),  # party history
            models.Index(fields=["consignee_name"], name="decl_consignee_idx"),
            models.Index(
                fields=["screening_status", "updated_at"],
                name="decl_pending_idx",
                condition=models.Q(screening_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.mrn


class DeclarationVersion(MovementFields):
    # Found by id or by (declaration, version): ``declaration_version_idx`` leads with the declaration.
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="versions", db_index=False)
    version = models.PositiveIntegerField()
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.JSONField(help_text="The ENS as filed (normalised)")
    body_hash = models.CharField(max_length=64)

    place_of_loading = models.CharField(max_length=5)
    place_of_unloading = models.CharField(max_length=5)
    routing = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    total_gross_mass_kg = models.FloatField()

    class Meta:
        ordering = ["declaration", "version"]
        # Partitioned by month (crms/declarations/partitions.py): a unique index would have to contain the
        # id, so version numbers are unique by the declaration's row lock taken to allocate them.
        indexes = [models.Index(fields=["declaration", "version"], name="declaration_version_idx")]

    def __str__(self) -> str:
        return f"{self.declaration_id} v{self.version}"


class PartyRole(models.TextChoices):
    CONSIGNOR = "consignor", "Consignor"
    CONSIGNEE = "consignee", "Consignee"
    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"
    CARRIER = "carrier", "Carrier"
    FILER = "filer", "Filer"


class Party(models.Model):
    # The key is declared between same-month partitions (partitions.LOCAL_KEYS), not by Django.
    version = models.ForeignKey(
        DeclarationVersion, on_delete=models.CASCADE, related_name="parties", db_constraint=False
    )
    role = models.CharField(max_length=10, choices=PartyRole.choices)
    name = models.CharField(max_length=200)
    eori = models.CharField(max_length=17, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.SET_NULL, null=True, blank=True, related_name="parties"
    )

    class Meta:
        verbose_name_plural = "parties"
        indexes = [
            models.Index(fields=["eori"], name="party_eori_idx", condition=~models.Q(eori="")),
            models.Index(fields=["version", "role"], name="party_version_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.name}"


class GoodsItem(models.Model):
    # The key is declared between same-month partitions (partitions.LOCAL_KEYS), not by Django.
    version = models.ForeignKey(DeclarationVersion, on_delete=models.CASCADE, related_name="items", db_constraint=False)
    item_number = models.PositiveSmallIntegerField()
    hs_code = models.CharField(max_length=10, blank=True)
    description = models.CharField(max_length=512)
    gross_mass_kg = models.FloatField()
    packages = models.PositiveIntegerField(null=True, blank=True)
    value_amount = models.FloatField(null=True, blank=True)
    value_currency = models.CharField(max_length=3, blank=True)
    value_eur = models.FloatField(null=True, blank=True)
    country_of_origin = models.CharField(max_length=2, blank=True)
    container = models.CharField(max_length=17, blank=True)
    dangerous_goods_code = models.CharField(max_length=6, blank=True)

    class Meta:
        ordering = ["version", "item_number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "item_number"], name="goods_item_number_unique"),
        ]
        indexes = [
            models.Index(
                fields=["container"],
                opclasses=["varchar_pattern_ops"],
                name="goods_container_prefix_idx",
                condition=~models.Q(container=""),
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.item_number} {self.hs_code}"
