"""Assessment history (contract 2.4, v2): archive a result a re-screening changed, and list them.

The hot path stays lean: a first screening writes nothing here (the current assessment is the
newest entry of the history); only a re-screening that changes the outcome, score, control or
hits archives the result it replaces, with the criteria revision that result was computed with.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from crms.core.bulk import copy_insert


def _hit_key(hit: dict[str, Any]) -> tuple:
    return (hit["criterion_version_id"], hit["outcome"], hit["shadow"], tuple(sorted(hit["items"])))


def _result_key(assessment: dict[str, Any], hits: list[dict[str, Any]]) -> tuple:
    return (
        assessment["outcome"],
        assessment["score"],
        assessment["control_type"],
        assessment["random_selection"],
        frozenset(_hit_key(hit) for hit in hits),
    )


def compact_hit(hit: dict[str, Any], version_number: int) -> dict[str, Any]:
    return {
        "criterion": hit["criterion_code"],
        "criterion_version": version_number,
        "scope": hit["scope"],
        "owner": hit["owner_id"],
        "risk_area": hit["risk_area"],
        "outcome": hit["outcome"],
        "control_type": hit["control_type"],
        "shadow": hit["shadow"],
        "items": sorted(hit["items"]),
    }


def previous_results(version_ids: list[int]) -> dict[int, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The assessments about to be replaced, with their hits (nothing on a first screening)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT id, version_id, outcome, score, control_type, random_selection, criteria_revision, screened_at,
                      learned_selection, exploration
               FROM risk_engine_assessment WHERE id = ANY(%s)""",
            # An assessment's id is its version's id (a check constraint) and the partition key: the planner
            # probes one month's partition instead of every month's (version_id is not the key).
            [version_ids],
        )
        columns = ["id", "version_id", "outcome", "score", "control_type", "random_selection", "revision", "at"]
        columns += ["learned_selection", "exploration"]
        assessments = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
        if not assessments:
            return {}
        cursor.execute(
            """SELECT h.assessment_id, h.criterion_code, cv.version, h.criterion_version_id, h.scope, h.owner_id,
                      h.risk_area, h.outcome, h.control_type, h.shadow, h.items, h.weight, h.facilitated,
                      h.explanation, h.created_at
               FROM risk_engine_hit h JOIN risk_engine_criterionversion cv ON cv.id = h.criterion_version_id
               WHERE h.assessment_id = ANY(%s)""",
            [list(assessments)],
        )
        hits: dict[int, list[dict[str, Any]]] = {}
        names = ["criterion_code", "version_number", "criterion_version_id", "scope", "owner_id", "risk_area"]
        names += ["outcome", "control_type", "shadow", "items", "weight", "facilitated", "explanation", "created_at"]
        for row in cursor.fetchall():
            hits.setdefault(row[0], []).append(dict(zip(names, row[1:], strict=True)))
    return {a["version_id"]: (a, hits.get(a["id"], [])) for a in assessments.values()}


def decided_queues(version_ids: list[int]) -> set[tuple[int, str]]:
    """(version, Member State) pairs whose case an analyst has decided."""
    if not version_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version_id, member_state_id FROM workbench_decision WHERE version_id = ANY(%s)", [version_ids]
        )
        return {(row[0], row[1]) for row in cursor.fetchall()}


def retained_hits(
    previous: tuple[dict[str, Any], list[dict[str, Any]]] | None,
    decided: set[tuple[int, str]],
    *,
    version_id: int,
    responsible: str,
    still_hitting: set[str],
) -> list[dict[str, Any]]:
    """Hits of the replaced result that an analyst decided on and that no longer fire.

    A decision was taken (and a control may follow) because of them: a re-screening adds what new
    criteria find but never takes a worked hit away, so the decision, its control result and every
    figure built on them keep the criterion that caused them. Undecided hits simply go.
    """
    if previous is None:
        return []
    kept = []
    for hit in previous[1]:
        if hit["criterion_code"] in still_hitting or hit["shadow"]:  # a newer version of it fires: that one counts
            continue
        queue = responsible if hit["scope"] == "eu" else hit["owner_id"]
        if (version_id, queue) in decided:
            kept.append(hit)
    return kept


def archive_changed(
    previous: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]],
    assessments: list[dict[str, Any]],
    hits: list[dict[str, Any]],
) -> set[int]:
    """Archive each replaced result that differs from its replacement; returns their version ids."""
    from risk_engine.models_history import AssessmentRecord

    if not previous:
        return set()
    new_hits: dict[int, list[dict[str, Any]]] = {}
    for hit in hits:
        new_hits.setdefault(hit["assessment_id"], []).append(hit)
    records = []
    for assessment in assessments:
        old = previous.get(assessment["version_id"])
        if old is None:
            continue
        old_assessment, old_hits = old
        if _result_key(old_assessment, old_hits) == _result_key(assessment, new_hits.get(assessment["id"], [])):
            continue
        records.append(
            {
                "version_id": assessment["version_id"],
                "criteria_revision": old_assessment["revision"],
                "outcome": old_assessment["outcome"],
                "score": old_assessment["score"],
                "control_type": old_assessment["control_type"],
                "random_selection": old_assessment["random_selection"],
                "hits": [compact_hit(hit, hit["version_number"]) for hit in old_hits],
                "screened_at": old_assessment["at"],
            }
        )
    if records:
        copy_insert(AssessmentRecord, records)
    return {record["version_id"] for record in records}
