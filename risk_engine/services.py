"""Criteria lifecycle: draft -> submitted -> published -> retired, with four-eyes approval.

Approval binds to content (contract v2 section 3): every attribute that changes what runs or who
reads it (condition, applies_to, validity, restricted, shadow, outcome, weight, ...) belongs to the
version; an edit of a submitted version returns it to draft; everyone who edited a version is one
of its authors (``CriterionVersion.editors``) and may not approve or retire it; ``approve`` names
the version (and the fingerprint of the content) its approver reviewed and is refused with 409 when
that is no longer what stands for approval.

Every change is audited. Publishing or retiring re-screens the open declarations
(after commit) so a new threat reaches cargo already filed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError as PydanticError

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE, Role, is_risk_staff, member_state_of
from crms.audit.services import record
from crms.declarations.validation import pydantic_errors
from crms.reference.models import RiskArea
from notifications import exchange as exchange_events
from risk_engine.conditions import ConditionError, parse_condition
from risk_engine.models import Criterion, CriterionVersion, Scope, Status, WatchList, WatchListEntry
from risk_engine.schema import CriterionDocument
from risk_engine.selectors import watch_lists_for
from risk_engine.watchlists import entry_problems, normalise_value

AUTHORS = {Scope.EU: {Role.COMMISSION, Role.COMMISSION_APPROVER}, Scope.NATIONAL: {Role.ANALYST, Role.RISK_MANAGER}}
APPROVERS = {Scope.EU: {Role.COMMISSION_APPROVER}, Scope.NATIONAL: {Role.RISK_MANAGER}}
ANY_AUTHOR = AUTHORS[Scope.EU] | AUTHORS[Scope.NATIONAL]  # also who keeps watch lists


class CriteriaError(Exception):
    """A refused criteria action, with the HTTP status the API answers and contract-style errors."""

    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__(errors[0]["message"] if errors else str(status))
        self.status = status
        self.errors = errors


def _refuse(status: int, message: str, field: str | None = None, code: str = "not_allowed") -> CriteriaError:
    return CriteriaError(status, [{"field": field, "code": code, "message": message}])


@dataclass(frozen=True)
class Checked:
    document: CriterionDocument
    owner: str


def check_document(data: Any, *, actor) -> Checked:
    """Validate a criterion document for ``actor``: structure, condition, risk area, authoring rights."""
    if actor.role not in ANY_AUTHOR:  # rights before the body: a read-only role learns nothing from validation
        raise _refuse(403, "Your role does not author criteria.")
    if not isinstance(data, dict):
        raise _refuse(400, "A criterion is a JSON object.", code="invalid")
    try:
        document = CriterionDocument.model_validate(data)
    except PydanticError as exc:
        errors = pydantic_errors(exc)
        errors += _condition_errors(data.get("condition"), actor) if "condition" in data else []
        raise CriteriaError(400, errors) from None
    errors = _condition_errors(document.condition, actor) + document.problems()
    if not RiskArea.objects.filter(code=document.risk_area).exists():
        errors.append({"field": "risk_area", "code": "unknown", "message": f"No risk area {document.risk_area!r}."})
    if errors:
        raise CriteriaError(400, errors)
    if actor.role not in AUTHORS[document.scope]:
        raise _refuse(403, f"Your role may not author {document.scope} criteria.")
    owner = COMMISSION_CODE if document.scope == Scope.EU else member_state_of(actor)
    return Checked(document, owner)


def _condition_errors(condition: Any, actor) -> list[dict[str, Any]]:
    visible = set(watch_lists_for(actor).values_list("code", flat=True))
    try:
        parse_condition(condition, watch_lists=visible, authoring=True)
    except ConditionError as exc:
        return exc.errors
    return []


def _version_fields(document: CriterionDocument) -> dict[str, Any]:
    return {
        "title": document.title,
        "description": document.description,
        "risk_area_id": document.risk_area,
        "applies_to": document.applies_to.model_dump() if document.applies_to else {},
        "condition": document.condition,
        "weight": document.weight,
        "outcome": document.outcome,
        "control_type": document.control_type,
        "valid_from": document.valid_from,
        "valid_to": document.valid_to,
        "allows_aeo_facilitation": document.allows_aeo_facilitation,
        "shadow": document.shadow,
        "restricted": document.restricted,
        "legal_act": document.legal_act,
        "financial_subtype": document.financial_subtype,
        "control_stage": document.control_stage,
    }


def snapshot(version: CriterionVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "status": version.status,
        "title": version.title,
        "condition": version.condition,
        "applies_to": version.applies_to,
        "weight": version.weight,
        "outcome": version.outcome,
        "control_type": version.control_type,
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "shadow": version.shadow,
        "restricted": version.restricted,
        "allows_aeo_facilitation": version.allows_aeo_facilitation,
        "legal_act": version.legal_act,
        "financial_subtype": version.financial_subtype,
        "control_stage": version.control_stage,
    }


def code_outside_namespace(code: str, owner: str) -> str | None:
    """Codes name their owner, so that a ``409 exists`` can only ever confirm a code of the creator's own
    organisation (which it may read anyway), never one of another Member State's profiles or lists: a Member
    State's codes start with its code and a hyphen (``FR-NP-001``, ``FR-WL-SHIPPERS``); the Commission's may
    not start with a participant's code and a hyphen. Checked before existence, on creation only."""
    if owner != COMMISSION_CODE:
        return (
            None if code.startswith(f"{owner}-") else f"A code of {owner} starts with {owner}- (e.g. {owner}-NP-001)."
        )
    head, dash, _ = code.partition("-")
    if dash and Organisation.objects.filter(code=head).exclude(code=COMMISSION_CODE).exists():
        return f"{head}- codes belong to {head}; the Commission's codes start otherwise (e.g. CRC-, WL-)."
    return None


