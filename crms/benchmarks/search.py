"""The global search on a million declarations (issue 14): server time per query over real HTTP, and
what keeping the search indexes costs filing.

20,000 ENS are filed with ``generate_ens`` (the filing path indexes their parties as it would in
production), then declarations, versions, goods items and parties are copied in SQL up to the target,
with new MRNs and LRNs. The copies' consignor and consignee names get one of 20 extra words, so the
party index holds twenty times the distinct parties of the filed ENS (some hundred thousand) rather
than the generator's. Secondary indexes are dropped for the copy and built again after (timed),
the party index is rebuilt from the stored parties (``crms.search.index.rebuild``, timed), then
``ANALYZE``.

gunicorn (2 workers) answers a mix of queries typed by a logged-in FR analyst and the Commission
(``/search/?q=``) and a national system (``/api/v1/search/?q=``), each ``repeats`` times after one
warm-up request. Last, filing cost: batches of 1,000 generated ENS filed in process, alternately with
the search's index maintenance and without it (party index a no-op, the MRN and container prefix
indexes dropped), same data otherwise.
"""

from __future__ import annotations

import statistics
import time
from urllib.parse import quote_plus

import psycopg2
from tqdm import tqdm

from crms.benchmarks.backtest import _copy_children
from crms.benchmarks.harness import analyze_filed, gunicorn, login_session, manage, summary, table_columns, timed_gets
from crms.benchmarks.queue import _secondary_indexes
from crms.declarations.current import fill_current_version_pks

TABLES = (
    "declarations_declaration",
    "declarations_declarationversion",
    "declarations_goodsitem",
    "declarations_party",
)
_PARAGRAPH = (
    "Holding Logistics Trading Import Export Industries Global International Partners Services Commerce "
    "Distribution Supply Group Systems Solutions Ventures Enterprises Company Works Manufacturing Textiles "
    "Electronics Foods Chemicals Metals Machinery Pharma Medical Auto Parts Toys Furniture Apparel Footwear "
    "Cosmetics Paper Plastics Glass Ceramics Tools Energy Solar Marine Aviation Rail Freight Cargo Shipping "
    "Express Parcel Courier Agency Brokers Agents Traders Merchants Wholesale Retail Direct Online Digital "
    "Atlantic Pacific Baltic Nordic Alpine Danube Rhine Iberia Balkan Levant Orient Silk Amber Jade Coral "
    "Pearl Golden Silver Iron Steel Copper Cedar Oak Maple Pine Lotus Orchid Falcon Eagle Lion Tiger Dragon "
    "Phoenix Star Sun Moon Sky Ocean River Lake Valley Summit Harbour Bridge Gate Tower Crown Royal Prime"
)
WORDS = tuple(_PARAGRAPH.split())
VARIANTS = 20  # names per filed name across the copies: the party index grows twentyfold


def _multiply(cursor, copy: int, offset: int) -> None:
    """One copy of the filed rows (new ids, MRNs, LRNs); consignor and consignee names get a word."""
    words = "ARRAY[" + ", ".join(f"'{word}'" for word in WORDS) + "]"
    word = f"({words})[1 + ((m.old_declaration_id + {copy}) % {VARIANTS})]"
    cursor.execute("DROP TABLE IF EXISTS s_decl_map, s_version_map")
    cursor.execute(
        """CREATE TEMP TABLE s_decl_map AS
           SELECT id AS old_id, nextval(pg_get_serial_sequence('declarations_declaration', 'id')) AS new_id,
                  id AS old_declaration_id, row_number() OVER (ORDER BY id) AS n
           FROM declarations_declaration WHERE lrn NOT LIKE '%-X%'"""
    )
    replaced = {
        "id": "m.new_id",
        "mrn": f"left(s.mrn, 4) || lpad(({offset} + m.n)::text, 13, '0') || '0'",
        "lrn": f"s.lrn || '-X{copy}'",
        "consignor_name": f"left(s.consignor_name || ' ' || {word}, 200)",
        "consignee_name": f"left(s.consignee_name || ' ' || {word}, 200)",
        "current_version_pk": "NULL",  # a copy names its own version: filled in once its versions exist
    }
    columns = table_columns(cursor, "declarations_declaration")
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declaration ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_declaration s JOIN s_decl_map m ON m.old_id = s.id"
    )
    cursor.execute(
        """CREATE TEMP TABLE s_version_map AS
           SELECT v.id AS old_id, crms_version_id(v.filed_at) AS new_id,
                  m.new_id AS new_declaration_id, m.old_id AS old_declaration_id
           FROM declarations_declarationversion v JOIN s_decl_map m ON m.old_id = v.declaration_id"""
    )
    columns = table_columns(cursor, "declarations_declarationversion")
    replaced = {"id": "m.new_id", "declaration_id": "m.new_declaration_id"}
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declarationversion ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_declarationversion s JOIN s_version_map m ON m.old_id = s.id"
    )
    fill_current_version_pks(cursor, new_ids_in="s_decl_map")
    _copy_children(cursor, "declarations_goodsitem", "version_id", "s_version_map")
    columns = [column for column in table_columns(cursor, "declarations_party") if column != "id"]
    replaced = {
        "version_id": "m.new_id",
        "name": f"CASE WHEN s.role IN ('consignor', 'consignee') "
        f"THEN left(s.name || ' ' || {word}, 200) ELSE s.name END",
    }
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_party ({', '.join(columns)}) SELECT {select} "
        "FROM declarations_party s JOIN s_version_map m ON m.old_id = s.version_id"
    )


