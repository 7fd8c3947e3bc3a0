"""Every field and every operator of the criteria catalogue (contract section 3), on a real filed ENS.

A crafted ENS is filed through ``file_declarations`` and loaded by the screening loader, so each
field is read from where the engine really gets it (parties linked by EORI, values converted to
EUR, HS codes as filed). Each catalogue field has leaves that must hit and leaves that must not;
both evaluators (the per-record reference one and the columnar one) are asked every time, and a
sample runs through ``screen_versions`` on both of its paths (a single ENS: per record; a batch of
four or more: columnar). Creating a criterion with a type error is a 400 naming the node.
"""

from __future__ import annotations

import datetime as dt

import pytest

from crms.operators.models import AeoAuthorisation, Operator
from risk_engine import columnar, reference
from risk_engine.catalogue import FIELDS, MAX_DEPTH, MAX_LIST_VALUES, MAX_NODES, OPERATORS
from risk_engine.compiler import load_watch_lists
from risk_engine.conditions import parse_condition
from risk_engine.matching import MAX_WORDS_PER_LEAF
from risk_engine.models import Criterion, Hit, WatchList, WatchListEntry
from risk_engine.screening import REFERENCE_EVALUATOR_BELOW, load_batch
from tests.learning.prices_support import add_baselines
from tests.risk_engine.conftest import assert_error_body, current_version_ids, make_ens

BOTH, FIRST, SECOND, NONE = [1, 2], [1], [2], []


def crafted_body() -> dict:
    """All six parties, two goods items; every catalogue field has a known value (or is missing)."""

    def party(name, eori, country):
        return {"name": name, "eori": eori, "address": {"street": "1 Main St", "city": "X", "country": country}}

    return make_ens(
        phase="pre_loading",
        transport_mode="air",
        filing_type="F26",
        office_of_first_entry="FR004380",
        place_of_loading="CNPVG",
        place_of_unloading="NLRTM",
        countries_of_routing=["CN", "AE", "NL"],
        consignor=party("Shenzhen Bright Trading Co", "CN9988776655", "CN"),
        consignee=party("Jean Martin", None, "FR"),
        buyer=party("Acme Import BV", "NL123456789", "NL"),
        seller=party("Dubai Re-export LLC", None, "AE"),
        carrier=party("Sky Cargo Ltd", "IE987654321000", "IE"),
        filer=party("Fast Parcels GmbH", "DE123456789012345", "DE"),
        goods_items=[
            {
                "item_number": 1,
                "hs_code": "9303200000",
                "description": "Hunting shotgun PARTS",
                "gross_mass_kg": 10,
                "packages": 2,
                "value": {"amount": 50, "currency": "EUR"},
                "country_of_origin": "TR",
                "container": "MSCU1234567",
                "dangerous_goods_code": "1203",
            },
            {
                "item_number": 2,
                "hs_code": "950300",
                "description": "plastic  toy cars",
                "gross_mass_kg": 2.5,
                "packages": None,
                "value": {"amount": 108, "currency": "USD"},  # 100 EUR at 1.08 USD per EUR
                "country_of_origin": "CN",
                "container": None,
                "dangerous_goods_code": None,
            },
        ],
    )


