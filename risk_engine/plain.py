"""Criteria in plain language: "goods item HS code starts with 9303 or 9305, and the route passes through AE".

One rendering for the builder's live preview, the criterion page and the approval page,
so the approver reads exactly what the author read. Works on the raw JSON (also when
parts are still invalid while someone is editing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crms.core import formatting, labels
from risk_engine.catalogue import FIELDS, MAX_DEPTH, MAX_NODES, OPERATORS, PARTY_ROLES, FieldSpec, FieldType
from risk_engine.conditions import normalise_text
from risk_engine.matching import word_pattern

PHASES = {"pre_loading": "pre-loading", "pre_arrival": "pre-arrival"}


def _shown(value: Any) -> str:
    """A value as people read it: numbers the European way ("1 000", "0,25"), anything else as written."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) == float("inf"):
        return str(value)
    if float(value).is_integer():
        return formatting.count(int(value))
    decimals = min(len(repr(float(value)).partition(".")[2]), 6)
    return formatting.number(value, decimals)


def _values(values: Any, joiner: str = "or") -> str:
    if not isinstance(values, list):
        return "(no value yet)" if values in (None, "") else _shown(values)
    if not values:
        return "(no value yet)"  # a condition just added in the builder: an IndexError (500) before
    shown = [_shown(value) for value in values[:12]]
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
        return f"{label} is between {_shown(value[0])} and {_shown(value[1])}"
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


def _words(value) -> list[str]:
    return [word for word in value if isinstance(word, str)] if isinstance(value, list) else []


def describe_scope(*, scope: str, owner: str, applies_to: dict | None) -> str:
    """Where the criterion runs: scope, phases and modes."""
    applies_to = applies_to or {}
    parts = ["Every ENS" if scope == "eu" else f"ENS entering or unloaded in {owner}"]
    # Only lists of words are described: a malformed value (a string, say) is the validation's to name, not
    # something to spell out letter by letter ("moved by a, i or r").
    modes, phases = _words(applies_to.get("transport_modes")), _words(applies_to.get("phases"))
    if modes:
        parts.append("moved by " + _values([mode.replace("_", " ") for mode in modes]))
    if phases:
        parts.append("in the " + _values([PHASES.get(phase, phase) for phase in phases]) + " phase")
    return " ".join(parts) + "."


# --- Explanations: why a hit fired, leaf by leaf ------------------------------------------------------
#
# A stored explanation leaf is ``{"field", "op", "expected", "actual", "item"?, "negated"?}`` (written by
# ``reference.explain``): ``expected`` as the author wrote it, ``actual`` normalised by the engine (codes
# upper-case, text casefolded, missing numbers None). The renderer reads the same catalogue labels as
# ``describe`` and writes values the way people read them: names beside codes, European rounded numbers.

COUNTRY_FIELDS = frozenset(
    {"routing.countries", "item.country_of_origin", *(f"{role}.country" for role in PARTY_ROLES)}
)
MEMBER_STATE_FIELDS = frozenset({"first_entry_member_state", "unloading_member_state"})
COMPARISONS = {"gt": "above", "gte": "at least", "lt": "below", "lte": "at most"}
MAX_SHOWN_VALUES = 12
MAX_TEXT = 120


@dataclass(frozen=True)
class Explained:
    """One leaf in words, in parts so a page can mark the declaration's value: ``str()`` is the sentence."""

    lead: str  # "goods item 1 value per kg is"
    actual: str  # "2,69 EUR": the declaration's value
    reason: str = ""  # "below 15": what the criterion asked for

    def __str__(self) -> str:
        text = " ".join(part for part in (self.lead, self.actual) if part)
        return f"{text}, {self.reason}" if self.reason else text


def _name_and_unit(spec: FieldSpec) -> tuple[str, str]:
    """ "goods item value per kg (EUR)" -> ("goods item value per kg", "EUR"): the unit goes after numbers
    ("goods item price (x the baseline)": "goods item 1 price is 0,12 x the baseline, below 0,2")."""
    found = re.fullmatch(r"(.*) \(([^()]+)\)", spec.label)
    return (found.group(1), found.group(2)) if found else (spec.label, "")


def _subject(spec: FieldSpec, item: Any) -> str:
    name, _unit = _name_and_unit(spec)
    if item in (None, ""):
        return name
    if name.startswith("goods item "):
        return f"goods item {item} {name.removeprefix('goods item ')}"
    return f"{name} of item {item}"


def _decimals(value: float) -> int:
    return 0 if float(value).is_integer() else 2


