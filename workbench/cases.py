"""Opening, refreshing and clearing cases as the engine screens (receiver of ``assessments_written``).

A case opens in a Member State's queue when a hit visible to it refers the ENS for
action (any effective outcome but ``assessment_complete``), or when the ENS was picked
at random: EU criteria and random selection go to the Member State of first entry, a
national profile's hits to the profile's owner. AEO-facilitated hits that end as
``assessment_complete`` create no work (that is the facilitation); they stay visible on
the declaration. Re-screening refreshes open cases, clears those no longer referred, and
an amendment supersedes the open cases of earlier versions. All in the screening
transaction, in a few set-based statements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection
from psycopg2.extras import execute_values

from risk_engine.outcomes import SEVERITY, Outcome

REFERRAL = Outcome.ASSESSMENT_COMPLETE.value


def desired_cases(
    assessments: list[dict[str, Any]], hits: list[dict[str, Any]], phases: list[str], aeo: list[bool]
) -> list[tuple]:
    """(declaration, version, member state, pre-loading, score, outcome, control type, aeo, random, areas, criteria,
    learned selection, exploration)."""
    hits_of: dict[int, list[dict]] = defaultdict(list)
    for hit in hits:
        if not hit["shadow"] and hit["outcome"] != REFERRAL:
            hits_of[hit["assessment_id"]].append(hit)
    rows = []
    for index, assessment in enumerate(assessments):
        first_entry = assessment["responsible_member_state_id"]
        per_state: dict[str, list[dict]] = defaultdict(list)
        for hit in hits_of.get(assessment["id"], []):
            per_state[first_entry if hit["scope"] == "eu" else hit["owner_id"]].append(hit)
        learned = bool(assessment.get("learned_selection"))
        if assessment["random_selection"] or learned:  # selected without a hit: still work for first entry
            per_state.setdefault(first_entry, [])
        for state, state_hits in per_state.items():
            if state == first_entry:
                outcome, score, control = assessment["outcome"], assessment["score"], assessment["control_type"]
            else:
                worst = max(state_hits, key=lambda h: (SEVERITY[Outcome(h["outcome"])], h["weight"]))
                outcome, score, control = worst["outcome"], assessment["score"], worst["control_type"]
            rows.append(
                (
                    assessment["declaration_id"],
                    assessment["version_id"],
                    state,
                    phases[index] == "pre_loading",
                    score,
                    outcome,
                    control or "",
                    aeo[index],
                    bool(assessment["random_selection"]) and state == first_entry,
                    sorted({h["risk_area"] for h in state_hits}),
                    sorted({h["criterion_code"] for h in state_hits}),
                    learned and state == first_entry,
                    learned and state == first_entry and bool(assessment.get("exploration")),
                )
            )
    return rows


UPSERT = """
INSERT INTO workbench_case (declaration_id, version_id, member_state_id, origin, state, pre_loading, score,
    outcome, control_type, aeo, random_selection, risk_areas, criteria, learned_selection, exploration,
    expected_arrival, transport_mode, office_id, created_at, updated_at)
SELECT x.declaration_id, x.version_id, x.member_state_id,
       CASE WHEN x.member_state_id = v.first_entry_member_state_id THEN 'first_entry' ELSE 'national_profile' END,
       'open', x.pre_loading, x.score, x.outcome, x.control_type, x.aeo, x.random_selection, x.risk_areas,
       x.criteria, x.learned_selection, x.exploration, v.expected_arrival, v.transport_mode,
       v.office_of_first_entry_id, %(now)s, %(now)s
FROM (VALUES %%s) AS x(declaration_id, version_id, member_state_id, pre_loading, score, outcome, control_type,
                      aeo, random_selection, risk_areas, criteria, learned_selection, exploration)
JOIN declarations_declarationversion v ON v.id = x.version_id AND v.id = ANY(%(version_ids)s)  -- one month's partition
JOIN declarations_declaration d ON d.id = v.declaration_id AND d.current_version = v.version
    AND NOT d.is_history  -- imported history never reaches a queue, even if something screens it