# field -> [(op, value, items expected to match)]; every field has at least one hit and one miss.
FIELD_CASES: dict[str, list[tuple[str, object, list[int]]]] = {
    "transport_mode": [("eq", "air", BOTH), ("eq", "sea", NONE)],
    "phase": [("in", ["pre_loading"], BOTH), ("neq", "pre_loading", NONE)],
    "filing_type": [("starts_with", ["F2"], BOTH), ("in", ["F10", "F30"], NONE)],
    "office_of_first_entry": [("eq", "fr004380", BOTH), ("not_in", ["FR004380"], NONE)],
    "first_entry_member_state": [("eq", "FR", BOTH), ("eq", "NL", NONE)],
    "unloading_member_state": [("in", ["NL", "BE"], BOTH), ("is_empty", None, NONE)],
    "place_of_loading": [("starts_with", ["CN"], BOTH), ("eq", "AEDXB", NONE)],
    "place_of_unloading": [("eq", "NLRTM", BOTH), ("starts_with", ["FR"], NONE)],
    "routing.countries": [
        ("any_in", ["AE", "TR"], BOTH),
        ("is_not_empty", None, BOTH),
        ("any_in", ["TR", "IR"], NONE),
        ("is_empty", None, NONE),
    ],
    "consignor.name": [("contains_any", ["trading"], BOTH), ("contains_any", ["trade", "bright trade"], NONE)],
    "consignor.eori": [("in_watch_list", "WL-EORI", BOTH), ("eq", "CN0000", NONE)],
    "consignor.country": [("eq", "CN", BOTH), ("neq", "CN", NONE)],
    "consignee.name": [("eq", "jean   MARTIN", BOTH), ("eq", "jean", NONE)],
    "consignee.eori": [("is_empty", None, BOTH), ("is_not_empty", None, NONE)],
    "consignee.country": [("in", ["FR"], BOTH), ("not_in", ["FR"], NONE)],
    "buyer.name": [("in_watch_list", "WL-NAMES", BOTH), ("contains_any", ["acme corp"], NONE)],
    "buyer.eori": [("starts_with", ["NL"], BOTH), ("starts_with", ["DE"], NONE)],
    "buyer.country": [("is_not_empty", None, BOTH), ("is_empty", None, NONE)],
    "seller.name": [("contains_any", ["re-export"], BOTH), ("contains_any", ["dubai llc"], NONE)],
    "seller.eori": [("is_empty", None, BOTH), ("in", ["AE123"], NONE)],
    "seller.country": [("eq", "AE", BOTH), ("eq", "CN", NONE)],
    "carrier.name": [("starts_with", ["SKY"], BOTH), ("starts_with", ["cargo"], NONE)],
    "carrier.eori": [("eq", "IE987654321000", BOTH), ("in_watch_list", "WL-EORI", NONE)],
    "carrier.country": [("not_in", ["CN", "AE"], BOTH), ("in", ["CN", "AE"], NONE)],
    "filer.name": [("neq", "someone else", BOTH), ("eq", "fast parcels", NONE)],
    "filer.eori": [("in", ["DE123456789012345"], BOTH), ("neq", "DE123456789012345", NONE)],
    "filer.country": [("eq", "DE", BOTH), ("eq", "FR", NONE)],
    "total_gross_mass_kg": [
        ("between", [12.5, 13], BOTH),
        ("gt", 12.5, NONE),
        ("lte", 12.5, BOTH),
        ("between", [12.6, 99], NONE),
    ],
    "item_count": [("gte", 2, BOTH), ("gte", 3, NONE), ("lt", 2, NONE), ("eq", 2, BOTH)],
    "any_party.aeo": [("eq", True, BOTH), ("eq", False, NONE), ("neq", True, NONE)],
    "item.hs_code": [
        ("starts_with", ["9303", "9305"], FIRST),
        ("in_watch_list", "WL-HS", FIRST),
        ("in", ["930320"], NONE),  # filed as 9303200000: "in" is exact
        ("starts_with", ["8703"], NONE),
    ],
    "item.description": [
        ("contains_any", ["shotgun"], FIRST),
        ("contains_any", ["TOY CARS"], SECOND),
        ("contains_any", ["shot", "car"], NONE),  # whole words only
    ],
    "item.country_of_origin": [("eq", "TR", FIRST), ("in", ["IR", "SY"], NONE), ("not_in", ["TR"], SECOND)],
    "item.gross_mass_kg": [("gt", 5, FIRST), ("lt", 3, SECOND), ("lt", 2.5, NONE), ("gte", 10.5, NONE)],
    "item.value_eur": [("between", [99.9, 100.1], SECOND), ("gt", 100.1, NONE), ("lte", 50, FIRST)],
    "item.value_per_kg": [("lte", 5, FIRST), ("lt", 5, NONE), ("gte", 40, SECOND), ("lte", 4.99, NONE)],
    # 5 EUR/kg against a baseline of 25 (HS6 x origin x Member State); 40 EUR/kg against 20 (HS6 only)
    "item.price_deviation": [("lte", 0.2, FIRST), ("lt", 0.2, NONE), ("between", [1.5, 2.5], SECOND), ("gt", 2, NONE)],
    "item.packages": [("is_empty", None, SECOND), ("gt", 2, NONE), ("neq", 2, SECOND), ("in", [1, 3], NONE)],
    "item.container": [("eq", "mscu1234567", FIRST), ("starts_with", ["TGHU"], NONE), ("is_empty", None, SECOND)],
    "item.dangerous_goods_code": [("is_not_empty", None, FIRST), ("eq", "1202", NONE)],
}

