"""What the case page shows: which declaration fields and goods-item cells made a hit fire."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

ITEM_COLUMNS = {
    "item.hs_code": "hs_code",
    "item.description": "description",
    "item.country_of_origin": "country_of_origin",
    "item.gross_mass_kg": "gross_mass_kg",
    "item.value_eur": "value_eur",
    "item.value_per_kg": "value_per_kg",
    "item.price_deviation": "value_per_kg",  # the ratio is of the value per kg: that cell is marked
    "item.packages": "packages",
    "item.container": "container",
    "item.dangerous_goods_code": "dangerous_goods_code",
}


def highlights(hits: list[dict[str, Any]]) -> tuple[set[str], dict[int, set[str]]]:
    """Declaration-level fields and, per goods item number, the item columns that fired a visible hit.

    Negated leaves (``not``) fired because a value was absent or different: nothing to point at.
    """
    fields: set[str] = set()
    items: dict[int, set[str]] = defaultdict(set)
    for hit in hits:
        for leaf in hit.get("explanation", []):
            if leaf.get("negated"):
                continue
            field = leaf.get("field", "")
            if field in ITEM_COLUMNS and leaf.get("item") is not None:
                items[int(leaf["item"])].add(ITEM_COLUMNS[field])
            elif field:
                fields.add(field)
    for hit in hits:
        for number in hit.get("items", []):
            items[int(number)].add("row")
    return fields, dict(items)


def party_fields(fields: set[str]) -> dict[str, set[str]]:
    """``consignor.name`` -> {"consignor": {"name"}}, for highlighting party cells (``any_party.aeo`` too)."""
    out: dict[str, set[str]] = defaultdict(set)
    for field in fields:
        role, _, attribute = field.partition(".")
        if attribute and role != "routing":
            out[role].add(attribute)
    return dict(out)
