"""The ICS2 referral loop (contract 5): open with the decision, answered by the national system of first
entry, closed or asked again by the referring Member State's analysts. Keyword-only, atomic, audited;
each step writes its event in the same transaction (``notifications.events.emit``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crms.accounts.roles import Role, member_state_of
from crms.audit.services import record
from notifications.events import emit
from notifications.models import EventType
from workbench.models import (
    ANSWER_FOR,
    Decision,
    Referral,
    ReferralAnswer,
    ReferralKind,
    ReferralQuestion,
    ReferralStatus,
)
from workbench.schema import AnswerBody

WORKERS = frozenset({Role.ANALYST, Role.RISK_MANAGER})
MAX_TEXT = 4000
DEFAULT_QUESTION = {
    ReferralKind.REQUEST_FOR_INFORMATION: "Send additional information on this consignment before loading.",
    ReferralKind.SCREENING: "Screen the consignment as high-risk cargo and mail before loading.",
    ReferralKind.DO_NOT_LOAD: "Do not load: the consignment may pose an imminent threat. Acknowledge.",
}


class ReferralError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.status = status
        self.errors = errors


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def _refuse(status: int, message: str, *, field: str | None = None, code: str = "not_allowed") -> ReferralError:
    return ReferralError(status, [_error(field, code, message)])


def overdue_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REFERRAL_OVERDUE_MINUTES)


def is_overdue(referral: Referral, now: dt.datetime | None = None) -> bool:
    """Still open (no answer to the current round) ``REFERRAL_OVERDUE_MINUTES`` after it was asked."""
    now = now or timezone.now()
    return referral.status == ReferralStatus.OPEN and referral.asked_at <= now - overdue_after()


def referral_url(referral: Referral) -> str:
    return f"/api/v1/referrals/{referral.pk}/"


def _event(referral: Referral, type: EventType, now: dt.datetime) -> None:
    emit(
        type,
        member_states=[referral.requested_by_id, referral.first_entry_id],
        url=referral_url(referral),
        subject=str(referral.pk),
        occurred_at=now,
        data={
            "id": referral.pk,
            "mrn": referral.declaration.mrn,
            "version": referral.version.version,
            "kind": referral.kind,
            "status": referral.status,
            "round": referral.round,
            "requested_by_member_state": referral.requested_by_id,
        },
    )


def _question_text(text: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ReferralError(400, [_error(field, "too_long", "At most 4\u00a0000 characters.")])
    return text


def open_referral(*, actor, decision: Decision, question: str = "", now: dt.datetime) -> Referral:
    """Called by ``workbench.services.decide`` inside its transaction for a pre-loading referral.

    The question is the one typed, else the decision's reason, else the standard wording of the kind.
    """
    kind = ReferralKind(decision.action)
    text = _question_text(question, "question") or decision.reason.strip() or DEFAULT_QUESTION[kind]
    referral = Referral.objects.create(
        decision=decision,
        case=decision.case,
        declaration=decision.declaration,
        version=decision.version,
        kind=kind,
        requested_by_id=decision.member_state_id,
        first_entry_id=decision.version.first_entry_member_state_id,
        question=text,
        requested_at=now,
        asked_at=now,
    )
    ReferralQuestion.objects.create(referral=referral, round=1, text=text, asked_by=actor, asked_at=now)
    record(actor=actor, action="referral.opened", obj=referral, after=audit_snapshot(referral))
    _event(referral, EventType.REFERRAL_OPENED, now)
    return referral


def require_answerer(actor, referral: Referral) -> None:
    if actor.role != Role.NATIONAL_SYSTEM or member_state_of(actor) != referral.first_entry_id:
        raise _refuse(403, "Only the national system of the Member State of first entry answers a referral.")


def _locked(referral: Referral) -> Referral:
    # Only the referral's row: FOR UPDATE over the join also locked its declaration and version, in an order
    # that could deadlock with a screening (which locks the version, then the declaration). The version is
    # read by id when used (joined, every month's partition is planned).
    return Referral.objects.select_for_update(of=("self",)).select_related("declaration").get(pk=referral.pk)


@transaction.atomic
def answer_referral(*, actor, referral: Referral, answer: AnswerBody) -> ReferralAnswer:
    """The filer's answer, through its national system: it must fit the referral and it must not be closed."""
    require_answerer(actor, referral)
    referral = _locked(referral)
    expected = ANSWER_FOR[ReferralKind(referral.kind)]
    if answer.kind != expected:
        raise _refuse(
            400,
            f"A {referral.get_kind_display().lower()} is answered with kind {expected.value!r}.",
            field="kind",
            code="wrong_kind",
        )
    amendment = getattr(answer, "amendment_mrn_version", None)
    if amendment is not None and not (referral.version.version < amendment <= referral.declaration.current_version):
        raise _refuse(
            400,
            f"An amendment of this ENS filed after version {referral.version.version} "
            f"(the current version is {referral.declaration.current_version}).",
            field="amendment_mrn_version",
            code="invalid",
        )
    if referral.status == ReferralStatus.CLOSED:
        raise _refuse(409, "The referral is closed.", code="conflict")
    repeated = _same_answer_this_round(referral, actor, answer, amendment)
    if repeated is not None:
        repeated.replayed = True  # a national system's retry: the answer it already gave, stored once (probe)
        return repeated
    now = timezone.now()
    row = ReferralAnswer.objects.create(
        referral=referral,
        round=referral.round,
        kind=answer.kind,
        text=answer.text,
        method=getattr(answer, "method", ""),
        outcome=getattr(answer, "outcome", ""),
        amendment_version=amendment,
        answered_by=actor,
        answered_at=now,
    )
    referral.status, referral.answered_at = ReferralStatus.ANSWERED, now
    referral.save(update_fields=["status", "answered_at"])
    record(actor=actor, action="referral.answered", obj=referral, after=answer_document(row))
    _event(referral, EventType.REFERRAL_ANSWERED, now)
    return row


