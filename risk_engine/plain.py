"""Criteria in plain language: "goods item HS code starts with 9303 or 9305, and the route passes through AE".

One rendering for the builder's live preview, the criterion page and the approval page,
so the approver reads exactly what the author read. Works on the raw JSON (also when
parts are still invalid while someone is editing).
"""

from __future__ import annotations

from typing import Any

from risk_engine.catalogue import FIELDS, MAX_DEPTH, MAX_NODES, OPERATORS

PHASES = {"pre_loading": "pre-loading", "pre_arrival": "pre-arrival"}


def _values(values: Any, joiner: str = "or") -> str:
    if not isinstance(values, list):
        return "(no value yet)" if values in (None, "") else str(values)
    if not values:
        return "(no value yet)"  # a condition just added in the builder: an IndexError (500) before
    shown = [str(value) for value in values[:12]]
    if len(values) > 12:
        shown.append(f"{len(values) - 12} more")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def _leaf(node: dict) -> str:
    spec = FIELDS.get(node.get("field"))
    operator = OPERATORS.get(node.get("op"))
    if spec is None or operator is None:
        return "(incomplete condition)"
    label, value = spec.label, node.get("value")
    op = operator.name
    if spec.name == "any_party.aeo":
        return "a party is an AEO" if (value is True) == (op == "eq") else "no party is an AEO"
    if op in ("is_empty", "is_not_empty"):
        return f"{label} {operator.label}"
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return f"{label} is between {value[0]} and {value[1]}"
    if op == "in_watch_list":
        return f"{label} is on watch list {value}"
    if op == "not_in":
        return f"{label} is none of {_values(value, 'and')}"
    if op == "contains_any":
        words = [f"“{word}”" for word in value] if isinstance(value, list) else [str(value)]
        return f"{label} contains {_values(words)}"
    if op == "in" and isinstance(value, list) and len(value) == 1:
        return f"{label} is {value[0]}"
    return f"{label} {operator.label} {_values(value)}"


def _node(node: Any, nested: bool, depth: int = 1) -> str:
    # Beyond the limits (refused anyway) the preview stops: a 1,000-deep tree was a RecursionError (500).
    if depth > MAX_DEPTH:
        return "(nested too deeply)"
    if not isinstance(node, dict):
        return "(incomplete condition)"
    if "not" in node:
        return f"not ({_node(node['not'], False, depth + 1)})"
    for key, joiner in (("all", ", and "), ("any", ", or ")):
        if key in node:
            children = node[key] if isinstance(node[key], list) else []
            if not children:
                return "(empty group)"
            if len(children) == 1:
                return _node(children[0], nested, depth + 1)
            parts = [_node(child, True, depth + 1) for child in children[:MAX_NODES]]
            if len(children) > MAX_NODES:
                parts.append(f"{len(children) - MAX_NODES} more conditions")
            text = joiner.join(parts)
            if key == "any" and not nested:
                text = "either " + text
            return f"({text})" if nested else text
    return _leaf(node)


def describe(condition: Any) -> str:
    """The condition as one sentence."""
    return _node(condition, False)


def describe_scope(*, scope: str, owner: str, applies_to: dict | None) -> str:
    """Where the criterion runs: scope, phases and modes."""
    applies_to = applies_to or {}
    parts = ["Every ENS" if scope == "eu" else f"ENS entering or unloaded in {owner}"]
    modes = applies_to.get("transport_modes") or []
    phases = applies_to.get("phases") or []
    if modes:
        parts.append("moved by " + _values([mode.replace("_", " ") for mode in modes]))
    if phases:
        parts.append("in the " + _values([PHASES.get(phase, phase) for phase in phases]) + " phase")
    return " ".join(parts) + "."
