"""Economic operators known by EORI, and their AEO authorisations.

A party in an ENS is linked to its operator by EORI; the risk engine's
``any_party.aeo`` reads whether that operator holds a valid authorisation.
Third-country operators count when their programme is recognised by the EU
under a mutual recognition agreement (MRA).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

# Partners with an AEO mutual recognition agreement and their programmes.
MRA_PROGRAMMES = {
    "US": "C-TPAT",
    "CN": "China Customs Advanced Certified Enterprise",
    "JP": "Japan AEO",
    "CH": "Swiss AEO",
    "NO": "Norwegian AEO",
}


class Operator(models.Model):
    eori = models.CharField(max_length=17, unique=True, help_text="EORI or third-country trader identification number")
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["eori"]

    def __str__(self) -> str:
        return f"{self.eori} {self.name}"

    def aeo_on(self, day: dt.date | None = None) -> AeoAuthorisation | None:
        """The authorisation that makes this operator an AEO on ``day``, if any."""
        day = day or timezone.localdate()
        return next((auth for auth in self.authorisations.all() if auth.valid_on(day)), None)


class AeoAuthorisation(models.Model):
    class Type(models.TextChoices):
        AEOC = "AEOC", "Customs simplifications (AEOC)"
        AEOS = "AEOS", "Security and safety (AEOS)"
        AEOF = "AEOF", "Full (AEOF)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"

    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="authorisations")
    number = models.CharField(max_length=40, unique=True, help_text="Authorisation or certificate number")
    type = models.CharField(max_length=4, choices=Type.choices)
    issuing_country = models.ForeignKey(
        "reference.Country",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Issuing Member State, or the MRA partner for a recognised third-country programme",
    )
    programme = models.CharField(max_length=100, default="EU AEO")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["operator", "-valid_from"]
        indexes = [models.Index(fields=["status", "valid_from", "valid_to"], name="aeo_validity_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.type} ({self.get_status_display()})"

    @property
    def is_mra_recognition(self) -> bool:
        return self.issuing_country_id in MRA_PROGRAMMES

    def valid_on(self, day: dt.date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )
