"""Reference data shipped with the platform (see ``crms/reference/data/``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Country(models.Model):
    iso2 = models.CharField(max_length=2, primary_key=True)
    iso3 = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=50, blank=True)
    sub_region = models.CharField(max_length=50, blank=True)
    currency = models.CharField(max_length=32, blank=True, help_text="ISO 4217 code(s), comma-separated")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return f"{self.iso2} {self.name}"


class CustomsOffice(models.Model):
    class BorderType(models.TextChoices):
        SEA = "sea", "Sea"
        AIR = "air", "Air"
        POSTAL = "postal", "Postal"
        ROAD = "road", "Road"
        RAIL = "rail", "Rail"
        INLAND_WATER = "inland_water", "Inland waterway"

    code = models.CharField(max_length=8, primary_key=True)
    name = models.CharField(max_length=120)
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="offices")
    unlocode = models.CharField(max_length=5)
    border_type = models.CharField(max_length=20, choices=BorderType.choices)
    roles = models.CharField(max_length=100, help_text="Semicolon-separated: entry, exit, presentation")

    class Meta:
        ordering = ["code"]
        constraints = [
            # The target of declarations' (office, Member State of first entry) key: a declaration's Member
            # State of first entry is its office's (migration declarations 0009).
            models.UniqueConstraint(fields=["code", "member_state"], name="customs_office_code_member_state")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def role_list(self) -> list[str]:
        return [role for role in self.roles.split(";") if role]


class HsSection(models.Model):
    number = models.CharField(max_length=5, primary_key=True, help_text="Roman numeral")
    name = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Section {self.number}: {self.name}"


class HsCode(models.Model):
    """One node of the HS nomenclature: chapter (2 digits), heading (4) or subheading (6)."""

    class Level(models.IntegerChoices):
        CHAPTER = 2, "Chapter"
        HEADING = 4, "Heading"
        SUBHEADING = 6, "Subheading"

    code = models.CharField(max_length=6, primary_key=True)
    description = models.TextField()
    level = models.PositiveSmallIntegerField(choices=Level.choices, db_index=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    section = models.ForeignKey(HsSection, on_delete=models.PROTECT, null=True, blank=True, related_name="codes")

    class Meta:
        ordering = ["code"]
        verbose_name = "HS code"

    def __str__(self) -> str:
        return f"{self.code} {self.description[:80]}"

    @property
    def chapter(self) -> str:
        return self.code[:2]


class RiskArea(models.Model):
    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    examples = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VagueGoodsTerm(models.Model):
    """A goods description that is not acceptable on its own (e.g. "gifts", "said to contain")."""

    term = models.CharField(max_length=100, primary_key=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class ExchangeRate(models.Model):
    """Units of ``currency`` per 1 EUR, as of ``as_of`` (the rate table used to convert declared values)."""

    currency = models.CharField(max_length=3, primary_key=True)
    per_eur = models.FloatField()
    as_of = models.DateField()

    class Meta:
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"1 EUR = {self.per_eur} {self.currency}"


class ExchangeKind(models.TextChoices):
    """What an agreement participant may receive through the platform."""

    RIF = "rif", "Risk information forms"
    CRISIS = "crisis", "Crisis alerts"
    PCA = "pca", "Priority control areas"


class ParticipationAgreement(models.Model):
    """What a participant taking part through an agreement (not EU membership) receives.

    Switzerland and Norway take part "through the security agreement" (seed 001:649): the record
    lists the exchanges and the risk areas they receive. A participant without a record (an EU
    Member State) receives everything; ``crms.reference.agreements`` applies the record.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="participation_agreement"
    )
    title = models.CharField(max_length=200)
    exchanges = ArrayField(models.CharField(max_length=12, choices=ExchangeKind.choices), default=list, blank=True)
    risk_areas = ArrayField(models.CharField(max_length=40), default=list, blank=True, help_text="Risk area codes")

    class Meta:
        ordering = ["organisation"]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.title}"


class HighInterestCountry(models.Model):
    """A country the Commission lists as of high interest (broken out in the criteria evaluation).

    Rows are never deleted: taking a country off the list sets ``listed`` false, so loading the
    reference data again (which only adds countries it has never seen) cannot undo the Commission.
    """

    country = models.OneToOneField(Country, on_delete=models.PROTECT, primary_key=True, related_name="+")
    listed = models.BooleanField(default=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["country"]
        verbose_name_plural = "high-interest countries"

    def __str__(self) -> str:
        return f"{self.country_id} ({'listed' if self.listed else 'not listed'})"
