"""Writes of risk information: RIF lifecycle (four-eyes), recipients, feedback, attachments,
"turn into a criterion", and crisis alerts.

Every function is keyword-only, atomic and audited. Rights are checked here, so the browser
and the REST API cannot disagree. Errors carry the contract's error list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import Value
from django.utils import timezone
from pydantic import ValidationError

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE, COMMISSION_ROLES, Role, is_commission, member_state_of
from crms.audit.services import record
from crms.core.dates import PLANNED
from crms.core.fingerprint import fingerprint
from crms.declarations.validation import pydantic_errors
from crms.reference.agreements import agreement_receivers, refusal
from crms.reference.models import ExchangeKind, RiskArea
from notifications import exchange as exchange_events
from rif.models import (
    CrisisAlert,
    CrisisPost,
    CrisisStatus,
    HandlingMarking,
    Rif,
    RifAttachment,
    RifFeedback,
    RifRecipient,
    RifStatus,
)
from rif.schema import FeedbackBody, RifBody

MEMBER_STATE_AUTHORS = frozenset({Role.ANALYST, Role.RISK_MANAGER})
PEOPLE_AUTHORS = MEMBER_STATE_AUTHORS | COMMISSION_ROLES
AUTHORS = PEOPLE_AUTHORS | {Role.NATIONAL_SYSTEM}  # national systems create drafts over REST
FEEDBACK_ROLES = frozenset({Role.ANALYST, Role.RISK_MANAGER, Role.NATIONAL_SYSTEM})
CRISIS_POSTERS = MEMBER_STATE_AUTHORS | COMMISSION_ROLES
PARTY_FIELDS = ("consignor", "consignee", "buyer", "seller", "carrier", "filer")

ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
}


class RifError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.status = status
        self.errors = errors


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def _refuse(status: int, message: str, *, field: str | None = None, code: str = "not_allowed") -> RifError:
    return RifError(status, [_error(field, code, message)])


# --- who may do what (also read by the views to show or hide buttons) -------------------------


def may_author(user) -> bool:
    return user.is_authenticated and user.role in AUTHORS and user.organisation_id is not None


def may_edit(user, rif: Rif) -> bool:
    return (
        user.is_authenticated
        and user.role in AUTHORS
        and user.organisation_id == rif.organisation_id
        and rif.status == RifStatus.DRAFT
    )


def may_submit(user, rif: Rif) -> bool:
    return (
        user.is_authenticated
        and user.role in PEOPLE_AUTHORS
        and user.organisation_id == rif.organisation_id
        and rif.status == RifStatus.DRAFT
    )


def _approver_of_author(user, rif: Rif) -> bool:
    """A Commission approver for Commission RIFs, else a risk manager of the author Member State."""
    if rif.organisation_id == COMMISSION_CODE:
        return user.role == Role.COMMISSION_APPROVER
    return user.role == Role.RISK_MANAGER and member_state_of(user) == rif.organisation_id


def may_approve(user, rif: Rif) -> bool:
    """Role and organisation allow approving (the four-eyes rule is checked by ``approve_rif``)."""
    return user.is_authenticated and rif.status == RifStatus.SUBMITTED and _approver_of_author(user, rif)


def may_withdraw(user, rif: Rif) -> bool:
    """Who may approve the author organisation's RIFs may also take a published one back."""
    return user.is_authenticated and rif.status == RifStatus.PUBLISHED and _approver_of_author(user, rif)


def is_editor(user, rif: Rif) -> bool:
    """``user`` wrote (part of) the RIF: created it, edited it or attached a file."""
    return user.pk == rif.created_by_id or rif.editors.filter(pk=user.pk).exists()


def four_eyes_ok(user, rif: Rif) -> bool:
    """Nobody who wrote any of the RIF, nor its submitter, approves it (contract v2 section 3)."""
    return user.pk != rif.submitted_by_id and not is_editor(user, rif)


