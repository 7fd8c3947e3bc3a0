"""Command dates of contract 6: calendar days ``YYYY-MM-DD`` (UTC, both ends included)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import CommandError

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if not DAY.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not a calendar day YYYY-MM-DD: {value!r}") from None
