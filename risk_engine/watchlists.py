"""Watch list entries: normalising and checking values by kind, and reading a CSV import.

Shared by the services (which refuse any bad entry) and the browser's CSV import (which
reports every bad line by its number before anything is stored).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from risk_engine.models import WatchList, WatchListEntry

VALUE_MAX = WatchListEntry._meta.get_field("value").max_length
REASON_MAX = WatchListEntry._meta.get_field("reason").max_length
CSV_MAX_BYTES = 1024 * 1024  # 1 MiB
CSV_MAX_LINES = 10_000

EORI = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")
HS_PREFIX = re.compile(r"\d{2,10}")


def normalise_value(kind: str, value: str) -> str:
    """The stored form: EORIs and codes upper-case without spaces, HS codes digits only, names single-spaced."""
    value = " ".join(str(value).split())
    if kind == WatchList.Kind.PARTY_NAME:
        return value
    value = value.replace(" ", "").upper()
    return value.replace(".", "") if kind == WatchList.Kind.HS_CODE else value


def entry_problems(kind: str, value: str, reason: str) -> list[tuple[str, str]]:
    """(field, message) for each problem of one entry, already normalised; empty when it is fine."""
    problems = []
    if not value:
        problems.append(("value", "A value is required."))
    elif len(value) > VALUE_MAX:
        problems.append(("value", f"At most {VALUE_MAX} characters ({len(value)} given)."))
    elif kind == WatchList.Kind.EORI and not EORI.fullmatch(value):
        problems.append(("value", f"{value!r} is not an EORI number (country code and up to 15 letters or digits)."))
    elif kind == WatchList.Kind.HS_CODE and not HS_PREFIX.fullmatch(value):
        problems.append(("value", f"{value!r} is not an HS code or prefix (2 to 10 digits)."))
    if not reason:
        problems.append(("reason", "A reason is required."))
    elif len(reason) > REASON_MAX:
        problems.append(("reason", f"At most {REASON_MAX} characters ({len(reason)} given)."))
    return problems


@dataclass
class CsvImport:
    entries: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line 3: value: ..." (or about the whole file)


def _is_header(row: list[str]) -> bool:
    return [cell.strip().lower() for cell in row] == ["value", "reason"]


def read_csv(data: bytes, kind: str) -> CsvImport:
    """Entries of a ``value,reason`` CSV (header optional, blank lines skipped), or every problem by line."""
    result = CsvImport()
    if len(data) > CSV_MAX_BYTES:
        result.errors.append(f"file: larger than {CSV_MAX_BYTES // 1024} KiB ({len(data) // 1024} KiB).")
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        result.errors.append(f"file: not UTF-8 text (byte {error.start}).")
        return result
    if "\x00" in text:
        result.errors.append("file: not a text file (it contains NUL bytes).")
        return result
    lines = len(text.splitlines())
    if lines > CSV_MAX_LINES:
        result.errors.append(f"file: more than {CSV_MAX_LINES:,} lines ({lines:,}).")
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if line == 1 and _is_header(row):
                continue
            if len(row) != 2:
                result.errors.append(f"line {line}: expected 2 columns (value,reason), found {len(row)}.")
                continue
            value, reason = normalise_value(kind, row[0]), " ".join(row[1].split())
            problems = entry_problems(kind, value, reason)
            if not problems and value in seen:
                problems.append(("value", f"{value!r} is already on line {seen[value]}."))
            for name, message in problems:
                result.errors.append(f"line {line}: {name}: {message}")
            if not problems:
                seen[value] = line
                result.entries.append((value, reason))
    except csv.Error as error:
        result.errors.append(f"line {reader.line_num}: {error}.")
    if not result.errors and not result.entries:
        result.errors.append("file: no entries (expected lines of value,reason).")
    return result
