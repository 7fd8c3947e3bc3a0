"""A criterion's exact values must be values an ENS can carry (adversarial probe, 7 December: ``transport_mode
eq teleport``, ``item.hs_code starts_with ABCD`` and ``first_entry_member_state eq GB`` were saved).

Every code field of the catalogue has a row: a value refused with the field's path, and one accepted (or
``None`` for fields whose values are free, said with the reason). A new code field without a row fails.
"""

from __future__ import annotations

import pytest

from risk_engine import services
from risk_engine.catalogue import FIELDS, PARTY_ROLES, FieldType
from risk_engine.conditions import ConditionError, parse_condition
from tests.risk_engine.conftest import make_criterion

pytestmark = pytest.mark.django_db

# field: (operator, refused value, accepted value); None: free values.
ROWS: dict[str, tuple[str, str, str] | None] = {
    "transport_mode": ("eq", "teleport", "air"),
    "phase": ("in", "whenever", "pre_loading"),
    "filing_type": ("eq", "X99", "F26"),
    "office_of_first_entry": ("eq", "NOPE0000", "FR004380"),
    "first_entry_member_state": ("eq", "GB", "FR"),
    "unloading_member_state": ("in", "XX", "NL"),
    "place_of_loading": ("eq", "CNSHANGHAI-PORT-1234", "CNSHA"),
    "place_of_unloading": ("eq", "ROTTERDAM", "NLRTM"),
    "routing.countries": ("any_in", "ZZ", "CN"),
    "item.hs_code": ("starts_with", "ABCD", "9303"),
    "item.country_of_origin": ("in", "XX", "CN"),
    "item.dangerous_goods_code": ("eq", "12A", "1203"),
    "item.container": None,  # container numbers are free text in ENS from non-ISO carriers
    **{f"{role}.eori": ("eq", "12345", "FR123456789012") for role in PARTY_ROLES},
    **{f"{role}.country": ("eq", "XX", "CN") for role in PARTY_ROLES},
}


def test_every_code_field_has_a_row():
    code_fields = {name for name, spec in FIELDS.items() if spec.type in (FieldType.CODE, FieldType.LIST)}
    assert set(ROWS) == code_fields


def _leaf(field: str, op: str, value: str) -> dict:
    return {"field": field, "op": op, "value": [value] if op in ("in", "any_in", "starts_with") else value}


@pytest.mark.parametrize("field", sorted(name for name, row in ROWS.items() if row))
def test_a_value_no_ens_can_carry_is_refused_when_written(personas, field):
    op, refused, accepted = ROWS[field]
    with pytest.raises(ConditionError) as error:
        parse_condition({"all": [_leaf(field, op, refused)]}, authoring=True)
    paths = [problem["field"] for problem in error.value.errors]
    assert paths and all(path.startswith("condition.all[0].value") for path in paths), error.value.errors
    assert "regular" not in str(error.value.errors)
    parse_condition({"all": [_leaf(field, op, accepted)]}, authoring=True)
    parse_condition({"all": [_leaf(field, op, refused)]})  # a stored criterion still compiles for screening


def test_the_api_names_the_value(personas):
    doc = make_criterion("CRC-DOM-1", condition={"all": [_leaf("transport_mode", "eq", "teleport")]})
    with pytest.raises(services.CriteriaError) as error:
        services.create_criterion(actor=personas["commission"], data=doc)
    assert error.value.status == 400
    assert [(e["field"], e["code"]) for e in error.value.errors] == [("condition.all[0].value", "invalid")]
