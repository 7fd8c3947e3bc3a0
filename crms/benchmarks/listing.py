"""The declarations list on a million rows (issue 3): server time per page over real HTTP."""

from __future__ import annotations

import re
import time

import psycopg2
from tqdm import tqdm

from crms.benchmarks.harness import gunicorn, login_session, manage, summary, timed_gets

MULTIPLY_SQL = """
INSERT INTO declarations_declaration (
    mrn, lrn, filer_org_id, filer_key, submitted_by_id, received_at, updated_at, current_version,
    filing_type, phase, transport_mode, office_of_first_entry_id, first_entry_member_state_id,
    unloading_member_state_id, expected_arrival, master_document, house_document, item_count,
    consignor_name, consignee_name, screening_status)
SELECT left(d.mrn, 4) || lpad((%(offset)s + row_number() OVER ())::text, 13, '0') || '0',
       d.lrn || '-X' || %(copy)s, d.filer_org_id, d.filer_key, d.submitted_by_id,
       d.received_at - (random() * interval '30 days'), d.updated_at, d.current_version,
       d.filing_type, d.phase, d.transport_mode, d.office_of_first_entry_id, d.first_entry_member_state_id,
       d.unloading_member_state_id, d.expected_arrival - (random() * interval '30 days'), d.master_document,
       d.house_document, d.item_count, d.consignor_name, d.consignee_name, d.screening_status
FROM (SELECT * FROM declarations_declaration WHERE lrn NOT LIKE '%%-X%%') d
"""


def _older(path: str, body: bytes) -> str | None:
    """The list's "Older" link (keyset: each deeper page costs the same as the first)."""
    older = re.search(r'href="\?([^"]*after=[^"]+)" rel="next"', body.decode())
    return path.split("?")[0] + "?" + older.group(1).replace("&amp;", "&") if older else None


def run(env: dict[str, str], *, rows: int, filed: int, repeats: int) -> dict:

    manage(env, "load_demo", "--declarations", "0")
    conn = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        present = cursor.fetchone()[0]
    if present < filed:
        manage(env, "generate_ens", "--count", str(filed - present), "--seed", "41", "--lrn-prefix", "LIST")
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        base = cursor.fetchone()[0]
        copies = max(0, (rows - base) // base)
        started = time.perf_counter()
        for copy in tqdm(range(copies), desc="multiplying rows in SQL", unit="copy"):
            # Copies get MRN numbers far above the sequence's (10^12 + ...), so nothing collides.
            cursor.execute(MULTIPLY_SQL, {"offset": 10**12 + copy * base * 2, "copy": copy})
        cursor.execute("ANALYZE declarations_declaration")
        multiply_seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT mrn, lrn FROM declarations_declaration WHERE first_entry_member_state_id = 'FR' "
            "ORDER BY id DESC LIMIT 1"
        )
        fr_mrn, fr_lrn = cursor.fetchone()
    conn.close()

    pages = {
        "FR analyst, newest": "/declarations/",
        "FR analyst, mode=sea": "/declarations/?transport_mode=sea",
        "FR analyst, air pre-loading, office": "/declarations/?transport_mode=air&phase=pre_loading&office=FR004380",
        "FR analyst, received in one day": "/declarations/?received_from=2026-11-10&received_to=2026-11-10",
        "FR analyst, MRN search": f"/declarations/?reference={fr_mrn}",
        "FR analyst, LRN search": f"/declarations/?reference={fr_lrn}",
        "Commission, newest (all Member States)": "/declarations/",
    }
    figures = {"rows": total, "multiply_seconds": multiply_seconds, "pages": {}}
    with gunicorn(env, workers=2) as port:
        sessions = {
            "FR": login_session(port, "fr_analyst", "demo-crms-2026"),
            "EU": login_session(port, "eu_commission", "demo-crms-2026"),
        }
        for label, path in pages.items():
            cookie = f"sessionid={sessions['EU' if label.startswith('Commission') else 'FR']}"
            headers = {"Cookie": cookie}
            timings, _ = timed_gets(port, path, headers, repeats, follow=lambda body, p=path: _older(p, body))
            figures["pages"][label] = {key: value * 1000 for key, value in summary(timings).items()}
    return figures