def rif_fingerprint(rif: Rif) -> str:
    """The digest of everything the approver reviews: content, recipients, links and attachments."""
    content = {name: getattr(rif, name) for name in CONTENT_FIELDS}
    content |= {
        "criteria": sorted(rif.criteria.values_list("code", flat=True)),
        "pcas": sorted(rif.pcas.values_list("pk", flat=True)),
        "attachments": sorted(rif.attachments.values_list("sha256", "name")),
    }
    return fingerprint(content)


def recipient_row(user, rif: Rif) -> RifRecipient | None:
    member_state = member_state_of(user)
    if member_state is None or rif.status != RifStatus.PUBLISHED:
        return None
    return rif.recipients.filter(member_state_id=member_state).first()


def may_give_feedback(user, rif: Rif) -> bool:
    return user.is_authenticated and user.role in FEEDBACK_ROLES and recipient_row(user, rif) is not None


def may_mark_read(user, rif: Rif) -> bool:
    """A recipient Member State's risk staff mark a RIF read (not its auditors: they read, they do not act)."""
    return user.is_authenticated and user.role in FEEDBACK_ROLES and recipient_row(user, rif) is not None


def may_turn_into_criterion(user) -> bool:
    return user.is_authenticated and user.role in PEOPLE_AUTHORS


# --- snapshots ---------------------------------------------------------------------------------


def rif_snapshot(rif: Rif) -> dict[str, Any]:
    return {
        "reference": rif.reference,
        "status": rif.status,
        "handling": rif.handling,
        "risk_area": rif.risk_area_id,
        "title": rif.title,
        "goods": rif.goods,
        "routing": rif.routing,
        "countries_of_origin": rif.countries_of_origin,
        "parties": rif.parties,
        "all_participants": rif.all_participants,
        "recipients": rif.recipient_codes,
        "valid_from": rif.valid_from.isoformat() if rif.valid_from else None,
        "valid_until": rif.valid_until.isoformat() if rif.valid_until else None,
    }


# --- RIF content -------------------------------------------------------------------------------


def participants(today: dt.date | None = None) -> list[str]:
    """Member States and partners taking part today (the Commission is not a recipient)."""
    today = today or timezone.localdate()
    return list(
        Organisation.objects.exclude(code=COMMISSION_CODE)
        .filter(Organisation.taking_part(today))
        .values_list("code", flat=True)
    )


def hs_prefixes(codes: list[str]) -> list[str]:
    """Every 2-, 4-, 6-, 8- and 10-digit prefix: a RIF on "950300" is found by "9503" and by "95"."""
    return sorted({code[:n] for code in codes for n in (2, 4, 6, 8, 10) if len(code) >= n})


def _parse(model, data: Any) -> Any:
    if not isinstance(data, dict):
        raise _refuse(400, "The body is a JSON object.", code="invalid")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RifError(400, pydantic_errors(exc)) from None


def _check_links(actor, body: RifBody, organisation: str) -> tuple[list[dict], list, CrisisAlert | None, list]:
    from pca.models import PriorityControlArea
    from risk_engine.selectors import criteria_for

    errors = []
    if not RiskArea.objects.filter(code=body.risk_area).exists():
        errors.append(_error("risk_area", "unknown", f"No risk area {body.risk_area!r}."))
    known = set(participants())
    for index, code in enumerate(body.recipients):
        if code not in known:
            errors.append(_error(f"recipients[{index}]", "unknown", f"{code} is not a participating Member State."))
        elif code == organisation:
            errors.append(_error(f"recipients[{index}]", "invalid", "Your own organisation is not a recipient."))
        elif reason := refusal(code, ExchangeKind.RIF, body.risk_area):
            errors.append(_error(f"recipients[{index}]", "outside_agreement", reason))
    if body.all_participants and body.handling == HandlingMarking.LIMITED:
        errors.append(
            _error("all_participants", "invalid", "A limited-distribution RIF goes to chosen Member States only.")
        )
    crisis = None
    if body.crisis is not None:
        crisis = CrisisAlert.objects.filter(pk=body.crisis, status=CrisisStatus.OPEN).first()
        if crisis is None:
            errors.append(_error("crisis", "unknown", "No open crisis alert with this id."))
    criteria = list(criteria_for(actor).filter(code__in=body.criteria)) if body.criteria else []
    missing = set(body.criteria) - {c.code for c in criteria}
    for code in sorted(missing):
        errors.append(_error("criteria", "unknown", f"No criterion {code} that you may see."))
    pcas = list(PriorityControlArea.objects.filter(pk__in=body.pcas)) if body.pcas else []
    if len(pcas) != len(set(body.pcas)):
        errors.append(_error("pcas", "unknown", "An unknown PCA id."))
    return errors, criteria, crisis, pcas


