"""Condition trees: validation against the catalogue into a typed tree (the compiler's front end).

A condition is JSON: ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` or a leaf
``{"field", "op", "value"}``. ``parse_condition`` checks every node and returns
``Node`` objects with normalised values, or raises ``ConditionError`` listing every
problem with the node's path (``condition.all[1].value``). Both evaluators work on
the parsed tree, never on the raw JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from risk_engine.catalogue import (
    FIELDS,
    MAX_DEPTH,
    MAX_LIST_VALUES,
    MAX_NODES,
    MAX_STRING_LENGTH,
    OPERATORS,
    FieldSpec,
    FieldType,
    Level,
    ValueKind,
)
from risk_engine.matching import MAX_CONDITION_CHARACTERS, MAX_LEAF_CHARACTERS, MAX_WORDS_PER_LEAF, compiles


class ConditionError(ValueError):
    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Leaf:
    field: FieldSpec
    op: str
    value: Any  # normalised: tuple for lists, (low, high) for between, float for numbers, str upper/casefold
    raw_value: Any  # as written, for explanations

    @property
    def key(self) -> tuple:
        """Identity for sharing one evaluation between criteria in a batch."""
        return (self.field.name, self.op, self.value)


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Leaf | All | Any_ | Not


def leaves(node: Node) -> Iterator[Leaf]:
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from leaves(node.child)
    else:
        for child in node.children:
            yield from leaves(child)


def uses_items(node: Node) -> bool:
    return any(leaf.field.level == Level.ITEM for leaf in leaves(node))


def _err(path: str, code: str, message: str) -> dict[str, Any]:
    return {"field": path, "code": code, "message": message}


def normalise_text(value: str) -> str:
    return " ".join(value.split()).casefold()


def _scalar(spec: FieldSpec, value: Any, path: str, errors: list) -> Any:
    if spec.type == FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors.append(_err(path, "type_error", f"{spec.name} is a number: give a finite number."))
            return None
        return float(value)
    if spec.type == FieldType.BOOL:
        if not isinstance(value, bool):
            errors.append(_err(path, "type_error", f"{spec.name} is true or false."))
            return None
        return value
    if not isinstance(value, str) or not value.strip():
        errors.append(_err(path, "type_error", f"{spec.name} takes non-empty text values."))
        return None
    if len(value) > MAX_STRING_LENGTH:
        errors.append(_err(path, "too_long", f"Values are at most {MAX_STRING_LENGTH} characters."))
        return None
    if spec.type == FieldType.TEXT:
        return normalise_text(value)
    return value.strip().upper()


def _word_budget(words: tuple[str, ...], path: str, errors: list, counter: list[int]) -> None:
    """contains_any words are matched by an automaton built from them: bounded (``matching.py``)."""
    size = sum(len(word) for word in words)
    counter[1] += size
    if len(words) > MAX_WORDS_PER_LEAF:
        errors.append(_err(path, "too_long", f"contains_any takes at most {MAX_WORDS_PER_LEAF:,} words or phrases."))
    elif size > MAX_LEAF_CHARACTERS:
        errors.append(
            _err(path, "too_long", f"contains_any takes at most {MAX_LEAF_CHARACTERS:,} characters of words in all.")
        )
    elif not compiles(words):
        errors.append(_err(path, "too_complex", "These words are too many to match: split or shorten the list."))


def _leaf(
    raw: dict, path: str, errors: list, watch_lists: set[str] | None, counter: list[int], authoring: bool = False
) -> Leaf | None:
    unknown = set(raw) - {"field", "op", "value"}
    if unknown:
        errors.append(_err(path, "unknown_field", f"Unknown keys in a condition: {', '.join(sorted(unknown))}."))
    spec = FIELDS.get(raw.get("field")) if isinstance(raw.get("field"), str) else None
    if spec is None:
        errors.append(_err(f"{path}.field", "unknown_field", f"Unknown field {raw.get('field')!r}."))
    operator = OPERATORS.get(raw.get("op")) if isinstance(raw.get("op"), str) else None
    if operator is None:
        errors.append(_err(f"{path}.op", "unknown_operator", f"Unknown operator {raw.get('op')!r}."))
    if spec is None or operator is None:
        return None
    if spec.type not in operator.types:
        errors.append(
            _err(f"{path}.op", "type_error", f"Operator {operator.name} does not apply to {spec.name} ({spec.type}).")
        )
        return None
    value = raw.get("value")
    value_path = f"{path}.value"
    kind = operator.value
    before = len(errors)
    if kind == ValueKind.NONE:
        if value not in (None, [], ""):
            errors.append(_err(value_path, "invalid", f"{operator.name} takes no value."))
        normalised = None
    elif kind == ValueKind.WATCH_LIST:
        if not isinstance(value, str) or not value:
            errors.append(_err(value_path, "type_error", "in_watch_list takes the code of a watch list."))
            return None
        if watch_lists is not None and value not in watch_lists:
            errors.append(_err(value_path, "unknown", f"No watch list {value!r}."))
        normalised = value
    elif kind == ValueKind.SCALAR:
        normalised = _scalar(spec, value, value_path, errors)
    elif kind == ValueKind.PAIR:
        if not isinstance(value, list) or len(value) != 2:
            errors.append(_err(value_path, "type_error", "between takes [low, high]."))
            return None
        low, high = (_scalar(spec, v, f"{value_path}[{i}]", errors) for i, v in enumerate(value))
        if low is not None and high is not None and low > high:
            errors.append(_err(value_path, "invalid", "between takes [low, high] with low <= high."))
        normalised = (low, high)
    else:  # LIST
        if not isinstance(value, list) or not value:
            errors.append(_err(value_path, "type_error", f"{operator.name} takes a non-empty list."))
            return None
        if len(value) > MAX_LIST_VALUES:
            errors.append(_err(value_path, "too_long", f"At most {MAX_LIST_VALUES} values."))
            return None
        element = FieldSpec(spec.name, FieldType.CODE if spec.type == FieldType.LIST else spec.type, spec.level, "")
        items = [_scalar(element, v, f"{value_path}[{i}]", errors) for i, v in enumerate(value)]
        if operator.name == "contains_any":
            items = [item for item in items if item]
        normalised = tuple(dict.fromkeys(items))  # order kept, duplicates dropped
        if operator.name == "contains_any" and len(errors) == before:
            _word_budget(normalised, value_path, errors, counter)
    if len(errors) == before and authoring and normalised is not None and kind in (ValueKind.SCALAR, ValueKind.LIST):
        from risk_engine.domains import value_errors

        pairs = (
            [(value_path, normalised)]
            if kind == ValueKind.SCALAR
            else list(zip((f"{value_path}[{i}]" for i in range(len(normalised))), normalised, strict=True))
        )
        for where, message in value_errors(spec.name, operator.name, pairs):
            errors.append(_err(where, "invalid", message))
    if len(errors) > before:
        return None
    return Leaf(spec, operator.name, normalised, value)


def _node(
    raw: Any, path: str, depth: int, errors: list, counter: list[int], watch_lists, authoring: bool = False
) -> Node | None:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        if counter[0] == MAX_NODES + 1:
            errors.append(_err(path, "too_complex", f"A condition has at most {MAX_NODES} nodes."))
        return None
    if depth > MAX_DEPTH:
        errors.append(_err(path, "too_deep", f"A condition nests at most {MAX_DEPTH} levels."))
        return None
    if not isinstance(raw, dict):
        errors.append(_err(path, "invalid", "A condition node is an object."))
        return None
    groups = [key for key in ("all", "any", "not") if key in raw]
    if not groups:
        return _leaf(raw, path, errors, watch_lists, counter, authoring)
    if len(raw) != 1:
        errors.append(_err(path, "invalid", "A group node has exactly one key: all, any or not."))
        return None
    key = groups[0]
    if key == "not":
        child = _node(raw["not"], f"{path}.not", depth + 1, errors, counter, watch_lists, authoring)
        return Not(child) if child is not None else None
    members = raw[key]
    if not isinstance(members, list) or not members:
        errors.append(_err(f"{path}.{key}", "invalid", f"{key} takes a non-empty list of conditions."))
        return None
    children = [
        _node(child, f"{path}.{key}[{index}]", depth + 1, errors, counter, watch_lists, authoring)
        for index, child in enumerate(members)
    ]
    if any(child is None for child in children):
        return None
    return All(tuple(children)) if key == "all" else Any_(tuple(children))


def parse_condition(
    raw: Any, *, path: str = "condition", watch_lists: set[str] | None = None, authoring: bool = False
) -> Node:
    """Validate ``raw`` and return the typed tree; raise ``ConditionError`` with every problem.

    ``authoring``: also refuse values no ENS can carry (``risk_engine.domains``), when a person writes the criterion.
    """
    errors: list[dict[str, Any]] = []
    counter = [0, 0]  # nodes, characters of contains_any words
    node = _node(raw, path, 1, errors, counter, watch_lists, authoring)
    if counter[1] > MAX_CONDITION_CHARACTERS:
        message = f"A condition's contains_any words take at most {MAX_CONDITION_CHARACTERS:,} characters in all."
        errors.append(_err(path, "too_long", message))
    if errors or node is None:
        raise ConditionError(errors or [_err(path, "invalid", "Invalid condition.")])
    return node