@transaction.atomic
def create_criterion(*, actor, data: Any) -> CriterionVersion:
    checked = check_document(data, actor=actor)
    document = checked.document
    if problem := code_outside_namespace(document.code, checked.owner):
        raise _refuse(400, problem, "code", "invalid")
    if Criterion.objects.filter(code=document.code).exists():
        raise _refuse(409, f"Criterion {document.code} exists: PUT a new version instead.", "code", "conflict")
    criterion = Criterion.objects.create(
        code=document.code,
        scope=document.scope,
        owner_id=checked.owner,
        created_by=actor,
    )
    version = CriterionVersion.objects.create(
        criterion=criterion, version=1, status=Status.DRAFT, author=actor, **_version_fields(document)
    )
    version.editors.add(actor)
    record(actor=actor, action="criterion.draft_created", obj=criterion, after=snapshot(version))
    return version


def _open_version(criterion: Criterion) -> CriterionVersion | None:
    return criterion.versions.filter(status__in=[Status.DRAFT, Status.SUBMITTED]).first()


def _may_author(actor, criterion: Criterion) -> bool:
    if actor.role not in AUTHORS[criterion.scope]:
        return False
    return criterion.scope == Scope.EU or criterion.owner_id == member_state_of(actor)


@transaction.atomic
def update_criterion(*, actor, criterion: Criterion, data: Any) -> CriterionVersion:
    """Edit the open draft, or open a new draft version of a published or retired criterion.

    Editing a submitted version returns it to draft (its approver must review it again); the editor
    joins the version's editors, who all count as its authors for the four-eyes rule.
    """
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if not _may_author(actor, criterion):
        raise _refuse(403, "You may not edit this criterion.")
    checked = check_document(data, actor=actor)
    document = checked.document
    if document.code != criterion.code or document.scope != criterion.scope:
        raise _refuse(400, "Code and scope of a criterion cannot change.", "code", "invalid")
    open_version = _open_version(criterion)
    if open_version is not None:
        before = snapshot(open_version)
        for name, value in _version_fields(document).items():
            setattr(open_version, name, value)
        open_version.status, open_version.submitted_at = Status.DRAFT, None
        open_version.save()
        version = open_version
    else:
        before = None
        latest = criterion.versions.order_by("-version").first()
        version = CriterionVersion.objects.create(
            criterion=criterion,
            version=latest.version + 1,
            status=Status.DRAFT,
            author=actor,
            **_version_fields(document),
        )
    version.editors.add(actor)
    record(actor=actor, action="criterion.draft_updated", obj=criterion, before=before, after=snapshot(version))
    return version


