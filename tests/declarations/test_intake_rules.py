"""Contract 2.1 field rules and contract 4 error bodies for `POST /api/v1/declarations/`.

Every rejection must answer 400 with ``{"errors": [{"field", "code", "message"}]}``, name the
field by its path, list every problem at once and store nothing.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from tests.declarations.conftest import DECLARATIONS_URL, contract_body, post_json, post_raw, stored_counts

DROP = object()  # sentinel: remove the key instead of setting it


def change(body: dict, path: str, value: Any) -> dict:
    """Set (or with DROP remove) the value at a path like ``goods_items[0].value.amount``."""
    tokens = [int(tok[1:-1]) if tok.startswith("[") else tok for tok in re.findall(r"\[\d+\]|[^.\[\]]+", path)]
    node = body
    for token in tokens[:-1]:
        node = node[token]
    if value is DROP:
        del node[tokens[-1]]
    else:
        node[tokens[-1]] = value
    return body


def body_with(changes: dict[str, Any], **top_level: Any) -> dict:
    body = contract_body(**top_level)
    for path, value in changes.items():
        change(body, path, value)
    return body


def item(number: int = 1, **overrides: Any) -> dict:
    base = {
        "item_number": number,
        "hs_code": "950300",
        "description": "plastic toy cars",
        "gross_mass_kg": 2.4,
        "packages": 1,
        "value": {"amount": 35.0, "currency": "EUR"},
        "country_of_origin": "CN",
        "container": None,
        "dangerous_goods_code": None,
    }
    return base | overrides


def error_list(response) -> list[dict]:
    """The contract's error body, checked for shape; returns its entries."""
    body = response.json()
    assert set(body) == {"errors"}, body
    assert isinstance(body["errors"], list) and body["errors"], body
    for entry in body["errors"]:
        assert set(entry) == {"field", "code", "message"}, entry
        assert entry["field"] is None or isinstance(entry["field"], str)
        assert isinstance(entry["code"], str) and entry["code"]
        assert isinstance(entry["message"], str) and entry["message"]
    return body["errors"]


def problems(response) -> list[tuple[str | None, str]]:
    return [(entry["field"], entry["code"]) for entry in error_list(response)]


def assert_rejected_with(fr_client, body, expected: list[tuple[str | None, str | None]]) -> None:
    """400, exactly the expected (field, code) pairs (code None: any code), nothing stored."""
    before = stored_counts()
    response = post_json(fr_client, DECLARATIONS_URL, body)
    assert response.status_code == 400, response.content
    got = problems(response)
    assert [field for field, _ in got] == [field for field, _ in expected], got
    for (_, code), (_, expected_code) in zip(got, expected, strict=True):
        assert expected_code is None or code == expected_code, got
    assert stored_counts() == before


def assert_accepted(fr_client, body) -> dict:
    response = post_json(fr_client, DECLARATIONS_URL, body)
    assert response.status_code == 201, response.content
    return response.json()


def test_the_contract_example_is_accepted(fr_client):
    assert assert_accepted(fr_client, contract_body())["status"] == "received"


# --- One problem each: (changes, top-level overrides, expected field, expected code) ------------------

SEA = {"transport_mode": "sea", "phase": "pre_arrival", "filing_type": "F10"}