def _number(value: Any, unit: str = "", decimals: int | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _missing_or(value)
    shown = formatting.number(value, _decimals(value) if decimals is None else decimals)
    return f"{shown} {unit}" if unit else shown


def _missing_or(value: Any) -> str:
    return "not given" if value in (None, "") else str(value)


def _code(spec: FieldSpec, value: Any) -> str:
    """A code value with its name where reference data or the enumerations have one."""
    if value in (None, ""):
        return "not given"
    text = str(value)
    if spec.name in ("transport_mode", "phase"):
        label = labels.choice("mode" if spec.name == "transport_mode" else "phase", text)
        return label.lower() if label != text else text  # "sea", "pre-loading"; an unknown code as it is
    if spec.name in COUNTRY_FIELDS:
        return labels.country(text.upper())
    if spec.name in MEMBER_STATE_FIELDS:
        return labels.coded(text.upper(), labels.organisation_name(text))
    if spec.name == "office_of_first_entry":
        return labels.office(text.upper())
    return text.upper() if spec.type == FieldType.CODE else text


def _text(value: Any) -> str:
    if value in (None, ""):
        return "not given"
    text = str(value)
    return f"“{text[:MAX_TEXT]}…”" if len(text) > MAX_TEXT else f"“{text}”"


def _value(spec: FieldSpec, value: Any, unit: str = "") -> str:
    if spec.type == FieldType.NUMBER:
        return _number(value, unit)
    if spec.type == FieldType.TEXT:
        return _text(value)
    if spec.type == FieldType.BOOL:
        return "yes" if value is True else "no" if value is False else _missing_or(value)
    return _code(spec, value)


def _listed(spec: FieldSpec, values: Any, joiner: str) -> str:
    """Values of a list in words: "YE (Yemen) and SO (Somalia)"; the first twelve, then how many more."""
    if not isinstance(values, list | tuple):
        return _value(spec, values)
    if not values:
        return "(no value)"
    shown = [_value(spec, value) for value in values[:MAX_SHOWN_VALUES]]
    if len(values) > MAX_SHOWN_VALUES:
        shown.append(f"{len(values) - MAX_SHOWN_VALUES} more")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def _quoted(words: list[str], joiner: str) -> str:
    quoted = [f"“{word}”" for word in words[:MAX_SHOWN_VALUES]]
    if len(words) > MAX_SHOWN_VALUES:
        quoted.append(f"{len(words) - MAX_SHOWN_VALUES} more")
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {joiner} " + quoted[-1]


def _route(spec: FieldSpec, actual: Any, expected: Any, negated: bool) -> Explained:
    route = [str(country).upper() for country in actual] if isinstance(actual, list | tuple) else []
    wanted = {str(code).upper() for code in expected} if isinstance(expected, list | tuple) else set()
    among = _listed(spec, expected, "and")
    excluded = f"the criterion excludes {_excluded(spec, 'any_in', expected)}"
    if not route:
        return Explained(f"{_name_and_unit(spec)[0]} is", "not given", excluded if negated else "")
    matched = [country for country in route if country in wanted]
    if negated or not matched:
        whole = ", ".join(_code(spec, country) for country in route)
        return Explained(f"{_name_and_unit(spec)[0]} passes through", whole, excluded if negated else "")
    reason = f"which {'is' if len(matched) == 1 else 'are'} among {among}"
    if len(route) > len(matched):
        reason += " (whole route " + " → ".join(route) + ")"
    return Explained(f"{_name_and_unit(spec)[0]} passes through", _listed(spec, matched, "and"), reason)


def _comparison(spec: FieldSpec, op: str, expected: Any, actual: Any, negated: bool) -> str:
    """What the criterion asked for, after the declaration's value ("below 15"); "" when it adds nothing."""
    if op in COMPARISONS:
        return f"{COMPARISONS[op]} {_number(expected)}"
    if op == "between" and isinstance(expected, list | tuple) and len(expected) == 2:
        return f"between {_number(expected[0])} and {_number(expected[1])}"
    if op == "eq":
        return _value(spec, expected) if negated else ""
    if op == "neq":
        return f"not {_value(spec, expected)}"
    if op == "in":
        if not negated and isinstance(expected, list) and len(expected) == 1:
            return ""
        return f"one of {_listed(spec, expected, 'or')}"
    if op == "not_in":
        return f"none of {_listed(spec, expected, 'and')}"
    if op == "starts_with":
        return "starting with " + _listed(spec, expected, "or")
    if op == "contains_any":
        words = [str(word) for word in expected] if isinstance(expected, list | tuple) else [str(expected)]
        found = [w for w in words if isinstance(actual, str) and word_pattern((normalise_text(w),)).search(actual)]
        if negated or not found:
            return f"containing {_quoted(words, 'or')}"
        if len(found) == len(words):
            return f"containing {_quoted(found, 'and')}"
        # Every word the criterion seeks stays shown: the reader sees the whole rule, not only what matched.
        return f"containing {_quoted(found, 'and')} (words sought: {_quoted(words, 'and')})"
    if op == "in_watch_list":
        return f"on watch list {expected}"
    return ""


def _excluded(spec: FieldSpec, op: str, expected: Any) -> str:
    """A negated leaf: what the criterion rules out, without double negatives ("anything but sea").

    Under a ``not`` over a group, one leaf of the group failing is enough, so the text says what the
    criterion excludes rather than claiming this value differs.
    """
    if op in COMPARISONS:
        return f"values {COMPARISONS[op]} {_number(expected)}"
    if op == "between":
        return f"values {_comparison(spec, op, expected, None, True)}"
    if op == "eq":
        return _value(spec, expected)
    if op == "neq":
        return f"anything but {_value(spec, expected)}"
    if op == "in":
        return _listed(spec, expected, "or")
    if op == "not_in":
        return f"anything but {_listed(spec, expected, 'or')}"
    if op == "any_in":
        return f"routes through {_listed(spec, expected, 'or')}"
    if op == "is_empty":
        return "an empty value"
    if op == "is_not_empty":
        return "a given value"
    return f"values {_comparison(spec, op, expected, None, True)}"  # starting with, containing, on watch list


def _aeo(op: str, expected: Any, actual: Any) -> Explained:
    if isinstance(actual, bool):
        return Explained("", "a party is an AEO" if actual else "no party is an AEO")
    return Explained("", "a party is an AEO" if (expected is True) == (op == "eq") else "no party is an AEO")


def explain_parts(leaf: dict) -> Explained:
    """One explanation leaf as words, in parts (see ``Explained``)."""
    spec, op = FIELDS.get(leaf.get("field")), leaf.get("op")
    actual, expected, negated = leaf.get("actual"), leaf.get("expected"), bool(leaf.get("negated"))
    if spec is None or op not in OPERATORS:
        # A leaf stored before its field or operator left the catalogue: still readable, never a 500.
        return Explained(f"{leaf.get('field', 'a field')} is", _missing_or(actual if actual != [] else None))
    if spec.name == "any_party.aeo":
        return _aeo(op, expected, actual)
    if spec.type == FieldType.LIST:
        if op == "any_in":
            return _route(spec, actual, expected, negated)
        route = ", ".join(_code(spec, c) for c in actual) if isinstance(actual, list | tuple) and actual else None
        lead = f"{_subject(spec, leaf.get('item'))} is"
        return Explained(
            lead, route or "not given", f"the criterion excludes {_excluded(spec, op, expected)}" * negated
        )
    _name, unit = _name_and_unit(spec)
    subject = _subject(spec, leaf.get("item"))
    if op in ("is_empty", "is_not_empty"):
        shown = "not given" if actual in (None, "") else _value(spec, actual, unit)
        lead = f"{subject} is given:" if op == "is_not_empty" and shown != "not given" else f"{subject} is"
        return Explained(lead, shown, f"the criterion excludes {_excluded(spec, op, expected)}" * negated)
    shown = _value(spec, actual, unit)
    if spec.type == FieldType.NUMBER and op in COMPARISONS and isinstance(actual, int | float):
        shown = _precise_enough(actual, expected, unit)
    if negated:
        return Explained(f"{subject} is", shown, f"the criterion excludes {_excluded(spec, op, expected)}")
    return Explained(f"{subject} is", shown, _comparison(spec, op, expected, actual, negated))


def _precise_enough(actual: float, expected: Any, unit: str) -> str:
    """Rounded, but never so much that it reads like the threshold (14,999 "below 15" is not "15 ... below 15")."""
    if not isinstance(expected, int | float) or isinstance(expected, bool):
        return _number(actual, unit)
    decimals = _decimals(actual)
    while decimals < 6 and actual != expected and round(actual, decimals) == round(float(expected), decimals):
        decimals += 1
    return _number(actual, unit, decimals)


def explain_leaf(leaf: dict) -> str:
    """One explanation leaf as a sentence: "goods item 1 value per kg is 2,69 EUR, below 15"."""
    return str(explain_parts(leaf))
