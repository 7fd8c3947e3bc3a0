"""What changed between two versions of an ENS, field by field, read from the bodies as filed.

The bodies are flattened to dotted paths ("goods_items[2].description") so an amendment reads as a short
list of "before → after" lines; lists of objects are compared by position (goods items carry their item
number in that position).
"""

from __future__ import annotations

from typing import Any

from crms.core.labels import readable


def flatten(value: Any, path: str = "") -> dict[str, str]:
    """Every leaf of a JSON body under its path, rendered as text ("—" for none)."""
    if isinstance(value, dict):
        leaves: dict[str, str] = {}
        for key in value:
            leaves.update(flatten(value[key], f"{path}.{key}" if path else str(key)))
        return leaves
    if isinstance(value, list) and any(isinstance(element, dict | list) for element in value):
        leaves = {}
        for index, element in enumerate(value, start=1):
            leaves.update(flatten(element, f"{path}[{index}]"))
        return leaves
    return {path: readable(value)}  # lists joined, yes/no, "—" for none: never "None" or "True"


def body_diff(before: dict, after: dict) -> list[dict[str, str]]:
    """The paths whose value differs, in the order of the later body (removed paths last)."""
    old, new = flatten(before), flatten(after)
    changes = [
        {"path": path, "before": old.get(path, "—"), "after": value}
        for path, value in new.items()
        if old.get(path, "—") != value
    ]
    changes += [{"path": path, "before": value, "after": "—"} for path, value in old.items() if path not in new]
    return changes


def parse_compare(typed: str) -> tuple[int, int] | None:
    """``"1..2"`` as (1, 2); None for anything else."""
    first, separator, second = typed.strip().partition("..")
    if not separator or not first.isdigit() or not second.isdigit() or len(first) > 6 or len(second) > 6:
        return None
    return int(first), int(second)