WATCH_LISTS = {
    "WL-EORI": (WatchList.Kind.EORI, ["CN9988776655", "RU1111"]),
    "WL-NAMES": (WatchList.Kind.PARTY_NAME, ["ACME  Import BV"]),
    "WL-HS": (WatchList.Kind.HS_CODE, ["9303"]),
}


def leaf(field: str, op: str, value) -> dict:
    return {"field": field, "op": op} | ({} if value is None else {"value": value})


@pytest.fixture
def world(people, file_ens):
    """The crafted ENS filed by the FR system, its filer an active AEO, and the watch lists."""
    operator = Operator.objects.create(eori="DE123456789012345", name="Fast Parcels GmbH", country_id="DE")
    AeoAuthorisation.objects.create(
        operator=operator, number="DEAEOF-CAT-1", type="AEOF", issuing_country_id="DE", valid_from=dt.date(2020, 1, 1)
    )
    for code, (kind, values) in WATCH_LISTS.items():
        watch_list = WatchList.objects.create(code=code, name=code, kind=kind, owner_id="EU")
        for value in values:
            WatchListEntry.objects.create(
                watch_list=watch_list, value=value, reason="test", added_by=people["commission"]
            )
    add_baselines(
        [
            ("hs6_origin_ms", "930320", "TR", "FR", 25.0),
            ("hs6_origin", "930320", "TR", "", 50.0),  # more specific keys win
            ("hs6", "950300", "", "", 20.0),
            ("hs4", "9503", "", "", 80.0),
        ]
    )
    (mrn,) = file_ens(people["fr_system"], crafted_body())
    return {"mrn": mrn, "people": people}


def evaluate_both(node, batch, watch_lists) -> dict[int, list[int]]:
    """Declaration row -> matching items, asserting the two evaluators agree."""
    by_reference = {}
    for row in range(batch.n_decl):
        items = reference.matching_items(node, batch.record(row), watch_lists)
        if items:
            by_reference[row] = sorted(items)
    found = columnar.evaluate(batch.frame, [("c", node)], watch_lists)
    by_columnar = {
        row: sorted(items)
        for hit in found
        for row, items in columnar.group_by_declaration(batch.frame, hit.item_rows).items()
    }
    assert by_columnar == by_reference, "columnar and reference evaluators disagree"
    return by_reference


# --- every field ---------------------------------------------------------------------------------


def test_every_field_and_operator_has_cases():
    assert set(FIELD_CASES) == set(FIELDS)
    for field, cases in FIELD_CASES.items():
        assert any(expected for _, _, expected in cases), f"{field}: no hitting case"
        assert any(not expected for _, _, expected in cases), f"{field}: no missing case"
    hitting = {op for cases in FIELD_CASES.values() for op, _, expected in cases if expected}
    missing = {op for cases in FIELD_CASES.values() for op, _, expected in cases if not expected}
    assert hitting == set(OPERATORS), set(OPERATORS) - hitting
    assert missing == set(OPERATORS), set(OPERATORS) - missing


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_field_hits_and_misses_the_crafted_declaration(world, field):
    batch = load_batch(current_version_ids(world["mrn"]))
    watch_lists = load_watch_lists()
    for op, value, expected in FIELD_CASES[field]:
        node = parse_condition(leaf(field, op, value), watch_lists=set(watch_lists))
        result = evaluate_both(node, batch, watch_lists)
        assert result.get(0, []) == expected, f"{field} {op} {value!r}: expected items {expected}, got {result}"


