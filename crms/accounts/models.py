"""Organisations (the Commission and the participating customs administrations) and users."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from crms.accounts.roles import COMMISSION_CODE, Role


class Organisation(models.Model):
    """A participant in the CRMS: the Commission, an EU Member State or a partner country.

    Participation has validity dates: a former participant (the UK after 2020) keeps
    its history but its users can no longer log in.
    """

    class Status(models.TextChoices):
        COMMISSION = "commission", "European Commission"
        EU_MEMBER = "eu_member", "EU Member State"
        SECURITY_AGREEMENT = "security_agreement", "Security agreement partner"
        FORMER_PARTICIPANT = "former_participant", "Former participant"

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices)
    member_from = models.DateField()
    member_to = models.DateField(null=True, blank=True)
    agreement = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_commission(self) -> bool:
        return self.code == COMMISSION_CODE

    @staticmethod
    def taking_part(day: dt.date, via: str = "") -> models.Q:
        """``participates_on`` as a query condition; ``via``: the path to the organisation ("organisation__")."""
        return models.Q(**{f"{via}member_from__lte": day}) & (
            models.Q(**{f"{via}member_to__isnull": True}) | models.Q(**{f"{via}member_to__gte": day})
        )

    def participates_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.member_from <= day and (self.member_to is None or day <= self.member_to)


class User(AbstractUser):
    """A person or a machine (a national system) acting for one organisation in one role."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)

    class Meta:
        ordering = ["username"]

    def has_platform_access(self, day: dt.date | None = None) -> bool:
        """Active, and acting for an organisation that participates today (superusers excepted)."""
        if not self.is_active:
            return False
        if self.organisation_id is None:
            return self.is_superuser
        return self.organisation.participates_on(day)