CONTENT_FIELDS = (
    "risk_area_id",
    "title",
    "summary",
    "modus_operandi",
    "goods",
    "countries_of_origin",
    "routing",
    "parties",
    "transport_mode",
    "concealment",
    "detection_method",
    "seizure",
    "recommended_action",
    "recommended_control",
    "valid_from",
    "valid_until",
    "handling",
    "all_participants",
    "recipient_codes",
    "crisis_id",
)


def _content(body: RifBody) -> dict[str, Any]:
    goods = [g.model_dump() for g in body.goods]
    parties = [p.model_dump() for p in body.parties]
    hs_codes = sorted({g["hs_code"] for g in goods})
    countries = sorted({*body.countries_of_origin, *body.routing, *(p["country"] for p in parties if p.get("country"))})
    return {
        "risk_area_id": body.risk_area,
        "title": body.title,
        "summary": body.summary,
        "modus_operandi": body.modus_operandi,
        "goods": goods,
        "countries_of_origin": list(dict.fromkeys(body.countries_of_origin)),
        "routing": list(body.routing),
        "parties": parties,
        "transport_mode": body.transport_mode or "",
        "concealment": body.concealment,
        "detection_method": body.detection_method,
        "seizure": body.seizure.model_dump(mode="json") if body.seizure else None,
        "recommended_action": body.recommended_action,
        "recommended_control": body.recommended_control or "",
        "valid_from": body.valid_from or timezone.localdate(),
        "valid_until": body.valid_until,
        "handling": body.handling,
        "all_participants": body.all_participants,
        "recipient_codes": [] if body.all_participants else sorted(set(body.recipients)),
        "hs_codes": hs_codes,
        "hs_prefixes": hs_prefixes(hs_codes),
        "countries": countries,
        "eoris": sorted({p["eori"] for p in parties if p.get("eori")}),
    }


def _index_for_search(rif: Rif) -> None:
    extra = " ".join(
        [
            *(g.get("description", "") for g in rif.goods),
            *(p.get("name", "") for p in rif.parties),
            *rif.hs_codes,
            *rif.countries,
            *rif.eoris,
        ]
    )
    Rif.objects.filter(pk=rif.pk).update(
        search_vector=SearchVector("reference", weight="A", config="simple")
        + SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector(
            "modus_operandi", "concealment", "detection_method", "recommended_action", weight="C", config="english"
        )
        + SearchVector(Value(extra), weight="B", config="simple")
    )


def _link(rif: Rif, criteria: list, crisis: CrisisAlert | None, pcas: list) -> None:
    rif.criteria.set(criteria)
    rif.crisis = crisis
    rif.pcas.set(pcas)