REJECTIONS = [
    # lrn
    pytest.param({"lrn": ""}, {}, "lrn", "too_short", id="lrn-empty"),
    pytest.param({"lrn": "X" * 36}, {}, "lrn", "too_long", id="lrn-36-chars"),
    pytest.param({"lrn": 123}, {}, "lrn", "invalid", id="lrn-number"),
    pytest.param({"lrn": DROP}, {}, "lrn", "required", id="lrn-missing"),
    # filing_type: free text and unknown codes
    pytest.param({"filing_type": "AIR"}, {}, "filing_type", "invalid_format", id="filing-free-text"),
    pytest.param({"filing_type": "air consignment"}, {}, "filing_type", "invalid_format", id="filing-sentence"),
    pytest.param({"filing_type": "F52"}, {}, "filing_type", "invalid_format", id="filing-F52"),
    pytest.param({"filing_type": "F2"}, {}, "filing_type", "invalid_format", id="filing-F2"),
    pytest.param({"filing_type": "f26"}, {}, "filing_type", "invalid_format", id="filing-lowercase"),
    pytest.param({"filing_type": DROP}, {}, "filing_type", "required", id="filing-missing"),
    # filing_type family vs transport mode
    pytest.param({"filing_type": "F26"}, SEA, "filing_type", "inconsistent", id="F2x-sea"),
    pytest.param(
        {"filing_type": "F26", "transport_mode": "inland_water"}, SEA, "filing_type", "inconsistent", id="F2x-inland"
    ),
    pytest.param({"filing_type": "F10"}, {}, "filing_type", "inconsistent", id="F1x-air"),
    pytest.param({"filing_type": "F32"}, {}, "filing_type", "inconsistent", id="F3x-air"),
    pytest.param({"transport_mode": "express"}, {}, "filing_type", "inconsistent", id="F2x-express"),
    pytest.param({"transport_mode": "postal"}, {}, "filing_type", "inconsistent", id="F2x-postal"),
    pytest.param(
        {"filing_type": "F32", "transport_mode": "postal"}, {}, "filing_type", "inconsistent", id="F3x-postal"
    ),
    pytest.param({"filing_type": "F51", "transport_mode": "road"}, SEA, "filing_type", "inconsistent", id="F51-road"),
    pytest.param({"filing_type": "F50", "transport_mode": "rail"}, SEA, "filing_type", "inconsistent", id="F50-rail"),
    pytest.param({"filing_type": "F10", "transport_mode": "road"}, SEA, "filing_type", "inconsistent", id="F1x-road"),
    # phase
    pytest.param({"phase": "pre_loading"}, SEA, "phase", "inconsistent", id="pre-loading-sea"),
    pytest.param(
        {"phase": "pre_loading", "transport_mode": "inland_water"},
        SEA,
        "phase",
        "inconsistent",
        id="pre-loading-inland",
    ),
    pytest.param(
        {"phase": "pre_loading", "transport_mode": "road", "filing_type": "F50"},
        SEA,
        "phase",
        "inconsistent",
        id="pre-loading-road",
    ),
    pytest.param(
        {"phase": "pre_loading", "transport_mode": "rail", "filing_type": "F51"},
        SEA,
        "phase",
        "inconsistent",
        id="pre-loading-rail",
    ),
    pytest.param({"phase": "loading"}, {}, "phase", "invalid_choice", id="phase-unknown"),
    pytest.param({"phase": DROP}, {}, "phase", "required", id="phase-missing"),
    # transport_mode
    pytest.param({"transport_mode": "ship"}, {}, "transport_mode", "invalid_choice", id="mode-unknown"),
    pytest.param({"transport_mode": "AIR"}, {}, "transport_mode", "invalid_choice", id="mode-uppercase"),
    pytest.param({"transport_mode": DROP}, {}, "transport_mode", "required", id="mode-missing"),
    # office_of_first_entry
    pytest.param({"office_of_first_entry": "FR999999"}, {}, "office_of_first_entry", "unknown", id="office-unknown"),
    pytest.param(
        {"office_of_first_entry": "ZZ000001"}, {}, "office_of_first_entry", "unknown", id="office-unknown-country"
    ),
    pytest.param(
        {"office_of_first_entry": "FR00438"}, {}, "office_of_first_entry", "invalid_format", id="office-short"
    ),
    pytest.param({"office_of_first_entry": DROP}, {}, "office_of_first_entry", "required", id="office-missing"),
    # UN/LOCODEs
    pytest.param({"place_of_loading": "CNPV"}, {}, "place_of_loading", "invalid_format", id="loading-4-chars"),
    pytest.param({"place_of_loading": "CNPVGX"}, {}, "place_of_loading", "invalid_format", id="loading-6-chars"),
    pytest.param({"place_of_loading": "cnpvg"}, {}, "place_of_loading", "invalid_format", id="loading-lowercase"),
    pytest.param({"place_of_loading": "XXPVG"}, {}, "place_of_loading", "unknown", id="loading-unknown-country"),
    pytest.param({"place_of_unloading": "QQCDG"}, {}, "place_of_unloading", "unknown", id="unloading-unknown-country"),
    pytest.param({"place_of_unloading": "Paris"}, {}, "place_of_unloading", "invalid_format", id="unloading-name"),
    pytest.param({"place_of_unloading": DROP}, {}, "place_of_unloading", "required", id="unloading-missing"),
    # countries_of_routing
    pytest.param(
        {"countries_of_routing": ["CN", "XX", "FR"]}, {}, "countries_of_routing[1]", "unknown", id="routing-unknown"
    ),
    pytest.param(
        {"countries_of_routing": ["CN", "fr"]}, {}, "countries_of_routing[1]", "invalid_format", id="routing-lowercase"
    ),
    pytest.param(
        {"countries_of_routing": ["CHN"]}, {}, "countries_of_routing[0]", "invalid_format", id="routing-alpha3"
    ),
    pytest.param({"countries_of_routing": "CN,FR"}, {}, "countries_of_routing", "invalid", id="routing-not-a-list"),
    # parties
    pytest.param({"consignor": DROP}, {}, "consignor", "required", id="consignor-missing"),
    pytest.param({"consignee": DROP}, {}, "consignee", "required", id="consignee-missing"),
    pytest.param({"consignee": None}, {}, "consignee", None, id="consignee-null"),
    pytest.param({"consignor.name": DROP}, {}, "consignor.name", "required", id="consignor-name-missing"),
    pytest.param({"consignor.name": ""}, {}, "consignor.name", "too_short", id="consignor-name-empty"),
    pytest.param(
        {"consignee.address.country": "XX"}, {}, "consignee.address.country", "unknown", id="address-country-unknown"
    ),
    pytest.param(
        {"consignee.address.country": "France"},
        {},
        "consignee.address.country",
        "invalid_format",
        id="address-country-name",
    ),
    pytest.param({"buyer": {"eori": "FR123"}}, {}, "buyer.name", "required", id="buyer-without-name"),
    pytest.param(
        {"carrier.address": {"country": "XX"}}, {}, "carrier.address.country", "unknown", id="carrier-country"
    ),
    # eori
    pytest.param({"consignor.eori": "123456789"}, {}, "consignor.eori", "invalid_format", id="eori-no-country"),
    pytest.param({"filer.eori": "de123456789012345"}, {}, "filer.eori", "invalid_format", id="eori-lowercase"),
    pytest.param({"filer.eori": "DE1234567890123456"}, {}, "filer.eori", "invalid_format", id="eori-too-long"),
    pytest.param({"carrier.eori": "IE 987654321"}, {}, "carrier.eori", "invalid_format", id="eori-space"),
    # goods_items
    pytest.param({"goods_items": []}, {}, "goods_items", "too_short", id="items-none"),
    pytest.param({"goods_items": DROP}, {}, "goods_items", "required", id="items-missing"),
    pytest.param({"goods_items": item()}, {}, "goods_items", "invalid", id="items-not-a-list"),
    pytest.param(
        {"goods_items": [item(1), item(1)]}, {}, "goods_items[1].item_number", "duplicate", id="item-number-twice"
    ),
    pytest.param(
        {"goods_items[0].item_number": 0}, {}, "goods_items[0].item_number", "out_of_range", id="item-number-0"
    ),
    pytest.param(
        {"goods_items[0].item_number": DROP}, {}, "goods_items[0].item_number", "required", id="item-number-missing"
    ),
    # hs_code
    pytest.param({"goods_items[0].hs_code": "95030"}, {}, "goods_items[0].hs_code", "invalid_format", id="hs-5-digits"),
    pytest.param(
        {"goods_items[0].hs_code": "95030000001"}, {}, "goods_items[0].hs_code", "invalid_format", id="hs-11-digits"
    ),
    pytest.param({"goods_items[0].hs_code": "9503.00"}, {}, "goods_items[0].hs_code", "invalid_format", id="hs-dotted"),
    pytest.param({"goods_items[0].hs_code": 950300}, {}, "goods_items[0].hs_code", "invalid", id="hs-number"),
    pytest.param(
        {"goods_items[0].hs_code": "999990"}, {}, "goods_items[0].hs_code", "unknown", id="hs-not-in-nomenclature"
    ),
    pytest.param(
        {"goods_items[0].hs_code": "1234560000"}, {}, "goods_items[0].hs_code", "unknown", id="hs-10-unknown-6"
    ),
    pytest.param(
        {"goods_items[0].hs_code": DROP}, SEA, "goods_items[0].hs_code", "required", id="hs-missing-pre-arrival"
    ),
    pytest.param({"goods_items[0].hs_code": None}, SEA, "goods_items[0].hs_code", "required", id="hs-null-pre-arrival"),
    # description
    pytest.param(
        {"goods_items[0].description": "ab"}, {}, "goods_items[0].description", "too_short", id="description-2-chars"
    ),
    pytest.param(
        {"goods_items[0].description": "     "}, {}, "goods_items[0].description", "too_short", id="description-blank"
    ),
    pytest.param(
        {"goods_items[0].description": " \t\n "},
        {},
        "goods_items[0].description",
        "too_short",
        id="description-whitespace",
    ),
    pytest.param(
        {"goods_items[0].description": "  ab  "},
        {},
        "goods_items[0].description",
        "too_short",
        id="description-padded-2",
    ),
    pytest.param(
        {"goods_items[0].description": DROP}, {}, "goods_items[0].description", "required", id="description-missing"
    ),
    pytest.param({"goods_items[0].description": None}, {}, "goods_items[0].description", None, id="description-null"),
    # gross_mass_kg and value
    pytest.param({"goods_items[0].gross_mass_kg": 0}, {}, "goods_items[0].gross_mass_kg", "out_of_range", id="mass-0"),
    pytest.param(
        {"goods_items[0].gross_mass_kg": -2.4}, {}, "goods_items[0].gross_mass_kg", "out_of_range", id="mass-negative"
    ),
    pytest.param(
        {"goods_items[0].gross_mass_kg": DROP}, {}, "goods_items[0].gross_mass_kg", "required", id="mass-missing"
    ),
    pytest.param(
        {"goods_items[0].value.amount": -0.01}, {}, "goods_items[0].value.amount", "out_of_range", id="value-negative"
    ),
    pytest.param(
        {"goods_items[0].value.currency": "XYZ"}, {}, "goods_items[0].value.currency", "unknown", id="currency-unknown"
    ),
    pytest.param(
        {"goods_items[0].value.currency": "usd"},
        {},
        "goods_items[0].value.currency",
        "invalid_format",
        id="currency-lowercase",
    ),
    pytest.param(
        {"goods_items[0].value.currency": "EURO"},
        {},
        "goods_items[0].value.currency",
        "invalid_format",
        id="currency-4-chars",
    ),
    # string numbers and booleans where numbers belong
    pytest.param(
        {"goods_items[0].gross_mass_kg": "2.4"}, {}, "goods_items[0].gross_mass_kg", "invalid", id="mass-string"
    ),
    pytest.param(
        {"goods_items[0].value.amount": "35.0"}, {}, "goods_items[0].value.amount", "invalid", id="amount-string"
    ),
    pytest.param(
        {"goods_items[0].item_number": "1"}, {}, "goods_items[0].item_number", "invalid", id="item-number-string"
    ),
    pytest.param({"goods_items[0].packages": "1"}, {}, "goods_items[0].packages", "invalid", id="packages-string"),
    pytest.param(
        {"goods_items[0].gross_mass_kg": True}, {}, "goods_items[0].gross_mass_kg", "invalid", id="mass-boolean"
    ),
    pytest.param(
        {"goods_items[0].item_number": 1.5}, {}, "goods_items[0].item_number", "invalid", id="item-number-float"
    ),
    # timestamps
    pytest.param(
        {"expected_arrival": "2026-11-23T06:40:00"}, {}, "expected_arrival", "timezone_required", id="arrival-naive"
    ),
    pytest.param(
        {"expected_arrival": "2026-11-23"}, {}, "expected_arrival", "timezone_required", id="arrival-date-only"
    ),
    pytest.param({"expected_arrival": "23/11/2026 06:40"}, {}, "expected_arrival", "invalid", id="arrival-not-iso"),
    pytest.param({"expected_arrival": DROP}, {}, "expected_arrival", "required", id="arrival-missing"),
]


