"""The audit log drawn for people: each entry's before/after as rows of field, was, now.

Entries store JSON snapshots (nested dicts, lists, ISO dates). Printing them as Python reprs
(``{'status': 'draft', ...}``) is unreadable, so they are flattened into dotted field paths
(``condition.all 1.field``), values written as text (lists joined, booleans yes/no, ISO dates as
28/02/2027, numbers the European way, a model's choice codes as their labels: a risk model's status
"Submitted", not "submitted"), and only the fields that changed are shown when both sides exist.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from crms.audit.models import AuditEntry
from crms.audit.selectors import entries_as_shown, history_for, withheld_entry_ids
from crms.core import formatting, labels

MISSING = formatting.MISSING
MAX_ROWS = 60  # a snapshot with hundreds of leaves (a long condition) is cut, with a note


@dataclass(frozen=True)
class ChangeRow:
    field: str
    before: str
    after: str


def _label(key: str) -> str:
    return key.replace("_", " ")


def _text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return formatting.number(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, str):
        return _date_text(value) or value
    return str(value)


def _date_text(value: str) -> str | None:
    """ISO dates and date-times as 28/02/2027 (14:05 UTC); anything else is not a date."""
    if len(value) < 10 or value[4:5] != "-" or value[7:8] != "-":
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%d/%m/%Y %H:%M") + (" UTC" if moment.tzinfo else "")


# An object type whose entries keep a snapshot of another model: a criterion's entries keep its version's.
SNAPSHOT_OF = {"risk_engine.criterion": "risk_engine.criterionversion"}


@functools.lru_cache(maxsize=128)
def _choices_of(object_type: str) -> dict[str, dict[str, Any]]:
    """The snapshot's top-level fields that are choices of the object's model, as {shown field: {code: label}}."""
    from django.apps import apps

    try:
        model = apps.get_model(SNAPSHOT_OF.get(object_type, object_type))
    except (LookupError, ValueError):
        return {}
    return {
        _label(field.name): {str(code): label for code, label in field.flatchoices}
        for field in model._meta.concrete_fields
        if field.choices
    }


def choice_labels(object_type: str | None) -> dict[str, dict[str, Any]]:
    return _choices_of(object_type) if object_type else {}


def _leaf(prefix: str, value: Any, choices: dict[str, dict[str, Any]]) -> str:
    if isinstance(value, str) and value in choices.get(prefix, {}):
        return str(choices[prefix][value])  # the model's own label ("Submitted"), in the reader's language
    return _text(labels.field_value(prefix, value))  # codes as labels: "Do not load"


def flatten(value: Any, prefix: str = "", choices: dict[str, dict[str, Any]] | None = None) -> dict[str, str]:
    """Nested JSON as {dotted label: text}; a list of plain values is one comma-separated text. ``choices``:
    the object's choice fields (``choice_labels``), whose codes are written as labels."""
    choices = choices or {}
    if isinstance(value, dict):
        rows: dict[str, str] = {}
        for key, item in value.items():
            rows.update(flatten(item, f"{prefix}.{_label(str(key))}" if prefix else _label(str(key)), choices))
        if not rows and prefix:
            return {prefix: MISSING}
        return rows
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            shown = ", ".join(_leaf(prefix, item, choices) for item in value)
            return {prefix or "value": shown or MISSING}
        rows = {}
        for number, item in enumerate(value, start=1):
            rows.update(flatten(item, f"{prefix} {number}" if prefix else str(number), choices))
        return rows
    return {prefix or "value": _leaf(prefix, value, choices)}


def change_rows(before: Any, after: Any, object_type: str | None = None) -> list[ChangeRow]:
    """What changed: every field of either side, only those that differ when both sides exist. With the
    entry's ``object_type``, the codes of its model's choice fields are shown as their labels."""
    choices = choice_labels(object_type)
    was = flatten(before, choices=choices) if before is not None else {}
    now = flatten(after, choices=choices) if after is not None else {}
    both = before is not None and after is not None
    rows = []
    for field in dict.fromkeys([*was, *now]):
        old, new = was.get(field, MISSING if both else ""), now.get(field, MISSING if both else "")
        if both and old == new:
            continue
        rows.append(ChangeRow(field, old, new))
    return rows[:MAX_ROWS]


def action_label(action: str) -> str:
    """``criterion.draft_updated`` -> "Criterion: draft updated"."""
    subject, _, verb = action.partition(".")
    return f"{_label(subject).capitalize()}: {_label(verb)}" if verb else _label(subject).capitalize()


def object_type_label(object_type: str) -> str:
    """``risk_engine.criterion`` -> "criterion"; ``workbench.controlresult`` -> "control result" (the model's name)."""
    if not object_type:
        return MISSING
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return _label(object_type.rpartition(".")[2])


@dataclass(frozen=True)
class EntryRow:
    """One entry as the page draws it."""

    entry: AuditEntry
    action: str
    object_type: str
    object_name: str  # the stored object name with enumeration codes as labels
    changes: list[ChangeRow]
    withheld: bool
    created: bool = False  # no before side: one value column


def entry_rows(user, entries: list[AuditEntry], *, record_reads: bool = True) -> list[EntryRow]:
    """Readable rows; the change of an entry that would show restricted logic is withheld."""
    # Logic redacted per version for who may not read it (each entitled read recorded), and the whole change
    # withheld from whoever may not read restricted logic at all.
    entries = entries_as_shown(user, entries, record_reads=record_reads)
    withheld = withheld_entry_ids(user, entries)
    return [
        EntryRow(
            entry=entry,
            action=action_label(entry.action),
            object_type=object_type_label(entry.object_type),
            object_name=labels.humanise_codes(entry.object_repr),
            changes=[]
            if entry.pk in withheld
            else change_rows(entry.shown_before, entry.shown_after, entry.object_type),
            withheld=entry.pk in withheld,
            created=entry.before is None,
        )
        for entry in entries
    ]


def history_rows(user, object_type: str, object_id, limit: int = 50) -> list[EntryRow]:
    """The per-object History tab: that object's entries the viewer may read, newest first. The page that
    hosts it records its own read of restricted logic (e.g. the criterion page), so this one does not."""
    return entry_rows(user, list(history_for(user, object_type, str(object_id))[:limit]), record_reads=False)
