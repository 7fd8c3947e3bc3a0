"""The per-record reference evaluator: one declaration at a time, in plain Python.

It serves single-declaration calls and explanations, and it is the oracle the
columnar evaluator is tested against: the two are written independently on
purpose, so a property test comparing them checks real behaviour.

A record is ``{"decl": {field: value}, "items": [{field: value, "item_number": n}]}``
with values normalised: codes upper-case, text casefolded with single spaces,
missing text/codes as ``""``, missing numbers as NaN, the route as a tuple.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from risk_engine.catalogue import FieldType, Level
from risk_engine.conditions import All, Any_, Leaf, Node, Not
from risk_engine.matching import word_pattern  # linear-time, shared with columnar.py


@dataclass(frozen=True)
class WatchList:
    values: frozenset[str]  # normalised like the field it is matched against
    prefix: bool = False  # HS code lists match by prefix (an entry 9303 covers 930320)


def _value(leaf: Leaf, decl: dict[str, Any], item: dict[str, Any] | None) -> Any:
    return (item if leaf.field.level == Level.ITEM else decl)[leaf.field.name]


def leaf_holds(leaf: Leaf, value: Any, watch_lists: dict[str, WatchList]) -> bool:
    op, expected, kind = leaf.op, leaf.value, leaf.field.type
    if op == "is_empty":
        return _is_empty(kind, value)
    if op == "is_not_empty":
        return not _is_empty(kind, value)
    if op == "eq":
        return value == expected
    if op == "neq":
        return not value == expected  # noqa: SIM201 - NaN: "not ==" is True, as in numpy
    if op == "in":
        return value in expected
    if op == "not_in":
        return value not in expected
    if op == "starts_with":
        return any(value.startswith(prefix) for prefix in expected)
    if op == "any_in":
        return any(country in expected for country in value)
    if op == "contains_any":
        return bool(word_pattern(expected).search(value))
    if op in ("gt", "gte", "lt", "lte"):
        if math.isnan(value):
            return False
        return {"gt": value > expected, "gte": value >= expected, "lt": value < expected, "lte": value <= expected}[op]
    if op == "between":
        low, high = expected
        return not math.isnan(value) and low <= value <= high
    if op == "in_watch_list":
        watch = watch_lists.get(expected)
        if watch is None or not value:
            return False
        if watch.prefix:
            return any(value.startswith(entry) for entry in watch.values)
        return value in watch.values
    raise ValueError(f"unknown operator {op}")


def _is_empty(kind: FieldType, value: Any) -> bool:
    if kind == FieldType.NUMBER:
        return math.isnan(value)
    if kind == FieldType.LIST:
        return len(value) == 0
    return value == ""


def holds(node: Node, decl: dict, item: dict | None, watch_lists: dict[str, WatchList]) -> bool:
    if isinstance(node, Leaf):
        return leaf_holds(node, _value(node, decl, item), watch_lists)
    if isinstance(node, All):
        return all(holds(child, decl, item, watch_lists) for child in node.children)
    if isinstance(node, Any_):
        return any(holds(child, decl, item, watch_lists) for child in node.children)
    return not holds(node.child, decl, item, watch_lists)


def matching_items(node: Node, record: dict, watch_lists: dict[str, WatchList]) -> list[int]:
    """Item numbers whose row (item + declaration fields) satisfies the whole condition."""
    decl = record["decl"]
    return [item["item_number"] for item in record["items"] if holds(node, decl, item, watch_lists)]


def _actual(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value


def explain(
    node: Node, decl: dict, item: dict, watch_lists: dict[str, WatchList], *, negated: bool = False
) -> list[dict[str, Any]]:
    """The leaves that made ``node`` hold on this row, with the values that fired them."""
    if isinstance(node, Leaf):
        value = _value(node, decl, item)
        entry = {"field": node.field.name, "op": node.op, "expected": node.raw_value, "actual": _actual(value)}
        if node.field.level == Level.ITEM:
            entry["item"] = item["item_number"]
        if negated:
            entry["negated"] = True
        return [entry]
    if isinstance(node, Not):
        # The child does not hold: its leaves, with their values, are the reason.
        return [
            entry for leaf in _leaf_nodes(node.child) for entry in explain(leaf, decl, item, watch_lists, negated=True)
        ]
    children = node.children
    if isinstance(node, Any_):
        children = tuple(child for child in children if holds(child, decl, item, watch_lists))
    return [entry for child in children for entry in explain(child, decl, item, watch_lists, negated=negated)]


def _leaf_nodes(node: Node) -> list[Leaf]:
    if isinstance(node, Leaf):
        return [node]
    if isinstance(node, Not):
        return _leaf_nodes(node.child)
    return [leaf for child in node.children for leaf in _leaf_nodes(child)]
