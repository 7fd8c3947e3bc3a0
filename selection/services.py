"""Reading and changing a Member State's selection settings: random-selection rate and daily capacity.

Risk managers of the Member State change them (browser and REST alike through ``update_settings``),
in one transaction, audited with before and after. The rate is the engine's own row
(``risk_engine.RandomSelectionRate``): writing it moves the criteria revision (database trigger,
risk_engine migration 0006), so only a rate that really changed is written.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from crms.accounts.roles import Role, member_state_of
from crms.audit.models import AuditEntry
from crms.audit.services import record
from crms.declarations.models import TransportMode
from risk_engine.models import RandomSelectionRate
from selection.models import MAX_DAILY_CONTROLS, ControlCapacity
from selection.rules import MAX_RATE

MODES = list(TransportMode.values)
ACTION = "selection.settings_changed"


class SelectionError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.status = status
        self.errors = errors


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def may_change(user) -> bool:
    return user.is_authenticated and user.role == Role.RISK_MANAGER and member_state_of(user) is not None


def settings_of(member_state: str) -> dict[str, Any]:
    """The Member State's settings as the API and the page show them (rate 0 when never set)."""
    rate = RandomSelectionRate.objects.filter(member_state_id=member_state).values_list("rate", flat=True).first()
    capacity = dict.fromkeys(MODES)
    capacity.update(
        ControlCapacity.objects.filter(member_state_id=member_state).values_list("transport_mode", "daily_controls")
    )
    last = (
        AuditEntry.objects.filter(action=ACTION, object_type="accounts.organisation", object_id=member_state)
        .order_by("-at", "-id")
        .first()
    )
    return {
        "member_state": member_state,
        "random_selection_rate": rate or 0.0,
        "daily_capacity": capacity,
        "changed_at": last.at.isoformat() if last else None,
        "changed_by": last.actor_username if last else None,
    }


def check(rate: Any, capacity: dict[str, Any]) -> list[dict[str, Any]]:
    """Every problem, each naming its field (the browser form and scripts; REST validates with pydantic too)."""
    errors = []
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= MAX_RATE:
        most = round(MAX_RATE * 100)
        message = f"From 0\u00a0% to {most}\u00a0% of the ENS (a share from 0 to {MAX_RATE} in the API's JSON)."
        errors.append(_error("random_selection_rate", "out_of_range", message))
    for mode, value in capacity.items():
        if mode not in MODES:
            errors.append(_error(f"daily_capacity.{mode}", "unknown_field", "Not a transport mode of the contract."))
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAILY_CONTROLS
        ):
            errors.append(
                _error(f"daily_capacity.{mode}", "out_of_range", "A whole number of controls from 0 to 1 000 000.")
            )
    return errors


@transaction.atomic
def update_settings(*, actor, rate: float, capacity: dict[str, int | None]) -> dict[str, Any]:
    """Replace the actor's Member State's settings; a mode missing or None is no longer stated."""
    if not may_change(actor):
        raise SelectionError(
            403, [_error(None, "not_allowed", "Only a risk manager of the Member State sets its selection.")]
        )
    if errors := check(rate, capacity):
        raise SelectionError(400, errors)
    member_state = member_state_of(actor)
    before = settings_of(member_state)
    now = timezone.now()
    stored = RandomSelectionRate.objects.select_for_update().filter(member_state_id=member_state).first()
    if stored is None:
        if rate:
            RandomSelectionRate.objects.create(member_state_id=member_state, rate=float(rate))
    elif stored.rate != float(rate):
        stored.rate = float(rate)
        stored.save(update_fields=["rate"])
    wanted = {mode: value for mode, value in capacity.items() if value is not None}
    ControlCapacity.objects.filter(member_state_id=member_state).exclude(transport_mode__in=list(wanted)).delete()
    for mode, value in wanted.items():
        ControlCapacity.objects.update_or_create(
            member_state_id=member_state,
            transport_mode=mode,
            defaults={"daily_controls": value, "changed_by": actor, "changed_at": now},
        )
    after = settings_of(member_state)
    changed = {key: after[key] for key in ("random_selection_rate", "daily_capacity")}
    if changed != {key: before[key] for key in changed}:
        from crms.accounts.models import Organisation

        record(
            actor=actor,
            action=ACTION,
            obj=Organisation.objects.get(code=member_state),
            before={key: before[key] for key in changed},
            after=changed,
        )
        after = settings_of(member_state)
    return after