@transaction.atomic
def submit_criterion(*, actor, criterion: Criterion, comment: str = "") -> CriterionVersion:
    version = _open_version(criterion)
    if version is None or version.status != Status.DRAFT:
        raise _refuse(409, "There is no draft to submit.", code="conflict")
    if not (_may_author(actor, criterion) and is_editor(actor, version)):
        raise _refuse(403, "Only an author of the draft (someone who wrote it) submits it.")
    version.status, version.submitted_at = Status.SUBMITTED, timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    record(actor=actor, action="criterion.submitted", obj=criterion, after={**snapshot(version), "comment": comment})
    return version


def is_editor(actor, version: CriterionVersion) -> bool:
    """``actor`` wrote (part of) this version: its author or a later editor."""
    return version.author_id == actor.pk or version.editors.filter(pk=actor.pk).exists()


def _may_approve(actor, criterion: Criterion) -> bool:
    if actor.role not in APPROVERS[criterion.scope]:
        return False
    return criterion.scope == Scope.EU or criterion.owner_id == member_state_of(actor)


def may_author(actor, criterion: Criterion) -> bool:
    """Role and organisation allow editing, submitting or promoting ``criterion`` (authorship is checked too)."""
    return _may_author(actor, criterion)


def may_approve(actor, criterion: Criterion) -> bool:
    """Role and organisation allow approving or retiring ``criterion`` (four-eyes is checked too)."""
    return _may_approve(actor, criterion)


# --- one permission function for every lifecycle action (issue 14) -------------------------------------
# The criterion page offers exactly the actions for which ``transition_refusal`` is None, and the
# transition view asks the same function before calling the service (which checks again under lock).
TRANSITION_STATUS = {
    "submit": Status.DRAFT,
    "approve": Status.SUBMITTED,
    "return": Status.SUBMITTED,
    "reject": Status.SUBMITTED,
    "retire": Status.PUBLISHED,
}


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def transition_refusal(actor, criterion: Criterion, action: str) -> Refusal | None:
    """Why ``actor`` may not take ``action`` on ``criterion`` now (role and organisation, state, four-eyes,
    in the services' order), or None when it is allowed."""
    if action == "submit":
        if not _may_author(actor, criterion):
            return Refusal(403, "Your role may not do this for this criterion.")
    elif not _may_approve(actor, criterion):
        return Refusal(403, "Your role may not do this for this criterion.")
    wanted = TRANSITION_STATUS[action]
    if wanted == Status.PUBLISHED:
        version = criterion.versions.filter(status=Status.PUBLISHED).first()
    else:
        version = _open_version(criterion)
    if version is None or version.status != wanted:
        return Refusal(409, f"Nothing to {action}: the criterion has no {wanted.label.lower()} version.")
    if action == "submit" and not is_editor(actor, version):
        return Refusal(403, "Only an author of the draft (someone who wrote it) submits it.")
    if action != "submit" and is_editor(actor, version):
        return Refusal(403, "Four-eyes rule: you wrote (part of) this version, so someone else decides on it.")
    return None


def criterion_actions(actor, criterion: Criterion) -> list[str]:
    """The lifecycle actions the criterion page offers ``actor``: those ``transition_refusal`` allows."""
    return [action for action in TRANSITION_STATUS if transition_refusal(actor, criterion, action) is None]


def _rescreen_after_commit() -> None:
    from risk_engine.pipeline import request_rescreen

    transaction.on_commit(request_rescreen)


NOT_AN_APPROVER = {"field": None, "code": "not_allowed", "message": "Your role may not approve this criterion."}


