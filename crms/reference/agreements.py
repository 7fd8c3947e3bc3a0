"""Participation by agreement, applied in one place.

Switzerland and Norway take part in the CRMS "through the security agreement" (seed 001:649): they
receive what their ``ParticipationAgreement`` record lists (by default safety-and-security RIFs,
crises and PCAs), never financial ones. An EU Member State has no record and receives everything.
The RIF, crisis and PCA selectors filter with :func:`receivable`; the services refuse to address a
participant outside its agreement (:func:`refusal`) and leave it out of "all participants".
"""

from __future__ import annotations

from django.db.models import Q

from crms.reference.models import ExchangeKind, ParticipationAgreement, RiskArea


def agreement_of(member_state: str | None) -> ParticipationAgreement | None:
    if not member_state:
        return None
    return ParticipationAgreement.objects.filter(organisation_id=member_state).first()


def receivable(member_state: str | None, kind: str, *, risk_area_field: str = "risk_area_id") -> Q:
    """A filter keeping the ``kind`` records (RIFs, crises, PCAs) ``member_state`` receives.

    ``Q()`` (everything) for an EU Member State, the Commission or nobody in particular.
    """
    agreement = agreement_of(member_state)
    if agreement is None:
        return Q()
    if kind not in agreement.exchanges:
        return Q(pk__in=[])
    return Q(**{f"{risk_area_field}__in": list(agreement.risk_areas)})


def receives(member_state: str, kind: str, risk_area: str) -> bool:
    agreement = agreement_of(member_state)
    return agreement is None or (kind in agreement.exchanges and risk_area in agreement.risk_areas)


def refusal(member_state: str, kind: str, risk_area: str) -> str | None:
    """Why ``member_state`` may not receive this (a sentence for the 400), or None when it may."""
    agreement = agreement_of(member_state)
    if agreement is None or (kind in agreement.exchanges and risk_area in agreement.risk_areas):
        return None
    what = dict(ExchangeKind.choices).get(kind, kind)
    if kind not in agreement.exchanges:
        return f"{member_state} takes part through the {agreement.title}, which does not cover {what.lower()}."
    names = ", ".join(RiskArea.objects.filter(code__in=agreement.risk_areas).values_list("name", flat=True))
    return f"{member_state} takes part through the {agreement.title}: it receives {what.lower()} on {names} only."


def agreement_receivers(codes: list[str], kind: str, risk_area: str) -> list[str]:
    """The participants among ``codes`` that receive a ``kind`` record of ``risk_area`` (one query)."""
    limited = {a.organisation_id: a for a in ParticipationAgreement.objects.filter(organisation_id__in=codes)}
    return [
        code
        for code in codes
        if code not in limited or (kind in limited[code].exchanges and risk_area in limited[code].risk_areas)
    ]
