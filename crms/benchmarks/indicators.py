"""Indicators dashboard and refresh on a year of data (issue 8): refresh time, dashboard server time.

20,000 ENS are generated and filed through the service, screened in-process with the demo
criteria published, 3% amended and screened again, and a share of the cases worked through
the workbench services (decisions, control results, information requests). Everything is
then copied in SQL (declarations, versions, parties, goods items, assessments, hits, cases,
decisions, control results, information requests) with new ids and MRNs and every time
moved back by one random offset per declaration within 365 days, until the goods items
reach the target. The refresh job then rebuilds the daily figures of the whole year
in-process, and the dashboard, the XLSX export and the REST endpoint are timed over real
HTTP against gunicorn with logged-in sessions and a national system's token.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import psycopg2
from tqdm import tqdm

from crms.benchmarks.harness import (
    ROOT,
    analyze_filed,
    ensure_partitions,
    gunicorn,
    login_session,
    manage,
    rebuildable,
    summary,
    table_columns,
    timed_gets,
)
from crms.declarations.current import fill_current_version_pks

DAYS = 365
COPIES_PER_CHUNK = 8
# Copies' MRN numbers start far above the sequence's (and the other sections'), so nothing collides.
MRN_OFFSET = 3 * 10**12
BUILD_FIGURES = ROOT / "var" / "bench-indicators-build.json"
PASSWORD = "demo-crms-2026"  # noqa: S105 - load_demo's published demo password


def _manage_json(env: dict[str, str], *args: str) -> dict:
    """A management command in the bench environment; its progress bars show, its last line is JSON."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _copy(cursor, table: str, source: str, replaced: dict[str, str], *, keep_id: bool = True) -> None:
    """INSERT INTO table SELECT its columns FROM ``source`` (aliased ``s``), some replaced by expressions."""
    columns = [c for c in table_columns(cursor, table) if keep_id or c != "id"]
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {source}")


def _map(cursor, name: str, sql: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} AS {sql}")
    cursor.execute(f"CREATE INDEX ON {name} (old_id, copy)")
    cursor.execute(f"ANALYZE {name}")


def _seq(table: str) -> str:
    return f"nextval(pg_get_serial_sequence('{table}', 'id'))"


