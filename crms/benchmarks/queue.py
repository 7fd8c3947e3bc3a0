"""The workbench queue with 1,000,000 ENS and 50,000 open hits (issue 6): server time per page over real HTTP.

20,000 ENS are filed through the service (``generate_ens``), then the declarations are copied
in SQL (new ids, MRNs and LRNs, received over 30 days) up to a million rows. Cases are then
planned on a random sample of them: 50,000 open (most of them in FR) and a few hundred
thousand decided, closed or cleared ones, each pointing at a real version of its own
declaration (the version of a copied declaration is copied from its source, so every
foreign key holds). The case columns follow what screening writes: phase, mode and office
of the ENS, outcomes that pre-loading alone allows (request for information, screening,
do not load) only on pre-loading ENS, 1-3 risk areas with their criteria, AEO parties,
random selections, national-profile and forwarded cases in the Member State of unloading,
a share claimed by the Member State's analysts. Decisions and control results are not
created: the queue does not read them.

Then gunicorn (2 workers) serves the queue to a logged-in FR analyst and an NL analyst:
the full page, the HTMX partial the page refreshes itself with, and filtered variants,
each requested ``repeats`` times after one warm-up request, on loopback.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import time

import psycopg2
from tqdm import tqdm

from crms.benchmarks.harness import (
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

# Open cases per Member State queue (the rest of the sample is decided, closed or cleared).
OPEN_SHARES = {"FR": 0.60, "NL": 0.16, "DE": 0.12, "BE": 0.06, "IT": 0.03, "ES": 0.03}
NON_OPEN_STATES = (("closed", 45), ("cleared", 30), ("decided", 25))
RISK_AREAS = (
    ("financial", 25),
    ("security_safety", 20),
    ("ipr", 15),
    ("product_safety", 12),
    ("health", 8),
    ("drugs_precursors", 6),
    ("environment", 5),
    ("dual_use_sanctions", 4),
    ("firearms_weapons", 3),
    ("cultural_goods", 1),
    ("cash", 1),
)
CRITERIA = {
    "financial": ("CRC-FIN-001", "CRC-FIN-002", "CRC-FIN-003"),
    "security_safety": ("CRC-SEC-001", "CRC-SEC-002", "CRC-SEC-003"),
    "ipr": ("CRC-IPR-001", "CRC-IPR-002"),
    "product_safety": ("CRC-PS-001", "CRC-PS-002"),
    "health": ("CRC-HE-001", "CRC-HE-002"),
    "drugs_precursors": ("CRC-DP-001", "CRC-DP-002"),
    "environment": ("CRC-ENV-001",),
    "dual_use_sanctions": ("CRC-DU-001",),
    "firearms_weapons": ("CRC-FA-001",),
    "cultural_goods": ("CRC-CG-001",),
    "cash": ("CRC-CASH-001",),
}
PRE_LOADING_OUTCOMES = (
    ("request_for_information", 40),
    ("high_risk_cargo_screening", 35),
    ("control_recommended", 20),
    ("do_not_load", 5),
)
# How far ahead an open case's arrival may be: hours before (past) and after now, by mode.
ARRIVAL_WINDOW_H = {"air": 36, "express": 36, "postal": 48, "road": 72, "rail": 120, "sea": 240, "inland_water": 240}


BULK_TABLES = ("declarations_declaration", "declarations_declarationversion", "workbench_case")


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes no constraint owns: dropped for a bulk load, built again after."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
        [table, table],
    )
    return [(name, rebuildable(definition)) for name, definition in cursor.fetchall()]


def _multiply(cursor, copies: int, base: int) -> None:
    """Copy the filed declarations ``copies`` times; ``q_map`` remembers each copy's source."""
    cursor.execute("CREATE TEMP TABLE q_map (new_id bigint PRIMARY KEY, old_id bigint NOT NULL)")
    columns = table_columns(cursor, "declarations_declaration")
    for copy in tqdm(range(copies), desc="multiplying declarations in SQL", unit="copy"):
        cursor.execute("DROP TABLE IF EXISTS q_copy")
        cursor.execute(
            """CREATE TEMP TABLE q_copy AS
               SELECT id AS old_id, nextval(pg_get_serial_sequence('declarations_declaration', 'id')) AS new_id,
                      row_number() OVER (ORDER BY id) AS n
               FROM declarations_declaration WHERE lrn LIKE 'QUEUE-%' AND lrn NOT LIKE '%-X%'"""
        )
        replaced = {
            "id": "m.new_id",
            # Copies get MRN numbers far above the sequence's (3 * 10^12 + ...), so nothing collides.
            "mrn": f"left(s.mrn, 4) || lpad(({3 * 10**12 + copy * base * 2} + m.n)::text, 13, '0') || '0'",
            "lrn": f"s.lrn || '-XQ{copy}'",  # -X: a copy (never a source); Q: not the list section's copies
            "received_at": "s.received_at - random() * interval '30 days'",
            "expected_arrival": "s.expected_arrival - random() * interval '30 days'",
            "current_version_pk": "NULL",  # a copy names its own version: filled in once its versions exist
        }
        select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
        cursor.execute(
            f"INSERT INTO declarations_declaration ({', '.join(columns)}) SELECT {select} "
            "FROM declarations_declaration s JOIN q_copy m ON m.old_id = s.id"
        )
        cursor.execute("INSERT INTO q_map SELECT new_id, old_id FROM q_copy")