@transaction.atomic
def create_rif(*, actor, data: Any) -> Rif:
    """A new draft RIF of the actor's organisation (Member State or Commission)."""
    if not may_author(actor):
        raise _refuse(403, "Your role may not author risk information forms.")
    body = _parse(RifBody, data)
    errors, criteria, crisis, pcas = _check_links(actor, body, actor.organisation_id)
    if errors:
        raise RifError(400, errors)
    now = timezone.now()
    rif = Rif.objects.create(
        reference=f"TMP-{uuid.uuid4().hex[:24]}",
        organisation_id=actor.organisation_id,
        status=RifStatus.DRAFT,
        created_by=actor,
        created_at=now,
        updated_at=now,
        crisis=crisis,
        **_content(body),
    )
    rif.reference = f"RIF-{actor.organisation_id}-{now.year}-{rif.pk:05d}"
    rif.save(update_fields=["reference"])
    _link(rif, criteria, crisis, pcas)
    rif.save(update_fields=["crisis"])
    rif.editors.add(actor)
    _index_for_search(rif)
    record(actor=actor, action="rif.draft_created", obj=rif, after=rif_snapshot(rif))
    return rif


def _locked(rif: Rif) -> Rif:
    return Rif.objects.select_for_update().get(pk=rif.pk)


@transaction.atomic
def update_rif(*, actor, rif: Rif, data: Any) -> Rif:
    rif = _locked(rif)
    if not may_edit(actor, rif):
        raise _refuse(403, "Only the author organisation edits a draft RIF.")
    body = _parse(RifBody, data)
    errors, criteria, crisis, pcas = _check_links(actor, body, rif.organisation_id)
    if errors:
        raise RifError(400, errors)
    before = rif_snapshot(rif)
    for name, value in _content(body).items():
        setattr(rif, name, value)
    rif.updated_at = timezone.now()
    _link(rif, criteria, crisis, pcas)
    rif.save()
    rif.editors.add(actor)  # who rewrote a colleague's draft is one of its authors: not its approver
    _index_for_search(rif)
    record(actor=actor, action="rif.draft_updated", obj=rif, before=before, after=rif_snapshot(rif))
    return rif


@transaction.atomic
def submit_rif(*, actor, rif: Rif) -> Rif:
    rif = _locked(rif)
    if not may_submit(actor, rif):
        raise _refuse(403, "Risk staff of the author organisation submit its draft RIFs.")
    if not rif.all_participants and not rif.recipient_codes:
        raise _refuse(400, "Choose the recipients: all participants or named Member States.", field="recipients")
    rif.status, rif.submitted_by, rif.submitted_at = RifStatus.SUBMITTED, actor, timezone.now()
    rif.updated_at = rif.submitted_at
    rif.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    record(actor=actor, action="rif.submitted", obj=rif, after=rif_snapshot(rif))
    return rif


@transaction.atomic
def approve_rif(
    *, actor, rif: Rif, comment: str = "", fingerprint: str | None = None, reviewed_required: bool = False
) -> Rif:
    """Publish a submitted RIF to its recipients. Four-eyes: never by anyone who wrote or submitted it.

    ``fingerprint`` names the content the approver reviewed (the page always sends it, hence
    ``reviewed_required``): 409 if the RIF changed since.
    """
    rif = _locked(rif)
    if rif.status != RifStatus.SUBMITTED:
        raise _refuse(409, "Only a submitted RIF can be approved.", code="conflict")
    if not may_approve(actor, rif):
        raise _refuse(
            403,
            "Only a Commission approver (Commission RIFs) or a risk manager of the author Member State approves.",
        )
    if not four_eyes_ok(actor, rif):
        raise _refuse(
            403, "Four-eyes rule: whoever wrote (part of) or submitted the RIF cannot approve it.", code="four_eyes"
        )
    if reviewed_required and not fingerprint:
        raise _refuse(400, "Say what you reviewed: reload the page.", field="fingerprint", code="required")
    if fingerprint is not None and fingerprint != rif_fingerprint(rif):
        raise _refuse(
            409,
            "The RIF changed after you opened it: review it again before approving.",
            field="fingerprint",
            code="conflict",
        )
    now = timezone.now()
    codes = participants() if rif.all_participants else rif.recipient_codes
    codes = [code for code in codes if code != rif.organisation_id]
    # Participants by agreement (CH, NO) receive only what their agreement lists (also from "all").
    codes = agreement_receivers(codes, ExchangeKind.RIF, rif.risk_area_id)
    RifRecipient.objects.bulk_create(
        [RifRecipient(rif=rif, member_state_id=code, published_at=now) for code in codes], ignore_conflicts=True
    )
    rif.status, rif.approved_by, rif.published_at, rif.updated_at = RifStatus.PUBLISHED, actor, now, now
    rif.save(update_fields=["status", "approved_by", "published_at", "updated_at"])
    record(
        actor=actor,
        action="rif.published",
        obj=rif,
        after={**rif_snapshot(rif), "recipients": codes, "comment": comment},
    )
    exchange_events.rif_published(rif, codes)
    return rif


