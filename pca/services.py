"""Writes of priority control areas: designate, suspend during a crisis, resume, report results, close.

Keyword-only, atomic, audited; rights checked here. Every change bumps ``updated_at``, which is
part of the risk engine's cache stamp: a suspended PCA's criteria stop running within a second.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from crms.accounts.roles import COMMISSION_ROLES, Role, member_state_of
from crms.audit.services import record
from crms.core.dates import PLANNED
from crms.reference.agreements import refusal
from crms.reference.models import ExchangeKind, RiskArea
from notifications import exchange as exchange_events
from pca import periods
from pca.models import PcaReport, PcaStatus, PcaTarget, PriorityControlArea
from rif.models import CrisisAlert, CrisisStatus
from rif.services import RifError, participants

REPORTERS = frozenset({Role.ANALYST, Role.RISK_MANAGER})
PcaError = RifError  # the same {"field", "code", "message"} list and HTTP status


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def _refuse(status: int, message: str, *, field: str | None = None, code: str = "not_allowed") -> PcaError:
    return PcaError(status, [_error(field, code, message)])


def may_manage(user) -> bool:
    return user.is_authenticated and user.role in COMMISSION_ROLES


def may_report(user, pca: PriorityControlArea) -> bool:
    return (
        user.is_authenticated
        and user.role in REPORTERS
        and member_state_of(user) in pca.participants
        and pca.status != PcaStatus.CLOSED
    )


def snapshot(pca: PriorityControlArea) -> dict[str, Any]:
    return {
        "reference": pca.reference,
        "status": pca.status,
        "risk_area": pca.risk_area_id,
        "hs_codes": pca.hs_codes,
        "routes": pca.routes,
        "first_day": pca.first_day.isoformat(),  # both days included (pca.periods)
        "last_day": pca.last_day.isoformat(),
        "starts_at": pca.starts_at.isoformat(),
        "ends_at": pca.ends_at.isoformat(),  # the exclusive bound: 00:00 UTC after the last day
        "participants": pca.participants,
        "criteria": sorted(pca.criteria.values_list("code", flat=True)) if pca.pk else [],
        "targets": {t.member_state_id: t.controls for t in pca.targets.all()} if pca.pk else {},
    }


def _rescreen_open_after_commit() -> None:
    """Links and periods change what runs: the open ENS are screened again once this commits."""
    from risk_engine.pipeline import request_rescreen

    transaction.on_commit(request_rescreen)


@dataclass(frozen=True)
class Designation:
    """A checked designation, ready to be stored: the period widened to whole UTC days."""

    title: str
    description: str
    risk_area: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    participants: list[str]
    hs_codes: list[str]
    routes: list[str]
    criteria: list  # risk_engine.models.Criterion, EU scope
    targets: dict[str, int]


def check_designation(
    *,
    actor,
    title: str,
    risk_area: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    participants_codes: list[str],
    hs_codes: list[str] = (),
    routes: list[str] = (),
    criteria: list[str] = (),
    targets: dict[str, int] | None = None,
    description: str = "",
) -> Designation:
    """Every rule of a designation, without writing: the form asks its confirmation only of a valid one."""
    from risk_engine.models import Criterion, Scope

    if not may_manage(actor):
        raise _refuse(403, "Only the Commission designates priority control areas.")
    errors = []
    title = (title or "").strip()
    if not 3 <= len(title) <= 200:
        errors.append(_error("title", "required", "A title of 3 to 200 characters."))
    if not RiskArea.objects.filter(code=risk_area).exists():
        errors.append(_error("risk_area", "unknown", "Choose a risk area."))
    if starts_at is None:
        errors.append(_error("starts_at", "required", "When the PCA starts."))
    if ends_at is None:
        errors.append(_error("ends_at", "required", "When the PCA ends."))
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment and not periods.allowed(moment.astimezone(periods.ZONE).date()):
            errors.append(_error(name, "out_of_range", PLANNED.rule()))
    if starts_at and ends_at and ends_at <= starts_at:
        errors.append(_error("ends_at", "invalid", "The period must end after it starts."))
    known = set(participants())
    codes = sorted({c.strip().upper() for c in participants_codes if c.strip()})
    if not codes:
        errors.append(_error("participants", "required", "Name the participating Member States."))
    for code in codes:
        if code not in known:
            errors.append(_error("participants", "unknown", f"{code} is not a participating Member State."))
        elif reason := refusal(code, ExchangeKind.PCA, risk_area):
            errors.append(_error("participants", "outside_agreement", reason))
    hs = sorted({c.strip() for c in hs_codes if c.strip()})
    for code in hs:
        if not code.isdigit() or not 2 <= len(code) <= 10:
            errors.append(_error("hs_codes", "invalid", f"{code!r} is not an HS code or prefix (2-10 digits)."))
    route = list(dict.fromkeys(c.strip().upper() for c in routes if c.strip()))
    for code in route:
        if len(code) != 2 or not code.isalpha():
            errors.append(_error("routes", "invalid", f"{code!r} is not an ISO country code."))
    linked = list(Criterion.objects.filter(code__in=list(criteria), scope=Scope.EU).order_by("code"))
    if len(linked) != len(set(criteria)):
        errors.append(_error("criteria", "unknown", "PCAs link EU common risk criteria by code; one is unknown."))
    targets = targets or {}
    for code, value in targets.items():
        if code not in codes:
            errors.append(_error("targets", "invalid", f"{code} has a target but does not participate."))
        if not isinstance(value, int) or not 0 <= value <= 10_000_000:  # larger overflowed the column: a 500
            errors.append(_error("targets", "invalid", f"The target for {code} is a whole number of controls."))
    if errors:
        raise PcaError(400, errors)
    starts_at, ends_at = periods.whole_days(starts_at, ends_at)
    return Designation(
        title=title,
        description=(description or "").strip(),
        risk_area=risk_area,
        starts_at=starts_at,
        ends_at=ends_at,
        participants=codes,
        hs_codes=hs,
        routes=route,
        criteria=linked,
        targets=targets,
    )


@transaction.atomic
def designate_pca(*, actor, **fields: Any) -> PriorityControlArea:
    """The Commission designates a PCA: goods, routes, period, participants, criteria, targets.

    Takes the keywords of ``check_designation``. The period is widened to whole UTC days
    (``pca.periods``). Linking a published criterion restricts it to the PCA's period: the browser
    asks for confirmation first (``pca.selectors.linking_consequences``); this service, which scripts
    and any API call, links without asking and records the restriction in the audit log.
    """
    from pca.selectors import linking_consequences

    checked = check_designation(actor=actor, **fields)
    consequences = linking_consequences([c.code for c in checked.criteria], checked.starts_at, checked.ends_at)
    now = timezone.now()
    pca = PriorityControlArea.objects.create(
        reference=f"TMP-{uuid.uuid4().hex[:24]}",
        title=checked.title,
        description=checked.description,
        risk_area_id=checked.risk_area,
        hs_codes=checked.hs_codes,
        routes=checked.routes,
        starts_at=checked.starts_at,
        ends_at=checked.ends_at,
        participants=checked.participants,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    pca.reference = f"PCA-{checked.starts_at.year}-{pca.pk:03d}"
    pca.save(update_fields=["reference"])
    pca.criteria.set(checked.criteria)
    PcaTarget.objects.bulk_create(
        [PcaTarget(pca=pca, member_state_id=code, controls=value) for code, value in sorted(checked.targets.items())]
    )
    after = snapshot(pca) | {
        "published_criteria_restricted_to_the_period": [c.code for c in consequences if c.published]
    }
    record(actor=actor, action="pca.designated", obj=pca, after=after)
    exchange_events.pca_designated(pca)
    _rescreen_open_after_commit()
    return pca


def _locked(pca: PriorityControlArea) -> PriorityControlArea:
    return PriorityControlArea.objects.select_for_update().get(pk=pca.pk)


@transaction.atomic
def suspend_pca(*, actor, pca: PriorityControlArea, crisis: CrisisAlert, reason: str = "") -> PriorityControlArea:
    """While a crisis is open, the Commission may suspend PCAs of its risk area (crisis activities replace them)."""
    pca = _locked(pca)
    crisis = CrisisAlert.objects.select_for_update().get(pk=crisis.pk)
    if not may_manage(actor):
        raise _refuse(403, "Only the Commission suspends a PCA.")
    if pca.status != PcaStatus.DESIGNATED:
        raise _refuse(409, f"The PCA is {pca.get_status_display().lower()}.", code="conflict")
    if crisis.status != CrisisStatus.OPEN:
        raise _refuse(409, "Only an open crisis suspends a PCA.", field="crisis", code="conflict")
    if crisis.risk_area_id != pca.risk_area_id:
        raise _refuse(400, "The crisis concerns another risk area.", field="crisis", code="invalid")
    now = timezone.now()
    pca.status, pca.suspended_by_crisis, pca.suspended_at = PcaStatus.SUSPENDED, crisis, now
    pca.suspension_reason, pca.updated_at = (reason or "").strip(), now
    pca.save(update_fields=["status", "suspended_by_crisis", "suspended_at", "suspension_reason", "updated_at"])
    record(
        actor=actor,
        action="pca.suspended",
        obj=pca,
        after={"crisis": crisis.reference, "reason": pca.suspension_reason},
    )
    _rescreen_open_after_commit()
    return pca


@transaction.atomic
def resume_pca(*, actor, pca: PriorityControlArea) -> PriorityControlArea:
    pca = _locked(pca)
    if not may_manage(actor):
        raise _refuse(403, "Only the Commission resumes a PCA.")
    if pca.status != PcaStatus.SUSPENDED:
        raise _refuse(409, "The PCA is not suspended.", code="conflict")
    pca.status, pca.updated_at = PcaStatus.DESIGNATED, timezone.now()
    pca.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="pca.resumed", obj=pca)
    _rescreen_open_after_commit()
    return pca


@transaction.atomic
def report_results(
    *, actor, pca: PriorityControlArea, controls: int, detections: int, seizures: int, notes: str = ""
) -> PcaReport:
    """Results a participant reports by hand (controls not recorded on a declaration on this platform)."""
    if not may_report(actor, pca):
        raise _refuse(403, "Risk staff of a participating Member State report results of an open PCA.")
    errors = []
    values = {"controls": controls, "detections": detections, "seizures": seizures}
    for name, value in values.items():
        if not isinstance(value, int) or value < 0 or value > 10_000_000:
            errors.append(_error(name, "invalid", "A whole number, 0 or more."))
    if not errors and detections > controls:
        errors.append(_error("detections", "invalid", "Detections cannot exceed controls."))
    if not errors and seizures > detections:
        errors.append(_error("seizures", "invalid", "Seizures are detections: they cannot exceed them."))
    if errors:
        raise PcaError(400, errors)
    report = PcaReport.objects.create(
        pca=pca,
        member_state_id=member_state_of(actor),
        author=actor,
        created_at=timezone.now(),
        notes=(notes or "").strip()[:10_000],
        **values,
    )
    record(
        actor=actor, action="pca.results_reported", obj=pca, after={**values, "member_state": report.member_state_id}
    )
    return report


@transaction.atomic
def close_pca(*, actor, pca: PriorityControlArea, operational_results: str, lessons: str) -> PriorityControlArea:
    pca = _locked(pca)
    if not may_manage(actor):
        raise _refuse(403, "Only the Commission closes a PCA.")
    if pca.status == PcaStatus.CLOSED:
        raise _refuse(409, "The PCA is already closed.", code="conflict")
    operational_results, lessons = (operational_results or "").strip(), (lessons or "").strip()
    errors = []
    if len(operational_results) < 10:
        errors.append(_error("operational_results", "required", "Summarise the operational results."))
    if len(lessons) < 10:
        errors.append(_error("lessons", "required", "Record the lessons learned."))
    if errors:
        raise PcaError(400, errors)
    now = timezone.now()
    pca.status, pca.closed_at, pca.closed_by, pca.updated_at = PcaStatus.CLOSED, now, actor, now
    pca.operational_results, pca.lessons = operational_results, lessons
    pca.save(update_fields=["status", "closed_at", "closed_by", "updated_at", "operational_results", "lessons"])
    record(
        actor=actor,
        action="pca.closed",
        obj=pca,
        after={"operational_results": operational_results, "lessons": lessons},
    )
    _rescreen_open_after_commit()
    return pca
