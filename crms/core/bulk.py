"""Fast bulk inserts with Postgres COPY, for the ingest hot path.

``bulk_create`` spends most of its time compiling SQL and building model
instances; COPY of plain rows is several times faster. Callers allocate ids up
front (``declarations.services._allocate``) so parent and child rows can be
written in one pass.

A COPY costs a round trip and its own set-up per table, which is what a single filing pays most for
(four tables: a fifth of a single POST's time, issue 17). ``write_rows`` writes a few rows of several
tables in one statement instead, and COPYs when there are many.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import orjson
from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


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


# Up to this many rows in all, ``write_rows`` sends one INSERT statement; beyond, a COPY per table
# (measured in process: one ENS of four tables, 1.8-2.0 ms by four COPYs against 1.4-1.5 ms in one
# statement; COPY wins from a few hundred rows on, where parsing the literals costs more than the trips).
ONE_STATEMENT_ROWS = 200


def write_rows(tables: list[tuple[type[models.Model], list[dict[str, Any]]]]) -> None:
    """Insert rows into several tables, parents before children, in one statement or a COPY each.

    One statement: each table's INSERT is a data-modifying CTE (Postgres runs every one exactly once);
    the foreign keys (Django makes them DEFERRABLE INITIALLY DEFERRED) are checked at commit, so a child may
    name a parent written beside it."""
    tables = [(model, rows) for model, rows in tables if rows]
    if sum(len(rows) for _, rows in tables) > ONE_STATEMENT_ROWS:
        for model, rows in tables:
            copy_insert(model, rows)
        return
    if not tables:
        return
    parts: list[str] = []
    params: list[Any] = []
    for number, (model, rows) in enumerate(tables):
        fields = {field.attname: field for field in model._meta.concrete_fields}
        attnames = list(rows[0])
        json_fields = {name for name in attnames if isinstance(fields[name], models.JSONField)}
        placeholder = "(" + ", ".join("%s::jsonb" if name in json_fields else "%s" for name in attnames) + ")"
        columns = ", ".join(f'"{fields[name].column}"' for name in attnames)
        values = ", ".join([placeholder] * len(rows))
        # Table and column names from the model, values as parameters: nothing from the caller is spliced in.
        parts.append(f'written_{number} AS (INSERT INTO "{model._meta.db_table}" ({columns}) VALUES {values})')  # noqa: S608
        for row in rows:
            params.extend(
                (None if row[name] is None else orjson.dumps(row[name]).decode()) if name in json_fields else row[name]
                for name in attnames
            )
    with connection.cursor() as cursor:
        cursor.execute("WITH " + ", ".join(parts) + " SELECT 1", params)
