"""Every field and operator of the catalogue, item semantics and outcome mapping, with fixed expectations.

Each case is checked with both evaluators (the per-record one and the columnar one), so a
wrong answer in either fails here even where the random parity test happens to agree.
"""

from __future__ import annotations

import math

import pytest

from risk_engine.catalogue import FIELDS, OPERATORS, PARTY_ROLES
from risk_engine.columnar import evaluate, group_by_declaration
from risk_engine.conditions import ConditionError, parse_condition
from risk_engine.frame import frame_from_records
from risk_engine.outcomes import Outcome, combine, effect
from risk_engine.reference import WatchList, matching_items

WATCH = {"WL-E": WatchList(frozenset({"CN9988"})), "WL-HS": WatchList(frozenset({"9303"}), prefix=True)}


def record() -> dict:
    """One declaration with two items; values chosen so each test leaf has a clear answer."""
    decl = {
        "transport_mode": "AIR",
        "phase": "PRE_LOADING",
        "filing_type": "F26",
        "office_of_first_entry": "FR004380",
        "first_entry_member_state": "FR",
        "unloading_member_state": "NL",
        "place_of_loading": "CNPVG",
        "place_of_unloading": "NLRTM",
        "routing.countries": ("CN", "AE", "FR"),
        "total_gross_mass_kg": 12.5,
        "item_count": 2.0,
        "any_party.aeo": True,
    }
    for role in PARTY_ROLES:
        decl[f"{role}.name"] = "" if role == "buyer" else f"{role} trading co"
        decl[f"{role}.eori"] = "" if role == "buyer" else ("CN9988" if role == "consignor" else "DE12345")
        decl[f"{role}.country"] = "" if role == "buyer" else "CN"
    items = [
        {
            "item_number": 1,
            "item.hs_code": "930320",
            "item.description": "hunting shotgun parts",
            "item.country_of_origin": "TR",
            "item.gross_mass_kg": 10.0,
            "item.value_eur": 50.0,
            "item.value_per_kg": 5.0,
            "item.price_deviation": 0.125,  # a value per kg of 5 against a baseline of 40
            "item.packages": 2.0,
            "item.container": "",
            "item.dangerous_goods_code": "1203",
        },
        {
            "item_number": 2,
            "item.hs_code": "950300",
            "item.description": "plastic toy cars",
            "item.country_of_origin": "CN",
            "item.gross_mass_kg": 2.5,
            "item.value_eur": math.nan,
            "item.value_per_kg": math.nan,
            "item.price_deviation": math.nan,  # no value: no ratio
            "item.packages": 1.0,
            "item.container": "MSCU1234567",
            "item.dangerous_goods_code": "",
        },
    ]
    return {"decl": decl, "items": items}


def both(condition: dict) -> list[int]:
    node = parse_condition(condition, watch_lists=set(WATCH))
    rec = record()
    expected = matching_items(node, rec, WATCH)
    frame = frame_from_records([rec])
    hits = evaluate(frame, [("c", node)], WATCH)
    columnar = group_by_declaration(frame, hits[0].item_rows).get(0, []) if hits else []
    assert sorted(columnar) == sorted(expected), f"evaluators disagree on {condition}"
    return sorted(expected)


DECL_ALL, NONE = [1, 2], []

