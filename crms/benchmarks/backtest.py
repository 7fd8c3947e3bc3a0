"""Backtest of one criterion over ~1,000,000 stored goods items (issue 5 item 4): seconds, goods items/s.

20,000 ENS are filed with ``generate_ens``, then declarations, their versions, goods items and
parties are copied in SQL (new ids, new MRNs) until the goods items reach the target, with
received times spread over 90 days. One backtest of a firearms-like draft then runs in a
separate process against the bench database (``manage.py backtest_once``).
"""

from __future__ import annotations

import json
import time

import psycopg2

from crms.benchmarks.harness import manage, table_columns
from crms.declarations.current import fill_current_version_pks

DAYS = 90


def _copy_children(cursor, table: str, key: str, mapping: str) -> None:
    """Copy every row of ``table`` whose ``key`` is an old id of ``mapping`` onto the new id."""
    columns = [column for column in table_columns(cursor, table) if column != "id"]
    select = ", ".join("m.new_id" if column == key else f"s.{column}" for column in columns)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} s "
        f"JOIN {mapping} m ON m.old_id = s.{key}"
    )


def _multiply(cursor, copy: int, offset: int) -> None:
    cursor.execute("DROP TABLE IF EXISTS bt_decl_map, bt_version_map")
    cursor.execute(
        """CREATE TEMP TABLE bt_decl_map AS
           SELECT id AS old_id, nextval(pg_get_serial_sequence('declarations_declaration', 'id')) AS new_id,
                  row_number() OVER (ORDER BY id) AS n
           FROM declarations_declaration WHERE lrn NOT LIKE '%-X%'"""
    )
    columns = table_columns(cursor, "declarations_declaration")
    replaced = {
        "id": "m.new_id",
        "mrn": f"left(s.mrn, 4) || lpad(({offset} + m.n)::text, 13, '0') || '0'",
        "lrn": f"s.lrn || '-X{copy}'",
        "received_at": f"now() - random() * interval '{DAYS} days'",
        "current_version_pk": "NULL",  # a copy names its own version: filled in once its versions exist
    }
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declaration ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_declaration s JOIN bt_decl_map m ON m.old_id = s.id"
    )
    cursor.execute(
        """CREATE TEMP TABLE bt_version_map AS
           SELECT v.id AS old_id, crms_version_id(v.filed_at) AS new_id,
                  m.new_id AS new_declaration_id
           FROM declarations_declarationversion v JOIN bt_decl_map m ON m.old_id = v.declaration_id"""
    )
    columns = table_columns(cursor, "declarations_declarationversion")
    replaced = {"id": "m.new_id", "declaration_id": "m.new_declaration_id"}
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declarationversion ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_declarationversion s JOIN bt_version_map m ON m.old_id = s.id"
    )
    fill_current_version_pks(cursor, new_ids_in="bt_decl_map")
    _copy_children(cursor, "declarations_goodsitem", "version_id", "bt_version_map")
    _copy_children(cursor, "declarations_party", "version_id", "bt_version_map")


def run(env: dict[str, str], *, items: int, filed: int = 20_000) -> dict:
    manage(env, "load_demo", "--declarations", "0")  # users and today's published criteria
    manage(env, "generate_ens", "--count", str(filed), "--seed", "43", "--lrn-prefix", "BT")
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"UPDATE declarations_declaration SET received_at = now() - random() * interval '{DAYS} days'")
        cursor.execute("SELECT count(*) FROM declarations_goodsitem")
        base_items = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        base_decl = cursor.fetchone()[0]
        copies = max(0, -(-items // base_items) - 1)
        started = time.perf_counter()
        for copy in range(copies):
            # Copies get MRN numbers far above the sequence's (10^12 + ...), so nothing collides.
            _multiply(cursor, copy, 2 * 10**12 + copy * base_decl * 2)
        for table in ("declarations_declaration", "declarations_declarationversion", "declarations_goodsitem"):
            cursor.execute(f"ANALYZE {table}")
        multiply_seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM declarations_goodsitem")
        stored_items = cursor.fetchone()[0]
    conn.close()
    figures = json.loads(manage(env, "backtest_once", "--days", str(DAYS)).strip().splitlines()[-1])
    return {"stored_goods_items": stored_items, "multiply_seconds": multiply_seconds, **figures}