def test_any_party_aeo_is_false_without_an_authorisation(people, file_ens):
    (mrn,) = file_ens(people["fr_system"], crafted_body())  # no Operator rows at all
    batch = load_batch(current_version_ids(mrn))
    assert evaluate_both(parse_condition(leaf("any_party.aeo", "eq", False)), batch, {}) == {0: BOTH}


def test_missing_parties_and_values_are_empty(people, file_ens):
    body = make_ens(buyer=None, seller=None, filer=None, countries_of_routing=[])
    body["goods_items"][0].update(value=None, packages=None)
    (mrn,) = file_ens(people["fr_system"], body)
    batch = load_batch(current_version_ids(mrn))
    for field in ("buyer.name", "buyer.eori", "seller.country", "filer.eori", "routing.countries", "item.value_eur"):
        assert evaluate_both(parse_condition(leaf(field, "is_empty", None)), batch, {}) == {0: [1]}, field
    # A missing number satisfies no comparison, however wide.
    for op, value in (("gte", 0), ("lte", 1e12), ("between", [0, 1e12])):
        assert evaluate_both(parse_condition(leaf("item.value_per_kg", op, value)), batch, {}) == {}, op


# --- a sample through screen_versions, on both of its paths ------------------------------------------

SAMPLE = [
    ("CAT-S-ROUTE", leaf("routing.countries", "any_in", ["AE"])),
    ("CAT-S-HS", {"all": [leaf("item.hs_code", "in_watch_list", "WL-HS"), leaf("item.country_of_origin", "eq", "TR")]}),
    ("CAT-S-DESC", leaf("item.description", "contains_any", ["toy cars"])),
    ("CAT-S-VPK", leaf("item.value_per_kg", "between", [30, 50])),
    ("CAT-S-AEO", {"not": leaf("any_party.aeo", "eq", True)}),
    ("CAT-S-EORI", leaf("consignor.eori", "in_watch_list", "WL-EORI")),
    ("CAT-S-MISS", leaf("item.container", "starts_with", ["TGHU"])),
]


def _hits_by_mrn(mrns: list[str]) -> dict[str, dict[str, list[int]]]:
    found = {mrn: {} for mrn in mrns}
    for mrn, code, items in Hit.objects.filter(assessment__declaration__mrn__in=mrns).values_list(
        "assessment__declaration__mrn", "criterion_code", "items"
    ):
        found[mrn][code] = sorted(items)
    return found


def test_sample_through_screen_versions_per_record_and_columnar(world, criterion, publish, file_ens, screen):
    people = world["people"]
    for code, condition in SAMPLE:
        publish(criterion(code, condition=condition), people["commission"], people["commission_approver"])
    no_aeo_filer = {"name": "Small Forwarder", "eori": "DE555"}
    variants = [
        make_ens(countries_of_routing=["CN", "FR"]),
        make_ens(consignor={"name": "Other Co", "eori": "RU1111"}),
        make_ens(goods_items=[{**crafted_body()["goods_items"][0], "item_number": 7, "country_of_origin": "CN"}]),
        make_ens(filer=no_aeo_filer, goods_items=[{**crafted_body()["goods_items"][1], "item_number": 3}]),
    ]
    mrns = [world["mrn"], *file_ens(people["fr_system"], *variants)]
    assert len(mrns) >= REFERENCE_EVALUATOR_BELOW

    for mrn in mrns:  # one at a time: the per-record evaluator
        screen(mrn)
    one_by_one = _hits_by_mrn(mrns)
    screen(*mrns)  # all together: the columnar evaluator
    batched = _hits_by_mrn(mrns)
    assert batched == one_by_one

    assert batched[world["mrn"]] == {
        "CAT-S-ROUTE": BOTH,
        "CAT-S-HS": FIRST,
        "CAT-S-DESC": SECOND,
        "CAT-S-VPK": SECOND,  # 100 EUR / 2.5 kg
        "CAT-S-EORI": BOTH,
    }
    # The contract example's filer is the AEO of this world: CAT-S-AEO only hits the last variant.
    assert batched[mrns[1]] == {"CAT-S-DESC": [1]}  # toys, routed CN-FR
    assert batched[mrns[2]] == {"CAT-S-ROUTE": [1], "CAT-S-EORI": [1], "CAT-S-DESC": [1]}
    assert batched[mrns[3]] == {"CAT-S-ROUTE": [7]}  # 9303 but from CN
    assert batched[mrns[4]] == {"CAT-S-ROUTE": [3], "CAT-S-AEO": [3], "CAT-S-DESC": [3], "CAT-S-VPK": [3]}