def _multiply_chunk(cursor, first: int, copies: int, top: dict[str, int]) -> None:
    """``copies`` copies (numbered from ``first``) of every original row, in one transaction."""
    _map(
        cursor,
        "ind_decl",
        f"""SELECT d.id AS old_id, c.copy, {_seq("declarations_declaration")} AS new_id,
                   row_number() OVER () AS n, random() * interval '{DAYS} days' AS shift
            FROM declarations_declaration d CROSS JOIN generate_series({first}, {first + copies - 1}) AS c(copy)
            WHERE d.id <= {top["declaration"]}""",
    )
    mrn_base = MRN_OFFSET + first * top["declarations"]
    _copy(
        cursor,
        "declarations_declaration",
        f"declarations_declaration s JOIN ind_decl m ON m.old_id = s.id WHERE s.id <= {top['declaration']}",
        {
            "id": "m.new_id",
            "mrn": f"left(s.mrn, 4) || lpad(({mrn_base} + m.n)::text, 13, '0') || '0'",
            "lrn": "s.lrn || '-X' || m.copy",
            "received_at": "s.received_at - m.shift",
            "updated_at": "s.updated_at - m.shift",
            "expected_arrival": "s.expected_arrival - m.shift",
            "current_version_pk": "NULL",  # a copy names its own version: filled in once its versions exist
        },
    )
    _map(
        cursor,
        "ind_version",
        f"""SELECT v.id AS old_id, m.copy, crms_version_id(v.filed_at - m.shift) AS new_id,
                   m.new_id AS new_declaration, m.shift
            FROM declarations_declarationversion v JOIN ind_decl m ON m.old_id = v.declaration_id
            WHERE v.declaration_id <= {top["declaration"]}""",
    )
    _copy(
        cursor,
        "declarations_declarationversion",
        "declarations_declarationversion s JOIN ind_version m ON m.old_id = s.id "
        f"WHERE s.declaration_id <= {top['declaration']}",
        {
            "id": "m.new_id",
            "declaration_id": "m.new_declaration",
            "filed_at": "s.filed_at - m.shift",
            "expected_arrival": "s.expected_arrival - m.shift",
        },
    )
    for table in ("declarations_party", "declarations_goodsitem"):
        _copy(
            cursor,
            table,
            f"{table} s JOIN ind_version m ON m.old_id = s.version_id",
            {"version_id": "m.new_id"},
            keep_id=False,
        )
    _map(
        cursor,
        "ind_assessment",
        f"""SELECT a.id AS old_id, m.copy, m.new_id, m.shift
            FROM risk_engine_assessment a JOIN ind_version m ON m.old_id = a.version_id
            WHERE a.declaration_id <= {top["declaration"]}""",
    )
    _copy(
        cursor,
        "risk_engine_assessment",
        "risk_engine_assessment s JOIN ind_assessment ma ON ma.old_id = s.id "
        "JOIN ind_version m ON m.old_id = s.version_id AND m.copy = ma.copy "
        f"WHERE s.declaration_id <= {top['declaration']}",
        {
            "id": "ma.new_id",
            "version_id": "m.new_id",
            "declaration_id": "m.new_declaration",
            "screened_at": "s.screened_at - m.shift",
        },
    )
    _copy(
        cursor,
        "risk_engine_hit",
        f"risk_engine_hit s JOIN ind_assessment m ON m.old_id = s.assessment_id "
        f"WHERE s.assessment_id <= {top['assessment']}",
        {"assessment_id": "m.new_id", "created_at": "s.created_at - m.shift"},
        keep_id=False,
    )
    # Cases and decisions point at each other (a forwarded case names the decision that forwarded it):
    # both id maps first, then the rows.
    _map(
        cursor,
        "ind_case",
        f"""SELECT c.id AS old_id, m.copy, {_seq("workbench_case")} AS new_id, m.new_id AS new_version,
                   m.new_declaration, m.shift
            FROM workbench_case c JOIN ind_version m ON m.old_id = c.version_id WHERE c.id <= {top["case"]}""",
    )
    _map(
        cursor,
        "ind_decision",
        f"""SELECT d.id AS old_id, m.copy, {_seq("workbench_decision")} AS new_id, m.new_id AS new_case
            FROM workbench_decision d JOIN ind_case m ON m.old_id = d.case_id WHERE d.id <= {top["decision"]}""",
    )
    _copy(
        cursor,
        "workbench_case",
        "workbench_case s JOIN ind_case m ON m.old_id = s.id "
        f"LEFT JOIN ind_decision f ON f.old_id = s.forwarded_by_id AND f.copy = m.copy WHERE s.id <= {top['case']}",
        {
            "id": "m.new_id",
            "version_id": "m.new_version",
            "declaration_id": "m.new_declaration",
            "forwarded_by_id": "f.new_id",
            # Nobody leaves a case open for months: older copies of an open case have left the queue.
            "state": "CASE WHEN s.state = 'open' AND m.shift > interval '2 days' THEN 'cleared' ELSE s.state END",
            "expected_arrival": "s.expected_arrival - m.shift",
            "claimed_at": "s.claimed_at - m.shift",
            "created_at": "s.created_at - m.shift",
            "updated_at": "s.updated_at - m.shift",
        },
    )
    _copy(
        cursor,
        "workbench_decision",
        "workbench_decision s JOIN ind_decision md ON md.old_id = s.id "
        f"JOIN ind_case m ON m.old_id = s.case_id AND m.copy = md.copy WHERE s.id <= {top['decision']}",
        {
            "id": "md.new_id",
            "case_id": "m.new_id",
            "version_id": "m.new_version",
            "declaration_id": "m.new_declaration",
            "decided_at": "s.decided_at - m.shift",
        },
    )
    _copy(
        cursor,
        "workbench_controlresult",
        f"""workbench_controlresult s JOIN ind_version m ON m.old_id = s.version_id
            LEFT JOIN ind_case c ON c.old_id = s.case_id AND c.copy = m.copy
            LEFT JOIN ind_decision d ON d.old_id = s.decision_id AND d.copy = m.copy
            WHERE s.id <= {top["control"]}""",
        {
            "version_id": "m.new_id",
            "declaration_id": "m.new_declaration",
            "case_id": "c.new_id",
            "decision_id": "d.new_id",
            "controlled_at": "s.controlled_at - m.shift",
            "recorded_at": "s.recorded_at - m.shift",
        },
        keep_id=False,
    )
    _map(
        cursor,
        "ind_request",
        f"""SELECT q.id AS old_id, m.copy, {_seq("workbench_informationrequest")} AS new_id,
                   m.new_id AS new_declaration, m.shift
            FROM workbench_informationrequest q JOIN ind_decl m ON m.old_id = q.declaration_id
            WHERE q.id <= {top["request"]}""",
    )
    _copy(
        cursor,
        "workbench_informationrequest",
        f"workbench_informationrequest s JOIN ind_request m ON m.old_id = s.id WHERE s.id <= {top['request']}",
        {
            "id": "m.new_id",
            "declaration_id": "m.new_declaration",
            "created_at": "s.created_at - m.shift",
            "first_answer_at": "s.first_answer_at - m.shift",
            "closed_at": "s.closed_at - m.shift",
        },
    )
    _copy(
        cursor,
        "workbench_informationmessage",
        "workbench_informationmessage s JOIN ind_request m ON m.old_id = s.request_id "
        f"WHERE s.request_id <= {top['request']}",
        {"request_id": "m.new_id", "created_at": "s.created_at - m.shift"},
        keep_id=False,
    )