def _build(env: dict[str, str], *, rows: int, filed: int) -> dict:
    from crms.search.index import rebuild

    manage(env, "load_demo", "--declarations", "0")
    started = time.perf_counter()
    manage(env, "generate_ens", "--count", str(filed), "--seed", "45", "--lrn-prefix", "SRCH")
    filed_seconds = time.perf_counter() - started
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    built: dict[str, float] = {"generate_ens": filed_seconds}
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        base = cursor.fetchone()[0]
        copies = max(0, -(-rows // base) - 1)
        analyze_filed(cursor)
        dropped = [definition for table in TABLES for _, definition in _secondary_indexes(cursor, table)]
        for table in TABLES:
            for name, _ in _secondary_indexes(cursor, table):
                cursor.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        for copy in tqdm(range(copies), desc="multiplying in SQL", unit="copy"):
            # Copies get MRN numbers far above the sequence's (4 * 10^12 + ...), so nothing collides.
            _multiply(cursor, copy, 4 * 10**12 + copy * base * 2)
        built["multiply"] = time.perf_counter() - started
        started = time.perf_counter()
        for definition in tqdm(dropped, desc="building indexes", unit="index"):
            cursor.execute(definition)
        built["indexes"] = time.perf_counter() - started
    conn.close()
    started = time.perf_counter()
    rebuild()
    built["party_index"] = time.perf_counter() - started
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    with conn.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        built["vacuum_analyze"] = time.perf_counter() - started
        counts = {}
        for table in (*TABLES, "search_indexedparty", "search_partytrigram", "search_partyscope"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    conn.close()
    return {"seconds": built, "counts": counts}


def _samples(conn) -> dict[str, str]:
    """Real values to type, taken from the data (FR-readable ones for the FR analyst)."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT d.mrn, d.lrn, d.consignor_name FROM declarations_declaration d "
            "WHERE d.first_entry_member_state_id = 'FR' AND d.lrn LIKE '%-X%' ORDER BY d.id DESC LIMIT 1"
        )
        mrn, lrn, consignor = cursor.fetchone()
        cursor.execute(
            "SELECT p.eori FROM declarations_party p JOIN declarations_declarationversion v ON v.id = p.version_id "
            "WHERE v.first_entry_member_state_id = 'FR' AND p.eori <> '' AND p.role = 'consignee' LIMIT 1"
        )
        (eori,) = cursor.fetchone()
        cursor.execute(
            "SELECT g.container FROM declarations_goodsitem g JOIN declarations_declarationversion v "
            "ON v.id = g.version_id WHERE v.first_entry_member_state_id = 'FR' AND g.container <> '' LIMIT 1"
        )
        (container,) = cursor.fetchone()
        cursor.execute("SELECT mrn FROM declarations_declaration WHERE first_entry_member_state_id = 'DE' LIMIT 1")
        (de_mrn,) = cursor.fetchone()
    words = consignor.split()
    typo = " ".join(word[:2] + word[3:] if len(word) > 4 else word for word in words[:2])  # a letter dropped
    return {
        "MRN prefix (10 characters)": mrn[:10],
        "MRN prefix of another Member State": de_mrn[:4],
        "full MRN": mrn,
        "LRN prefix": lrn[:8],
        "EORI (full)": eori,
        "EORI prefix (6 characters)": eori[:6],
        "party name with a typo": typo,
        "party name, first word": words[0],
        "container (full)": container,
        "container prefix (6 characters)": container[:6],
    }


def _filing_cost(env: dict[str, str], *, batches: int) -> dict:
    """Median seconds per batch of 1,000 ENS with the search indexes kept and without them."""
    from django.db import connection

    from crms.accounts.services import set_up_user
    from crms.declarations import services
    from crms.declarations.synthetic import generate_declarations, offices_from_db

    user = set_up_user(username="bench_fr_system", org_code="FR", role="national_system").user
    offices = offices_from_db("FR")
    keep = services.record_parties
    # The MRN's prefix index is the one Django keeps for its unique column (since issue 17): not the search's.
    prefix_indexes = {
        "goods_container_prefix_idx": "CREATE INDEX goods_container_prefix_idx ON declarations_goodsitem "
        "(container varchar_pattern_ops) WHERE NOT (container = '')",
    }
    timings: dict[str, list[float]] = {"with search indexes": [], "without": []}
    run = int(time.time())  # new LRNs on every run, also on reused data
    for number in tqdm(range(batches * 2), desc="filing with and without the search indexes", unit="batch"):
        label = "without" if number % 2 else "with search indexes"
        bodies = list(
            generate_declarations(1000, seed=900 + number, offices=offices, lrn_prefix=f"SRCHCOST{run}-{number}")
        )
        if label == "without":  # the prefix indexes dropped, the party index a no-op, for this batch only
            with connection.cursor() as cursor:
                for name in prefix_indexes:
                    cursor.execute(f"DROP INDEX {name}")
            services.record_parties = lambda parties: None
        try:
            started = time.perf_counter()
            results = services.file_declarations(bodies, user=user)
            timings[label].append(time.perf_counter() - started)
        finally:
            services.record_parties = keep
            if label == "without":
                with connection.cursor() as cursor:
                    for definition in prefix_indexes.values():
                        cursor.execute(definition)
        refused = [result.errors for result in results if result.status != 201]
        if refused:
            raise RuntimeError(f"filing refused {len(refused)} generated ENS: {refused[:3]}")
    return {label: statistics.median(values) for label, values in timings.items()} | {"batches": batches}


def _counts(env: dict[str, str]) -> dict:
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    with conn.cursor() as cursor:
        counts = {}
        for table in (*TABLES, "search_indexedparty", "search_partytrigram", "search_partyscope"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    conn.close()
    return {"seconds": {}, "counts": counts}


def run(
    env: dict[str, str],
    *,
    rows: int,
    filed: int = 20_000,
    repeats: int = 20,
    cost_batches: int = 4,
    reuse: bool = False,
) -> dict:
    """``reuse``: measure again on the last build (its data plus the batches earlier cost runs filed)."""
    built = _counts(env) if reuse else _build(env, rows=rows, filed=filed)
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    samples = _samples(conn)
    conn.close()
    token = manage(env, "add_user", "bench_search_system", "--org", "FR", "--role", "national_system", "--token")
    token = token.strip().splitlines()[-1]
    queries: dict[str, dict] = {}
    everything: list[float] = []
    with gunicorn(env, workers=2) as port:
        sessions = {
            "FR analyst": login_session(port, "fr_analyst", "demo-crms-2026"),
            "Commission": login_session(port, "eu_commission", "demo-crms-2026"),
        }
        for who, session in sessions.items():
            for label, typed in samples.items():
                path = f"/search/?q={quote_plus(typed)}"
                timings, body = timed_gets(port, path, {"Cookie": f"sessionid={session}"}, repeats)
                queries[f"{who}: {label} ({typed})"] = {
                    **{key: value * 1000 for key, value in summary(timings).items()},
                    "results": body.count(b'class="matched'),
                }
                everything += timings
        for label in ("party name with a typo", "EORI prefix (6 characters)", "MRN prefix (10 characters)"):
            path = f"/api/v1/search/?q={quote_plus(samples[label])}"
            timings, body = timed_gets(port, path, {"Authorization": f"Token {token}"}, repeats)
            queries[f"FR national system, API: {label} ({samples[label]})"] = {
                **{key: value * 1000 for key, value in summary(timings).items()},
                "results": body.count(b'"title"'),
            }
            everything += timings
    cost = _filing_cost(env, batches=cost_batches)
    return {
        **built,
        "queries": queries,
        "mix": {key: value * 1000 for key, value in summary(everything).items()},
        "requests": len(everything),
        "filing_cost": cost,
    }