# --- type errors at creation: 400 naming the node ---------------------------------------------------


def _nots(levels: int) -> dict:
    """A condition ``levels`` deep: levels - 1 nested ``not`` around one leaf."""
    node = leaf("phase", "eq", "pre_loading")
    for _ in range(levels - 1):
        node = {"not": node}
    return node


def _deepest_path(levels: int) -> str:
    return "condition" + ".not" * (levels - 1)


OK = leaf("item.hs_code", "starts_with", ["9303"])

TEXTS = ["item.description", "consignor.name", "consignee.name"]  # 3 x 10,000 characters of words: over 20,000
INVALID = [
    ("gt-on-text", {"all": [OK, leaf("consignor.name", "gt", 3)]}, "condition.all[1].op", "type_error"),
    ("unknown-field", {"all": [leaf("item.colour", "eq", "red"), OK]}, "condition.all[0].field", "unknown_field"),
    (
        "unknown-op",
        {"any": [OK, {"all": [leaf("item.hs_code", "matches", "93")]}]},
        "condition.any[1].all[0].op",
        "unknown_operator",
    ),
    ("between-low-high", {"all": [leaf("item.value_eur", "between", [5, 1])]}, "condition.all[0].value", "invalid"),
    ("between-one-value", leaf("item.value_eur", "between", [5]), "condition.value", "type_error"),
    ("empty-list", {"not": leaf("item.hs_code", "in", [])}, "condition.not.value", "type_error"),
    ("empty-group", {"all": []}, "condition.all", "invalid"),
    ("number-for-code", leaf("item.hs_code", "in", ["9303", 9305]), "condition.value[1]", "type_error"),
    ("text-for-number", leaf("item.gross_mass_kg", "gt", "heavy"), "condition.value", "type_error"),
    ("bool-for-number", leaf("item_count", "eq", True), "condition.value", "type_error"),
    ("any-in-on-code", leaf("item.hs_code", "any_in", ["93"]), "condition.op", "type_error"),
    ("lt-on-bool", leaf("any_party.aeo", "lt", 1), "condition.op", "type_error"),
    ("value-for-is-empty", leaf("item.container", "is_empty", "x"), "condition.value", "invalid"),
    (
        "unknown-watch-list",
        {"all": [OK, leaf("consignor.eori", "in_watch_list", "WL-NONE")]},
        "condition.all[1].value",
        "unknown",
    ),
    ("watch-list-on-number", leaf("item.value_eur", "in_watch_list", "WL-EORI"), "condition.op", "type_error"),
    ("extra-key", {"field": "phase", "op": "eq", "value": "pre_loading", "negate": True}, "condition", "unknown_field"),
    ("two-group-keys", {"all": [OK], "any": [OK]}, "condition", "invalid"),
    ("too-deep", _nots(MAX_DEPTH + 1), _deepest_path(MAX_DEPTH + 1), "too_deep"),
    ("too-many-nodes", {"any": [OK] * MAX_NODES}, f"condition.any[{MAX_NODES - 1}]", "too_complex"),
    (
        "too-many-values",
        leaf("item.hs_code", "in", [f"{n:06d}" for n in range(MAX_LIST_VALUES + 1)]),
        "condition.value",
        "too_long",
    ),
    ("too-long-value", leaf("item.description", "contains_any", ["x" * 201]), "condition.value[0]", "too_long"),
    # The word budget of contains_any (risk_engine/matching.py): words per leaf, characters per leaf and condition.
    (
        "too-many-words",
        leaf("item.description", "contains_any", [f"w{n}" for n in range(MAX_WORDS_PER_LEAF + 1)]),
        "condition.value",
        "too_long",
    ),
    (
        "too-many-word-characters",
        leaf("item.description", "contains_any", [f"{n:03d}" + "a" * 196 for n in range(51)]),
        "condition.value",
        "too_long",
    ),
    (
        "too-many-word-characters-in-the-condition",
        {"any": [leaf(field, "contains_any", [f"{n:03d}" + "b" * 196 for n in range(50)]) for field in TEXTS]},
        "condition",
        "too_long",
    ),
]


