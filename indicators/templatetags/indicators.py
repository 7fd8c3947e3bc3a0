"""Template helpers for frames rendered as rows of dicts: look a column up, format a figure."""

from __future__ import annotations

import math

from django import template

register = template.Library()

SHARES = ("precision", "share", "rate")


@register.filter
def cell(row: dict, column: str):
    return row.get(column)


@register.filter
def figure(value, column: str = ""):
    """Shares as percentages, counts with thousands separators, missing as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if any(word in column for word in SHARES) and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


@register.filter
def label(column: str) -> str:
    return column.replace("_", " ")


@register.filter
def recommendation(code: str) -> str:
    """keep / amend / not enough data: the evaluation's recommendation as people read it."""
    from indicators.evaluation import RECOMMENDATIONS

    return RECOMMENDATIONS.get(code, code)