def _analysts(cursor) -> dict[str, list[int]]:
    cursor.execute(
        "SELECT organisation_id, id FROM accounts_user WHERE role IN ('analyst', 'risk_manager') "
        "AND organisation_id IS NOT NULL ORDER BY id"
    )
    users: dict[str, list[int]] = {}
    for organisation, pk in cursor.fetchall():
        users.setdefault(organisation, []).append(pk)
    return users


def _pick(cursor, *, open_cases: int, non_open_cases: int) -> list[tuple]:
    """A random sample of declarations, each with the queue it lands in and whether its case is open.

    Most cases are in the Member State of first entry; 15% of the ENS unloaded elsewhere land
    in the Member State of unloading (a national profile's hit, or forwarded for control there).
    """
    cursor.execute("SELECT setseed(0.47)")
    cursor.execute(
        """CREATE TEMP TABLE q_pick AS
           SELECT id, first_entry_member_state_id AS first_entry, phase, transport_mode, expected_arrival,
                  CASE WHEN unloading_member_state_id IS NOT NULL
                        AND unloading_member_state_id <> first_entry_member_state_id AND random() < 0.15
                       THEN unloading_member_state_id ELSE first_entry_member_state_id END AS member_state,
                  random() AS r, random() AS r2
           FROM declarations_declaration"""
    )
    cursor.execute(
        "CREATE TEMP TABLE q_ranked AS SELECT *, row_number() OVER (PARTITION BY member_state ORDER BY r) AS k "
        "FROM q_pick"
    )
    quotas = ", ".join(f"('{ms}', {round(open_cases * share)})" for ms, share in OPEN_SHARES.items())
    cursor.execute("SELECT count(*) FROM q_ranked")
    total = cursor.fetchone()[0]
    non_open_share = non_open_cases / max(1, total - open_cases)
    cursor.execute(
        f"""SELECT p.id, p.member_state, p.first_entry, p.phase, p.transport_mode, p.expected_arrival,
                   p.k <= coalesce(q.n, 0) AS is_open
            FROM q_ranked p LEFT JOIN (VALUES {quotas}) AS q(ms, n) ON q.ms = p.member_state
            WHERE p.k <= coalesce(q.n, 0) OR p.r2 < %s
            ORDER BY p.id""",
        [non_open_share],
    )
    return cursor.fetchall()


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def _case_rows(picks: list[tuple], analysts: dict[str, list[int]], now: dt.datetime, seed: int = 6):
    """One tab-separated COPY line per planned case (see ``q_plan``)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    out = io.StringIO()

    def stamp(moment: dt.datetime | None) -> str:
        return moment.isoformat() if moment else r"\N"

    for declaration_id, member_state, first_entry, phase, mode, arrival, is_open in picks:
        pre_loading = phase == "pre_loading"
        origin = "first_entry"
        if member_state != first_entry:
            origin = "forwarded" if rng.random() < 0.4 else "national_profile"
        random_selection = origin == "first_entry" and rng.random() < 0.03
        if random_selection:
            outcome, score, areas, criteria = "control_recommended", 0, [], []
        else:
            outcome = _weighted(rng, PRE_LOADING_OUTCOMES) if pre_loading else "control_recommended"
            if outcome in ("high_risk_cargo_screening", "do_not_load"):
                areas = ["security_safety"]
            else:
                areas = [_weighted(rng, RISK_AREAS) for _ in range(rng.choices((1, 2, 3), (75, 20, 5))[0])]
            criteria = [rng.choice(CRITERIA[area]) for area in areas]
            if origin == "national_profile":
                criteria = [f"{member_state}-NP-00{rng.randint(1, 3)}"]
            areas, criteria = sorted(set(areas)), sorted(set(criteria))
            score = min(100, max(1, round(rng.gauss(55, 20))))
        control_type = rng.choice(("documentary", "physical", "scanning")) if outcome == "control_recommended" else ""
        aeo = rng.random() < 0.08
        users = analysts.get(member_state, [])
        claimed_by = claimed_at = None
        if is_open:
            state = "open"
            window = ARRIVAL_WINDOW_H.get(mode, 240)
            arrival = now + dt.timedelta(hours=rng.uniform(-24, window))
            created = now - dt.timedelta(hours=rng.uniform(0, 24 if pre_loading else 72))
            updated = created
            if users and rng.random() < 0.12:
                claimed_by, claimed_at = rng.choice(users), now - dt.timedelta(minutes=rng.uniform(1, 480))
        else:
            state = _weighted(rng, NON_OPEN_STATES)
            created = min(now, arrival) - dt.timedelta(hours=rng.uniform(1, 120))
            updated = min(now, created + dt.timedelta(hours=rng.uniform(0.5, 96)))
            if users and state != "cleared":
                claimed_by, claimed_at = rng.choice(users), created + (updated - created) / 2
        out.write(
            "\t".join(
                (
                    str(declaration_id),
                    member_state,
                    origin,
                    state,
                    "t" if pre_loading else "f",
                    arrival.isoformat(),
                    str(score),
                    outcome,
                    control_type,
                    "t" if aeo else "f",
                    "t" if random_selection else "f",
                    "{" + ",".join(areas) + "}",
                    "{" + ",".join(criteria) + "}",
                    str(claimed_by) if claimed_by else r"\N",
                    stamp(claimed_at),
                    created.isoformat(),
                    updated.isoformat(),
                )
            )
            + "\n"
        )
    out.seek(0)
    return out


def _create_cases(cursor, picks: list[tuple], analysts: dict[str, list[int]], now: dt.datetime) -> None:
    cursor.execute(
        """CREATE TEMP TABLE q_plan (
               declaration_id bigint PRIMARY KEY, member_state_id varchar(2), origin varchar(20), state varchar(12),
               pre_loading boolean, expected_arrival timestamptz, score smallint, outcome varchar(30),
               control_type varchar(12), aeo boolean, random_selection boolean, risk_areas varchar(40)[],
               criteria varchar(40)[], claimed_by_id bigint, claimed_at timestamptz, created_at timestamptz,
               updated_at timestamptz, source_id bigint, version_id bigint)"""
    )
    cursor.copy_expert(
        "COPY q_plan (declaration_id, member_state_id, origin, state, pre_loading, expected_arrival, score, outcome, "
        "control_type, aeo, random_selection, risk_areas, criteria, claimed_by_id, claimed_at, created_at, "
        "updated_at) FROM STDIN",
        _case_rows(picks, analysts, now),
    )
    cursor.execute("ANALYZE q_plan")
    cursor.execute("ANALYZE q_map")
    analyze_filed(cursor)
    # Versions: the filed declarations have theirs; a copy gets a copy of its source's current version.
    cursor.execute("UPDATE q_plan p SET source_id = m.old_id FROM q_map m WHERE m.new_id = p.declaration_id")
    cursor.execute(
        """UPDATE q_plan p SET version_id = v.id
           FROM declarations_declaration d JOIN declarations_declarationversion v
                ON v.declaration_id = d.id AND v.version = d.current_version
           WHERE p.source_id IS NULL AND d.id = p.declaration_id"""
    )
    cursor.execute("UPDATE q_plan SET version_id = crms_version_id(created_at) WHERE source_id IS NOT NULL")
    columns = table_columns(cursor, "declarations_declarationversion")
    replaced = {"id": "p.version_id", "declaration_id": "p.declaration_id", "expected_arrival": "p.expected_arrival"}
    select = ", ".join(replaced.get(column, f"s.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO declarations_declarationversion ({', '.join(columns)}) SELECT {select} "
        "FROM q_plan p JOIN declarations_declaration sd ON sd.id = p.source_id "
        "JOIN declarations_declarationversion s ON s.declaration_id = sd.id AND s.version = sd.current_version"
    )
    fill_current_version_pks(cursor)
    # Open cases arrive in the next days: the ENS (and the filed versions) say so too.
    cursor.execute(
        "UPDATE declarations_declaration d SET expected_arrival = p.expected_arrival, screening_status = 'screened' "
        "FROM q_plan p WHERE p.declaration_id = d.id AND (p.state = 'open' OR d.expected_arrival <> p.expected_arrival)"
    )
    cursor.execute(
        "UPDATE declarations_declarationversion v SET expected_arrival = p.expected_arrival FROM q_plan p "
        "WHERE p.source_id IS NULL AND v.id = p.version_id AND v.expected_arrival <> p.expected_arrival"
    )
    # In the order screening would have written them.
    cursor.execute(
        """INSERT INTO workbench_case (declaration_id, version_id, member_state_id, origin, state, pre_loading,
               expected_arrival, score, outcome, control_type, transport_mode, office_id, aeo, random_selection,
               risk_areas, criteria, claimed_by_id, claimed_at, created_at, updated_at)
           SELECT p.declaration_id, p.version_id, p.member_state_id, p.origin, p.state, p.pre_loading,
                  p.expected_arrival, p.score, p.outcome, p.control_type, d.transport_mode, d.office_of_first_entry_id,
                  p.aeo, p.random_selection, p.risk_areas, p.criteria, p.claimed_by_id, p.claimed_at, p.created_at,
                  p.updated_at
           FROM q_plan p JOIN declarations_declaration d ON d.id = p.declaration_id
           ORDER BY p.created_at"""
    )


def build(env: dict[str, str], *, rows: int, filed: int, open_cases: int, non_open_cases: int) -> dict:
    manage(env, "load_demo", "--declarations", "0")  # the demo users (fr_analyst, nl_analyst, ...)
    manage(env, "generate_ens", "--count", str(filed), "--seed", "46", "--lrn-prefix", "QUEUE", "--spread-days", "5")
    ensure_partitions(env, days_back=31)  # the copies' versions are filed over the past 30 days
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    now = dt.datetime.now(dt.UTC)
    with conn.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT count(*) FROM declarations_declaration WHERE lrn LIKE 'QUEUE-%'")
        base = cursor.fetchone()[0]
        # A bulk load: the secondary indexes go first and are built again once the rows are in (a
        # sorted build is several times faster than a million inserts into twenty indexes).
        # Primary keys, unique constraints and foreign keys stay in place throughout.
        indexes = []
        for table in BULK_TABLES:
            indexes += _secondary_indexes(cursor, table)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        _multiply(cursor, max(0, -(-rows // base) - 1), base)
        multiplied = time.perf_counter()
        picks = _pick(cursor, open_cases=open_cases, non_open_cases=non_open_cases)
        _create_cases(cursor, picks, _analysts(cursor), now)
        cased = time.perf_counter()
        for _, definition in tqdm(indexes, desc="building the indexes again", unit="index"):
            cursor.execute(definition)
        indexed = time.perf_counter()
        for table in BULK_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        seconds = {
            "multiply": multiplied - started,
            "cases": cased - multiplied,
            "indexes": indexed - cased,
            "vacuum_analyze": time.perf_counter() - indexed,
        }
        counts = {}
        for label, sql in {
            "declarations": "SELECT count(*) FROM declarations_declaration",
            "versions": "SELECT count(*) FROM declarations_declarationversion",
            "cases": "SELECT count(*) FROM workbench_case",
            "open cases": "SELECT count(*) FROM workbench_case WHERE state = 'open'",
            "open cases FR": "SELECT count(*) FROM workbench_case WHERE state = 'open' AND member_state_id = 'FR'",
            "open cases NL": "SELECT count(*) FROM workbench_case WHERE state = 'open' AND member_state_id = 'NL'",
        }.items():
            cursor.execute(sql)
            counts[label] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT office_id FROM workbench_case WHERE state = 'open' AND member_state_id = 'FR' "
            "AND office_id LIKE 'FR%' GROUP BY office_id ORDER BY count(*) DESC, office_id"
        )
        offices = [row[0] for row in cursor.fetchall()]
    conn.close()
    return {"build_seconds": seconds, "counts": counts, "fr_offices": (offices[0], offices[-1])}


def _variants(offices: tuple[str, str]) -> dict[str, tuple[str, str, bool, str]]:
    """label -> (user, path, HTMX partial?, SQL condition on open cases of the user's queue for the row count)."""
    return {
        "FR analyst, full page": ("FR", "/workbench/", False, "true"),
        "FR analyst, HTMX refresh (partial)": ("FR", "/workbench/", True, "true"),
        "FR, outcome = request for information": (
            "FR",
            "/workbench/?outcome=request_for_information",
            False,
            "outcome = 'request_for_information'",
        ),
        "FR, outcome = do not load (rare)": ("FR", "/workbench/?outcome=do_not_load", False, "outcome = 'do_not_load'"),
        "FR, risk area = financial": (
            "FR",
            "/workbench/?risk_area=financial",
            False,
            "risk_areas @> ARRAY['financial']::varchar[]",
        ),
        "FR, risk area = cultural goods (rare)": (
            "FR",
            "/workbench/?risk_area=cultural_goods",
            False,
            "risk_areas @> ARRAY['cultural_goods']::varchar[]",
        ),
        "FR, criterion = CRC-IPR-002": (
            "FR",
            "/workbench/?criterion=CRC-IPR-002",
            False,
            "criteria @> ARRAY['CRC-IPR-002']::varchar[]",
        ),
        "FR, mode = sea": ("FR", "/workbench/?mode=sea", False, "transport_mode = 'sea'"),
        f"FR, office = {offices[0]} (busiest)": (
            "FR",
            f"/workbench/?office={offices[0]}",
            False,
            f"office_id = '{offices[0]}'",
        ),
        f"FR, office = {offices[1]} (quietest)": (
            "FR",
            f"/workbench/?office={offices[1]}",
            False,
            f"office_id = '{offices[1]}'",
        ),
        "FR, arriving within 6 h": (
            "FR",
            "/workbench/?hours_left=6",
            False,
            "expected_arrival > now() AND expected_arrival <= now() + interval '6 hours'",
        ),
        "FR, page 5": ("FR", "/workbench/?page=5", False, "true"),
        "FR, sea + control + 48 h (partial)": (
            "FR",
            "/workbench/?mode=sea&outcome=control_recommended&hours_left=48",
            True,
            "transport_mode = 'sea' AND outcome = 'control_recommended' "
            "AND expected_arrival > now() AND expected_arrival <= now() + interval '48 hours'",
        ),
        "NL analyst, full page": ("NL", "/workbench/", False, "true"),
        "NL analyst, HTMX refresh (partial)": ("NL", "/workbench/", True, "true"),
        "NL, risk area = drugs and precursors": (
            "NL",
            "/workbench/?risk_area=drugs_precursors",
            False,
            "risk_areas @> ARRAY['drugs_precursors']::varchar[]",
        ),
    }


ROW = re.compile(r'<a href="/workbench/cases/\d+/(?:\?[^"]*)?">')  # the row's link keeps the queue's filters


def measure(env: dict[str, str], *, offices: tuple[str, str], repeats: int) -> dict:
    variants = _variants(offices)
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    matching = {}
    with conn.cursor() as cursor:
        for label, (member_state, _, _, condition) in variants.items():
            cursor.execute(
                f"SELECT count(*) FROM workbench_case WHERE state = 'open' AND member_state_id = %s AND {condition}",
                [member_state],
            )
            matching[label] = cursor.fetchone()[0]
    conn.close()
    figures = {}
    with gunicorn(env, workers=2) as port:
        sessions = {
            "FR": login_session(port, "fr_analyst", "demo-crms-2026"),
            "NL": login_session(port, "nl_analyst", "demo-crms-2026"),
        }
        progress = tqdm(total=len(variants) * (repeats + 1), desc="queue pages", unit="request")
        for label, (member_state, path, partial, _) in variants.items():
            headers = {"Cookie": f"sessionid={sessions[member_state]}"}
            if partial:
                headers["HX-Request"] = "true"
            timings, body = timed_gets(port, path, headers, repeats, progress=progress)
            html = body.decode()
            if partial == ("<html" in html):
                raise RuntimeError(f"{label}: expected {'a partial' if partial else 'a full page'}")
            figures[label] = {
                **{key: value * 1000 for key, value in summary(timings).items()},
                "shown": len(ROW.findall(html)),
                "matching": matching[label],
                "path": path,
            }
        progress.close()
    return figures


def run(
    env: dict[str, str],
    *,
    rows: int = 1_000_000,
    filed: int = 20_000,
    open_cases: int = 50_000,
    non_open_cases: int = 250_000,
    repeats: int = 25,
) -> dict:
    built = build(env, rows=rows, filed=filed, open_cases=open_cases, non_open_cases=non_open_cases)
    return {**built, "pages": measure(env, offices=built["fr_offices"], repeats=repeats)}