@pytest.mark.parametrize(("changes", "base", "field", "code"), REJECTIONS)
def test_one_broken_rule_gives_one_error_with_its_path(fr_client, changes, base, field, code):
    assert_rejected_with(fr_client, body_with(changes, **base), [(field, code)])


# --- Unknown fields, at every nesting level ----------------------------------------------------------

UNKNOWN_FIELD_PATHS = [
    "foo",
    "filer.foo",
    "carrier.foo",
    "transport_document.foo",
    "consignor.foo",
    "consignor.address.foo",
    "consignee.address.foo",
    "goods_items[0].foo",
    "goods_items[0].value.foo",
    "goods_items[0].value.Amount",
    pytest.param(
        "goods_items[0].value.int",
    ),
]


@pytest.mark.parametrize("path", UNKNOWN_FIELD_PATHS)
def test_unknown_fields_are_rejected_with_their_path(fr_client, path):
    assert_rejected_with(fr_client, body_with({path: "x"}), [(path, "unknown_field")])


def test_unknown_fields_inside_an_optional_party_given_as_object(fr_client):
    body = body_with({"buyer": {"name": "Buyer Ltd", "vat": "X"}})
    assert_rejected_with(fr_client, body, [("buyer.vat", "unknown_field")])


# --- Values that must be accepted ------------------------------------------------------------------

