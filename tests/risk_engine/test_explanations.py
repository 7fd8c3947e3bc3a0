"""Hit explanations in plain language (issue 14): one renderer, every field and operator of the catalogue.

``SAMPLES`` has a row for every field of ``risk_engine.catalogue.FIELDS`` and ``PHRASES`` one for every
operator: a field or operator added to the catalogue without a rendering here fails
``test_every_field_and_operator_has_a_row``. Each (field, operator) pair the catalogue allows is rendered,
plain and negated, and checked for what a reader must never see (Python reprs, raw codes, unrounded
numbers) and for what they must see (the field's label, the operator in words, the value with its name).
"""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from risk_engine.catalogue import FIELDS, OPERATORS, FieldType, ValueKind
from risk_engine.plain import explain_leaf, explain_parts

pytestmark = pytest.mark.django_db  # names of countries, offices and Member States are reference data

# field: (the declaration's value as the engine stores it, a value the criterion may ask for, words shown)
SAMPLES: dict[str, tuple] = {
    "transport_mode": ("SEA", "sea", "sea"),
    "phase": ("PRE_LOADING", "pre_loading", "pre-loading"),
    "filing_type": ("F10", "F10", "F10"),
    "office_of_first_entry": ("NL000851", "NL000851", "NL000851 (Rotterdam Maasvlakte seaport)"),
    "first_entry_member_state": ("FR", "FR", "FR (France)"),
    "unloading_member_state": ("NL", "NL", "NL (Netherlands)"),
    "place_of_loading": ("CNSHA", "CNSHA", "CNSHA"),
    "place_of_unloading": ("NLRTM", "NLRTM", "NLRTM"),
    "routing.countries": (["CN", "YE", "NL"], "YE", "YE (Yemen)"),
    **{
        name: sample
        for role in ("consignor", "consignee", "buyer", "seller", "carrier", "filer")
        for name, sample in (
            (f"{role}.name", ("acme trading gmbh", "ACME Trading GmbH", "“acme trading gmbh”")),
            (f"{role}.eori", ("DE123456789012", "DE123456789012", "DE123456789012")),
            (f"{role}.country", ("CN", "CN", "CN (China)")),
        )
    },
    "total_gross_mass_kg": (1200.5, 1000, "1\u00a0200,50 kg"),
    "item_count": (3.0, 2, "3"),
    "any_party.aeo": (True, True, "a party is an AEO"),
    "item.hs_code": ("930320", "9303", "930320"),
    "item.description": ("toy pistol replica", "pistol", "“toy pistol replica”"),
    "item.country_of_origin": ("CN", "CN", "CN (China)"),
    "item.gross_mass_kg": (12.25, 10, "12,25 kg"),
    "item.value_eur": (33.0, 100, "33 EUR"),
    "item.value_per_kg": (2.694444444444444, 15, "2,69 EUR"),
    "item.price_deviation": (0.1234, 0.2, "0,12 x the baseline"),
    "item.packages": (4.0, 2, "4"),
    "item.container": ("MSCU1234567", "MSCU1234567", "MSCU1234567"),
    "item.dangerous_goods_code": ("1203", "1203", "1203"),
}

# operator: words that must appear (None: the value alone says it, e.g. "filing phase is pre-loading")
PHRASES: dict[str, str | None] = {
    "eq": None,
    "neq": "not ",
    "in": "one of",
    "not_in": "none of",
    "starts_with": "starting with",
    "any_in": "among",
    "contains_any": "containing",
    "gt": "above",
    "gte": "at least",
    "lt": "below",
    "lte": "at most",
    "between": "between",
    "is_empty": "not given",
    "is_not_empty": "is given",
    "in_watch_list": "on watch list",
}

REPRS = re.compile(r"\['|\[\"|\{'|\bNone\b|\bTrue\b|\bFalse\b|\bnan\b")