def _check_reviewed(version: CriterionVersion, number: int | None, reviewed: str | None, required: bool) -> None:
    """The approver reviewed this very content: version ``number`` with fingerprint ``reviewed`` (each if given;
    both when ``required``, as from the approval page, which always sends what it showed)."""
    from risk_engine.documents import content_fingerprint

    if required and (number is None or not reviewed):
        raise _refuse(400, "Say which version you reviewed: reload the page and review it.", "version", "required")
    if number is not None and number != version.version:
        raise _refuse(
            409,
            f"You reviewed version {number}; version {version.version} is the one submitted now. Review it first.",
            "version",
            "conflict",
        )
    if reviewed is not None and reviewed != content_fingerprint(version):
        raise _refuse(
            409,
            f"Version {version.version} changed after you opened it: review it again before approving.",
            "fingerprint",
            "conflict",
        )


@transaction.atomic
def approve_criterion(
    *,
    actor,
    criterion: Criterion,
    comment: str = "",
    version: int | None = None,
    fingerprint: str | None = None,
    reviewed_required: bool = False,
) -> CriterionVersion:
    """Publish the submitted version (four-eyes: never by anyone who edited it); the previous one is superseded.

    ``version`` and ``fingerprint`` name what the approver reviewed (the browser always sends both;
    a body-less API call approves the version as it stands, as in contract v1): 409 if it changed.
    """
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if not _may_approve(actor, criterion):
        raise CriteriaError(403, [NOT_AN_APPROVER])
    reviewed_number, reviewed_fingerprint = version, fingerprint
    version = _open_version(criterion)
    if version is None or version.status != Status.SUBMITTED:
        if reviewed_number is not None and version is not None and version.version == reviewed_number:
            message = f"Version {reviewed_number} was edited after you opened it and is a draft again."
            raise _refuse(409, message, "version", "conflict")
        raise _refuse(409, "There is no submitted version to approve.", code="conflict")
    if is_editor(actor, version):
        raise _refuse(
            403, "Four-eyes rule: you wrote (part of) this version, so someone else approves it.", code="four_eyes"
        )
    _check_reviewed(version, reviewed_number, reviewed_fingerprint, reviewed_required)
    now = timezone.now()
    previous = criterion.versions.filter(status=Status.PUBLISHED).first()
    if previous is not None:
        previous.status = Status.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status, version.published_at, version.published_by = Status.PUBLISHED, now, actor
    version.save(update_fields=["status", "published_at", "published_by"])
    record(
        actor=actor,
        action="criterion.published",
        obj=criterion,
        before=snapshot(previous) if previous else None,
        after={**snapshot(version), "comment": comment},
    )
    exchange_events.criterion_changed(
        criterion, version, status="published", superseded=previous.version if previous else None
    )
    _rescreen_after_commit()
    return version


SEND_BACK = {"return": "criterion.returned", "reject": "criterion.rejected"}


@transaction.atomic
def send_back_criterion(*, actor, criterion: Criterion, comment: str, outcome: str) -> CriterionVersion:
    """An approver returns the submitted version to its authors (``return``: revise and submit again) or
    rejects it (``reject``: refused as it stands). Both put the version back to draft, the one state its
    authors can act on (edit, submit again or leave it), so rejecting needs no new state; the comment is
    required, audited and shown on the criterion page and in the authors' worklist. Four-eyes as approving."""
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if not _may_approve(actor, criterion):
        raise CriteriaError(403, [NOT_AN_APPROVER])
    version = _open_version(criterion)
    if version is None or version.status != Status.SUBMITTED:
        raise _refuse(409, "There is no submitted version to send back.", code="conflict")
    if is_editor(actor, version):
        raise _refuse(403, "Four-eyes rule: an author cannot return or reject their own version.", code="four_eyes")
    comment = (comment or "").strip()
    if not comment:
        raise _refuse(400, "Say why, for the authors.", "comment", "required")
    version.status, version.submitted_at = Status.DRAFT, None
    version.save(update_fields=["status", "submitted_at"])
    record(actor=actor, action=SEND_BACK[outcome], obj=criterion, after={**snapshot(version), "comment": comment})
    return version


def return_criterion(*, actor, criterion: Criterion, comment: str = "") -> CriterionVersion:
    """Back to its authors to revise (see :func:`send_back_criterion`)."""
    return send_back_criterion(actor=actor, criterion=criterion, comment=comment, outcome="return")


