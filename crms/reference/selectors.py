"""Reads of reference data. Reference data is public to every signed-in user, so these
only filter and order; they exist so that views never build querysets themselves."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from crms.accounts.models import Organisation
from crms.reference.models import (
    Country,
    CustomsOffice,
    ExchangeKind,
    HighInterestCountry,
    HsCode,
    ParticipationAgreement,
    RiskArea,
    VagueGoodsTerm,
)


def participants() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(office_count=Count("offices")).order_by("status", "code")


def customs_offices(*, member_state: str | None = None, border_type: str | None = None) -> QuerySet[CustomsOffice]:
    offices = CustomsOffice.objects.select_related("member_state")
    if member_state:
        offices = offices.filter(member_state_id=member_state)
    if border_type:
        offices = offices.filter(border_type=border_type)
    return offices


def countries(*, query: str = "") -> QuerySet[Country]:
    found = Country.objects.all()
    if query:
        found = found.filter(Q(iso2__iexact=query) | Q(iso3__iexact=query) | Q(name__icontains=query))
    return found


def hs_codes(*, query: str = "", parent: str | None = None) -> QuerySet[HsCode]:
    """Search by code prefix (digits) or words in the description; or list one node's children."""
    codes = HsCode.objects.select_related("section")
    query = query.strip()
    if query:
        compact = query.replace(".", "").replace(" ", "")
        if compact.isdigit():
            return codes.filter(code__startswith=compact[:6])
        for word in query.split():
            codes = codes.filter(description__icontains=word)
        return codes
    if parent:
        return codes.filter(parent_id=parent)
    return codes.filter(level=HsCode.Level.CHAPTER)


def hs_code(code: str) -> HsCode | None:
    return HsCode.objects.select_related("section", "parent").filter(code=code).first()


def risk_areas() -> QuerySet[RiskArea]:
    return RiskArea.objects.all()


def vague_terms() -> QuerySet[VagueGoodsTerm]:
    return VagueGoodsTerm.objects.all()


def high_interest_countries() -> list[str]:
    """The ISO codes the Commission lists today (the indicators' and evaluation's breakdown)."""
    listed = HighInterestCountry.objects.filter(listed=True).order_by("country_id")
    return list(listed.values_list("country_id", flat=True))


def agreement_scopes() -> dict[str, str]:
    """Per participant by agreement, in words: "Risk information forms, Crisis alerts: Security and safety"."""
    kinds = dict(ExchangeKind.choices)
    areas = dict(RiskArea.objects.values_list("code", "name"))
    return {
        a.organisation_id: f"{', '.join(kinds.get(k, k) for k in a.exchanges) or 'nothing'}: "
        f"{', '.join(areas.get(r, r) for r in a.risk_areas) or 'no risk area'}"
        for a in ParticipationAgreement.objects.all()
    }