SHIFT_ORIGINALS = [
    "UPDATE declarations_declaration t SET received_at = received_at - o.shift, updated_at = updated_at - o.shift, "
    "expected_arrival = expected_arrival - o.shift FROM ind_original o WHERE t.id = o.id",
    "UPDATE declarations_declarationversion t SET filed_at = filed_at - o.shift, "
    "expected_arrival = expected_arrival - o.shift FROM ind_original o WHERE t.declaration_id = o.id",
    "UPDATE risk_engine_assessment t SET screened_at = screened_at - o.shift FROM ind_original o "
    "WHERE t.declaration_id = o.id",
    "UPDATE risk_engine_hit t SET created_at = created_at - o.shift FROM risk_engine_assessment a, ind_original o "
    "WHERE a.id = t.assessment_id AND a.declaration_id = o.id",
    "UPDATE workbench_case t SET expected_arrival = expected_arrival - o.shift, claimed_at = claimed_at - o.shift, "
    "created_at = created_at - o.shift, updated_at = updated_at - o.shift, "
    "state = CASE WHEN state = 'open' AND o.shift > interval '2 days' THEN 'cleared' ELSE state END "
    "FROM ind_original o WHERE t.declaration_id = o.id",
    "UPDATE workbench_decision t SET decided_at = decided_at - o.shift FROM ind_original o "
    "WHERE t.declaration_id = o.id",
    "UPDATE workbench_controlresult t SET controlled_at = controlled_at - o.shift, "
    "recorded_at = recorded_at - o.shift FROM ind_original o WHERE t.declaration_id = o.id",
    "UPDATE workbench_informationmessage t SET created_at = t.created_at - o.shift "
    "FROM workbench_informationrequest q, ind_original o WHERE q.id = t.request_id AND q.declaration_id = o.id",
    "UPDATE workbench_informationrequest t SET created_at = created_at - o.shift, "
    "first_answer_at = first_answer_at - o.shift, closed_at = closed_at - o.shift "
    "FROM ind_original o WHERE t.declaration_id = o.id",
]

TABLES = [
    "declarations_declaration",
    "declarations_declarationversion",
    "declarations_party",
    "declarations_goodsitem",
    "risk_engine_assessment",
    "risk_engine_hit",
    "workbench_case",
    "workbench_decision",
    "workbench_controlresult",
    "workbench_informationrequest",
    "workbench_informationmessage",
]


# The big tables lose their secondary indexes and unique constraints while they are copied into and get
# them back afterwards: one sorted build per index instead of millions of random inserts into indexes
# much larger than shared_buffers.
REINDEXED = TABLES[:6]


def _drop_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop every index but the primary keys; returns the statements that put them back as they were."""
    restore = []
    for table in tables:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname,
                      pg_get_constraintdef(c.oid)
               FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u'
               WHERE i.indrelid = %s::regclass AND NOT i.indisprimary""",
            [table],
        )
        for index, definition, constraint, constraint_definition in cursor.fetchall():
            if constraint:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
                restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_definition}')
            else:
                cursor.execute(f"DROP INDEX {index}")
                restore.append(rebuildable(definition))
    return restore


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table.split("_", 1)[1]] = cursor.fetchone()[0]
    return counts