def reject_criterion(*, actor, criterion: Criterion, comment: str = "") -> CriterionVersion:
    """Refused as it stands (see :func:`send_back_criterion`)."""
    return send_back_criterion(actor=actor, criterion=criterion, comment=comment, outcome="reject")


@transaction.atomic
def retire_criterion(*, actor, criterion: Criterion, comment: str = "") -> CriterionVersion:
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if not _may_approve(actor, criterion):
        raise _refuse(403, "Your role may not retire this criterion.")
    version = criterion.versions.filter(status=Status.PUBLISHED).first()
    if version is None:
        raise _refuse(409, "The criterion is not published.", code="conflict")
    if is_editor(actor, version):
        raise _refuse(403, "Four-eyes rule: an author cannot retire their own criterion alone.", code="four_eyes")
    version.status, version.retired_at, version.retired_by = Status.RETIRED, timezone.now(), actor
    version.save(update_fields=["status", "retired_at", "retired_by"])
    record(actor=actor, action="criterion.retired", obj=criterion, after={**snapshot(version), "comment": comment})
    exchange_events.criterion_changed(criterion, version, status="retired")
    _rescreen_after_commit()
    return version


WATCH_LIST_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,39}")


def may_edit_watch_list(actor, watch_list: WatchList) -> bool:
    """Risk staff (Commission staff, analysts, risk managers) of the owner organisation; read-only roles never."""
    return is_risk_staff(actor) and actor.organisation_id == watch_list.owner_id


def require_watch_list_keeper(actor) -> None:
    if actor.role not in ANY_AUTHOR:
        raise _refuse(403, "Your role may not keep watch lists.")


@transaction.atomic
def create_watch_list(*, actor, code: str, name: str, kind: str, description: str = "") -> WatchList:
    require_watch_list_keeper(actor)
    code, name, description = code.strip(), " ".join(name.split()), description.strip()
    errors = []
    if not WATCH_LIST_CODE.fullmatch(code):
        errors.append(("code", "Use 3-40 capital letters, digits, - or _, starting with a letter or digit."))
    if not name or len(name) > 200:
        errors.append(("name", "A name of 1-200 characters is required."))
    if kind not in WatchList.Kind.values:
        errors.append(("kind", f"One of {', '.join(WatchList.Kind.values)}."))
    owner = COMMISSION_CODE if actor.organisation_id == COMMISSION_CODE else member_state_of(actor)
    if not errors and (problem := code_outside_namespace(code, owner)):
        errors.append(("code", problem))
    if errors:
        raise CriteriaError(400, [{"field": f, "code": "invalid", "message": m} for f, m in errors])
    if WatchList.objects.filter(code=code).exists():
        raise _refuse(409, f"Watch list {code} exists.", "code", "conflict")
    watch_list = WatchList.objects.create(code=code, name=name, kind=kind, owner_id=owner, description=description)
    record(actor=actor, action="watch_list.created", obj=watch_list, after={"code": code, "kind": kind, "name": name})
    return watch_list


def _refuse_edit(actor, watch_list: WatchList) -> None:
    if not may_edit_watch_list(actor, watch_list):
        raise _refuse(403, "Only risk staff of the owner organisation edit a watch list.")


@transaction.atomic
def add_watch_list_entries(*, actor, watch_list: WatchList, entries: list[tuple[str, str]]) -> int:
    """Add ``(value, reason)`` entries (all or none: any bad entry refuses them all); returns how many were new.

    Values are normalised by the list's kind; a value already on the list keeps its first reason.
    """
    _refuse_edit(actor, watch_list)
    errors, cleaned, seen = [], [], set()
    for index, (value, reason) in enumerate(entries):
        value, reason = normalise_value(watch_list.kind, value), " ".join(str(reason).split())
        problems = entry_problems(watch_list.kind, value, reason)
        errors += [{"field": f"entries[{index}].{f}", "code": "invalid", "message": m} for f, m in problems]
        if not problems and value not in seen:
            seen.add(value)
            cleaned.append((value, reason))
    if errors:
        raise CriteriaError(400, errors)
    listed = set(
        WatchListEntry.objects.filter(watch_list=watch_list, value__in=[v for v, _ in cleaned]).values_list(
            "value", flat=True
        )
    )
    new = [(value, reason) for value, reason in cleaned if value not in listed]
    WatchListEntry.objects.bulk_create(
        [WatchListEntry(watch_list=watch_list, value=v, reason=r, added_by=actor) for v, r in new],
        batch_size=1000,
    )
    watch_list.save(update_fields=["updated_at"])
    record(
        actor=actor,
        action="watch_list.entries_added",
        obj=watch_list,
        after={
            "values": [value for value, _ in new],
            "reasons": [reason for _, reason in new],
            "already_listed": sorted(listed),
        },
    )
    if new:
        _rescreen_after_commit()
    return len(new)


