"""Who may use the Commission's analysis workspace, and what it reads: scoping lives here alone.

Readers are the Commission's people (staff, approvers, auditors at the Commission); experts (staff and
approvers) may also flag. Hits shown are those of EU common risk criteria only: national risk profiles
are each Member State's own and never appear here, whoever reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from analysis.models import Flag
from crms.accounts.roles import COMMISSION_ROLES, Role, is_commission, member_state_of
from crms.declarations.models import Declaration
from risk_engine.models import Assessment, Hit, Scope

READERS = COMMISSION_ROLES | {Role.AUDITOR}
ROW_LIMIT = 200


def may_analyse(user) -> bool:
    """Commission staff, approvers and EU auditors (read-only); never a Member State."""
    return bool(user.is_authenticated and is_commission(user) and user.role in READERS)


def may_flag(user) -> bool:
    return bool(user.is_authenticated and is_commission(user) and user.role in COMMISSION_ROLES)


def eu_hits(user, filters: dict[str, Any]) -> QuerySet[Hit]:
    """Hits of EU criteria across Member States, newest first, narrowed by ``filters`` (all optional):
    ``criterion`` (code), ``member_state`` (responsible), ``risk_area``, ``since``/``until`` (dates,
    inclusive) and ``outcome`` (the hit's effective outcome)."""
    if not may_analyse(user):
        return Hit.objects.none()
    # Live hits only: a shadow criterion's hits are a trial run, counted in no figure (adversarial probe,
    # 7 December: 93 shadow hits listed as "Control recommended" here and in no indicator).
    hits = Hit.objects.filter(scope=Scope.EU, shadow=False)
    if filters.get("criterion"):
        hits = hits.filter(criterion_code=filters["criterion"])
    if filters.get("member_state"):
        hits = hits.filter(assessment__responsible_member_state_id=filters["member_state"])
    if filters.get("risk_area"):
        hits = hits.filter(risk_area=filters["risk_area"])
    if filters.get("outcome"):
        hits = hits.filter(outcome=filters["outcome"])
    if filters.get("since"):
        hits = hits.filter(created_at__gte=_start_of(filters["since"]))
    if filters.get("until"):
        hits = hits.filter(created_at__lt=_start_of(filters["until"] + dt.timedelta(days=1)))
    return hits.select_related("assessment__declaration", "assessment__version").order_by("-created_at", "-id")


def hits_per_member_state(hits: QuerySet[Hit]) -> list[dict[str, Any]]:
    """The filtered hits counted per responsible Member State (and the declarations they touch)."""
    return list(
        hits.order_by()
        .values(member_state=F("assessment__responsible_member_state_id"))
        .annotate(hits=Count("id"), declarations=Count("assessment__declaration", distinct=True))
        .order_by("-hits", "member_state")
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def party_declarations(user, *, eori: str = "", name: str = "") -> QuerySet[Declaration]:
    """Declarations naming a party (any role, any version) by EORI (exact) or name (contains), in every
    Member State: the Commission's cross-border view of one operator."""
    if not may_analyse(user) or not (eori or name):
        return Declaration.objects.none()
    parties = Q()
    if eori:
        parties &= Q(versions__parties__eori=eori)
    if name:
        parties &= Q(versions__parties__name__icontains=name)
    matching = Declaration.objects.filter(parties).values("pk")
    return (
        Declaration.objects.filter(pk__in=matching).annotate(flag_count=Count("flags")).order_by("-received_at", "-id")
    )


def responsible_member_state(declaration: Declaration) -> str:
    """The Member State that assessed the current version (the first entry one until it is screened)."""
    assessment = (
        Assessment.objects.filter(declaration=declaration, version__version=declaration.current_version)
        .values_list("responsible_member_state_id", flat=True)
        .first()
    )
    return assessment or declaration.first_entry_member_state_id


def flags_on(user, declaration: Declaration) -> QuerySet[Flag]:
    """The Commission's readers see every flag; a Member State's people and systems only the flags
    written for their Member State; nobody else any."""
    flags = Flag.objects.filter(declaration=declaration).select_related("flagged_by")
    if may_analyse(user):
        return flags
    member_state = member_state_of(user)
    if member_state is None:
        return flags.none()
    return flags.filter(member_state_id=member_state)