def multiply(env: dict[str, str], *, goods_items: int) -> dict:
    ensure_partitions(env, days_back=DAYS + 1)  # every copy lands in its own month
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET jit = off")
        analyze_filed(cursor)
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            # The copies are consistent by construction: skip the per-row foreign-key triggers.
            cursor.execute("SET session_replication_role = replica")
        top = {}
        for name, table in (
            ("declaration", "declarations_declaration"),
            ("version", "declarations_declarationversion"),
            ("assessment", "risk_engine_assessment"),
            ("case", "workbench_case"),
            ("decision", "workbench_decision"),
            ("control", "workbench_controlresult"),
            ("request", "workbench_informationrequest"),
        ):
            cursor.execute(f"SELECT coalesce(max(id), 0), count(*) FROM {table}")
            top[name], top[f"{name}s"] = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM declarations_goodsitem")
        base_items = cursor.fetchone()[0]
        copies = max(0, -(-goods_items // base_items) - 1)
        started = time.perf_counter()
        restore = _drop_indexes(cursor, REINDEXED)
        with tqdm(total=copies * base_items, desc="multiplying in SQL", unit=" goods items", unit_scale=True) as bar:
            for first in range(0, copies, COPIES_PER_CHUNK):
                chunk = min(COPIES_PER_CHUNK, copies - first)
                cursor.execute("BEGIN")
                _multiply_chunk(cursor, first, chunk, top)
                cursor.execute("COMMIT")
                bar.update(chunk * base_items)
        cursor.execute("BEGIN")
        fill_current_version_pks(cursor)  # the copies were written with it null
        cursor.execute("COMMIT")
        cursor.execute(
            f"CREATE TEMP TABLE ind_original AS SELECT id, random() * interval '{DAYS} days' AS shift "
            f"FROM declarations_declaration WHERE id <= {top['declaration']}"
        )
        for statement in SHIFT_ORIGINALS:
            cursor.execute(statement)
        multiply_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for statement in tqdm(restore, desc="rebuilding indexes", unit="index"):
            cursor.execute(statement)
        index_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for table in tqdm(TABLES, desc="ANALYZE", unit="table"):
            cursor.execute(f"ANALYZE {table}")
        analyze_seconds = time.perf_counter() - started
        counts = _counts(cursor)
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT min(received_at)::date, max(received_at)::date FROM declarations_declaration")
        first_day, last_day = cursor.fetchone()
    conn.close()
    return {
        "copies": copies,
        "multiply_seconds": multiply_seconds,
        "index_seconds": index_seconds,
        "analyze_seconds": analyze_seconds,
        "rows": counts,
        "database_bytes": size,
        "received": [str(first_day), str(last_day)],
    }


def _time_get(port: int, path: str, headers: dict[str, str], repeats: int, expect: bytes = b"") -> dict:
    timings, body = timed_gets(port, path, headers, repeats)
    if expect and expect.lower() not in body[:4096].lower():
        raise RuntimeError(f"{path} did not answer what was expected: {body[:300]!r}")
    return {**summary([seconds * 1000 for seconds in timings]), "requests": repeats, "bytes": len(body)}


def build(env: dict[str, str], *, goods_items: int, filed: int) -> dict:
    """Generate, screen, work and multiply a year of data, then refresh it; the figures are kept in
    ``BUILD_FIGURES`` so ``--reuse-data`` can measure the pages again without a quarter-hour build."""
    manage(env, "load_demo", "--declarations", "0")  # users, AEOs and today's published criteria
    started = time.perf_counter()
    manage(env, "generate_ens", "--count", str(filed), "--seed", "47", "--lrn-prefix", "IND")
    generate_seconds = time.perf_counter() - started
    prepared = _manage_json(env, "indicators_bench_step", "prepare")
    figures = {"filed": filed, "generate_seconds": generate_seconds, "prepare": prepared}
    figures["data"] = multiply(env, goods_items=goods_items)
    figures["refresh"] = _manage_json(env, "indicators_bench_step", "refresh", "--days", str(DAYS))
    BUILD_FIGURES.parent.mkdir(parents=True, exist_ok=True)
    BUILD_FIGURES.write_text(json.dumps(figures, default=str))
    return figures


def _still_built(env: dict[str, str]) -> bool:
    """The last build's figures describe the bench database as it is (another section may have rebuilt it)."""
    if not BUILD_FIGURES.exists():
        return False
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_goodsitem")
        items = cursor.fetchone()[0]
    conn.close()
    return items == json.loads(BUILD_FIGURES.read_text())["data"]["rows"]["goodsitem"]


def _national_system_token(env: dict[str, str], username: str) -> str:
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT t.key FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id WHERE u.username = %s",
            [username],
        )
        row = cursor.fetchone()
    conn.close()
    if row is None:
        raise RuntimeError(f"no API token for {username}")
    return row[0]


def run(env: dict[str, str], *, goods_items: int, filed: int = 20_000, repeats: int = 20, reuse: bool = False) -> dict:
    if reuse and _still_built(env):
        figures = json.loads(BUILD_FIGURES.read_text())
    else:
        figures = build(env, goods_items=goods_items, filed=filed)
    figures["profile"] = _manage_json(env, "indicators_bench_step", "profile")
    # The build takes a quarter of an hour: its figures are kept even if the HTTP part fails.
    print(f"indicators data and refresh: {json.dumps(figures, default=str)}", file=sys.stderr, flush=True)

    today = dt.date.fromisoformat(figures["refresh"]["day_to"])
    periods = {f"{days} days": days for days in (30, 90, 365)}
    token = _national_system_token(env, "fr_national_system")
    pages, other = {}, {}
    with gunicorn(env, workers=2) as port:
        cookies = {
            "EU": {"Cookie": f"sessionid={login_session(port, 'eu_commission', PASSWORD)}"},
            "FR": {"Cookie": f"sessionid={login_session(port, 'fr_analyst', PASSWORD)}"},
        }
        viewers = {
            "Commission, all Member States": ("EU", ""),
            "Commission, member_state=FR": ("EU", "&member_state=FR"),
            "FR analyst": ("FR", ""),
        }
        steps = [(viewer, period) for viewer in viewers for period in periods]
        for viewer, period in tqdm(steps, desc="dashboard over HTTP", unit="row"):
            who, extra = viewers[viewer]
            path = f"/indicators/?days={periods[period]}{extra}"
            pages[f"{viewer}, {period}"] = _time_get(port, path, cookies[who], repeats, b"<!doctype html")
        for period, days in tqdm(periods.items(), desc="export and REST over HTTP", unit="period"):
            span = f"from={today - dt.timedelta(days=days - 1)}&to={today}"
            other[f"XLSX export of all tables, Commission, {period}"] = _time_get(
                port, f"/indicators/export/all.xlsx?days={days}", cookies["EU"], repeats, b"PK"
            )
            other[f"REST /api/v1/indicators/, FR national system, {period}"] = _time_get(
                port, f"/api/v1/indicators/?{span}", {"Authorization": f"Token {token}"}, repeats, b'"tables"'
            )
        year = {}
        for label, (who, path) in tqdm(_year_pages(env).items(), desc="list, queue, detail on the year", unit="page"):
            year[label] = _time_get(port, path, cookies[who], repeats, b"<!doctype html")
    figures["pages"], figures["other"], figures["year_pages"] = pages, other, year
    return figures


def _year_pages(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The declarations list, the workbench queue and ENS pages read on the same year (issue 17: their p95
    must hold on a year of data in monthly partitions). An ENS page reads its version, parties, goods items,
    assessment and hits, which are found by declaration, not by month: every partition is probed."""
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    with conn.cursor() as cursor:
        mrns = {}
        for label, age in (("filed 10 days ago", 10), ("filed 200 days ago", 200)):
            cursor.execute(
                """SELECT mrn FROM declarations_declaration WHERE first_entry_member_state_id = 'FR'
                   AND received_at < now() - make_interval(days => %s) ORDER BY received_at DESC LIMIT 1""",
                [age],
            )
            mrns[label] = cursor.fetchone()[0]
    conn.close()
    return {
        "declarations list, FR analyst, newest": ("FR", "/declarations/"),
        "declarations list, FR analyst, mode = sea": ("FR", "/declarations/?transport_mode=sea"),
        "declarations list, Commission, newest": ("EU", "/declarations/"),
        "workbench queue, FR analyst": ("FR", "/workbench/"),
        **{f"ENS page, FR analyst, {label}": ("FR", f"/declarations/{mrn}/") for label, mrn in mrns.items()},
    }
