"""How numbers, money and shares are written for people, in one place (European style).

Groups of three digits are separated by a no-break space and decimals by a comma
(1 200,50), as the EU's interinstitutional style writes figures in tables. Money is always
"EUR" and two decimals, rounded half up on the exact decimal value: a seizure estimated at
1200.5 is "EUR 1 200,50" on the case, the PCA page and the indicators alike. Shares are
percentages with one decimal ("66,7 %"). Missing values are an em dash. Exports and the API
carry raw numbers; only what is drawn for a reader goes through here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GROUP = "\u00a0"  # no-break space between groups of three digits
DECIMAL = ","
MISSING = "—"


def _missing(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int = 0) -> str:
    """1234567.891 -> "1 234 567,89" (decimals=2); rounded half up; a dash when missing."""
    if _missing(value):
        return MISSING
    try:
        exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if exact < 0 else ""
    whole, _, fraction = f"{abs(exact):f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = GROUP.join([whole, *groups])
    return f"{sign}{text}{DECIMAL}{fraction}" if decimals else f"{sign}{text}"


def count(value) -> str:
    """A whole number of things: "1 234"."""
    return number(value, 0)


def money(value) -> str:
    """An amount in euro: "EUR 1 200,50"."""
    if _missing(value):
        return MISSING
    return f"EUR{GROUP}{number(value, 2)}"


def percent(share, decimals: int = 1) -> str:
    """A share (0.6667) as a percentage: "66,7 %"; a dash when undefined (nothing to divide by)."""
    if _missing(share):
        return MISSING
    return f"{number(float(share) * 100, decimals)}{GROUP}%"


# --- reading numbers people type ---------------------------------------------------------------

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_DIGITS = frozenset("0123456789")
NUMBER_EXAMPLE = "1 200,50 or 1200.50"


def ratio(value) -> str:
    """A ratio to a reference (a price to its baseline) as "0,25 x"; small ones keep two significant digits
    ("0,051 x"), large ones none ("12 x"); a dash when missing."""
    if _missing(value):
        return MISSING
    value = float(value)
    shown = abs(float(f"{value:.2g}"))  # two significant digits decide the decimals (0,0999 -> 0,10)
    if shown >= 10:
        decimals = 0
    elif shown >= 0.1 or shown == 0:
        decimals = 2
    else:
        decimals = min(6, 1 - math.floor(math.log10(shown)))
    return f"{number(value, decimals)}{GROUP}x"


class NumberRefused(ValueError):
    """A typed number this module will not guess at; ``message`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _digits(text: str) -> bool:
    return bool(text) and set(text) <= _DIGITS


def _grouped(whole: str, separator: str) -> str:
    """ "1 200 300" -> "1200300": a first group of 1-3 digits, then groups of exactly three."""
    groups = whole.split(separator)
    if not (1 <= len(groups[0]) <= 3) or not all(_digits(g) for g in groups):
        raise NumberRefused(f"Thousands are grouped by three digits: write {NUMBER_EXAMPLE}.")
    if any(len(g) != 3 for g in groups[1:]):
        raise NumberRefused(f"Thousands are grouped by three digits: write {NUMBER_EXAMPLE}.")
    return "".join(groups)


def parse_decimal(text: str | None) -> Decimal | None:
    """A number as a European or an English reader types it; None when empty.

    Understood: "1200.5", "1200,5", "1 200,50" (spaces, also no-break, group thousands),
    "1.200,50" and "1,200.50" (the last separator is the decimal one). Refused with a message
    rather than guessed: "1,200" and "1.200" (one separator followed by exactly three digits
    could be a thousand or one and a fifth), repeated decimal separators, letters, exponents,
    non-ASCII digits. The caller checks the range.
    """
    if text is None or not text.strip():
        return None
    raw = text.translate(_SPACES).strip()
    if len(raw) > 40:
        raise NumberRefused("Too long for a number.")
    sign = ""
    if raw[0] in "+-":
        sign, raw = ("-" if raw[0] == "-" else ""), raw[1:].lstrip()
    if not raw or set(raw) - _DIGITS - set(" .,"):
        raise NumberRefused(f"Not a number: write digits, like {NUMBER_EXAMPLE}.")
    marks = [ch for ch in raw if ch in ".,"]
    if " " in raw:
        if len(marks) > 1:
            raise NumberRefused(f"Use spaces for thousands and one decimal comma or point: write {NUMBER_EXAMPLE}.")
        whole, _, fraction = raw.replace(",", ".").partition(".")
        whole = _grouped(whole, " ") if whole else "0"
    elif "." in marks and "," in marks:
        decimal_mark = marks[-1]
        group_mark = "," if decimal_mark == "." else "."
        whole, _, fraction = raw.rpartition(decimal_mark)
        if decimal_mark in whole:
            raise NumberRefused(f"Only one decimal separator: write {NUMBER_EXAMPLE}.")
        whole = _grouped(whole, group_mark)
    elif len(marks) > 1:  # "1.200.300" or "1,200,300": grouping only
        whole, fraction = _grouped(raw, marks[0]), ""
    elif marks:
        whole, _, fraction = raw.partition(marks[0])
        if len(fraction) == 3 and whole.lstrip("0"):
            raise NumberRefused(
                f'"{text.strip()}" could be read two ways: write {whole}{fraction} for thousands '
                f"or {whole},{fraction.rstrip('0') or '0'} for a decimal (or group with a space: {whole} {fraction})."
            )
        whole = whole or "0"
    else:
        whole, fraction = raw, ""
    grouping_only = " " not in raw and len(marks) > 1 and len(set(marks)) == 1
    if not _digits(whole) or (not grouping_only and marks and not _digits(fraction)):
        raise NumberRefused(f"Not a number: write digits, like {NUMBER_EXAMPLE}.")
    return Decimal(f"{sign}{whole}.{fraction}") if fraction else Decimal(f"{sign}{whole}")


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def day(value) -> str:
    """A day the European way, "01/11/2026", from a date or the ISO text results stored as JSON hold
    ("2026-11-01"); anything else as it is. Rewritten, not parsed: the value was a date when it was stored."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    found = _ISO_DAY.match(str(value or ""))
    return f"{found[3]}/{found[2]}/{found[1]}" if found else str(value or MISSING)