def _expected(field: str, op: str):
    kind, wanted = OPERATORS[op].value, SAMPLES[field][1]
    if kind == ValueKind.LIST:
        return [wanted, *(["SO"] if field == "routing.countries" else [])] if op != "in" else [wanted, wanted]
    if kind == ValueKind.PAIR:
        return [1, 5000]
    if kind == ValueKind.WATCH_LIST:
        return "FR-WL-SEC"
    if kind == ValueKind.NONE:
        return None
    return wanted


def _pairs():
    for field, spec in FIELDS.items():
        for op, operator in OPERATORS.items():
            if spec.type in operator.types:
                yield field, op


def test_every_field_and_operator_has_a_row():
    assert set(SAMPLES) == set(FIELDS), "a catalogue field without an explanation sample"
    assert set(PHRASES) == set(OPERATORS), "a catalogue operator without its words"


@pytest.mark.parametrize("negated", [False, True])
@pytest.mark.parametrize(("field", "op"), list(_pairs()))
def test_every_field_and_operator_reads_as_words(field, op, negated):
    actual, _wanted, shown = SAMPLES[field]
    empty = op == "is_empty" and not negated  # the leaf held: the value is missing
    if empty:
        actual = {FieldType.LIST: [], FieldType.NUMBER: None}.get(FIELDS[field].type, "")
    leaf = {"field": field, "op": op, "expected": _expected(field, op), "actual": actual}
    if FIELDS[field].level == "item":
        leaf["item"] = 2
    if negated:
        leaf["negated"] = True
    text = explain_leaf(leaf)
    assert text and not REPRS.search(text), text
    raw = [field] if re.search(r"[._]", field) else []  # "item.value_eur"; "phase" is also a word
    raw += [op] if "_" in op else []
    assert not [code for code in raw if code in text], f"a raw code in {text!r}"
    assert not re.search(r"\b(eq|neq|gte?|lte?)\b", text), text
    assert "_" not in text, text  # no code such as pre_loading or not_in
    label = FIELDS[field].label.split(" (")[0]
    if field != "any_party.aeo":
        subject = label.replace("goods item ", "goods item 2 ") if label.startswith("goods item ") else label
        assert text.startswith(subject), (text, subject)
        if FIELDS[field].level == "item" and not label.startswith("goods item "):
            assert f"{label} of item 2" in text, text
        assert ("not given" if empty else shown) in text, (text, shown)
        if not negated and ((PHRASES[op] and FIELDS[field].type != FieldType.LIST) or op == "any_in" or empty):
            assert PHRASES[op] in text, (text, PHRASES[op])
        if negated:
            assert "the criterion excludes" in text and "excludes not" not in text, text
    else:
        assert "AEO" in text, text
    parts = explain_parts(leaf)
    assert str(parts) == text and parts.actual  # the page marks the declaration's value: it is never empty