# (field, op, value, expected items): at least one hitting and one missing case per field.
CASES = [
    ("transport_mode", "eq", "air", DECL_ALL),
    ("transport_mode", "eq", "sea", NONE),
    ("phase", "in", ["pre_loading"], DECL_ALL),
    ("phase", "eq", "pre_arrival", NONE),
    ("filing_type", "starts_with", ["F2"], DECL_ALL),
    ("filing_type", "eq", "F10", NONE),
    ("office_of_first_entry", "eq", "FR004380", DECL_ALL),
    ("office_of_first_entry", "neq", "FR004380", NONE),
    ("first_entry_member_state", "in", ["FR", "DE"], DECL_ALL),
    ("first_entry_member_state", "not_in", ["FR"], NONE),
    ("unloading_member_state", "eq", "NL", DECL_ALL),
    ("unloading_member_state", "is_empty", None, NONE),
    ("place_of_loading", "starts_with", ["CN"], DECL_ALL),
    ("place_of_loading", "eq", "AEDXB", NONE),
    ("place_of_unloading", "is_not_empty", None, DECL_ALL),
    ("place_of_unloading", "eq", "FRCDG", NONE),
    ("routing.countries", "any_in", ["AE", "TR"], DECL_ALL),
    ("routing.countries", "any_in", ["TR"], NONE),
    ("routing.countries", "is_empty", None, NONE),
    ("total_gross_mass_kg", "between", [10, 20], DECL_ALL),
    ("total_gross_mass_kg", "gt", 12.5, NONE),
    ("item_count", "gte", 2, DECL_ALL),
    ("item_count", "lt", 2, NONE),
    ("any_party.aeo", "eq", True, DECL_ALL),
    ("any_party.aeo", "neq", True, NONE),
    ("item.hs_code", "starts_with", ["9303", "9305"], [1]),
    ("item.hs_code", "in", ["950300"], [2]),
    ("item.hs_code", "in_watch_list", "WL-HS", [1]),
    ("item.hs_code", "eq", "870300", NONE),
    ("item.description", "contains_any", ["shotgun"], [1]),
    ("item.description", "contains_any", ["car"], NONE),
    ("item.description", "contains_any", ["toy cars"], [2]),
    ("item.description", "eq", "Plastic  TOY cars", [2]),
    ("item.country_of_origin", "eq", "TR", [1]),
    ("item.country_of_origin", "not_in", ["TR", "CN"], NONE),
    ("item.gross_mass_kg", "gt", 5, [1]),
    ("item.gross_mass_kg", "lte", 2.5, [2]),
    ("item.value_eur", "is_empty", None, [2]),
    ("item.value_eur", "lt", 100, [1]),
    ("item.value_eur", "neq", 50, [2]),  # a missing value is "not 50"
    ("item.value_per_kg", "lt", 10, [1]),
    ("item.value_per_kg", "gt", 10, NONE),
    ("item.price_deviation", "lt", 0.2, [1]),
    ("item.price_deviation", "gt", 5, NONE),
    ("item.price_deviation", "is_empty", None, [2]),
    ("item.packages", "eq", 2, [1]),
    ("item.packages", "in", [1, 3], [2]),
    ("item.container", "is_not_empty", None, [2]),
    ("item.container", "starts_with", ["MSCU"], [2]),
    ("item.dangerous_goods_code", "eq", "1203", [1]),
    ("item.dangerous_goods_code", "is_empty", None, [2]),
]
for _role in PARTY_ROLES:
    hit = NONE if _role == "buyer" else DECL_ALL
    CASES += [
        (f"{_role}.name", "contains_any", ["trading"], hit),
        (f"{_role}.eori", "is_not_empty", None, hit),
        (f"{_role}.country", "eq", "CN", hit),
    ]
CASES += [("consignor.eori", "in_watch_list", "WL-E", DECL_ALL), ("filer.eori", "in_watch_list", "WL-E", NONE)]


@pytest.mark.parametrize("field,op,value,expected", CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_field_and_operator(field, op, value, expected):
    leaf = {"field": field, "op": op} | ({} if value is None else {"value": value})
    assert both(leaf) == expected


def test_every_field_and_operator_is_covered():
    assert {case[0] for case in CASES} == set(FIELDS)
    assert {case[1] for case in CASES} == set(OPERATORS)


def test_item_conditions_must_hold_on_the_same_item():
    # Item 1 is HS 9303 from TR; item 2 is HS 9503 from CN: "9303 from CN" matches no single item.
    assert (
        both(
            {
                "all": [
                    {"field": "item.hs_code", "op": "starts_with", "value": ["9303"]},
                    {"field": "item.country_of_origin", "op": "eq", "value": "CN"},
                ]
            }
        )
        == NONE
    )
    assert both(
        {
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9303"]},
                {"field": "item.country_of_origin", "op": "eq", "value": "TR"},
                {"field": "routing.countries", "op": "any_in", "value": ["AE"]},
            ]
        }
    ) == [1]
    assert both({"not": {"field": "item.hs_code", "op": "starts_with", "value": ["9303"]}}) == [2]
    assert both(
        {
            "any": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9303"]},
                {"field": "item.container", "op": "is_not_empty"},
            ]
        }
    ) == [1, 2]