ACCEPTED = [
    pytest.param({"lrn": "X"}, {}, id="lrn-1-char"),
    pytest.param({"lrn": "X" * 35}, {}, id="lrn-35-chars"),
    pytest.param({}, SEA, id="F10-sea-pre-arrival"),
    pytest.param({"transport_mode": "inland_water", "filing_type": "F15"}, SEA, id="F15-inland-water"),
    pytest.param({"filing_type": "F23", "phase": "pre_arrival"}, {}, id="F23-air-pre-arrival"),
    pytest.param({"filing_type": "F32", "transport_mode": "express"}, {}, id="F32-express-pre-loading"),
    pytest.param({"filing_type": "F42", "transport_mode": "postal"}, {}, id="F42-postal-pre-loading"),
    pytest.param({"filing_type": "F50", "transport_mode": "road"}, SEA, id="F50-road"),
    pytest.param({"filing_type": "F51", "transport_mode": "rail"}, SEA, id="F51-rail"),
    pytest.param({"office_of_first_entry": "FR000690"}, SEA, id="another-FR-office"),
    pytest.param({"countries_of_routing": []}, {}, id="routing-empty"),
    pytest.param({"countries_of_routing": DROP}, {}, id="routing-missing"),
    pytest.param({"filer": None, "carrier": None, "transport_document": None}, {}, id="optional-parties-null"),
    pytest.param({"filer": DROP, "carrier": DROP, "buyer": DROP, "seller": DROP}, {}, id="optional-parties-absent"),
    pytest.param(
        {"buyer": {"name": "Buyer SARL", "eori": "FR12345678901234"}, "seller": {"name": "Seller Co"}},
        {},
        id="buyer-and-seller",
    ),
    pytest.param({"consignor.eori": None, "consignor.address": None}, {}, id="eori-and-address-null"),
    pytest.param({"consignee.eori": "FR1"}, {}, id="eori-short"),
    pytest.param({"goods_items[0].hs_code": "95030000"}, {}, id="hs-8-digits"),
    pytest.param({"goods_items[0].hs_code": "9503000000"}, {}, id="hs-10-digits"),
    pytest.param(
        {"goods_items[0].hs_code": "9503001"},
        {},
        id="hs-7-digits",
    ),
    pytest.param({"goods_items[0].hs_code": None}, {}, id="hs-null-pre-loading"),
    pytest.param({"goods_items[0].hs_code": DROP}, {}, id="hs-missing-pre-loading"),
    pytest.param({"goods_items[0].description": "abc"}, {}, id="description-3-chars"),
    pytest.param({"goods_items[0].gross_mass_kg": 0.001}, {}, id="mass-tiny"),
    pytest.param({"goods_items[0].gross_mass_kg": 3}, {}, id="mass-integer"),
    pytest.param({"goods_items[0].value.amount": 0}, {}, id="value-zero"),
    pytest.param({"goods_items[0].value.currency": "USD"}, {}, id="value-usd"),
    pytest.param({"goods_items[0].value": None}, {}, id="value-null"),
    pytest.param({"goods_items": [item(7), item(3), item(999)]}, {}, id="item-numbers-any-order"),
    pytest.param({"expected_arrival": "2026-11-23T06:40:00-05:00"}, {}, id="arrival-other-time-zone"),
]