@pytest.mark.parametrize(
    ("leaf", "sentence"),
    [
        (  # issue 14: "item.value_eur (item 1) = 2.694444444444444 is less than 15"
            {"field": "item.value_per_kg", "op": "lt", "expected": 15, "actual": 2.694444444444444, "item": 1},
            "goods item 1 value per kg is 2,69 EUR, below 15",
        ),
        (
            {"field": "item.value_eur", "op": "lt", "expected": 15, "actual": 2.694444444444444, "item": 1},
            "goods item 1 value is 2,69 EUR, below 15",
        ),
        (  # "phase = PRE_LOADING is pre_loading"
            {"field": "phase", "op": "eq", "expected": "pre_loading", "actual": "PRE_LOADING"},
            "filing phase is pre-loading",
        ),
        (  # "routing.countries = ['YE', 'AE', 'FR'] any_in ['YE', 'SO']"
            {"field": "routing.countries", "op": "any_in", "expected": ["YE", "SO"], "actual": ["YE", "AE", "FR"]},
            "the route passes through YE (Yemen), which is among YE (Yemen) and SO (Somalia) "
            "(whole route YE → AE → FR)",
        ),
        (
            {"field": "transport_mode", "op": "in", "expected": ["sea", "inland_water"], "actual": "INLAND_WATER"},
            "transport mode is inland waterway, one of sea or inland waterway",
        ),
        (  # issue 16 point 5: the price against its baseline
            {"field": "item.price_deviation", "op": "lt", "expected": 0.2, "actual": 0.1234, "item": 1},
            "goods item 1 price is 0,12 x the baseline, below 0,20",
        ),
        (  # rounding never makes the value read like the threshold
            {"field": "item.value_per_kg", "op": "lt", "expected": 15, "actual": 14.999, "item": 3},
            "goods item 3 value per kg is 14,999 EUR, below 15",
        ),
        (
            {"field": "total_gross_mass_kg", "op": "between", "expected": [1000, 25000.5], "actual": 1234567.891},
            "total gross mass is 1\u00a0234\u00a0567,89 kg, between 1\u00a0000 and 25\u00a0000,50",
        ),
        (
            {"field": "item.description", "op": "contains_any", "expected": ["Pistol", "rifle"],
             "actual": "toy pistol", "item": 1},
            "goods description of item 1 is “toy pistol”, containing “Pistol” (words sought: “Pistol” and “rifle”)",
        ),
        (
            {"field": "item.hs_code", "op": "starts_with", "expected": ["9303", "9305"], "actual": "930320",
             "item": 1},
            "goods item 1 HS code is 930320, starting with 9303 or 9305",
        ),
        (
            {"field": "phase", "op": "eq", "expected": "pre_loading", "actual": "PRE_ARRIVAL", "negated": True},
            "filing phase is pre-arrival, the criterion excludes pre-loading",
        ),
        (
            {"field": "transport_mode", "op": "neq", "expected": "sea", "actual": "SEA", "negated": True},
            "transport mode is sea, the criterion excludes anything but sea",
        ),
        (
            {"field": "routing.countries", "op": "any_in", "expected": ["IR"], "actual": ["CN", "NL"],
             "negated": True},
            "the route passes through CN (China), NL (Netherlands), the criterion excludes routes through IR (Iran)",
        ),
        ({"field": "any_party.aeo", "op": "eq", "expected": False, "actual": False}, "no party is an AEO"),
        (
            {"field": "consignee.eori", "op": "is_empty", "expected": None, "actual": ""},
            "consignee EORI is not given",
        ),
        (
            {"field": "item.gross_mass_kg", "op": "gt", "expected": 100, "actual": None, "item": 1,
             "negated": True},
            "goods item 1 gross mass is not given, the criterion excludes values above 100",
        ),
        (  # a leaf stored before its field left the catalogue: still words, never a 500
            {"field": "vessel.flag", "op": "eq", "expected": "XX", "actual": "XX"},
            "vessel.flag is XX",
        ),
    ],
)  # fmt: skip
def test_examples(leaf, sentence):
    assert explain_leaf(leaf) == sentence


def test_long_lists_are_cut_with_a_count():
    leaf = {"field": "item.country_of_origin", "op": "in", "expected": [f"C{i}" for i in range(30)], "actual": "C1"}
    assert explain_leaf(leaf).endswith("C10, C11 or 18 more")


def test_the_partial_marks_the_value_and_withholds_restricted_logic():
    leaves = [{"field": "item.value_per_kg", "op": "lt", "expected": 15, "actual": 2.694444444444444, "item": 1}]
    html = render_to_string("risk_engine/_explanation.html", {"explanation": leaves})
    assert 'goods item 1 value per kg is <mark>2,69 EUR</mark>, <span class="muted">below 15</span>' in html
    hidden = render_to_string("risk_engine/_explanation.html", {"explanation": leaves, "restricted": True})
    assert "restricted criterion: logic not shown" in hidden and "15" not in hidden
