"""Numbers and date-times sent by clients as text, read so that no value a client can send is a 500.

- Date-times: a time zone offset that exists (UTC-12:00 to UTC+14:00). Python reads offsets up to
  ±23:59, PostgreSQL stores at most ±15:59: an ENS arriving at ``...+16:00`` (or a control, a
  criterion's validity, a ``since=`` filter) was a database error, answered 500. Dates themselves
  (formats and the window each kind of date must lie in) are read by ``crms.core.dates``.
- Whole numbers: ASCII digits only, at most 18 of them. ``"²".isdigit()`` is true but ``int("²")``
  raises, and 25 digits overflow a bigint column or a timedelta.
- Text: PostgreSQL cannot store (or even compare with) a NUL character; text holding one is refused,
  naming the field (JSON bodies in ``crms.core.api.body``, query strings and forms in the middleware).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

EARLIEST_OFFSET = dt.timedelta(hours=-12)
LATEST_OFFSET = dt.timedelta(hours=14)
OFFSET_RULE = "a time zone offset from -12:00 to +14:00"
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(text: str | None) -> int | None:
    """``text`` as a non-negative whole number (surrounding spaces allowed), or None."""
    text = (text or "").strip()
    return int(text) if WHOLE_NUMBER.fullmatch(text) else None


def offset_exists(value: dt.datetime) -> bool:
    offset = value.utcoffset()
    return offset is None or EARLIEST_OFFSET <= offset <= LATEST_OFFSET


NUL_MESSAGE = "NUL characters are not allowed."


def nul_errors(value: Any, where: str | None = None) -> list[dict[str, Any]]:
    """Every string (or key) in ``value`` holding a NUL character, as contract errors naming the field."""
    if isinstance(value, str):
        return [{"field": where, "code": "invalid", "message": NUL_MESSAGE}] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += nul_errors(item, f"{where}.{key}" if where else str(key))
            if "\x00" in key:
                found.append({"field": where, "code": "invalid", "message": "NUL characters are not allowed in names."})
        return found
    if isinstance(value, list):
        return [e for index, item in enumerate(value) for e in nul_errors(item, f"{where or ''}[{index}]")]
    return []