@pytest.mark.parametrize(("changes", "base"), ACCEPTED)
def test_valid_values_are_accepted(fr_client, changes, base):
    assert_accepted(fr_client, body_with(changes, **base))


def test_999_goods_items_are_accepted(fr_client):
    body = contract_body(goods_items=[item(n) for n in range(1, 1000)])
    assert_accepted(fr_client, body)


def test_1000_goods_items_are_rejected(fr_client):
    body = contract_body(goods_items=[item(n) for n in range(1, 1001)])
    before = stored_counts()
    response = post_json(fr_client, DECLARATIONS_URL, body)
    assert response.status_code == 400
    assert ("goods_items", "too_long") in problems(response)
    assert stored_counts() == before


# --- Timestamps as numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1800000000, 1800000000.5, "1800000000"], ids=["int", "float", "numeric-string"])
def test_a_unix_timestamp_is_not_an_iso_8601_arrival(fr_client, value):
    response = post_json(fr_client, DECLARATIONS_URL, contract_body(expected_arrival=value))
    assert response.status_code == 400
    assert [field for field, _ in problems(response)] == ["expected_arrival"]


# --- NaN and Infinity (not JSON, but clients send them) -------------------------------------------------


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_nan_and_infinity_are_rejected(fr_client, token):
    raw = orjson.dumps(contract_body()).replace(b'"gross_mass_kg":2.4', b'"gross_mass_kg":' + token)
    assert b'"gross_mass_kg":' + token in raw
    before = stored_counts()
    response = post_raw(fr_client, DECLARATIONS_URL, raw)
    assert response.status_code == 400
    error_list(response)
    assert stored_counts() == before