@transaction.atomic
def return_rif(*, actor, rif: Rif, comment: str) -> Rif:
    """The approver sends a submitted RIF back to its author as a draft, saying why."""
    rif = _locked(rif)
    if not may_approve(actor, rif):
        raise _refuse(403, "Only the RIF's approver may return it.")
    if len((comment or "").strip()) < 5:
        raise _refuse(400, "Say what to change (at least 5 characters).", field="comment", code="required")
    rif.status, rif.submitted_by, rif.submitted_at = RifStatus.DRAFT, None, None
    rif.updated_at = timezone.now()
    rif.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    record(actor=actor, action="rif.returned", obj=rif, after={"comment": comment.strip()})
    return rif


@transaction.atomic
def withdraw_rif(*, actor, rif: Rif, reason: str) -> Rif:
    """Take back a published RIF (wrong or outdated information). Recipients keep seeing it, marked
    withdrawn with the reason, so nobody acts on it unaware; it no longer asks them for follow-up."""
    rif = _locked(rif)
    if rif.status != RifStatus.PUBLISHED:
        raise _refuse(409, "Only a published RIF can be withdrawn.", code="conflict")
    if not may_withdraw(actor, rif):
        raise _refuse(403, "Only the author organisation's approvers withdraw its RIFs.")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise _refuse(400, "Say why the RIF is withdrawn (at least 5 characters).", field="reason", code="required")
    before = rif_snapshot(rif)
    now = timezone.now()
    rif.status, rif.withdrawn_at, rif.withdrawn_reason, rif.updated_at = RifStatus.WITHDRAWN, now, reason, now
    rif.save(update_fields=["status", "withdrawn_at", "withdrawn_reason", "updated_at"])
    record(actor=actor, action="rif.withdrawn", obj=rif, before=before, after={**rif_snapshot(rif), "reason": reason})
    return rif


@transaction.atomic
def mark_read(*, actor, rif: Rif) -> RifRecipient:
    if not may_mark_read(actor, rif):
        raise _refuse(403, "Only a recipient Member State's risk staff mark a RIF read.")
    row = recipient_row(actor, rif)
    row = RifRecipient.objects.select_for_update().get(pk=row.pk)
    if row.read_at is None:
        row.read_at, row.read_by = timezone.now(), actor
        row.save(update_fields=["read_at", "read_by"])
        record(actor=actor, action="rif.read", obj=rif, after={"member_state": row.member_state_id})
    return row


