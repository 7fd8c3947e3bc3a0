"""The daily metrics: each is one SQL statement over the live tables giving
(day, member_state, key, key2, value) rows for ``[%(start)s, %(end)s)``.

Member State conventions: declarations count for the Member State of first entry; a hit
for the queue that works it (first entry for EU criteria, the owner for a national
profile), on the day its declaration was received, with the control outcome defined in
``crms.core.figures``; a control for the Member State that did it; a criterion for its owner ("EU" for
the Commission); an information request for the requesting Member State.
Imported history (issue 16) is never counted. Days are UTC dates. Other areas (risk information,
PCAs) add metrics with :func:`register`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from crms.core.figures import (
    HIT_DAY,
    HIT_MEMBER_STATE,
    HIT_RECEIVED_IN,
    HIT_RESULT,
    HITS_FROM,
    POSITIVE_SQL,
    SEIZURE,
    hit_outcomes_sql,
)


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    sql: str = ""
    # Instead of SQL: a function writing its own rows (day, member_state, key, key2, value) for the range.
    compute: Callable[[dt.date, dt.date], list[tuple]] | None = None


# Hits are dated by their declaration's receipt and counted for the queue that works them; the control
# outcome of a hit is defined once in crms.core.figures (docs/decisions.md, issue 12).
HIT_OUTCOMES = hit_outcomes_sql(f"{HIT_RECEIVED_IN} AND NOT h.shadow")
HITS = f"{HITS_FROM} WHERE {HIT_RECEIVED_IN} AND NOT h.shadow"

METRICS: list[Metric] = [
    Metric(
        "ens",
        "ENS received (mode, phase)",
        """SELECT (d.received_at AT TIME ZONE 'UTC')::date, d.first_entry_member_state_id, d.transport_mode, d.phase,
                  count(*)
           FROM declarations_declaration d
           WHERE d.received_at >= %(start)s AND d.received_at < %(end)s AND NOT d.is_history
           GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "ens_aeo_filer",
        "ENS submitted by an AEO: the filer held a valid AEO authorisation on the day of receipt "
        "(mode, programme: eu/third_country)",
        # Seed 001 lines 1597 and 2062: "declarations submitted by AEOs", "ENS submitted by third country
        # AEOs" (a third-country programme recognised under a mutual recognition agreement).
        """SELECT day, ms, mode, programme, count(*) FROM (
               SELECT (d.received_at AT TIME ZONE 'UTC')::date AS day, d.first_entry_member_state_id AS ms,
                      d.transport_mode AS mode,
                      CASE WHEN bool_and(au.issuing_country_id = ANY(%(mra)s)) THEN 'third_country' ELSE 'eu' END
                          AS programme
               FROM declarations_declaration d
               JOIN declarations_declarationversion v ON v.declaration_id = d.id AND v.version = d.current_version
               JOIN declarations_party p ON p.version_id = v.id AND p.role = 'filer' AND p.eori <> ''
               JOIN operators_operator o ON o.eori = p.eori
               JOIN operators_aeoauthorisation au ON au.operator_id = o.id AND au.status = 'active'
                    AND au.valid_from <= (d.received_at AT TIME ZONE 'UTC')::date
                    AND (au.valid_to IS NULL OR au.valid_to >= (d.received_at AT TIME ZONE 'UTC')::date)
               WHERE d.received_at >= %(start)s AND d.received_at < %(end)s AND NOT d.is_history
               GROUP BY d.id, 1, 2, 3) filed GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "ens_aeo",
        "ENS with an AEO party: consignor, consignee or filer (mode)",
        """SELECT (d.received_at AT TIME ZONE 'UTC')::date, d.first_entry_member_state_id, d.transport_mode, '',
                  count(*)
           FROM declarations_declaration d
           JOIN risk_engine_assessment a ON a.declaration_id = d.id
           JOIN declarations_declarationversion v ON v.id = a.version_id AND v.version = d.current_version
           WHERE d.received_at >= %(start)s AND d.received_at < %(end)s AND NOT d.is_history AND a.aeo
           GROUP BY 1, 2, 3""",
    ),
    Metric(
        "hits_automated",
        "Hits of the engine (criterion, risk area)",
        f"""SELECT {HIT_DAY}, {HIT_MEMBER_STATE}, h.criterion_code, h.risk_area, count(*) FROM {HITS}
            GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "hits_assessed",
        "Hits confirmed by an analyst: a control decided (criterion, risk area)",
        f"""SELECT day, member_state, code, risk_area, count(*) FROM ({HIT_OUTCOMES}) hit
            WHERE action IS NOT NULL AND action <> 'dismiss' GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "hits_dismissed",
        "Hits dismissed by an analyst (criterion, risk area)",
        f"""SELECT day, member_state, code, risk_area, count(*) FROM ({HIT_OUTCOMES}) hit
            WHERE action = 'dismiss' GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "hits_controlled",
        "Hits whose declaration was controlled (criterion, result: positive/negative)",
        f"""SELECT day, member_state, code, {HIT_RESULT}, count(*) FROM ({HIT_OUTCOMES}) hit
            WHERE controls > 0 GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "controls",
        "Controls (type, based on risk analysis: risk/other)",
        """SELECT (r.controlled_at AT TIME ZONE 'UTC')::date, r.member_state_id, r.control_type,
                  CASE WHEN r.based_on_risk_analysis THEN 'risk' ELSE 'other' END, count(*)
           FROM workbench_controlresult r
           WHERE r.controlled_at >= %(start)s AND r.controlled_at < %(end)s GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "controls_positive",
        "Controls that found an irregularity (type, based on risk analysis)",
        f"""SELECT (r.controlled_at AT TIME ZONE 'UTC')::date, r.member_state_id, r.control_type,
                  CASE WHEN r.based_on_risk_analysis THEN 'risk' ELSE 'other' END, count(*)
           FROM workbench_controlresult r
           WHERE r.controlled_at >= %(start)s AND r.controlled_at < %(end)s AND {POSITIVE_SQL}
           GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "controls_by_aeo",
        "Controls by AEO status of the declaration (aeo/non_aeo, positive/negative)",
        f"""SELECT (r.controlled_at AT TIME ZONE 'UTC')::date, r.member_state_id,
                  CASE WHEN coalesce(a.aeo, false) THEN 'aeo' ELSE 'non_aeo' END,
                  CASE WHEN {POSITIVE_SQL} THEN 'positive' ELSE 'negative' END, count(*)
           FROM workbench_controlresult r LEFT JOIN risk_engine_assessment a ON a.version_id = r.version_id
           WHERE r.controlled_at >= %(start)s AND r.controlled_at < %(end)s GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "seizure_value_eur",
        "Estimated value of seizures in EUR (irregularity type)",
        f"""SELECT (r.controlled_at AT TIME ZONE 'UTC')::date, r.member_state_id, r.irregularity_type, '',
                  sum(coalesce(r.estimated_value_eur, 0))
           FROM workbench_controlresult r
           WHERE r.controlled_at >= %(start)s AND r.controlled_at < %(end)s AND r.result = '{SEIZURE}'
           GROUP BY 1, 2, 3""",
    ),
    Metric(
        "criteria_new",
        "New criteria published (risk area, scope)",
        """SELECT (v.published_at AT TIME ZONE 'UTC')::date, c.owner_id, v.risk_area_id, c.scope, count(*)
           FROM risk_engine_criterionversion v JOIN risk_engine_criterion c ON c.id = v.criterion_id
           WHERE v.version = 1 AND v.published_at >= %(start)s AND v.published_at < %(end)s GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "info_requests",
        "Information requests sent (requested Member State)",
        """SELECT (q.created_at AT TIME ZONE 'UTC')::date, q.requesting_state_id, q.requested_state_id, '', count(*)
           FROM workbench_informationrequest q
           WHERE q.created_at >= %(start)s AND q.created_at < %(end)s GROUP BY 1, 2, 3""",
    ),
    Metric(
        "info_requests_answered",
        "Information requests answered (requested Member State)",
        """SELECT (q.created_at AT TIME ZONE 'UTC')::date, q.requesting_state_id, q.requested_state_id, '', count(*)
           FROM workbench_informationrequest q
           WHERE q.created_at >= %(start)s AND q.created_at < %(end)s AND q.first_answer_at IS NOT NULL
           GROUP BY 1, 2, 3""",
    ),
    Metric(
        "info_answer_hours",
        "Hours to the first answer, summed (divide by answered requests for the mean)",
        """SELECT (q.created_at AT TIME ZONE 'UTC')::date, q.requesting_state_id, q.requested_state_id, '',
                  sum(extract(epoch FROM q.first_answer_at - q.created_at) / 3600.0)
           FROM workbench_informationrequest q
           WHERE q.created_at >= %(start)s AND q.created_at < %(end)s AND q.first_answer_at IS NOT NULL
           GROUP BY 1, 2, 3""",
    ),
    Metric(
        "hits_country",
        "Hits touching a high-interest country by origin or routing (criterion, country)",
        f"""SELECT {HIT_DAY}, {HIT_MEMBER_STATE}, h.criterion_code, c.country, count(*)
            FROM {HITS_FROM}
            JOIN declarations_declarationversion v ON v.id = a.version_id
            CROSS JOIN LATERAL (
                SELECT DISTINCT x AS country FROM unnest(v.routing || ARRAY(
                    SELECT g.country_of_origin FROM declarations_goodsitem g
                    WHERE g.version_id = v.id AND g.item_number = ANY(h.items))) AS x
                WHERE x = ANY(%(countries)s)) c
            WHERE {HIT_RECEIVED_IN} AND NOT h.shadow GROUP BY 1, 2, 3, 4""",
    ),
    Metric(
        "hit_pairs",
        "Declarations hit by two criteria together (criterion, other criterion)",
        f"""SELECT {HIT_DAY}, {HIT_MEMBER_STATE}, h.criterion_code, o.criterion_code, count(*)
            FROM {HITS_FROM}
            JOIN risk_engine_hit o ON o.assessment_id = h.assessment_id AND o.criterion_code > h.criterion_code
                 AND NOT o.shadow
            WHERE {HIT_RECEIVED_IN} AND NOT h.shadow GROUP BY 1, 2, 3, 4""",
    ),
]


def pca_results(day_from: dt.date, day_to: dt.date) -> list[tuple]:
    """Per PCA running in the range and participant: target, controls, detections, seizures (computed and
    reported, as the PCA page shows them), dated on the PCA's first day."""
    from pca.models import PriorityControlArea
    from pca.selectors import results_of

    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    rows = []
    for pca in PriorityControlArea.objects.filter(starts_at__lt=end, ends_at__gt=start).prefetch_related("targets"):
        day = pca.starts_at.date()
        for result in results_of(pca):
            for name, value in (
                ("target", result.target or 0),
                ("controls", result.total_controls),
                ("detections", result.total_detections),
                ("seizures", result.total_seizures),
            ):
                rows.append((day, result.member_state, pca.reference, name, value))
    return rows


METRICS += [
    Metric(
        "rifs",
        "Risk information forms published (risk area)",
        """SELECT (r.published_at AT TIME ZONE 'UTC')::date, r.organisation_id, r.risk_area_id, '', count(*)
           FROM rif_rif r
           WHERE r.published_at >= %(start)s AND r.published_at < %(end)s AND r.status = 'published'
           GROUP BY 1, 2, 3""",
    ),
    Metric(
        "rif_received",
        "RIFs received by a recipient Member State (risk area)",
        """SELECT (rr.published_at AT TIME ZONE 'UTC')::date, rr.member_state_id, r.risk_area_id, '', count(*)
           FROM rif_rifrecipient rr JOIN rif_rif r ON r.id = rr.rif_id
           WHERE rr.published_at >= %(start)s AND rr.published_at < %(end)s GROUP BY 1, 2, 3""",
    ),
    Metric(
        "rif_responded",
        "RIFs a recipient followed up with feedback (risk area)",
        """SELECT (rr.published_at AT TIME ZONE 'UTC')::date, rr.member_state_id, r.risk_area_id, '', count(*)
           FROM rif_rifrecipient rr JOIN rif_rif r ON r.id = rr.rif_id
           WHERE rr.published_at >= %(start)s AND rr.published_at < %(end)s AND rr.responded_at IS NOT NULL
           GROUP BY 1, 2, 3""",
    ),
    Metric("pca_results", "Priority control area results (PCA, figure)", compute=pca_results),
]


def register(metric: Metric) -> None:
    """Add a metric from another area (idempotent by name)."""
    if all(existing.name != metric.name for existing in METRICS):
        METRICS.append(metric)


def metric_names() -> list[str]:
    return [metric.name for metric in METRICS]