# --- Every problem in one response ---------------------------------------------------------------------


def test_one_response_lists_every_problem(fr_client):
    body = body_with(
        {
            "lrn": "L" * 40,  # structure
            "filing_type": "AIR",  # structure
            "office_of_first_entry": "FR999999",  # reference data
            "goods_items[0].hs_code": "999990",  # reference data
            "goods_items[0].value.foo": 1,  # unknown field, nested
        }
    )
    before = stored_counts()
    response = post_json(fr_client, DECLARATIONS_URL, body)
    assert response.status_code == 400
    assert sorted(problems(response)) == sorted(
        [
            ("lrn", "too_long"),
            ("filing_type", "invalid_format"),
            ("office_of_first_entry", "unknown"),
            ("goods_items[0].hs_code", "unknown"),
            ("goods_items[0].value.foo", "unknown_field"),
        ]
    )
    assert stored_counts() == before


def test_problems_in_several_items_are_all_listed(fr_client):
    items = [item(1), item(2, gross_mass_kg=0), item(3, hs_code="999990"), item(4, description="x")]
    response = post_json(fr_client, DECLARATIONS_URL, contract_body(goods_items=items))
    assert response.status_code == 400
    assert sorted(problems(response)) == [
        ("goods_items[1].gross_mass_kg", "out_of_range"),
        ("goods_items[2].hs_code", "unknown"),
        ("goods_items[3].description", "too_short"),
    ]


def test_a_valid_item_next_to_an_invalid_one_is_not_stored(fr_client):
    before = stored_counts()
    items = [item(n) for n in range(1, 50)] + [item(50, value={"amount": -1, "currency": "EUR"})]
    response = post_json(fr_client, DECLARATIONS_URL, contract_body(goods_items=items))
    assert response.status_code == 400
    assert problems(response) == [("goods_items[49].value.amount", "out_of_range")]
    assert stored_counts() == before


# --- NUL characters (valid JSON, impossible in Postgres text) --------------------------------------------


@pytest.mark.parametrize("path", ["goods_items[0].description", "lrn", "consignor.name", "consignee.address.city"])
def test_a_nul_character_is_rejected_with_its_path(fr_client, path):
    fr_client.raise_request_exception = False
    before = stored_counts()
    response = post_json(fr_client, DECLARATIONS_URL, body_with({path: "toy\u0000cars"}))
    assert response.status_code == 400
    assert [field for field, _ in problems(response)] == [path]
    assert stored_counts() == before


def test_a_literal_backslash_u0000_text_is_not_a_nul_character(fr_client):
    body = body_with({"goods_items[0].description": "toy cars, ref \\u0000-17"})
    assert "\x00" not in body["goods_items"][0]["description"]
    response = post_json(fr_client, DECLARATIONS_URL, body)
    assert response.status_code == 201, response.content
