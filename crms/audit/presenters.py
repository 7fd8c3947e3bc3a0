"""The audit log drawn for people: each entry's before/after as rows of field, was, now.

Entries store JSON snapshots (nested dicts, lists, ISO dates). Printing them as Python reprs
(``{'status': 'draft', ...}``) is unreadable, so they are flattened into dotted field paths
(``condition.all 1.field``), values written as text (lists joined, booleans yes/no, ISO dates as
28/02/2027, numbers the European way), and only the fields that changed are shown when both sides exist.
"""

from __future__ import annotations

import datetime as dt
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


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested JSON as {dotted label: text}; a list of plain values is one comma-separated text."""
    if isinstance(value, dict):
        rows: dict[str, str] = {}
        for key, item in value.items():
            rows.update(flatten(item, f"{prefix}.{_label(str(key))}" if prefix else _label(str(key))))
        if not rows and prefix:
            return {prefix: MISSING}
        return rows
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            shown = ", ".join(_text(labels.field_value(prefix, item)) for item in value)
            return {prefix or "value": shown or MISSING}
        rows = {}
        for number, item in enumerate(value, start=1):
            rows.update(flatten(item, f"{prefix} {number}" if prefix else str(number)))
        return rows
    return {prefix or "value": _text(labels.field_value(prefix, value))}  # codes as labels: "Do not load"


def change_rows(before: Any, after: Any) -> list[ChangeRow]:
    """What changed: every field of either side, only those that differ when both sides exist."""
    was = flatten(before) if before is not None else {}
    now = flatten(after) if after is not None else {}
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
            changes=[] if entry.pk in withheld else change_rows(entry.shown_before, entry.shown_after),
            withheld=entry.pk in withheld,
            created=entry.before is None,
        )
        for entry in entries
    ]


def history_rows(user, object_type: str, object_id, limit: int = 50) -> list[EntryRow]:
    """The per-object History tab: that object's entries the viewer may read, newest first. The page that
    hosts it records its own read of restricted logic (e.g. the criterion page), so this one does not."""
    return entry_rows(user, list(history_for(user, object_type, str(object_id))[:limit]), record_reads=False)
