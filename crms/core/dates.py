"""Every date and time a client sends lies in a sane window, or is refused with a 400 naming the field.

Python reads years 1 to 9999 and the code around it adds a day, subtracts a period or converts to
UTC: ``received_to=9999-12-31`` (plus one day), a PCA ending on 9999-12-31, a RIF valid until then
turned into a criterion, and a control dated ``0001-01-01T00:00:00+01:00`` (stored, then unreadable
as UTC year 0 by every later list) were all 500s. No customs date means anything that far out, so
every date a client sends is read here, against the window of its kind (see ``docs/decisions.md``):

- ``RECORDED``: something that happened (a control, a seizure): 2000-01-01 to tomorrow.
- ``PLANNED``: validity and planning (criteria, RIFs, PCA periods, AEO authorisations, expected
  arrivals): 2000-01-01 to ten years from today.
- ``QUERY``: dates that select records (filters, a feed's ``since``, reporting and backtest periods):
  1970-01-01 (clients poll "since the epoch") to ten years from today.
- ``ADMIN``: the staff-only admin, which also edits reference records (participation since 1958):
  1950-01-01 to ten years from today.

The window is checked on the date as written, before any conversion to UTC (which itself overflows
at the edges). One window serves pydantic bodies (``PlannedTime``, ``RecordedDay``...), Django forms
and filters (``WindowDateField``, ``WindowDateFilter``) and hand-read parameters (``read_day``,
``read_moment``), so a form, a REST body and a query string cannot accept different dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import partial
from typing import Annotated

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from crms.core.client_input import OFFSET_RULE, offset_exists

DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMERIC = re.compile(r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$")
TEN_YEARS = 3653  # days


@dataclass(frozen=True)
class Window:
    kind: str
    earliest: dt.date
    days_ahead: int

    def bounds(self) -> tuple[dt.date, dt.date]:
        return self.earliest, timezone.now().date() + dt.timedelta(days=self.days_ahead)

    def rule(self, *, european: bool = False) -> str:
        first, last = self.bounds()
        shown = (lambda d: d.strftime("%d/%m/%Y")) if european else dt.date.isoformat
        return f"A date from {shown(first)} to {shown(last)}."

    def admits(self, value: dt.date | dt.datetime) -> bool:
        day = value.date() if isinstance(value, dt.datetime) else value
        first, last = self.bounds()
        return first <= day <= last


RECORDED = Window("recorded", dt.date(2000, 1, 1), 1)
PLANNED = Window("planned", dt.date(2000, 1, 1), TEN_YEARS)
QUERY = Window("query", dt.date(1970, 1, 1), TEN_YEARS)
ADMIN = Window("admin", dt.date(1950, 1, 1), TEN_YEARS)
WINDOWS = (RECORDED, PLANNED, QUERY, ADMIN)


class DateRefused(Exception):
    """A client's date that is no date, or lies outside its window: answered 400 naming the field
    (``crms.core.api.errors`` for REST, ``crms.core.middleware.BadClientInputMiddleware`` for pages)."""

    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code  # "invalid" (not a date), "out_of_range" (outside the window)

    def error(self) -> dict[str, str]:
        """As a contract error, for views that gather every problem of a form."""
        return {"field": self.field, "code": self.code, "message": self.message}


# --- hand-read parameters (query strings, browser forms, CSV columns) ------------------------------------------


def read_day(
    text: str | None, *, field: str, window: Window, required: bool = False, european: bool = False
) -> dt.date | None:
    """``YYYY-MM-DD`` within ``window``; None when empty (unless ``required``); else ``DateRefused``."""
    text = (text or "").strip()
    if not text:
        if required:
            raise DateRefused(field, "A date is required.")
        return None
    try:
        day = parse_date(text) if DAY_TEXT.fullmatch(text) else None
    except ValueError:  # 2026-13-01
        day = None
    if day is None:
        raise DateRefused(field, "A date like 2026-11-30.")
    if not window.admits(day):
        raise DateRefused(field, window.rule(european=european), "out_of_range")
    return day


def read_moment(
    text: str | None,
    *,
    field: str,
    window: Window,
    assume_utc: bool = False,
    required: bool = False,
    european: bool = False,
) -> dt.datetime | None:
    """An ISO 8601 date-time within ``window`` with an offset that exists (±14:00); without an offset only
    when ``assume_utc``. None when empty (unless ``required``); else ``DateRefused``."""
    text = (text or "").strip()
    if not text:
        if required:
            raise DateRefused(field, "A date and time is required.")
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:  # month 13, hour 25
        moment = None
    if moment is None:
        raise DateRefused(field, "An ISO 8601 date-time with time zone, e.g. 2026-11-23T06:40:00+01:00.")
    if moment.tzinfo is None:
        if not assume_utc:
            raise DateRefused(field, "A time zone is required, e.g. 2026-11-23T06:40:00+01:00 or ...Z.")
        moment = moment.replace(tzinfo=dt.UTC)
    if not offset_exists(moment):
        raise DateRefused(field, OFFSET_RULE[0].upper() + OFFSET_RULE[1:] + ".")
    if not window.admits(moment):
        raise DateRefused(field, window.rule(european=european), "out_of_range")
    return moment


# --- pydantic bodies -----------------------------------------------------------------------------------------


def _iso_text(value: object) -> object:
    """ISO 8601 text only: pydantic would also read numbers (and numeric text) as Unix timestamps."""
    if not isinstance(value, str) or NUMERIC.match(value):
        raise ValueError("an ISO 8601 date-time with time zone, e.g. 2026-11-23T06:40:00+01:00")
    return value


def _iso_day_text(value: object) -> object:
    if not isinstance(value, str) or not DAY_TEXT.fullmatch(value.strip()):
        raise ValueError("a date like 2026-11-30")
    return value.strip()


def _real_offset(value: dt.datetime) -> dt.datetime:
    """+16:00 parses in Python but PostgreSQL cannot store it."""
    if not offset_exists(value):
        raise ValueError(OFFSET_RULE)
    return value


def _within(window: Window, value: dt.date | dt.datetime):
    if not window.admits(value):
        raise PydanticCustomError("out_of_range", window.rule())
    return value


def _described(window: Window) -> str:
    ahead = "tomorrow" if window.days_ahead == 1 else "ten years from today"
    return f"From {window.earliest.isoformat()} to {ahead}."


# ISO text, a real offset; no window yet (for the windowed types below, and for read-only documents).
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_real_offset)]


def _moment(window: Window):
    return Annotated[IsoDateTime, AfterValidator(partial(_within, window)), Field(description=_described(window))]


def _day(window: Window):
    return Annotated[
        dt.date,
        BeforeValidator(_iso_day_text),
        AfterValidator(partial(_within, window)),
        Field(description=_described(window)),
    ]


RecordedTime = _moment(RECORDED)
PlannedTime = _moment(PLANNED)
RecordedDay = _day(RECORDED)
PlannedDay = _day(PLANNED)


# --- Django forms and filters --------------------------------------------------------------------------------


class WindowDateField(forms.DateField):
    """A form date within ``window`` (European format in the message: it is shown on the page)."""

    def __init__(self, *args, window: Window, **kwargs):
        super().__init__(*args, **kwargs)
        self.window = window

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (ValueError, OverflowError):  # a format that matched but is no date
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and not self.window.admits(value):
            raise forms.ValidationError(self.window.rule(european=True), code="out_of_range")


class WindowDateFilter(django_filters.DateFilter):
    """``DateFilter(window=QUERY, ...)``: the filter's form field is a ``WindowDateField``."""

    field_class = WindowDateField
