"""Template filters for figures: every page writes money, shares and counts through ``crms.core.formatting``."""

from __future__ import annotations

from django import template

from crms.core import formatting

register = template.Library()


@register.filter
def money(value) -> str:
    return formatting.money(value)


@register.filter
def percent(share) -> str:
    return formatting.percent(share)


@register.filter
def count(value) -> str:
    return formatting.count(value)


@register.filter
def number(value, decimals: int = 0) -> str:
    return formatting.number(value, int(decimals))


@register.filter
def ratio(value) -> str:
    """A ratio to a reference, "0,25 x" (a goods item's price to its baseline)."""
    return formatting.ratio(value)


@register.filter
def per(value, divisor) -> str:
    """A value per unit with two decimals, "0,26" (an item's EUR per kg: ``value_eur|per:gross_mass_kg``); a dash
    when either is missing or there is nothing to divide by."""
    try:
        return formatting.number(float(value) / float(divisor), 2)
    except (TypeError, ValueError, ZeroDivisionError):
        return formatting.MISSING


@register.filter
def points(value, decimals: int = 1) -> str:
    """A figure already in percent (12.5 -> "12,5 %"), as ``percent`` writes a share."""
    try:
        return f"{formatting.number(float(value), int(decimals))}\u00a0%"
    except (TypeError, ValueError):
        return formatting.MISSING


@register.filter
def day(value) -> str:
    """An ISO day ("2026-11-01", as results stored in JSON hold it) the European way: "01/11/2026"."""
    return formatting.day(value)
