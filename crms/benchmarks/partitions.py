"""Retention by partition (issue 17): dropping a month of declarations against deleting it row by row.

Builds ``months`` past months of about ``items_per_month`` goods items each (SQL copies of generated
ENS, each copy filed in its month, so its rows land in that month's partitions), then drops the oldest
month with ``partitions.drop_month`` and, side by side, deletes the same month's rows from unpartitioned
copies of the three big tables (versions, parties, goods items, with the same indexes) as a deployment
without partitions would.
"""

from __future__ import annotations

import datetime as dt
import time

import psycopg2
from tqdm import tqdm

from crms.benchmarks.backtest import _copy_children
from crms.benchmarks.harness import manage, table_columns
from crms.declarations import partitions
from crms.declarations.current import fill_current_version_pks

BIG = ("declarations_declarationversion", "declarations_party", "declarations_goodsitem")


def _copy_month(cursor, month: dt.date, copy: int, offset: int) -> None:
    """One copy of the generated ENS, filed at random moments of ``month``."""
    cursor.execute("DROP TABLE IF EXISTS p_decl, p_version")
    cursor.execute(
        """CREATE TEMP TABLE p_decl AS
           SELECT id AS old_id, nextval(pg_get_serial_sequence('declarations_declaration', 'id')) AS new_id,
                  row_number() OVER (ORDER BY id) AS n,
                  %s::timestamptz + random() * interval '27 days' AS filed
           FROM declarations_declaration WHERE lrn LIKE 'PART-%%' AND lrn NOT LIKE '%%-X%%'""",
        [dt.datetime.combine(month, dt.time(1), tzinfo=dt.UTC)],
    )
    columns = table_columns(cursor, "declarations_declaration")
    replaced = {
        "id": "m.new_id",
        "mrn": f"left(s.mrn, 4) || lpad(({offset} + m.n)::text, 13, '0') || '0'",
        "lrn": f"s.lrn || '-X{month:%Y%m}-{copy}'",
        "received_at": "m.filed",
        "updated_at": "m.filed",
        "current_version_pk": "NULL",  # a copy names its own version: filled in once its versions exist
    }
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declaration ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_declaration s JOIN p_decl m ON m.old_id = s.id"
    )
    cursor.execute(
        """CREATE TEMP TABLE p_version AS
           SELECT v.id AS old_id, crms_version_id(m.filed) AS new_id, m.new_id AS new_declaration_id, m.filed
           FROM declarations_declarationversion v JOIN p_decl m ON m.old_id = v.declaration_id"""
    )
    columns = table_columns(cursor, "declarations_declarationversion")
    replaced = {"id": "m.new_id", "declaration_id": "m.new_declaration_id", "filed_at": "m.filed"}
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declarationversion ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_declarationversion s JOIN p_version m ON m.old_id = s.id"
    )
    fill_current_version_pks(cursor, new_ids_in="p_decl")
    for table in ("declarations_party", "declarations_goodsitem"):
        _copy_children(cursor, table, "version_id", "p_version")


def _unpartitioned_copies(cursor) -> None:
    """Plain tables holding the same rows with the same indexes: the deployment without partitions."""
    for table in BIG:
        cursor.execute(f"DROP TABLE IF EXISTS plain_{table}")
        cursor.execute(f"CREATE TABLE plain_{table} AS SELECT * FROM {table}")
        cursor.execute(f"ALTER TABLE plain_{table} ADD PRIMARY KEY (id)")
    cursor.execute("CREATE INDEX ON plain_declarations_party (version_id)")
    cursor.execute("CREATE INDEX ON plain_declarations_goodsitem (version_id)")
    cursor.execute("CREATE INDEX ON plain_declarations_declarationversion (declaration_id, version)")
    for table in BIG:
        cursor.execute(f"ANALYZE plain_{table}")


def run(env: dict[str, str], *, months: int, items_per_month: int, filed: int = 20_000) -> dict:
    manage(env, "load_demo", "--declarations", "0")
    manage(env, "generate_ens", "--count", str(filed), "--seed", "47", "--lrn-prefix", "PART")
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    current = partitions.month_start(dt.datetime.now(dt.UTC))
    past = []
    month = current
    for _ in range(months):
        month = dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        past.append(month)
    partitions.ensure_months(past)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_goodsitem")
        base_items = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        base_decl = cursor.fetchone()[0]
        copies = max(1, round(items_per_month / base_items))
        started = time.perf_counter()
        with tqdm(total=months * copies, desc="filing past months in SQL", unit="copy") as bar:
            for index, month in enumerate(past):
                for copy in range(copies):
                    _copy_month(cursor, month, copy, 4 * 10**12 + (index * copies + copy) * base_decl * 2)
                    bar.update()
        for table, _ in partitions.FAMILY:
            cursor.execute(f"ANALYZE {table}")
        build_seconds = time.perf_counter() - started
        _unpartitioned_copies(cursor)
        oldest = past[-1]
        low, high = partitions.month_bounds(oldest)
        cursor.execute(f"SELECT count(*) FROM {partitions.partition_name('declarations_goodsitem', oldest)}")
        month_items = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM declarations_goodsitem")
        total_items = cursor.fetchone()[0]
        sizes = {}
        for table in BIG:
            cursor.execute(f"SELECT pg_total_relation_size('plain_{table}')")
            sizes[table] = cursor.fetchone()[0]
        # Without partitions: delete the month's rows, children first, in one transaction.
        cursor.execute("BEGIN")
        started = time.perf_counter()
        for table, column in (
            ("declarations_goodsitem", "version_id"),
            ("declarations_party", "version_id"),
            ("declarations_declarationversion", "id"),
        ):
            cursor.execute(f"DELETE FROM plain_{table} WHERE {column} >= %s AND {column} < %s", [low, high])
        cursor.execute("COMMIT")
        delete_seconds = time.perf_counter() - started
    conn.close()
    started = time.perf_counter()
    dropped = partitions.drop_month(oldest)
    drop_seconds = time.perf_counter() - started
    return {
        "months": months,
        "month": oldest.isoformat(),
        "goods_items_total": total_items,
        "goods_items_in_month": month_items,
        "versions_in_month": dropped.versions,
        "declarations_removed": dropped.declarations,
        "build_seconds": build_seconds,
        "drop_month_seconds": drop_seconds,
        "drop_partitions_seconds": dropped.seconds_partitions,
        "drop_dependents_seconds": dropped.seconds_dependents,
        "drop_declarations_seconds": dropped.seconds_declarations,
        "delete_rows_seconds": delete_seconds,
        "unpartitioned_bytes": sum(sizes.values()),
    }