ON CONFLICT (version_id, member_state_id) DO UPDATE SET
    score = EXCLUDED.score, outcome = EXCLUDED.outcome, control_type = EXCLUDED.control_type,
    aeo = EXCLUDED.aeo, random_selection = EXCLUDED.random_selection, risk_areas = EXCLUDED.risk_areas,
    criteria = EXCLUDED.criteria, learned_selection = EXCLUDED.learned_selection,
    exploration = EXCLUDED.exploration, updated_at = EXCLUDED.updated_at,
    state = CASE WHEN workbench_case.state = 'cleared' THEN 'open' ELSE workbench_case.state END
"""


def _supersede_earlier_versions(cursor, declaration_ids: list[int], now: dt.datetime) -> None:
    """An amendment: open cases of a declaration's earlier versions leave the queues.

    In two steps so that the versions table is only read by its partition key: a version looked up by
    ``declaration_id`` is planned in every month's partition (1.5 ms a screening on a year of months).
    ``state = 'open'`` is asked again in the update, so a case closed meanwhile stays closed."""
    cursor.execute(
        """SELECT c.id, c.version_id, d.current_version FROM workbench_case c
           JOIN declarations_declaration d ON d.id = c.declaration_id
           WHERE c.declaration_id = ANY(%s) AND c.state = 'open'""",
        [declaration_ids],
    )
    open_cases = cursor.fetchall()
    if not open_cases:
        return
    cursor.execute(
        "SELECT id, version FROM declarations_declarationversion WHERE id = ANY(%s)",
        [sorted({version_id for _case, version_id, _current in open_cases})],
    )
    number_of = dict(cursor.fetchall())
    superseded = [case for case, version_id, current in open_cases if number_of.get(version_id) != current]
    if superseded:
        cursor.execute(
            "UPDATE workbench_case SET state = 'superseded', updated_at = %s WHERE id = ANY(%s) AND state = 'open'",
            [now, superseded],
        )


def sync_cases(
    sender,
    *,
    assessments: list[dict[str, Any]],
    hits: list[dict[str, Any]],
    phases: list[str],
    aeo: list[bool],
    now: dt.datetime,
    **kwargs,
) -> None:
    if not assessments:
        return
    version_ids = [a["version_id"] for a in assessments]
    declaration_ids = sorted({a["declaration_id"] for a in assessments})
    rows = desired_cases(assessments, hits, phases, aeo)
    with connection.cursor() as cursor:
        # Hold the declarations against amendments until the screening commits (an amendment locks its
        # declaration FOR UPDATE). Without it, a screening of version n could open n's case after an
        # amendment to n + 1 committed and n + 1's screening had superseded the open cases it could see:
        # n's case stayed open beside n + 1's. Now either the amendment waits for this commit (and n + 1's
        # screening supersedes n's case), or it committed first and the upsert below, which opens cases of
        # current versions only, sees it. NO KEY UPDATE, as the status update at the end of screening takes
        # anyway; in id order, so two screenings never lock the same declarations in opposite orders.
        cursor.execute(
            "SELECT id FROM declarations_declaration WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
            [declaration_ids],
        )
        _supersede_earlier_versions(cursor, declaration_ids, now)
        keep = [f"{row[1]}:{row[2]}" for row in rows]
        cursor.execute(
            """UPDATE workbench_case SET state = 'cleared', updated_at = %s
               WHERE version_id = ANY(%s) AND state = 'open' AND origin <> 'forwarded'
                 AND (version_id::text || ':' || member_state_id) <> ALL(%s::text[])""",
            [now, version_ids, keep],
        )
        if rows:
            sql = cursor.mogrify(UPSERT, {"now": now, "version_ids": version_ids}).decode()
            execute_values(
                cursor,  # Django's cursor: the statement is seen by execute wrappers (the pruning test)
                sql,
                rows,
                template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::varchar[], %s::varchar[], %s, %s)",
                page_size=1000,
            )