@pytest.mark.parametrize(
    "condition,path",
    [
        ({"field": "consignor.name", "op": "gt", "value": 3}, "condition.op"),
        ({"field": "item.colour", "op": "eq", "value": "red"}, "condition.field"),
        ({"field": "item.hs_code", "op": "matches", "value": "93"}, "condition.op"),
        ({"all": [{"field": "item.value_eur", "op": "between", "value": [5, 1]}]}, "condition.all[0].value"),
        ({"field": "item.hs_code", "op": "in", "value": []}, "condition.value"),
        ({"field": "consignor.eori", "op": "in_watch_list", "value": "WL-NONE"}, "condition.value"),
        ({"field": "item.gross_mass_kg", "op": "gt", "value": "heavy"}, "condition.value"),
        ({"any": [{"field": "phase", "op": "eq", "value": "x"}], "all": []}, "condition"),
    ],
)
def test_invalid_conditions_name_the_node(condition, path):
    with pytest.raises(ConditionError) as error:
        parse_condition(condition, watch_lists=set(WATCH))
    assert path in [problem["field"] for problem in error.value.errors]


def test_pathological_trees_are_refused():
    deep = {"field": "phase", "op": "eq", "value": "pre_loading"}
    for _ in range(20):
        deep = {"not": deep}
    wide = {"any": [{"field": "phase", "op": "eq", "value": "pre_loading"}] * 400}
    huge = {"field": "item.hs_code", "op": "in", "value": [f"{n:06d}" for n in range(6000)]}
    codes = set()
    for condition in (deep, wide, huge):
        with pytest.raises(ConditionError) as error:
            parse_condition(condition)
        codes |= {problem["code"] for problem in error.value.errors}
    assert {"too_deep", "too_complex", "too_long"} <= codes


@pytest.mark.parametrize(
    "outcome,phase,expected,control",
    [
        ("request_for_information", "pre_loading", Outcome.REQUEST_FOR_INFORMATION, None),
        ("request_for_information", "pre_arrival", Outcome.CONTROL_RECOMMENDED, None),
        ("high_risk_cargo_screening", "pre_arrival", Outcome.CONTROL_RECOMMENDED, "physical"),
        ("do_not_load", "pre_arrival", Outcome.CONTROL_RECOMMENDED, "physical"),
        ("do_not_load", "pre_loading", Outcome.DO_NOT_LOAD, None),
    ],
)
def test_pre_arrival_mapping(outcome, phase, expected, control):
    result = effect(outcome=outcome, control_type=None, weight=50, phase=phase, aeo=False, allows_facilitation=False)
    assert (result.outcome, result.control_type) == (expected, control)


def test_most_severe_outcome_wins_and_score_grows():
    make = lambda outcome, weight: effect(  # noqa: E731
        outcome=outcome, control_type=None, weight=weight, phase="pre_loading", aeo=False, allows_facilitation=False
    )
    assert combine([]) == (Outcome.ASSESSMENT_COMPLETE, 0, None)
    effects = [make("request_for_information", 30)]
    previous = combine(effects)[1]
    for outcome in ("control_recommended", "do_not_load", "high_risk_cargo_screening"):
        effects.append(make(outcome, 10))
        worst, score, _ = combine(effects)
        assert score >= previous and 0 <= score <= 100
        previous = score
    assert worst == Outcome.DO_NOT_LOAD
    shadow = effect(
        outcome="do_not_load",
        control_type=None,
        weight=90,
        phase="pre_loading",
        aeo=False,
        allows_facilitation=False,
        shadow=True,
    )
    assert combine([shadow]) == (Outcome.ASSESSMENT_COMPLETE, 0, None)
