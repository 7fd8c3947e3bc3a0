"""Writes of the workbench: claim, decide (and forward), record control results, information requests.

Every function is keyword-only, atomic and audited. Rights are checked here, so the
browser and the REST API cannot disagree. Errors carry the contract's error list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crms.accounts.roles import Role, member_state_of
from crms.audit.services import record
from crms.core.dates import RECORDED
from crms.declarations.current import current_version_of
from crms.declarations.models import Declaration, DeclarationVersion
from notifications.events import emit
from notifications.models import EventType
from workbench.models import (
    Case,
    CaseOrigin,
    CaseState,
    ControlKind,
    ControlOutcome,
    ControlPlace,
    ControlResult,
    Decision,
    DecisionAction,
    InformationMessage,
    InformationRequest,
    IrregularityType,
    LegalBasis,
)
from workbench.referrals import open_referral

WORKERS = frozenset({Role.ANALYST, Role.RISK_MANAGER})
CONTROL_RECORDERS = WORKERS | {Role.NATIONAL_SYSTEM}
PRE_LOADING_ACTIONS = {DecisionAction.REQUEST_FOR_INFORMATION, DecisionAction.SCREENING, DecisionAction.DO_NOT_LOAD}
CONTROL_TYPES = {"documentary", "physical", "scanning"}


class WorkbenchError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.status = status
        self.errors = errors


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def _refuse(status: int, message: str, *, field: str | None = None, code: str = "not_allowed") -> WorkbenchError:
    return WorkbenchError(status, [_error(field, code, message)])


def _require_worker(actor, case: Case) -> None:
    if actor.role not in WORKERS or member_state_of(actor) != case.member_state_id:
        raise _refuse(403, "Only risk analysts and managers of this queue's Member State work its cases.")


def claim_expiry() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CASE_CLAIM_MINUTES)


def held_by_other(case: Case, user) -> bool:
    """Someone else claimed the case and the claim has not expired."""
    return (
        case.claimed_by_id not in (None, user.pk)
        and case.claimed_at is not None
        and timezone.now() - case.claimed_at < claim_expiry()
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def claim_case(*, actor, case: Case) -> Case:
    """Take a case so no one else works it. A claim older than ``CASE_CLAIM_MINUTES`` may be taken over."""
    _require_worker(actor, case)
    case = _locked(case)
    if case.state != CaseState.OPEN:
        raise _refuse(409, f"The case is {case.get_state_display().lower()}.", code="conflict")
    now = timezone.now()
    if held_by_other(case, actor):
        raise _refuse(409, f"{case.claimed_by.get_username()} is working on this case.", code="claimed")
    previous = case.claimed_by.get_username() if case.claimed_by_id else None
    case.claimed_by, case.claimed_at = actor, now
    case.save(update_fields=["claimed_by", "claimed_at"])
    record(actor=actor, action="case.claimed", obj=case, before={"claimed_by": previous})
    return case


@transaction.atomic
def assign_case(*, actor, case: Case, assignee: str) -> Case:
    """Give a case to a named colleague of the same Member State (an analyst or risk manager), audited
    with who held it before. A colleague's live claim is not taken from them this way."""
    _require_worker(actor, case)
    from workbench.selectors import colleagues_of

    colleague = colleagues_of(actor).filter(username=assignee.strip()).first()
    if colleague is None:
        raise _refuse(400, "Choose an analyst or risk manager of your Member State.", field="assignee", code="invalid")
    case = _locked(case)
    if case.state != CaseState.OPEN:
        raise _refuse(409, f"The case is {case.get_state_display().lower()}.", code="conflict")
    if held_by_other(case, actor) and case.claimed_by_id != colleague.pk:
        raise _refuse(409, f"{case.claimed_by.get_username()} is working on this case.", code="claimed")
    previous = case.claimed_by.get_username() if case.claimed_by_id else None
    case.claimed_by, case.claimed_at = colleague, timezone.now()
    case.save(update_fields=["claimed_by", "claimed_at"])
    record(
        actor=actor,
        action="case.assigned",
        obj=case,
        before={"claimed_by": previous},
        after={"claimed_by": colleague.get_username()},
    )
    return case


