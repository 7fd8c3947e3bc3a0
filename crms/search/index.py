"""Keeping the party index (``crms.search.models``) in step with filing, retention and existing data.

Filing calls ``record_parties`` once per batch, inside the filing transaction: one INSERT of the
batch's distinct parties (``ON CONFLICT DO NOTHING``: a known party costs an index probe), the
trigram postings of the new ones, and one INSERT of (party, Member State) pairs. ``last_filed`` is
moved forward at most once a day per pair, so concurrent batches naming the same party seldom
wait on each other's row locks. Rows are written in a fixed order (name, EORI; party, Member
State) so two batches never lock the same rows in opposite orders.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from crms.search.trigrams import trigrams

INDEXED_ROLES = ("consignor", "consignee")  # by name; any other role only with an EORI


@dataclass(frozen=True)
class FiledParty:
    name: str
    eori: str
    member_state: str
    day: dt.date


def indexed(role: str, name: str, eori: str) -> bool:
    """Which party rows the search finds: what the declarations list's ``party`` filter can show."""
    return bool(name.strip()) and (role in INDEXED_ROLES or bool(eori))


def record_parties(parties: Iterable[FiledParty]) -> None:
    """Index the parties of one filing batch (call inside its transaction)."""
    latest: dict[tuple[str, str, str], dt.date] = {}
    for party in parties:
        key = (party.name, party.eori, party.member_state)
        if key not in latest or latest[key] < party.day:
            latest[key] = party.day
    if not latest:
        return
    pairs = sorted({(name, eori) for name, eori, _ in latest})
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO search_indexedparty (name, eori, trigram_count)
               SELECT n, e, c FROM unnest(%s::text[], %s::text[], %s::int[]) AS x(n, e, c) ORDER BY n, e
               ON CONFLICT (name, eori) DO NOTHING RETURNING id, name""",
            [[n for n, _ in pairs], [e for _, e in pairs], [len(trigrams(n)) for n, _ in pairs]],
        )
        _insert_trigrams(cursor, cursor.fetchall())
        keys = sorted(latest)
        columns = [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [latest[k] for k in keys]]
        # One statement: the new pairs inserted, the known ones moved forward when filed on a later day
        # (the UPDATE does not see the rows the INSERT adds: they carry that day already).
        cursor.execute(
            """WITH filed AS (
                   SELECT p.id AS party_id, x.ms, x.day
                   FROM unnest(%s::text[], %s::text[], %s::text[], %s::date[]) AS x(n, e, ms, day)
                   JOIN search_indexedparty p ON p.name = x.n AND p.eori = x.e),
               added AS (
                   INSERT INTO search_partyscope (party_id, member_state_id, last_filed)
                   SELECT party_id, ms, day FROM filed ORDER BY party_id, ms
                   ON CONFLICT (party_id, member_state_id) DO NOTHING)
               UPDATE search_partyscope s SET last_filed = f.day FROM filed f
               WHERE s.party_id = f.party_id AND s.member_state_id = f.ms AND s.last_filed < f.day""",
            columns,
        )


def _insert_trigrams(cursor, parties: list[tuple[int, str]]) -> None:
    """The postings of new parties, by COPY (a filing batch brings hundreds of new names). Trigrams are
    letters, digits and spaces only, so the lines need no escaping."""
    if not parties:
        return
    lines = "".join(f"{gram}\t{pk}\n" for pk, name in parties for gram in sorted(trigrams(name)))
    with connection.wrap_database_errors:
        cursor.cursor.copy_expert("COPY search_partytrigram (trigram, party_id) FROM STDIN", io.StringIO(lines))


REBUILD_SQL = """
CREATE TEMP TABLE search_rebuild ON COMMIT DROP AS
SELECT p.name, p.eori, m.ms, max(d.received_at)::date AS day
FROM declarations_party p
JOIN declarations_declarationversion v ON v.id = p.version_id
JOIN declarations_declaration d ON d.id = v.declaration_id
CROSS JOIN LATERAL (VALUES (v.first_entry_member_state_id), (v.unloading_member_state_id)) AS m(ms)
WHERE m.ms IS NOT NULL AND d.personal_data_removed_at IS NULL AND p.name <> ''
  AND (p.role IN ('consignor', 'consignee') OR p.eori <> '')
GROUP BY p.name, p.eori, m.ms;
INSERT INTO search_indexedparty (name, eori, trigram_count)
SELECT DISTINCT name, eori, 0 FROM search_rebuild ORDER BY name, eori ON CONFLICT (name, eori) DO NOTHING;
INSERT INTO search_partyscope (party_id, member_state_id, last_filed)
SELECT p.id, r.ms, r.day FROM search_rebuild r JOIN search_indexedparty p ON p.name = r.name AND p.eori = r.eori
ON CONFLICT (party_id, member_state_id)
DO UPDATE SET last_filed = greatest(search_partyscope.last_filed, EXCLUDED.last_filed);
"""


def rebuild(chunk: int = 20_000) -> int:
    """Index every party already stored (after a bulk load, or data filed before the index existed).
    Returns how many parties got their trigrams."""
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL)
        while True:
            cursor.execute("SELECT id, name FROM search_indexedparty WHERE trigram_count = 0 LIMIT %s", [chunk])
            parties = cursor.fetchall()
            if not parties:
                return done
            _insert_trigrams(cursor, parties)
            cursor.execute(
                "UPDATE search_indexedparty SET trigram_count = greatest(1, x.c) "
                "FROM unnest(%s::bigint[], %s::int[]) AS x(id, c) WHERE search_indexedparty.id = x.id",
                [[pk for pk, _ in parties], [len(trigrams(name)) for _, name in parties]],
            )
            done += len(parties)


def forget_before(day: dt.date) -> int:
    """Retention: drop (party, Member State) pairs last filed before ``day`` (their declarations' parties
    are pseudonymised by now), then the parties no Member State names any more. Returns parties dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_partyscope WHERE last_filed < %s", [day])
        cursor.execute(
            "CREATE TEMP TABLE search_orphans ON COMMIT DROP AS SELECT id FROM search_indexedparty p "
            "WHERE NOT EXISTS (SELECT 1 FROM search_partyscope s WHERE s.party_id = p.id)"
        )
        cursor.execute("DELETE FROM search_partytrigram WHERE party_id IN (SELECT id FROM search_orphans)")
        cursor.execute("DELETE FROM search_indexedparty WHERE id IN (SELECT id FROM search_orphans)")
        dropped = cursor.rowcount
        cursor.execute("DROP TABLE search_orphans")
        return dropped