@transaction.atomic
def post_feedback(*, actor, rif: Rif, data: Any) -> RifFeedback:
    """A recipient Member State's evaluation: relevance, measures (with a linked profile), results."""
    from risk_engine.selectors import criteria_for

    if not may_give_feedback(actor, rif):
        raise _refuse(403, "Only a recipient Member State's risk staff or national system posts feedback.")
    body = _parse(FeedbackBody, data)
    criterion = None
    if body.criterion:
        criterion = criteria_for(actor).filter(code=body.criterion).first()
        if criterion is None and actor.role == Role.NATIONAL_SYSTEM:
            from risk_engine.models import Criterion

            criterion = Criterion.objects.filter(code=body.criterion, owner_id=actor.organisation_id).first()
        if criterion is None:
            raise _refuse(400, f"No criterion {body.criterion} that you may see.", field="criterion", code="unknown")
    now = timezone.now()
    feedback = RifFeedback.objects.create(
        rif=rif,
        member_state_id=member_state_of(actor),
        relevance=body.relevance,
        measures=list(dict.fromkeys(body.measures)),
        criterion=criterion,
        controls_planned=body.controls_planned,
        results=body.results,
        comment=body.comment,
        author=actor,
        created_at=now,
    )
    row = RifRecipient.objects.select_for_update().get(rif=rif, member_state_id=member_state_of(actor))
    row.read_at = row.read_at or now
    row.read_by = row.read_by or actor
    row.responded_at = row.responded_at or now
    row.save(update_fields=["read_at", "read_by", "responded_at"])
    if criterion is not None:
        rif.criteria.add(criterion)
    record(
        actor=actor,
        action="rif.feedback_posted",
        obj=rif,
        after={**body.model_dump(), "member_state": feedback.member_state_id},
    )
    return feedback


