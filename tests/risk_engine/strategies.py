"""Hypothesis strategies: random declarations (as normalised records) and random criteria.

Values are drawn from small pools so that random criteria actually hit random declarations.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from risk_engine.catalogue import FIELDS, OPERATORS, FieldType, Level, ValueKind

POOLS = {
    "transport_mode": ["AIR", "SEA", "POSTAL", "EXPRESS"],
    "phase": ["PRE_LOADING", "PRE_ARRIVAL"],
    "filing_type": ["F26", "F10", "F42"],
    "office_of_first_entry": ["FR004380", "NL000851", "DE003150"],
    "member_state": ["FR", "NL", "DE", ""],
    "locode": ["CNPVG", "AEDXB", "FRCDG", "NLRTM"],
    "country": ["CN", "AE", "TR", "FR", "NL", ""],
    "eori": ["DE123456789012345", "CN9988", "FR55", ""],
    "name": ["shenzhen bright trading co", "jean martin", "acme gmbh", ""],
    "hs_code": ["930320", "930510", "9303209000", "610910", "950300", ""],
    "description": ["plastic toy cars", "gifts", "said to contain parts", "t-shirts cotton", "firearm parts", ""],
    "container": ["MSCU1234567", ""],
    "dg": ["1203", ""],
}
NUMBERS = [math.nan, 0.0, 0.5, 1.0, 2.4, 10.0, 100.0, 1000.0]
ROUTES = [(), ("CN",), ("CN", "AE", "FR"), ("TR", "NL"), ("AE",)]
WATCH_LISTS = {"WL-EORI", "WL-HS", "WL-NAMES"}


def pool_for(name: str) -> list:
    if name.endswith("member_state"):
        return POOLS["member_state"]
    if name.startswith("place_of"):
        return POOLS["locode"]
    if name.endswith(".country") or name == "item.country_of_origin":
        return POOLS["country"]
    if name.endswith(".eori"):
        return POOLS["eori"]
    if name.endswith(".name"):
        return POOLS["name"]
    key = {
        "item.hs_code": "hs_code",
        "item.description": "description",
        "item.container": "container",
        "item.dangerous_goods_code": "dg",
    }.get(name, name)
    return POOLS[key]


def field_value(name: str):
    kind = FIELDS[name].type
    if kind == FieldType.NUMBER:
        return st.sampled_from(NUMBERS)
    if kind == FieldType.BOOL:
        return st.booleans()
    if kind == FieldType.LIST:
        return st.sampled_from(ROUTES)
    return st.sampled_from(pool_for(name))


@st.composite
def records(draw, max_decls: int = 5, max_items: int = 4):
    decl_fields = [name for name, spec in FIELDS.items() if spec.level == Level.DECLARATION]
    item_fields = [name for name, spec in FIELDS.items() if spec.level == Level.ITEM]
    out = []
    for _ in range(draw(st.integers(1, max_decls))):
        decl = {name: draw(field_value(name)) for name in decl_fields}
        items = []
        for number in range(1, draw(st.integers(1, max_items)) + 1):
            item = {name: draw(field_value(name)) for name in item_fields}
            item["item_number"] = number
            items.append(item)
        out.append({"decl": decl, "items": items})
    return out


def _raw_scalar(name: str, value):
    kind = FIELDS[name].type
    if kind == FieldType.NUMBER:
        return 1.0 if isinstance(value, float) and math.isnan(value) else value
    if kind == FieldType.BOOL:
        return value
    text = value or "x"
    if name == "item.hs_code":
        return text[:4] if len(text) > 4 else text
    return text


@st.composite
def leaves(draw):
    name = draw(st.sampled_from(sorted(FIELDS)))
    kind = FIELDS[name].type
    ops = sorted(op for op, spec in OPERATORS.items() if kind in spec.types)
    op = draw(st.sampled_from(ops))
    spec = OPERATORS[op]
    element = st.sampled_from(pool_for(name) if kind == FieldType.LIST else [None]) if kind != FieldType.LIST else None
    if spec.value == ValueKind.NONE:
        return {"field": name, "op": op}
    if spec.value == ValueKind.WATCH_LIST:
        return {"field": name, "op": op, "value": draw(st.sampled_from(sorted(WATCH_LISTS)))}
    if kind == FieldType.LIST:
        values = draw(st.lists(st.sampled_from(POOLS["country"][:-1]), min_size=1, max_size=3))
        return {"field": name, "op": op, "value": values}
    if spec.value == ValueKind.PAIR:
        low, high = sorted(draw(st.lists(st.sampled_from(NUMBERS[1:]), min_size=2, max_size=2)))
        return {"field": name, "op": op, "value": [low, high]}
    raw = [_raw_scalar(name, v) for v in draw(st.lists(field_value(name), min_size=1, max_size=3))]
    if op == "contains_any":
        raw = [word for text in raw for word in str(text).split()[:2]] or ["parts"]
    del element
    return {"field": name, "op": op, "value": raw if spec.value == ValueKind.LIST else raw[0]}


def conditions(max_leaves: int = 8):
    return st.recursive(
        leaves(),
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(children, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            children.map(lambda x: {"not": x}),
        ),
        max_leaves=max_leaves,
    )
