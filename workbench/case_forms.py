"""The case page's forms as people fill them: values kept, numbers read, errors in plain words.

The services speak the contract's language (``seizure.estimated_value_eur``, "one of
misdescription, ..."), which suits a REST client; a person needs the message next to the box
they typed in, saying what to do. This module maps one to the other, so that a refused form
comes back with what was typed and each error beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from crms.core.formatting import NumberRefused, parse_decimal

DECISION_FIELDS = ("action", "control_type", "control_place", "reason", "question")
CONTROL_FIELDS = (
    "control_type",
    "based_on_risk_analysis",
    "result",
    "irregularity_type",
    "seized_goods",
    "seized_quantity",
    "seized_unit",
    "estimated_value_eur",
    "notes",
    "controlled_at",
)

# Where a service error belongs on the control form.
CONTROL_PLACE_OF = {
    "seizure.goods": "seized_goods",
    "seizure.quantity": "seized_quantity",
    "seizure.unit": "seized_unit",
    "seizure.estimated_value_eur": "estimated_value_eur",
    "seizure": "seized_goods",
}

# (form field, code) -> what a person reads; (form field, code, start of the service's message) where one
# code covers several messages. A pair missing here keeps the service's message (already plain words).
DECISION_PLAIN = {
    ("action", "invalid", "One of"): "Choose an action from the list.",
    ("control_type", "required"): "Choose the kind of control: documentary, physical or scanning.",
    ("control_type", "invalid"): "Choose the kind of control from the list.",
    ("control_place", "required"): "Choose where the control takes place.",
    ("reason", "required"): "Say why you dismiss the hit (at least 5 characters).",
}
CONTROL_PLAIN = {
    ("control_type", "invalid"): "Choose the control done from the list.",
    ("result", "invalid"): "Choose the result from the list.",
    ("irregularity_type", "required"): "Choose what kind of irregularity was found.",
    ("irregularity_type", "invalid"): "Leave the irregularity empty when nothing irregular was found.",
    ("seized_goods", "required"): "Describe the seized goods.",
    ("seized_goods", "invalid"): "Seizure details go with the result “Seizure” only.",
    ("seized_goods", "too_long"): "Seized goods: at most 300 characters; unit: at most 20.",
    ("seized_quantity", "invalid"): "The quantity cannot be negative.",
    ("seized_quantity", "implausible"): "That quantity is implausibly large: check the number.",
    ("estimated_value_eur", "invalid"): "The estimated value cannot be negative.",
    ("estimated_value_eur", "implausible"): "That value is implausibly large: check the number.",
    ("controlled_at", "out_of_range"): "The date of the control cannot be in the future or before 2000.",
}


@dataclass
class FormState:
    """What a form shows: the values typed and, per field, the error to show next to it."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)  # errors belonging to no field on the form

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.general)


def _typed(post: QueryDict, names: tuple[str, ...]) -> dict[str, str]:
    return {name: post.get(name, "") for name in names}


def plain_errors(
    errors: list[dict[str, Any]],
    names: tuple[str, ...],
    place_of: dict[str, str] | None = None,
    plain: dict[tuple, str] | None = None,
) -> FormState:
    """Service errors as a form state: each next to its field, in plain words (several on a field in a row)."""
    state = FormState()
    for error in errors:
        name = (place_of or {}).get(error.get("field") or "", error.get("field") or "")
        message, code = error.get("message", ""), error.get("code")
        specific = [
            text
            for key, text in (plain or {}).items()
            if key[:2] == (name, code) and key[2:] and message.startswith(key[2])
        ]
        message = specific[0] if specific else (plain or {}).get((name, code), message)
        if name in names:
            state.errors[name] = f"{state.errors[name]} {message}" if name in state.errors else message
        else:
            state.general.append(message)
    return state


def decision_state(post: QueryDict, errors: list[dict[str, Any]]) -> FormState:
    state = plain_errors(errors, DECISION_FIELDS, plain=DECISION_PLAIN)
    state.values = _typed(post, DECISION_FIELDS)
    return state


def read_amounts(post: QueryDict) -> tuple[dict[str, float | None], dict[str, str]]:
    """The seizure's quantity and value as typed ("1 200,50", "1.200,50", "1200.5"), or an error per field."""
    amounts: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for name in ("seized_quantity", "estimated_value_eur"):
        try:
            value = parse_decimal(post.get(name))
        except NumberRefused as refused:
            errors[name] = refused.message
            amounts[name] = None
        else:
            amounts[name] = float(value) if value is not None else None
    return amounts, errors


def control_state(
    post: QueryDict, errors: list[dict[str, Any]], number_errors: dict[str, str] | None = None
) -> FormState:
    state = plain_errors(errors, CONTROL_FIELDS, CONTROL_PLACE_OF, CONTROL_PLAIN)
    for name, message in (number_errors or {}).items():
        state.errors[name] = message  # the number as typed was not read: that is the error to fix first
    state.values = _typed(post, CONTROL_FIELDS)
    return state