@transaction.atomic
def add_attachment(*, actor, rif: Rif, upload) -> RifAttachment:
    """Attach a file to a draft: PDF, images, text, CSV, DOCX or XLSX, at most RIF_ATTACHMENT_MAX_BYTES."""
    if not may_edit(actor, rif):
        raise _refuse(403, "Only the author organisation attaches files to a draft RIF.")
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:150]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise _refuse(400, "Allowed: PDF, PNG, JPEG, TXT, CSV, DOCX, XLSX.", field="file", code="unsupported_type")
    if upload.size > settings.RIF_ATTACHMENT_MAX_BYTES:
        raise _refuse(
            400, f"At most {settings.RIF_ATTACHMENT_MAX_BYTES:,} bytes per file.", field="file", code="too_large"
        )
    content = upload.read()
    content_type, magic = ATTACHMENT_TYPES[extension]
    if magic is not None and not content.startswith(magic):
        raise _refuse(400, "The file's content does not match its type.", field="file", code="unsupported_type")
    if magic is None and b"\x00" in content:
        raise _refuse(400, "A text file must not contain binary data.", field="file", code="unsupported_type")
    from django.core.files.base import ContentFile

    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name) or f"file{extension}"
    attachment = RifAttachment(
        rif=rif,
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(safe, ContentFile(content), save=False)
    attachment.save()
    rif.editors.add(actor)  # a file is content the approver reviews
    record(actor=actor, action="rif.attachment_added", obj=rif, after={"name": name, "sha256": attachment.sha256})
    return attachment


# --- turn a RIF into a criterion ---------------------------------------------------------------


def criterion_condition(rif: Rif) -> dict[str, Any] | None:
    """The RIF's goods (HS prefixes), routes (or origins) and parties (EORI or name) as one condition."""
    conjuncts: list[dict[str, Any]] = []
    if rif.hs_codes:
        conjuncts.append({"field": "item.hs_code", "op": "starts_with", "value": list(rif.hs_codes)})
    if rif.routing:
        conjuncts.append({"field": "routing.countries", "op": "any_in", "value": list(dict.fromkeys(rif.routing))})
    elif rif.countries_of_origin:
        conjuncts.append({"field": "item.country_of_origin", "op": "in", "value": list(rif.countries_of_origin)})
    party_tests: list[dict[str, Any]] = []
    by_field: dict[tuple[str, str], list[str]] = {}
    for party in rif.parties:
        role = party.get("role") if party.get("role") in PARTY_FIELDS else "consignor"
        if party.get("eori"):
            by_field.setdefault((role, "eori"), []).append(party["eori"])
        elif party.get("name"):
            by_field.setdefault((role, "name"), []).append(party["name"])
    for (role, attribute), values in by_field.items():
        party_tests.append({"field": f"{role}.{attribute}", "op": "in", "value": list(dict.fromkeys(values))})
    if len(party_tests) == 1:
        conjuncts.append(party_tests[0])
    elif party_tests:
        conjuncts.append({"any": party_tests})
    if not conjuncts:
        return None
    return {"all": conjuncts}


def _free_code(base: str) -> str:
    from risk_engine.models import Criterion

    code, n = base, 1
    while Criterion.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _end_of(day: dt.date) -> dt.datetime:
    """The midnight ending ``day``; at the edge of the planning window (or of the calendar: 9999-12-31 plus a
    day was a 500) the day's last second, so the criterion's ``valid_to`` stays within the window too."""
    try:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    except OverflowError:
        end = None
    if end is None or not PLANNED.admits(end):
        end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
    return end


def criterion_document(rif: Rif, *, actor) -> dict[str, Any]:
    condition = criterion_condition(rif)
    if condition is None:
        raise _refuse(400, "The RIF names no goods, routes or parties to build a criterion from.", code="empty")
    commission = is_commission(actor)
    scope = "eu" if commission else "national"
    base = f"CRC-RIF-{rif.pk}" if commission else f"{member_state_of(actor)}-RIF-{rif.pk}"
    now = timezone.now()
    valid_to = None
    if rif.valid_until is not None:
        end = _end_of(rif.valid_until)
        valid_to = end.isoformat() if end > now else None
    document: dict[str, Any] = {
        "code": _free_code(base),
        "title": f"{rif.reference}: {rif.title}"[:200],
        "description": (f"Pre-filled from {rif.reference}. {rif.summary}")[:5000],
        "scope": scope,
        "risk_area": rif.risk_area_id,
        "condition": condition,
        "weight": 50,
        "outcome": "control_recommended",
        "control_type": rif.recommended_control or None,
        "valid_from": now.replace(microsecond=0).isoformat(),
        "valid_to": valid_to,
    }
    if rif.transport_mode:
        document["applies_to"] = {"phases": [], "transport_modes": [rif.transport_mode]}
    return document


@transaction.atomic
def turn_into_criterion(*, actor, rif: Rif):
    """Create a draft national profile (Member State staff) or EU criterion (Commission) from the RIF.

    Returns the draft ``CriterionVersion``; the criterion is linked to the RIF.
    """
    from risk_engine.services import CriteriaError, create_criterion

    if not may_turn_into_criterion(actor):
        raise _refuse(403, "Only risk staff turn a RIF into a criterion.")
    document = criterion_document(rif, actor=actor)
    try:
        version = create_criterion(actor=actor, data=document)
    except CriteriaError as error:
        raise RifError(error.status, error.errors) from None
    rif.criteria.add(version.criterion)
    record(
        actor=actor,
        action="rif.criterion_created",
        obj=rif,
        after={"criterion": version.criterion.code, "scope": document["scope"]},
    )
    return version


# --- crisis alerts -----------------------------------------------------------------------------


def may_manage_crisis(user) -> bool:
    return user.is_authenticated and user.role in COMMISSION_ROLES


CRISIS_POST_REFUSAL = "Participants' risk staff post information under an open crisis."


def may_post_to_crisis(user, crisis: CrisisAlert) -> bool:
    return user.is_authenticated and user.role in CRISIS_POSTERS and crisis.status == CrisisStatus.OPEN


@transaction.atomic
def open_crisis(*, actor, title: str, risk_area: str, guidance: str, criteria: list[str] = ()) -> CrisisAlert:
    from risk_engine.selectors import criteria_for

    if not may_manage_crisis(actor):
        raise _refuse(403, "Only the Commission opens crisis alerts.")
    errors = []
    title, guidance = (title or "").strip(), (guidance or "").strip()
    if not 3 <= len(title) <= 200:
        errors.append(_error("title", "required", "A title of 3 to 200 characters."))
    if len(guidance) < 10:
        errors.append(_error("guidance", "required", "Guidance on prioritising risks (at least 10 characters)."))
    if not RiskArea.objects.filter(code=risk_area).exists():
        errors.append(_error("risk_area", "unknown", "Choose a risk area."))
    linked = list(criteria_for(actor).filter(code__in=list(criteria)))
    if len(linked) != len(set(criteria)):
        errors.append(_error("criteria", "unknown", "An unknown criterion code."))
    if errors:
        raise RifError(400, errors)
    now = timezone.now()
    crisis = CrisisAlert.objects.create(
        reference=f"TMP-{uuid.uuid4().hex[:24]}",
        title=title,
        risk_area_id=risk_area,
        guidance=guidance,
        opened_by=actor,
        opened_at=now,
        updated_at=now,
    )
    crisis.reference = f"CRISIS-{now.year}-{crisis.pk:03d}"
    crisis.save(update_fields=["reference"])
    crisis.criteria.set(linked)
    record(
        actor=actor,
        action="crisis.opened",
        obj=crisis,
        after={"title": title, "risk_area": risk_area, "criteria": [c.code for c in linked]},
    )
    exchange_events.crisis_opened(crisis)
    return crisis


@transaction.atomic
def link_crisis_criteria(*, actor, crisis: CrisisAlert, criteria: list[str]) -> CrisisAlert:
    """Link emergency criteria to an open crisis."""
    from risk_engine.selectors import criteria_for

    if not may_manage_crisis(actor) or crisis.status != CrisisStatus.OPEN:
        raise _refuse(403, "Only the Commission links criteria to an open crisis.")
    linked = list(criteria_for(actor).filter(code__in=criteria))
    if len(linked) != len(set(criteria)):
        raise _refuse(400, "An unknown criterion code.", field="criteria", code="unknown")
    crisis.criteria.add(*linked)
    crisis.updated_at = timezone.now()
    crisis.save(update_fields=["updated_at"])
    record(actor=actor, action="crisis.criteria_linked", obj=crisis, after={"criteria": [c.code for c in linked]})
    return crisis


@transaction.atomic
def post_to_crisis(*, actor, crisis: CrisisAlert, body: str) -> CrisisPost:
    crisis = CrisisAlert.objects.select_for_update().get(pk=crisis.pk)
    if not may_post_to_crisis(actor, crisis):
        raise _refuse(403, CRISIS_POST_REFUSAL)
    body = (body or "").strip()
    if not 3 <= len(body) <= 10_000:
        raise _refuse(400, "Write 3 to 10,000 characters.", field="body", code="required")
    now = timezone.now()
    post = CrisisPost.objects.create(
        crisis=crisis, organisation_id=actor.organisation_id, author=actor, body=body, created_at=now
    )
    crisis.updated_at = now
    crisis.save(update_fields=["updated_at"])
    record(actor=actor, action="crisis.posted", obj=crisis, after={"post": post.pk})
    return post


@transaction.atomic
def close_crisis(*, actor, crisis: CrisisAlert, lessons: str) -> CrisisAlert:
    crisis = CrisisAlert.objects.select_for_update().get(pk=crisis.pk)
    if not may_manage_crisis(actor):
        raise _refuse(403, "Only the Commission closes crisis alerts.")
    if crisis.status != CrisisStatus.OPEN:
        raise _refuse(409, "The crisis is already closed.", code="conflict")
    lessons = (lessons or "").strip()
    if len(lessons) < 10:
        raise _refuse(400, "Record the lessons learned (at least 10 characters).", field="lessons", code="required")
    now = timezone.now()
    crisis.status, crisis.closed_by, crisis.closed_at, crisis.lessons, crisis.updated_at = (
        CrisisStatus.CLOSED,
        actor,
        now,
        lessons,
        now,
    )
    crisis.save(update_fields=["status", "closed_by", "closed_at", "lessons", "updated_at"])
    record(actor=actor, action="crisis.closed", obj=crisis, after={"lessons": lessons})
    return crisis
