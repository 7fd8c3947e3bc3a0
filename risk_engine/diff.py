"""What changed between two versions of a criterion: field by field, and the condition line by line."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from risk_engine.models import CriterionVersion
from risk_engine.plain import PHASES


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "hunk" (where the next lines sit, between distant changes)
    text: str

    @property
    def marker(self) -> str:
        return {"added": "+", "removed": "-", "same": " "}.get(self.kind, "")


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M %Z") if value else "open-ended"


def _applies_to(applies_to: dict | None) -> str:
    applies_to = applies_to or {}
    phases = [PHASES.get(phase, phase) for phase in applies_to.get("phases") or []]
    modes = [mode.replace("_", " ") for mode in applies_to.get("transport_modes") or []]
    return f"phases: {', '.join(phases) if phases else 'all'}; transport modes: {', '.join(modes) if modes else 'all'}"


FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("description", "Description"),
    ("risk_area", "Risk area"),
    ("applies_to", "Applies to"),
    ("weight", "Weight"),
    ("outcome", "Outcome"),
    ("control_type", "Control type"),
    ("validity", "Validity"),
    ("allows_aeo_facilitation", "AEO facilitation"),
    ("shadow", "Shadow mode"),
    ("restricted", "Restricted logic"),
    ("legal_act", "Legal act"),
    ("financial_subtype", "Financial risk type"),
    ("control_stage", "Control stage"),
)


def _shown(version: CriterionVersion, name: str) -> str:
    if name == "risk_area":
        return version.risk_area_id
    if name == "applies_to":
        return _applies_to(version.applies_to)
    if name == "outcome":
        return version.get_outcome_display()
    if name == "control_type":
        return version.get_control_type_display() if version.control_type else "none"
    if name == "validity":
        return f"{_moment(version.valid_from)} → {_moment(version.valid_to)}"
    if name == "allows_aeo_facilitation":
        return "allowed" if version.allows_aeo_facilitation else "not allowed"
    if name == "shadow":
        return "shadow (counted, no outcome)" if version.shadow else "live"
    if name == "restricted":
        return "restricted (entitled readers only)" if version.restricted else "not restricted"
    if name == "financial_subtype":
        return version.get_financial_subtype_display() if version.financial_subtype else "none"
    if name == "control_stage":
        return version.get_control_stage_display() if version.control_stage else "not stated"
    if name == "legal_act":
        return version.legal_act or "none"
    return str(getattr(version, name))


LOGIC_FIELDS = frozenset({"description"})  # the plain-language statement of the indicators: logic, like the condition


def field_changes(a: CriterionVersion, b: CriterionVersion, *, logic: bool = True) -> list[FieldChange]:
    """Every compared field with its value in ``a`` and ``b`` (``changed`` tells them apart); without
    ``logic`` (a restricted criterion, for who may not read it) the logic fields are left out."""
    return [
        FieldChange(name, label, _shown(a, name), _shown(b, name))
        for name, label in FIELDS
        if logic or name not in LOGIC_FIELDS
    ]


def pretty(condition: Any) -> list[str]:
    return json.dumps(condition, indent=2, ensure_ascii=False, sort_keys=True).splitlines()


HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _hunk(header: str) -> str:
    """``@@ -4,7 +4,8 @@`` as "⋯ lines 4-10 → 4-11" (where the following lines sit in each version)."""
    match = HUNK.match(header)
    if match is None:
        return "⋯"
    start_a, count_a, start_b, count_b = (int(part) if part else 1 for part in match.groups())

    def span(start: int, count: int) -> str:
        return f"{start}-{start + count - 1}" if count > 1 else str(start)

    return f"⋯ lines {span(start_a, count_a)} → {span(start_b, count_b)}"


def condition_diff(a: Any, b: Any, *, context: int = 3) -> list[DiffLine]:
    """A unified line diff of the pretty-printed JSON (empty when the conditions are equal)."""
    lines = []
    for line in list(difflib.unified_diff(pretty(a), pretty(b), lineterm="", n=context))[2:]:  # no ---/+++ header
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", _hunk(line)))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines
