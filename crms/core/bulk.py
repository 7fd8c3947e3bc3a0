"""Fast bulk inserts with Postgres COPY, for the ingest hot path.

``bulk_create`` spends most of its time compiling SQL and building model
instances; COPY of plain rows is several times faster. Ids are allocated up
front from the table's identity sequence so parent and child rows can be
written in one pass.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import orjson
from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        ids = [row[0] for row in cursor.fetchall()]
    if ids and ids[0] is None:  # no sequence: versions take their month's ids (partitions.allocate_version_ids)
        raise TypeError(f"{table} has no id sequence to allocate from")
    return ids


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):  # arrays of simple codes (e.g. routing countries)
        return "{" + ",".join(f'"{item}"' for item in value) + "}"
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def _json(value: Any) -> str:
    return "\\N" if value is None else orjson.dumps(value).decode().translate(_ESCAPES)


def copy_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by field attname, e.g. ``office_of_first_entry_id``)."""
    if not rows:
        return
    fields = {field.attname: field for field in model._meta.concrete_fields}
    columns_by_attname = {name: field.column for name, field in fields.items()}
    attnames = list(rows[0])
    encoders = [_json if isinstance(fields[name], models.JSONField) else _text for name in attnames]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(encode(row[name]) for encode, name in zip(encoders, attnames, strict=True)))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(f'"{columns_by_attname[name]}"' for name in attnames)
    with connection.cursor() as cursor, connection.wrap_database_errors:  # IntegrityError etc., as Django raises
        cursor.cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', buffer)