@transaction.atomic
def release_case(*, actor, case: Case) -> Case:
    _require_worker(actor, case)
    case = _locked(case)
    if case.state != CaseState.OPEN:  # as claim says: a decided case is not released (adversarial probe)
        raise _refuse(409, f"The case is {case.get_state_display().lower()}.", code="conflict")
    if case.claimed_by_id != actor.pk:
        raise _refuse(409, "You do not hold this case.", code="conflict")
    case.claimed_by, case.claimed_at = None, None
    case.save(update_fields=["claimed_by", "claimed_at"])
    record(actor=actor, action="case.released", obj=case)
    return case


def _decision_errors(case: Case, action: str, control_type: str, place: str, reason: str) -> list[dict]:
    errors = []
    if action not in DecisionAction.values:
        return [_error("action", "invalid", f"One of {', '.join(DecisionAction.values)}.")]
    if action in PRE_LOADING_ACTIONS and not case.pre_loading:
        errors.append(_error("action", "invalid", "This referral exists only in the pre-loading phase."))
    if action == DecisionAction.CONTROL:
        if control_type not in CONTROL_TYPES:
            errors.append(_error("control_type", "required", "Choose documentary, physical or scanning."))
        if place not in ControlPlace.values:
            errors.append(_error("control_place", "required", "Choose where the control takes place."))
        elif place == ControlPlace.PLACE_OF_UNLOADING and case.version.unloading_member_state_id is None:
            errors.append(
                _error("control_place", "invalid", "The place of unloading is not in a participating Member State.")
            )
    elif place:
        errors.append(_error("control_place", "invalid", "Only a control has a place."))
    if action == DecisionAction.DISMISS and len(reason.strip()) < 5:
        errors.append(_error("reason", "required", "Say why the hit is dismissed (at least 5 characters)."))
    if len(reason) > 4000:
        errors.append(_error("reason", "too_long", "At most 4\u00a0000 characters."))
    return errors


@transaction.atomic
def decide(
    *,
    actor,
    case: Case,
    action: str,
    control_type: str = "",
    control_place: str = "",
    reason: str = "",
    question: str = "",
) -> Decision:
    """Confirm or change the engine's outcome, or dismiss with a reason. One decision per case.

    Deciding a control at the place of unloading in another Member State forwards the case:
    it opens in that Member State's queue. A pre-loading referral (request for information,
    screening, do not load) opens a ``Referral`` with ``question`` for the filer
    (``workbench.referrals``).
    """
    _require_worker(actor, case)
    # The declaration first, as a screening takes it (declaration, then its cases): a decision locks this case
    # and may lock the forwarded one, and a re-screening updating both in the other order would deadlock.
    list(Declaration.objects.select_for_update(no_key=True).filter(pk=case.declaration_id).values_list("pk"))
    # The version is read on its own, by id (a join would be planned against every month's partition).
    case = Case.objects.select_for_update(of=("self",)).select_related("declaration").get(pk=case.pk)
    if hasattr(case, "decision"):
        raise _refuse(409, "This version already has a decision.", code="already_decided")
    if case.state != CaseState.OPEN:
        raise _refuse(409, f"The case is {case.get_state_display().lower()}.", code="conflict")
    if case.version.version != case.declaration.current_version:
        # Amended: the new version's screening supersedes this case and opens one for the new version.
        raise _refuse(
            409, f"Version {case.version.version} was amended; decide on the current version.", code="superseded"
        )
    if held_by_other(case, actor):
        raise _refuse(409, f"{case.claimed_by.get_username()} is working on this case.", code="claimed")
    reason = (reason or "").strip()
    control_type = control_type or ""
    control_place = control_place or ""
    errors = _decision_errors(case, action, control_type, control_place, reason)
    if len((question or "").strip()) > 4000:
        errors.append(_error("question", "too_long", "At most 4\u00a0000 characters."))
    if errors:
        raise WorkbenchError(400, errors)
    if action == DecisionAction.SCREENING:
        control_type = "scanning"
    if action != DecisionAction.CONTROL:
        control_place = ""
        control_type = control_type if action == DecisionAction.SCREENING else ""
    now = timezone.now()
    unloading = case.version.unloading_member_state_id
    forward_to = (
        unloading
        if control_place == ControlPlace.PLACE_OF_UNLOADING and unloading and unloading != case.member_state_id
        else None
    )
    decision = Decision.objects.create(
        case=case,
        declaration_id=case.declaration_id,
        version_id=case.version_id,
        member_state_id=case.member_state_id,
        action=action,
        control_type=control_type,
        control_place=control_place,
        reason=reason,
        engine_outcome=case.outcome,
        forwarded_to_id=forward_to,
        decided_by=actor,
        decided_at=now,
    )
    case.state, case.updated_at = CaseState.DECIDED, now
    case.save(update_fields=["state", "updated_at"])
    if forward_to:
        _forward(case, decision, forward_to, now)
    record(actor=actor, action="decision.recorded", obj=decision, after=decision_snapshot(decision))
    emit(
        EventType.DECISION_CREATED,
        member_states=[decision.member_state_id, decision.forwarded_to_id],
        url=f"/api/v1/declarations/{case.declaration.mrn}/decisions/",
        subject=case.declaration.mrn,
        occurred_at=now,
        data={
            "id": decision.pk,
            "mrn": case.declaration.mrn,
            "version": case.version.version,
            "member_state": decision.member_state_id,
            "action": decision.action,
            "control_type": decision.control_type or None,
            "control_place": decision.control_place or None,
            "forwarded_to": decision.forwarded_to_id,
            "decided_at": now.isoformat(),
        },
    )
    if action in PRE_LOADING_ACTIONS:
        open_referral(actor=actor, decision=decision, question=question, now=now)
    return decision


