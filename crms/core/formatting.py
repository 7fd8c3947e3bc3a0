"""How numbers, money and shares are written for people, in one place (European style).

Groups of three digits are separated by a no-break space and decimals by a comma
(1 200,50), as the EU's interinstitutional style writes figures in tables. Money is always
"EUR" and two decimals, rounded half up on the exact decimal value: a seizure estimated at
1200.5 is "EUR 1 200,50" on the case, the PCA page and the indicators alike. Shares are
percentages with one decimal ("66,7 %"). Missing values are an em dash. Exports and the API
carry raw numbers; only what is drawn for a reader goes through here.
"""

from __future__ import annotations

import math
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