@transaction.atomic
def remove_watch_list_entry(*, actor, watch_list: WatchList, entry_id: int, reason: str) -> WatchListEntry:
    """Remove one entry; the audit log keeps the entry as it was and the reason for removing it."""
    _refuse_edit(actor, watch_list)
    reason = " ".join(str(reason).split())
    if not reason or len(reason) > 300:
        raise _refuse(400, "A reason for the removal (1-300 characters) is required.", "reason", "invalid")
    entry = (
        WatchListEntry.objects.select_for_update()
        .select_related("added_by")
        .filter(watch_list=watch_list, pk=entry_id)
        .first()
    )
    if entry is None:
        raise _refuse(404, "No such entry on this watch list.", "entry", "not_found")
    before = {
        "value": entry.value,
        "reason": entry.reason,
        "added_by": entry.added_by.get_username(),
        "added_at": entry.added_at.isoformat(),
    }
    entry.delete()
    watch_list.save(update_fields=["updated_at"])
    record(
        actor=actor,
        action="watch_list.entry_removed",
        obj=watch_list,
        before=before,
        after={"value": before["value"], "reason": reason},
    )
    _rescreen_after_commit()
    return entry


@transaction.atomic
def promote_shadow(*, actor, criterion: Criterion, comment: str = "") -> CriterionVersion:
    """One click: a new version identical to the published shadow one but live, submitted for approval."""
    from risk_engine.documents import document_of

    if not _may_author(actor, criterion):
        raise _refuse(403, "You may not promote this criterion.")
    published = criterion.versions.filter(status=Status.PUBLISHED).first()
    if published is None or not published.shadow:
        raise _refuse(409, "Only a published shadow criterion can be promoted.", code="conflict")
    if _open_version(criterion) is not None:
        raise _refuse(409, "Finish or withdraw the open draft first.", code="conflict")
    document = document_of(published) | {"shadow": False}
    version = update_criterion(actor=actor, criterion=criterion, data=document)
    submitted = submit_criterion(actor=actor, criterion=criterion, comment=comment or "Promote from shadow mode")
    record(actor=actor, action="criterion.promotion_requested", obj=criterion, after=snapshot(version))
    return submitted


LOGIC_PLACES = frozenset(
    {
        "criterion page",
        "version diff",
        "builder",
        "export",
        "api",
        "api list",
        "api feed",
        "backtest",
        "assessment",
        "audit log",
    }
)  # every place that shows criteria logic: tests/security/test_restricted_logic.py has a row for each


def record_logic_read(*, actor, criterion: Criterion, where: str) -> None:
    """Restricted criteria (e.g. financial risk criteria) leave a trace each time their logic is shown."""
    if where not in LOGIC_PLACES:
        raise ValueError(f"{where!r} is not a registered place showing criteria logic (LOGIC_PLACES)")
    if criterion.restricted:
        record(actor=actor, action="criterion.restricted_logic_read", obj=criterion, after={"where": where})


def logic_shown(*, actor, criterion: Criterion, where: str, version: CriterionVersion | None = None) -> bool:
    """``may_see_logic`` (of ``version``, or of the published versions), recording the read when the
    criterion is restricted and the logic is shown."""
    from risk_engine.selectors import may_see_logic

    visible = may_see_logic(actor, criterion, version)
    if visible:
        record_logic_read(actor=actor, criterion=criterion, where=where)
    return visible