def _shared_with(case: Case, member_state: str) -> tuple[list[str], list[str]]:
    """The case's criteria, and their risk areas, that the Member State it is forwarded to may see: EU
    criteria and its own profiles, never the forwarding Member State's national profiles (their hits are
    hidden from it, contract 2.4; they were listed and filterable in its queue)."""
    from crms.declarations.selectors import RowScope
    from risk_engine.models import Hit
    from risk_engine.selectors import criteria_readable_in

    readable = criteria_readable_in(RowScope(member_state), case.criteria)
    criteria = sorted(code for code in case.criteria if code in readable)
    areas = Hit.objects.filter(
        assessment_id=case.version_id,  # an assessment's id is its version's: one month's partition
        criterion_code__in=criteria,
        shadow=False,
    ).exclude(outcome="assessment_complete")
    return criteria, sorted(set(areas.values_list("risk_area", flat=True)))


def _forward(case: Case, decision: Decision, member_state: str, now: dt.datetime) -> Case:
    shared = _shared_with(case, member_state)
    forwarded, created = Case.objects.select_for_update().get_or_create(
        version_id=case.version_id,
        member_state_id=member_state,
        defaults={
            "declaration_id": case.declaration_id,
            "origin": CaseOrigin.FORWARDED,
            "forwarded_by": decision,
            "pre_loading": case.pre_loading,
            "expected_arrival": case.expected_arrival,
            "score": case.score,
            "outcome": case.outcome,
            "control_type": decision.control_type,
            "transport_mode": case.transport_mode,
            "office_id": case.office_id,
            "aeo": case.aeo,
            "risk_areas": shared[1],
            "criteria": shared[0],
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        # The unloading Member State's own case (a national profile hit) takes the request. It reopens
        # unless that Member State already decided a control of its own or recorded one.
        own = getattr(forwarded, "decision", None)
        if forwarded.state == CaseState.CLEARED or (
            forwarded.state == CaseState.DECIDED and own is not None and not own.controls
        ):
            forwarded.state = CaseState.OPEN
        if forwarded.state == CaseState.OPEN:
            forwarded.control_type = decision.control_type
        forwarded.origin, forwarded.forwarded_by = CaseOrigin.FORWARDED, decision
        forwarded.risk_areas = sorted(set(forwarded.risk_areas) | set(shared[1]))
        forwarded.criteria = sorted(set(forwarded.criteria) | set(shared[0]))
        forwarded.updated_at = now
        forwarded.save()
    return forwarded


def decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "mrn": decision.declaration.mrn,
        "version": decision.version.version,
        "member_state": decision.member_state_id,
        "action": decision.action,
        "control_type": decision.control_type or None,
        "control_place": decision.control_place or None,
        "reason": decision.reason,
        "engine_outcome": decision.engine_outcome,
        "forwarded_to": decision.forwarded_to_id,
        "decided_by": decision.decided_by.get_username(),
        "decided_at": decision.decided_at.isoformat(),
    }


def _control_errors(data: dict[str, Any], now: dt.datetime) -> list[dict]:
    errors = []
    if data.get("control_type") not in ControlKind.values:
        errors.append(_error("control_type", "invalid", f"One of {', '.join(ControlKind.values)}."))
    if not isinstance(data.get("based_on_risk_analysis", True), bool):
        errors.append(_error("based_on_risk_analysis", "invalid", "true or false."))
    result = data.get("result")
    if result not in ControlOutcome.values:
        errors.append(_error("result", "invalid", f"One of {', '.join(ControlOutcome.values)}."))
    irregularity = data.get("irregularity_type") or ""
    if result in (ControlOutcome.IRREGULARITY, ControlOutcome.SEIZURE) and irregularity not in IrregularityType.values:
        errors.append(
            _error("irregularity_type", "required", f"Say what was found: one of {', '.join(IrregularityType.values)}.")
        )
    if result == ControlOutcome.NO_IRREGULARITY and irregularity:
        errors.append(_error("irregularity_type", "invalid", "No irregularity was found."))
    seizure = data.get("seizure")
    if result == ControlOutcome.SEIZURE:
        if not isinstance(seizure, dict) or not str(seizure.get("goods") or "").strip():
            errors.append(_error("seizure.goods", "required", "Describe the seized goods."))
        else:
            for name in ("quantity", "estimated_value_eur"):
                value = seizure.get(name)
                if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
                    errors.append(_error(f"seizure.{name}", "invalid", "A number of at least 0."))
                elif value is not None and value > 1e12:
                    errors.append(_error(f"seizure.{name}", "implausible", "Implausibly large."))
            if len(str(seizure.get("goods"))) > 300 or len(str(seizure.get("unit") or "")) > 20:
                errors.append(_error("seizure", "too_long", "Goods at most 300 characters, unit at most 20."))
    elif seizure:
        errors.append(_error("seizure", "invalid", "Seizure details go with the result 'seizure' only."))
    controlled_at = data.get("controlled_at") or now
    if not isinstance(controlled_at, dt.datetime):
        errors.append(_error("controlled_at", "invalid", "An ISO 8601 date-time with time zone."))
    elif not RECORDED.admits(controlled_at):  # 0001-01-01T00:00+01:00 was stored, then no list could read it
        errors.append(_error("controlled_at", "out_of_range", RECORDED.rule()))
    elif controlled_at > now + dt.timedelta(minutes=5):
        errors.append(_error("controlled_at", "out_of_range", "A control cannot be in the future."))
    if len(str(data.get("notes") or "")) > 4000:
        errors.append(_error("notes", "too_long", "At most 4\u00a0000 characters."))
    return errors


def control_errors(data: dict[str, Any]) -> list[dict]:
    """What is wrong with a control result's data, without recording it (the browser form shows
    every mistake at once, also when one amount could not be read as a number)."""
    return _control_errors(data, timezone.now())


def require_control_recorder(actor, declaration: Declaration) -> str:
    """The actor's Member State, if it may record controls on this ENS (first entry or unloading); else 403."""
    member_state = member_state_of(actor)
    if actor.role not in CONTROL_RECORDERS or member_state not in (
        declaration.first_entry_member_state_id,
        declaration.unloading_member_state_id,
    ):
        raise _refuse(403, "Only the Member States of first entry and of unloading record controls on this ENS.")
    return member_state


@transaction.atomic
def record_control_result(*, actor, declaration: Declaration, data: dict[str, Any]) -> ControlResult:
    """The control actually done on the current version, by the actor's Member State.

    The actor must be able to read the ENS (first entry or unloading Member State). The
    result is linked to that Member State's case and its decision (or the decision that
    forwarded the case), and closes the case.
    """
    member_state = require_control_recorder(actor, declaration)
    now = timezone.now()
    errors = _control_errors(data, now)
    if errors:
        raise WorkbenchError(400, errors)
    version = current_version_of(declaration)
    if version is None:
        raise DeclarationVersion.DoesNotExist(declaration.mrn)  # every declaration has its current version
    case = Case.objects.select_for_update().filter(version=version, member_state_id=member_state).first()
    decision = None
    if case is not None:
        decision = getattr(case, "decision", None) or case.forwarded_by
    seizure = data.get("seizure") or {}
    result = ControlResult.objects.create(
        declaration=declaration,
        version=version,
        case=case,
        decision=decision,
        member_state_id=member_state,
        control_type=data["control_type"],
        based_on_risk_analysis=data.get("based_on_risk_analysis", case is not None),
        result=data["result"],
        irregularity_type=data.get("irregularity_type") or "",
        seized_goods=str(seizure.get("goods") or "").strip(),
        seized_quantity=seizure.get("quantity"),
        seized_unit=str(seizure.get("unit") or "").strip(),
        estimated_value_eur=seizure.get("estimated_value_eur"),
        notes=str(data.get("notes") or "").strip(),
        controlled_at=data.get("controlled_at") or now,
        recorded_by=actor,
        recorded_at=now,
    )
    if case is not None and case.state in (CaseState.OPEN, CaseState.DECIDED):
        case.state, case.updated_at = CaseState.CLOSED, now
        case.save(update_fields=["state", "updated_at"])
    record(actor=actor, action="control_result.recorded", obj=result, after=control_snapshot(result))
    emit(
        EventType.CONTROL_RESULT_RECORDED,
        member_states=[declaration.first_entry_member_state_id, declaration.unloading_member_state_id],
        url=f"/api/v1/declarations/{declaration.mrn}/control-results/",
        subject=declaration.mrn,
        occurred_at=now,
        data={
            "id": result.pk,
            "mrn": declaration.mrn,
            "version": version.version,
            "member_state": member_state,
            "control_type": result.control_type,
            "result": result.result,
            "controlled_at": result.controlled_at.isoformat(),
        },
    )
    return result


def control_snapshot(result: ControlResult) -> dict[str, Any]:
    return {
        "mrn": result.declaration.mrn,
        "version": result.version.version,
        "member_state": result.member_state_id,
        "control_type": result.control_type,
        "based_on_risk_analysis": result.based_on_risk_analysis,
        "result": result.result,
        "irregularity_type": result.irregularity_type or None,
        "seizure": {
            "goods": result.seized_goods,
            "quantity": result.seized_quantity,
            "unit": result.seized_unit,
            "estimated_value_eur": result.estimated_value_eur,
        }
        if result.result == ControlOutcome.SEIZURE
        else None,
        "notes": result.notes,
        "controlled_at": result.controlled_at.isoformat(),
        "recorded_by": result.recorded_by.get_username(),
        "recorded_at": result.recorded_at.isoformat(),
        "decision_id": result.decision_id,
    }


# --- information requests between Member States ---------------------------------------------------------


EXCHANGE_WRITERS = WORKERS | {Role.NATIONAL_SYSTEM}  # national systems over REST (issue 15)


def require_exchange_staff(actor) -> str:
    member_state = member_state_of(actor)
    if actor.role not in EXCHANGE_WRITERS or member_state is None:
        raise _refuse(
            403, "Only Member State risk analysts, risk managers and national systems exchange information requests."
        )
    return member_state


def may_reply_to_request(actor, request: InformationRequest) -> bool:
    """Either side's exchange staff write in an open thread; the request page offers the reply form on this."""
    member_state = member_state_of(actor)
    return (
        actor.role in EXCHANGE_WRITERS
        and member_state is not None
        and member_state in (request.requesting_state_id, request.requested_state_id)
        and request.state != InformationRequest.State.CLOSED
    )


def may_close_request(actor, request: InformationRequest) -> bool:
    """The requesting Member State's exchange staff close an open request; the page offers it on this."""
    member_state = member_state_of(actor)
    return (
        actor.role in EXCHANGE_WRITERS
        and member_state is not None
        and member_state == request.requesting_state_id
        and request.state != InformationRequest.State.CLOSED
    )


@transaction.atomic
def open_information_request(
    *,
    actor,
    requested_state: str,
    subject: str,
    legal_basis: str,
    purpose: str,
    question: str,
    declaration: Declaration | None = None,
    party_name: str = "",
    party_eori: str = "",
) -> InformationRequest:
    from crms.accounts.models import Organisation

    member_state = require_exchange_staff(actor)
    errors = []
    other = Organisation.objects.filter(code=requested_state).first()
    if other is None or other.code in (member_state, "EU") or not other.participates_on(timezone.localdate()):
        errors.append(_error("requested_state", "invalid", "Another participating Member State."))
    if subject not in InformationRequest.Subject.values:
        errors.append(_error("subject", "invalid", "A party or a consignment."))
    if subject == InformationRequest.Subject.CONSIGNMENT and declaration is None:
        errors.append(_error("declaration", "required", "Name the consignment (its MRN)."))
    if subject == InformationRequest.Subject.PARTY and not (party_name.strip() or party_eori.strip()):
        errors.append(_error("party_name", "required", "Name the party or give its EORI."))
    if legal_basis not in LegalBasis.values:
        errors.append(_error("legal_basis", "required", "A legal basis is required."))
    for name, text in (("purpose", purpose), ("question", question)):
        if len(text.strip()) < 10:
            errors.append(_error(name, "required", "At least 10 characters."))
        elif len(text) > 4000:
            errors.append(_error(name, "too_long", "At most 4\u00a0000 characters."))
    if len(party_name) > 200 or len(party_eori) > 17:
        errors.append(_error("party_name", "too_long", "Name at most 200 characters, EORI at most 17."))
    if errors:
        raise WorkbenchError(400, errors)
    request = InformationRequest.objects.create(
        requesting_state_id=member_state,
        requested_state_id=requested_state,
        subject=subject,
        declaration=declaration,
        party_name=party_name.strip(),
        party_eori=party_eori.strip().upper(),
        legal_basis=legal_basis,
        purpose=purpose.strip(),
        question=question.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    record(
        actor=actor,
        action="information_request.opened",
        obj=request,
        after={"to": requested_state, "subject": subject, "legal_basis": legal_basis, "purpose": request.purpose},
    )
    return request


@transaction.atomic
def post_information_message(*, actor, request: InformationRequest, body: str) -> InformationMessage:
    """A reply in the thread, from either side. The requested side's first reply answers the request."""
    member_state = require_exchange_staff(actor)
    if member_state not in (request.requesting_state_id, request.requested_state_id):
        raise _refuse(404, "No such request.", code="not_found")
    request = InformationRequest.objects.select_for_update().get(pk=request.pk)
    if request.state == InformationRequest.State.CLOSED:
        raise _refuse(409, "The request is closed.", code="conflict")
    body = body.strip()
    if not body:
        raise WorkbenchError(400, [_error("body", "required", "Write a message.")])
    if len(body) > 8000:
        raise WorkbenchError(400, [_error("body", "too_long", "At most 8,000 characters.")])
    now = timezone.now()
    message = InformationMessage.objects.create(
        request=request, organisation_id=member_state, author=actor, body=body, created_at=now
    )
    if member_state == request.requested_state_id and request.first_answer_at is None:
        request.first_answer_at, request.state = now, InformationRequest.State.ANSWERED
        request.save(update_fields=["first_answer_at", "state"])
    record(actor=actor, action="information_request.message", obj=request, after={"message_id": message.pk})
    return message


@transaction.atomic
def close_information_request(*, actor, request: InformationRequest) -> InformationRequest:
    member_state = require_exchange_staff(actor)
    if member_state != request.requesting_state_id:
        raise _refuse(403, "Only the requesting Member State closes its request.")
    if request.state == InformationRequest.State.CLOSED:
        raise _refuse(409, "The request is closed already.", code="conflict")
    request.state, request.closed_at = InformationRequest.State.CLOSED, timezone.now()
    request.save(update_fields=["state", "closed_at"])
    record(actor=actor, action="information_request.closed", obj=request)
    return request
