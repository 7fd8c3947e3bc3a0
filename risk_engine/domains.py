"""What a criterion's exact values may be, by field: a value no ENS can ever carry is refused when the
criterion is written (adversarial probe, 7 December: ``transport_mode eq teleport``, ``item.hs_code
starts_with ABCD``, ``first_entry_member_state eq GB`` were saved as drafts that could never match).

Checked when a criterion is created or edited, not when a stored one is compiled for screening: a
reference-data change must never stop a published criterion from running.
"""

from __future__ import annotations

import re
from typing import Any

from crms.declarations.models import Phase, TransportMode

EXACT = frozenset({"eq", "neq", "in", "not_in", "any_in"})
COUNTRY_FIELDS = frozenset({"item.country_of_origin", "routing.countries"})
PATTERNS = {
    "item.hs_code": (re.compile(r"[0-9]{2,10}"), "An HS code or its start: 2 to 10 digits, like 9303."),
    "place_of_loading": (re.compile(r"[A-Z]{2}[A-Z0-9]{3}"), "A UN/LOCODE: five characters, like CNSHA."),
    "place_of_unloading": (re.compile(r"[A-Z]{2}[A-Z0-9]{3}"), "A UN/LOCODE: five characters, like NLRTM."),
    "filing_type": (re.compile(r"F[0-9]{2}"), "A filing type: F and two digits, like F26."),
    "item.dangerous_goods_code": (re.compile(r"[0-9]{4}"), "A UN number: four digits, like 1203."),
}
EORI = (re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}"), "An EORI number: a country code and up to 15 letters or digits.")


def _allowed(field: str) -> tuple[frozenset[str], str] | None:
    """The closed set of values of ``field`` (upper-case, as conditions hold codes), with its error message."""
    from crms.declarations.validation import reference_sets

    if field == "transport_mode":
        return frozenset(v.upper() for v in TransportMode.values), "One of: " + ", ".join(TransportMode.values) + "."
    if field == "phase":
        return frozenset(v.upper() for v in Phase.values), "One of: " + ", ".join(Phase.values) + "."
    if field in ("first_entry_member_state", "unloading_member_state"):
        return reference_sets().participants, "A Member State taking part, by its code, like FR."
    if field == "office_of_first_entry":
        return frozenset(reference_sets().offices), "A customs office of the reference data, like FR004380."
    if field in COUNTRY_FIELDS or field.endswith(".country"):
        return reference_sets().countries, "A country code of the reference data, like CN."
    return None


def value_errors(field: str, op: str, values: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(path, message) for each value of a leaf that no ENS can hold; ``values`` pairs each value with its path."""
    problems = []
    pattern = PATTERNS.get(field) or (EORI if field.endswith(".eori") else None)
    allowed = _allowed(field) if op in EXACT else None
    for path, value in values:
        if not isinstance(value, str):
            continue
        if pattern is not None and op in EXACT | {"starts_with"}:
            shape, message = pattern
            if op == "starts_with" and field == "item.hs_code":
                ok = shape.fullmatch(value)
            elif op == "starts_with":
                ok = True  # the start of a code: any prefix of a valid one
            else:
                ok = shape.fullmatch(value)
            if not ok:
                problems.append((path, message))
                continue
        if allowed is not None and value.upper() not in allowed[0]:
            problems.append((path, allowed[1]))
    return problems