@pytest.mark.parametrize("condition,path,code", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_type_errors_are_400_naming_the_node(people, criterion, api, condition, path, code):
    WatchList.objects.create(code="WL-EORI", name="EORIs", kind=WatchList.Kind.EORI, owner_id="EU")
    response = api(people["commission"]).post(
        "/api/v1/criteria/", criterion("CAT-BAD", condition=condition), format="json"
    )
    errors = assert_error_body(response, 400)
    assert (path, code) in [(e["field"], e["code"]) for e in errors], errors
    assert not Criterion.objects.exists()  # nothing stored


@pytest.mark.parametrize(
    "condition",
    [
        _nots(MAX_DEPTH),
        {"any": [OK] * (MAX_NODES - 1)},
        leaf("item.hs_code", "in", [f"{n:06d}" for n in range(MAX_LIST_VALUES)]),
    ],
    ids=["depth-at-limit", "nodes-at-limit", "values-at-limit"],
)
def test_conditions_at_the_limits_are_accepted(people, criterion, api, condition):
    response = api(people["commission"]).post(
        "/api/v1/criteria/", criterion("CAT-LIMIT", condition=condition), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "draft"


def test_every_problem_is_listed_at_once(people, criterion, api):
    condition = {"all": [leaf("consignor.name", "gt", 3), OK, leaf("item.colour", "eq", 1), leaf("x", "nope", 1)]}
    response = api(people["commission"]).post(
        "/api/v1/criteria/", criterion("CAT-MANY", condition=condition), format="json"
    )
    fields = {e["field"] for e in assert_error_body(response, 400)}
    assert {"condition.all[0].op", "condition.all[2].field", "condition.all[3].field", "condition.all[3].op"} <= fields


def test_a_member_state_cannot_use_another_member_states_watch_list(people, criterion, api):
    WatchList.objects.create(code="WL-NL-ONLY", name="NL names", kind=WatchList.Kind.PARTY_NAME, owner_id="NL")
    WatchList.objects.create(code="WL-EU", name="EU names", kind=WatchList.Kind.PARTY_NAME, owner_id="EU")
    for code, expected in (("WL-NL-ONLY", 400), ("WL-EU", 201)):
        doc = criterion(f"FR-CAT-{code}", scope="national", condition=leaf("consignor.name", "in_watch_list", code))
        response = api(people["fr_analyst"]).post("/api/v1/criteria/", doc, format="json")
        assert response.status_code == expected, response.json()
    errors = assert_error_body(
        api(people["fr_analyst"]).post(
            "/api/v1/criteria/",
            criterion("FR-CAT-X", scope="national", condition=leaf("consignor.name", "in_watch_list", "WL-NL-ONLY")),
            format="json",
        ),
        400,
    )
    assert errors[0]["field"] == "condition.value"
