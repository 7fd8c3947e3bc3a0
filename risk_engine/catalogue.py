"""The typed field catalogue and operator whitelist of the criteria language (contract section 3).

Every field a criterion may test is declared here with its type and level:
``declaration`` fields hold for the whole ENS, ``item`` fields for one goods item.
Every operator says which field types it accepts and what its value must be.
Nothing else can appear in a condition, and nothing in it is ever executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    CODE = "code"  # exact-match identifiers: countries, offices, HS codes, EORIs, modes
    TEXT = "text"  # free text: names and goods descriptions (case-insensitive)
    NUMBER = "number"
    LIST = "list"  # a list of codes: the routing countries
    BOOL = "bool"


class Level(StrEnum):
    DECLARATION = "declaration"
    ITEM = "item"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    level: Level
    label: str  # plain language, for explanations and the browser builder


PARTY_ROLES = ("consignor", "consignee", "buyer", "seller", "carrier", "filer")

_FIELDS: list[FieldSpec] = [
    FieldSpec("transport_mode", FieldType.CODE, Level.DECLARATION, "transport mode"),
    FieldSpec("phase", FieldType.CODE, Level.DECLARATION, "filing phase"),
    FieldSpec("filing_type", FieldType.CODE, Level.DECLARATION, "filing type"),
    FieldSpec("office_of_first_entry", FieldType.CODE, Level.DECLARATION, "office of first entry"),
    FieldSpec("first_entry_member_state", FieldType.CODE, Level.DECLARATION, "Member State of first entry"),
    FieldSpec("unloading_member_state", FieldType.CODE, Level.DECLARATION, "Member State of unloading"),
    FieldSpec("place_of_loading", FieldType.CODE, Level.DECLARATION, "place of loading"),
    FieldSpec("place_of_unloading", FieldType.CODE, Level.DECLARATION, "place of unloading"),
    FieldSpec("routing.countries", FieldType.LIST, Level.DECLARATION, "the route"),
    *(
        spec
        for role in PARTY_ROLES
        for spec in (
            FieldSpec(f"{role}.name", FieldType.TEXT, Level.DECLARATION, f"{role} name"),
            FieldSpec(f"{role}.eori", FieldType.CODE, Level.DECLARATION, f"{role} EORI"),
            FieldSpec(f"{role}.country", FieldType.CODE, Level.DECLARATION, f"{role} country"),
        )
    ),
    FieldSpec("total_gross_mass_kg", FieldType.NUMBER, Level.DECLARATION, "total gross mass (kg)"),
    FieldSpec("item_count", FieldType.NUMBER, Level.DECLARATION, "number of goods items"),
    FieldSpec("any_party.aeo", FieldType.BOOL, Level.DECLARATION, "a party is an AEO"),
    FieldSpec("item.hs_code", FieldType.CODE, Level.ITEM, "goods item HS code"),
    FieldSpec("item.description", FieldType.TEXT, Level.ITEM, "goods description"),
    FieldSpec("item.country_of_origin", FieldType.CODE, Level.ITEM, "country of origin"),
    FieldSpec("item.gross_mass_kg", FieldType.NUMBER, Level.ITEM, "goods item gross mass (kg)"),
    FieldSpec("item.value_eur", FieldType.NUMBER, Level.ITEM, "goods item value (EUR)"),
    FieldSpec("item.value_per_kg", FieldType.NUMBER, Level.ITEM, "goods item value per kg (EUR)"),
    # Value per kg / its price baseline's median (crms.learning.prices): 0.2 is a fifth of the usual price.
    FieldSpec("item.price_deviation", FieldType.NUMBER, Level.ITEM, "goods item price (x the baseline)"),
    FieldSpec("item.packages", FieldType.NUMBER, Level.ITEM, "number of packages"),
    FieldSpec("item.container", FieldType.CODE, Level.ITEM, "container number"),
    FieldSpec("item.dangerous_goods_code", FieldType.CODE, Level.ITEM, "UN dangerous goods number"),
]

FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in _FIELDS}


class ValueKind(StrEnum):
    SCALAR = "scalar"  # one value of the field's type
    LIST = "list"  # a non-empty list of values of the field's type
    PAIR = "pair"  # [low, high]
    NONE = "none"  # no value (is_empty / is_not_empty)
    WATCH_LIST = "watch_list"  # the code of a watch list


@dataclass(frozen=True)
class OperatorSpec:
    name: str
    types: frozenset[FieldType]
    value: ValueKind
    label: str


_ALL = frozenset(FieldType)
_STRINGS = frozenset({FieldType.CODE, FieldType.TEXT})

OPERATORS: dict[str, OperatorSpec] = {
    spec.name: spec
    for spec in (
        OperatorSpec(
            "eq", frozenset({FieldType.CODE, FieldType.TEXT, FieldType.NUMBER, FieldType.BOOL}), ValueKind.SCALAR, "is"
        ),
        OperatorSpec(
            "neq",
            frozenset({FieldType.CODE, FieldType.TEXT, FieldType.NUMBER, FieldType.BOOL}),
            ValueKind.SCALAR,
            "is not",
        ),
        OperatorSpec("in", frozenset({FieldType.CODE, FieldType.TEXT, FieldType.NUMBER}), ValueKind.LIST, "is one of"),
        OperatorSpec(
            "not_in", frozenset({FieldType.CODE, FieldType.TEXT, FieldType.NUMBER}), ValueKind.LIST, "is none of"
        ),
        OperatorSpec("starts_with", _STRINGS, ValueKind.LIST, "starts with"),
        OperatorSpec("any_in", frozenset({FieldType.LIST}), ValueKind.LIST, "passes through"),
        OperatorSpec("contains_any", frozenset({FieldType.TEXT}), ValueKind.LIST, "contains any of the words"),
        OperatorSpec("gt", frozenset({FieldType.NUMBER}), ValueKind.SCALAR, "is more than"),
        OperatorSpec("gte", frozenset({FieldType.NUMBER}), ValueKind.SCALAR, "is at least"),
        OperatorSpec("lt", frozenset({FieldType.NUMBER}), ValueKind.SCALAR, "is less than"),
        OperatorSpec("lte", frozenset({FieldType.NUMBER}), ValueKind.SCALAR, "is at most"),
        OperatorSpec("between", frozenset({FieldType.NUMBER}), ValueKind.PAIR, "is between"),
        OperatorSpec("is_empty", _ALL - {FieldType.BOOL}, ValueKind.NONE, "is empty"),
        OperatorSpec("is_not_empty", _ALL - {FieldType.BOOL}, ValueKind.NONE, "is given"),
        OperatorSpec("in_watch_list", _STRINGS, ValueKind.WATCH_LIST, "is on watch list"),
    )
}

# Limits that keep a criterion's cost bounded (pathological trees are refused with a 400).
MAX_DEPTH = 12
MAX_NODES = 300
MAX_LIST_VALUES = 5000
MAX_STRING_LENGTH = 200