def _same_answer_this_round(referral: Referral, actor, answer: AnswerBody, amendment) -> ReferralAnswer | None:
    """The round's last answer when this one says exactly the same (a retry after a lost response), else None.
    Read under the referral's row lock, so parallel retries store one answer. A different answer in the same
    round is an addition and is stored."""
    last = referral.answers.filter(round=referral.round).order_by("-answered_at", "-id").first()
    if last is None or referral.status != ReferralStatus.ANSWERED:
        return None
    same = (last.kind, last.text, last.method, last.outcome, last.amendment_version, last.answered_by_id) == (
        answer.kind,
        answer.text,
        getattr(answer, "method", ""),
        getattr(answer, "outcome", ""),
        amendment,
        actor.pk,
    )
    return last if same else None


def require_referrer(actor, referral: Referral) -> None:
    if actor.role not in WORKERS or member_state_of(actor) != referral.requested_by_id:
        raise _refuse(403, "Only the referring Member State's analysts and risk managers close or ask again.")


@transaction.atomic
def close_referral(*, actor, referral: Referral, reason: str) -> Referral:
    require_referrer(actor, referral)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise _refuse(400, "Say why the referral is closed (at least 5 characters).", field="reason", code="required")
    if len(reason) > MAX_TEXT:
        raise _refuse(400, "At most 4\u00a0000 characters.", field="reason", code="too_long")
    referral = _locked(referral)
    if referral.status == ReferralStatus.CLOSED:
        raise _refuse(409, "The referral is already closed.", code="conflict")
    now = timezone.now()
    referral.status, referral.closed_at, referral.closed_by, referral.close_reason = (
        ReferralStatus.CLOSED,
        now,
        actor,
        reason,
    )
    referral.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    record(actor=actor, action="referral.closed", obj=referral, after=audit_snapshot(referral))
    _event(referral, EventType.REFERRAL_CLOSED, now)
    return referral


@transaction.atomic
def ask_again(*, actor, referral: Referral, question: str) -> Referral:
    """A new round: the referral is open again with a new question (or screening requirement)."""
    require_referrer(actor, referral)
    question = _question_text(question, "question")
    if len(question) < 5:
        raise _refuse(400, "Write the new question (at least 5 characters).", field="question", code="required")
    referral = _locked(referral)
    if referral.status == ReferralStatus.CLOSED:
        raise _refuse(409, "The referral is closed.", code="conflict")
    now = timezone.now()
    referral.round += 1
    referral.status, referral.question, referral.asked_at = ReferralStatus.OPEN, question, now
    referral.save(update_fields=["round", "status", "question", "asked_at"])
    ReferralQuestion.objects.create(
        referral=referral, round=referral.round, text=question, asked_by=actor, asked_at=now
    )
    record(actor=actor, action="referral.asked_again", obj=referral, after=audit_snapshot(referral))
    _event(referral, EventType.REFERRAL_OPENED, now)
    return referral


def audit_snapshot(referral: Referral) -> dict[str, Any]:
    return {
        "mrn": referral.declaration.mrn,
        "version": referral.version.version,
        "kind": referral.kind,
        "status": referral.status,
        "round": referral.round,
        "question": referral.question,
        "requested_by": referral.requested_by_id,
        "first_entry": referral.first_entry_id,
        "close_reason": referral.close_reason or None,
    }


def answer_document(answer: ReferralAnswer) -> dict[str, Any]:
    return {
        "id": answer.pk,
        "round": answer.round,
        "kind": answer.kind,
        "text": answer.text,
        "method": answer.method or None,
        "outcome": answer.outcome or None,
        "amendment_mrn_version": answer.amendment_version,
        "answered_at": answer.answered_at.isoformat(),
        "answered_by": answer.answered_by.get_username(),
    }


def referral_document(referral: Referral, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The contract's referral document (read with ``selectors.referrals_for``' prefetches)."""
    kind = referral.kind
    return {
        "id": referral.pk,
        "mrn": referral.declaration.mrn,
        "version": referral.version.version,
        "kind": kind,
        "requested_at": referral.requested_at.isoformat(),
        "requested_by_member_state": referral.requested_by_id,
        "first_entry_member_state": referral.first_entry_id,
        "question": referral.question if kind == ReferralKind.REQUEST_FOR_INFORMATION else None,
        "screening_required": referral.question if kind == ReferralKind.SCREENING else None,
        "instruction": referral.question if kind == ReferralKind.DO_NOT_LOAD else None,
        "status": referral.status,
        "overdue": is_overdue(referral, now),
        "round": referral.round,
        "questions": [
            {
                "round": q.round,
                "text": q.text,
                "asked_at": q.asked_at.isoformat(),
                "asked_by_member_state": referral.requested_by_id,
            }
            for q in referral.questions.all()
        ],
        "answers": [answer_document(a) for a in referral.answers.all()],
        "closed_at": referral.closed_at.isoformat() if referral.closed_at else None,
        "close_reason": referral.close_reason or None,
        "url": referral_url(referral),
    }
