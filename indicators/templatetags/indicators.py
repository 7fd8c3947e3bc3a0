"""Template helpers for frames rendered as rows of dicts: look a column up, format a figure."""

from __future__ import annotations

import math

from django import template

from crms.core import formatting, labels

register = template.Library()

SHARES = ("precision", "share", "rate", "progress")
MONEY = ("value_eur",)


@register.filter
def cell(row: dict, column: str):
    return row.get(column)


@register.filter
def figure(value, column: str = ""):
    """A cell by its column: shares as percentages, euro amounts as money, counts grouped, missing as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return formatting.MISSING
    if isinstance(value, str):
        return labels.cell(value, column)  # codes of modes, phases, risk areas... as labels
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if any(word in column for word in SHARES):
        return formatting.percent(value)
    if any(word in column for word in MONEY):
        return formatting.money(value)
    if isinstance(value, float) and not value.is_integer() and abs(value) < 100:
        return formatting.number(value, 1)
    return formatting.count(value)


@register.filter
def label(column: str) -> str:
    """A column as a header ("after_assessment" -> "After assessment"), from ``crms.core.labels``."""
    return labels.column(column)


@register.filter
def recommendation(code: str) -> str:
    """keep / amend / not enough data: the evaluation's recommendation as people read it."""
    from indicators.evaluation import RECOMMENDATIONS

    return RECOMMENDATIONS.get(code, code)
