"""Risk models governed like criteria (issue 16 point 3, contract 6).

draft -> submitted -> approved (four-eyes) -> shadow (scores recorded, nothing selected) -> live;
retire from any state before retired. Rights follow the criteria's: a Member State's model is
managed and approved by that Member State's risk managers, an EU-wide model is managed by the
Commission and approved by a Commission approver. Four-eyes: whoever trained or submitted a model
never approves it. One live model per Member State and one EU-wide: going live retires the one
it replaces in the same transaction (and a partial unique index refuses a second one whatever
happens). Every move is in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from crms.accounts.roles import Role, member_state_of
from crms.audit.services import record
from crms.core.api.errors import error
from crms.learning.models import ModelStatus, ModelVersion

NEXT = {
    "submit": ({ModelStatus.DRAFT}, ModelStatus.SUBMITTED),
    "approve": ({ModelStatus.SUBMITTED}, ModelStatus.APPROVED),
    "shadow": ({ModelStatus.APPROVED}, ModelStatus.SHADOW),
    "live": ({ModelStatus.SHADOW}, ModelStatus.LIVE),
    "retire": (
        {ModelStatus.DRAFT, ModelStatus.SUBMITTED, ModelStatus.APPROVED, ModelStatus.SHADOW, ModelStatus.LIVE},
        ModelStatus.RETIRED,
    ),
}
ACTIONS = tuple(NEXT)


class GovernanceError(Exception):
    """A refused move, with the HTTP status the API answers and contract-style errors."""

    def __init__(self, status: int, message: str, code: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.errors = [error(field, code, message)]


def may_manage(user, model: ModelVersion) -> bool:
    """Submit: the model's owners (risk managers of its Member State; Commission staff for EU-wide)."""
    if not user.is_authenticated:
        return False
    if model.member_state_id is None:
        return user.role in (Role.COMMISSION, Role.COMMISSION_APPROVER)
    return user.role == Role.RISK_MANAGER and member_state_of(user) == model.member_state_id


def may_approve(user, model: ModelVersion) -> bool:
    """Approve, shadow, live, retire: risk managers of its Member State; Commission approvers for EU-wide."""
    if not user.is_authenticated:
        return False
    if model.member_state_id is None:
        return user.role == Role.COMMISSION_APPROVER
    return user.role == Role.RISK_MANAGER and member_state_of(user) == model.member_state_id


def has_right(user, model: ModelVersion, action: str) -> bool:
    """The role part of the rule, whatever the model's state (the API checks it before reading a body)."""
    return (may_manage if action == "submit" else may_approve)(user, model)


def may(user, model: ModelVersion, action: str) -> bool:
    """Whether ``user`` may do ``action`` now (the page offers only these; the service checks again)."""
    allowed, _target = NEXT[action]
    if model.status not in allowed:
        return False
    if action == "submit":
        return may_manage(user, model)
    if action == "approve" and user.pk in (model.created_by_id, model.submitted_by_id):
        return False
    return may_approve(user, model)


def refusal(action: str) -> GovernanceError:
    who = (
        "the model's owners (its Member State's risk managers, or the Commission for an EU-wide model)"
        if action == "submit"
        else "its Member State's risk managers (a Commission approver for an EU-wide model)"
    )
    return GovernanceError(403, f"Only {who} may {action} this model.", "not_allowed")


def _check(actor, model: ModelVersion, action: str) -> None:
    allowed, _target = NEXT[action]
    if not has_right(actor, model, action):
        raise refusal(action)
    if model.status not in allowed:
        raise GovernanceError(
            409, f"A {model.get_status_display().lower()} model cannot be {_past(action)}.", "conflict", "status"
        )
    if action == "approve" and actor.pk in (model.created_by_id, model.submitted_by_id):
        raise GovernanceError(
            403, "Four-eyes rule: you trained or submitted this model, so someone else approves it.", "four_eyes"
        )


def _past(action: str) -> str:
    return {"submit": "submitted", "approve": "approved", "shadow": "put in shadow", "live": "put live"}.get(
        action, "retired"
    )


def _state(model: ModelVersion) -> dict[str, Any]:
    return {"status": model.status, "name": model.name, "version": model.number, "member_state": model.member_state_id}


@transaction.atomic
def move(*, actor, model: ModelVersion, action: str, comment: str = "") -> ModelVersion:
    """Do ``action`` on ``model`` for ``actor`` or raise :class:`GovernanceError`; audited."""
    if action not in NEXT:
        raise GovernanceError(404, f"Unknown action {action!r}.", "not_found")
    model = ModelVersion.objects.select_for_update().get(pk=model.pk)
    _check(actor, model, action)
    now = timezone.now()
    before = _state(model)
    if action == "live":
        _retire_live_of_scope(actor, model, now)
    model.status = NEXT[action][1]
    stamp = {"submit": "submitted", "approve": "approved", "shadow": "shadow", "live": "live", "retire": "retired"}
    setattr(model, f"{stamp[action]}_at", now)
    if action in ("submit", "approve"):
        setattr(model, f"{stamp[action]}_by", actor)
    try:
        with transaction.atomic():
            model.save()
    except IntegrityError:
        raise GovernanceError(409, "Another model of this scope went live at the same time.", "conflict") from None
    record(
        actor=actor,
        action=f"model.{_past(action).replace(' ', '_')}",
        obj=model,
        before=before,
        after=_state(model) | ({"comment": comment} if comment else {}),
    )
    return model


def _retire_live_of_scope(actor, model: ModelVersion, now) -> None:
    live = (
        ModelVersion.objects.select_for_update()
        .filter(status=ModelStatus.LIVE, member_state_id=model.member_state_id)
        .exclude(pk=model.pk)
    )
    for previous in live:
        before = _state(previous)
        previous.status, previous.retired_at = ModelStatus.RETIRED, now
        previous.save(update_fields=["status", "retired_at"])
        record(
            actor=actor,
            action="model.retired",
            obj=previous,
            before=before,
            after=_state(previous) | {"comment": f"Replaced by {model.name} v{model.number}."},
        )
