"""Command dates of contract 6: calendar days ``YYYY-MM-DD`` (UTC, both ends included), in the query window."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from crms.core.dates import QUERY, DateRefused, read_day


def day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return read_day(value, field=option, window=QUERY, required=True)
    except DateRefused as refused:
        raise CommandError(f"{refused} ({value!r})") from None
