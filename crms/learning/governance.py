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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    if action in ("submit", "approve") and not model.evaluation:
        return False  # see NOT_EVALUATED
    if action == "submit":
        return may_manage(user, model)
    if action == "approve" and user.pk in (model.created_by_id, model.submitted_by_id):
        return False
    return may_approve(user, model)


# Refusals in whole sentences, one per action and one subject per status: "An approved model", never
# "A approved model", and a verb for every action ("put this model in shadow mode", not "shadow this model").
REFUSALS = {
    "submit": gettext_lazy(
        "Only the model's owners (its Member State's risk managers, or the Commission for an EU-wide model) "
        "may submit this model."
    ),
    "approve": gettext_lazy(
        "Only its Member State's risk managers (a Commission approver for an EU-wide model) may approve this model."
    ),
    "shadow": gettext_lazy(
        "Only its Member State's risk managers (a Commission approver for an EU-wide model) may put this model "
        "in shadow mode."
    ),
    "live": gettext_lazy(
        "Only its Member State's risk managers (a Commission approver for an EU-wide model) may put this model live."
    ),
    "retire": gettext_lazy(
        "Only its Member State's risk managers (a Commission approver for an EU-wide model) may retire this model."
    ),
}
MODEL_IN_STATUS = {
    ModelStatus.DRAFT: gettext_lazy("A draft model"),
    ModelStatus.SUBMITTED: gettext_lazy("A submitted model"),
    ModelStatus.APPROVED: gettext_lazy("An approved model"),
    ModelStatus.SHADOW: gettext_lazy("A model in shadow mode"),
    ModelStatus.LIVE: gettext_lazy("A live model"),
    ModelStatus.RETIRED: gettext_lazy("A retired model"),
}
DONE = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "shadow": gettext_lazy("put in shadow mode"),
    "live": gettext_lazy("put live"),
    "retire": gettext_lazy("retired"),
}


def refusal(action: str) -> GovernanceError:
    return GovernanceError(403, str(REFUSALS[action]), "not_allowed")


def conflict(model: ModelVersion, action: str) -> GovernanceError:
    """ "An approved model cannot be approved." (409: not in a state this move starts from)."""
    message = _("%(model)s cannot be %(done)s.") % {"model": MODEL_IN_STATUS[model.status], "done": DONE[action]}
    return GovernanceError(409, message, "conflict", "status")


NOT_EVALUATED = gettext_lazy(
    "This model was trained without a validation period, so nothing shows how well it selects: train it again "
    "with a validation period before it is submitted or approved."
)


def _check(actor, model: ModelVersion, action: str) -> None:
    allowed, _target = NEXT[action]
    if not has_right(actor, model, action):
        raise refusal(action)
    if model.status not in allowed:
        raise conflict(model, action)
    if action in ("submit", "approve") and not model.evaluation:
        raise GovernanceError(409, str(NOT_EVALUATED), "not_evaluated", "evaluation")
    if action == "approve" and actor.pk in (model.created_by_id, model.submitted_by_id):
        raise GovernanceError(
            403, _("Four-eyes rule: you trained or submitted this model, so someone else approves it."), "four_eyes"
        )


def _past(action: str) -> str:
    """The audit action's code (model.put_in_shadow, ...), never shown as it is."""
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
        raise GovernanceError(409, _("Another model of this scope went live at the same time."), "conflict") from None
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
