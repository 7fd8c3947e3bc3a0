"""Importing labelled history (contract 6): ENS bodies plus ``received_at`` and ``control_result``.

One path for the command and the REST batch: split the two history keys off each line, file the
rest through the ENS intake (``file_history``: every rule of 2.1 except the arrival window,
idempotent by filer and LRN, bulk COPY, never announced to the screening pipeline), then store
the labels on the versions written or found. A line is accepted or rejected on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values
from pydantic import TypeAdapter, ValidationError

from crms.core.dates import RecordedTime
from crms.declarations.models import DeclarationVersion
from crms.declarations.services import file_history
from crms.declarations.validation import Error, error, validate_declaration

HISTORY_KEYS = ("received_at", "control_result")
_received_at = TypeAdapter(RecordedTime)  # history: filed between 2000 and now
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # clocks differ a little; a day ahead is not history
HISTORY_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass
class LineResult:
    """The outcome of one history line: 201 imported, 200 already there, 400/403/409 rejected."""

    index: int
    status: int
    mrn: str | None = None
    lrn: str | None = None
    version: int | None = None
    errors: list[Error] = field(default_factory=list)
    label_changed: bool = False
    received_at: dt.datetime | None = None

    @property
    def imported(self) -> bool:
        """New, or already there with a label it did not have: the import changed something."""
        return self.status == 201 or (self.status == 200 and self.label_changed)

    @property
    def rejected(self) -> bool:
        return self.status not in (200, 201)

    def batch_row(self) -> dict[str, Any]:
        """The row of the contract's batch response (2.2)."""
        row: dict[str, Any] = {"index": self.index, "status": self.status}
        if not self.rejected:
            return row | {
                "mrn": self.mrn,
                "lrn": self.lrn,
                "version": self.version,
                "label_updated": self.label_changed,
            }
        return row | {"errors": self.errors} | ({"mrn": self.mrn} if self.mrn else {})


@dataclass
class _Line:
    index: int
    body: Any
    received_at: dt.datetime | None = None
    label: bool | None = None
    errors: list[Error] = field(default_factory=list)


def _split(index: int, raw: Any) -> _Line:
    """Take the history keys off a line; their errors are kept to report with the body's."""
    if not isinstance(raw, dict):
        return _Line(index, raw, errors=[error(None, "invalid", "A history line must be a JSON object.")])
    body = {key: value for key, value in raw.items() if key not in HISTORY_KEYS}
    line = _Line(index, body)
    if "received_at" not in raw:
        line.errors.append(error("received_at", "required", "When the declaration was filed (ISO 8601 with zone)."))
    else:
        try:
            line.received_at = _received_at.validate_python(raw["received_at"])
            # In UTC, as the contract's dates are (the window's own check reads the day in the offset given).
            if line.received_at > timezone.now() + FUTURE_TOLERANCE:
                line.errors.append(error("received_at", "out_of_range", "In the future: history is what was filed."))
            elif line.received_at < HISTORY_START:
                line.errors.append(error("received_at", "out_of_range", "From 2000-01-01T00:00:00Z."))
        except ValidationError as exc:
            line.errors.append(error("received_at", "invalid", exc.errors(include_url=False)[0]["msg"]))
    result = raw.get("control_result")
    if result is not None:
        if not isinstance(result, dict) or set(result) != {"irregularity_found"}:
            message = 'Either null or {"irregularity_found": true|false}, nothing else.'
            line.errors.append(error("control_result", "invalid", message))
        elif not isinstance(result["irregularity_found"], bool):
            line.errors.append(error("control_result.irregularity_found", "invalid", "true or false."))
        else:
            line.label = result["irregularity_found"]
    return line


def import_lines(raws: list[Any], *, user) -> list[LineResult]:
    """Import history lines as ``user`` (a national system or risk manager of the Member State of
    first entry, whose organisation becomes the filer's). One result per line, in input order."""
    lines = [_split(index, raw) for index, raw in enumerate(raws)]
    results: dict[int, LineResult] = {}
    good = [line for line in lines if not line.errors]
    for line in lines:
        if line.errors:  # still list what is wrong with the body itself
            _, body_errors = validate_declaration(line.body, history=True)
            lrn = line.body.get("lrn") if isinstance(line.body, dict) else None
            results[line.index] = LineResult(
                line.index, 400, lrn=lrn if isinstance(lrn, str) else None, errors=line.errors + body_errors
            )
    with transaction.atomic():
        filed = file_history([line.body for line in good], [line.received_at for line in good], user=user)
        for line, result in zip(good, filed, strict=True):
            results[line.index] = LineResult(
                line.index, result.status, result.mrn, result.lrn, result.version, list(result.errors),
                received_at=line.received_at,
            )  # fmt: skip
        _store_labels([(line, results[line.index]) for line in good])
    return [results[index] for index in range(len(lines))]


def _store_labels(pairs: list[tuple[_Line, LineResult]]) -> None:
    """Write each accepted line's label on its version; a changed label is replaced, an absent one kept."""
    wanted = [(line, result) for line, result in pairs if not result.rejected and line.label is not None]
    if not wanted:
        return
    versions = {
        (mrn, number): (version_id, declaration_id)
        for mrn, number, version_id, declaration_id in DeclarationVersion.objects.filter(
            declaration__mrn__in={result.mrn for _, result in wanted}
        ).values_list("declaration__mrn", "version", "id", "declaration_id")
    }
    from crms.learning.models import HistoryLabel

    current = dict(
        HistoryLabel.objects.filter(version_id__in=[v for v, _ in versions.values()]).values_list(
            "version_id", "irregularity_found"
        )
    )
    now = timezone.now()
    rows = {}
    for line, result in wanted:
        version_id, declaration_id = versions[(result.mrn, result.version)]
        if current.get(version_id) != line.label:
            rows[version_id] = (version_id, declaration_id, line.label, now)
            result.label_changed = result.status == 200
    if rows:
        with connection.cursor() as cursor:
            execute_values(
                cursor.cursor,
                """INSERT INTO learning_historylabel (version_id, declaration_id, irregularity_found, recorded_at)
                   VALUES %s ON CONFLICT (version_id) DO UPDATE
                   SET irregularity_found = EXCLUDED.irregularity_found, recorded_at = EXCLUDED.recorded_at""",
                list(rows.values()),
                page_size=1000,
            )


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
