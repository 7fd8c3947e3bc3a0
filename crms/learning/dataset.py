"""Loading the declarations a model learns from or scores, as the frame ``features.build`` takes.

One row per declaration (its current version): the ENS fields, the main goods item (highest
value in EUR, then lowest item number) for HS code and origin, totals over all items, one key
per party (EORI when given, else the upper-cased name), received time and label (``labels.py``).
Days are calendar days in UTC, both ends included (contract 6).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crms.core.replica import analytics_cursor
from crms.learning.features import FRAME_COLUMNS
from crms.learning.labels import LABEL_SQL

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def micros(moment: dt.datetime) -> int:
    """Received times are microseconds since the epoch (UTC) in a frame."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def day_after(day: dt.date) -> dt.datetime:
    return day_start(day + dt.timedelta(days=1))


FRAME_SQL = f"""
SELECT d.id, d.mrn, d.lrn, d.received_at, {LABEL_SQL} AS label, d.transport_mode, d.office_of_first_entry_id,
       substr(v.place_of_loading, 1, 2), cardinality(v.routing), d.item_count, v.total_gross_mass_kg,
       it.value_eur, it.hs6, it.origin, p.filer, p.consignor, p.consignee, p.carrier
FROM declarations_declaration d
JOIN declarations_declarationversion v ON v.declaration_id = d.id AND v.version = d.current_version
LEFT JOIN LATERAL (
    SELECT sum(g.value_eur) AS value_eur,
           (array_agg(substr(g.hs_code, 1, 6) ORDER BY g.value_eur DESC NULLS LAST, g.item_number))[1] AS hs6,
           (array_agg(g.country_of_origin ORDER BY g.value_eur DESC NULLS LAST, g.item_number))[1] AS origin
    FROM declarations_goodsitem g WHERE g.version_id = v.id) it ON true
LEFT JOIN LATERAL (
    SELECT max(CASE WHEN q.role = 'filer' THEN coalesce(nullif(q.eori, ''), upper(q.name)) END) AS filer,
           max(CASE WHEN q.role = 'consignor' THEN coalesce(nullif(q.eori, ''), upper(q.name)) END) AS consignor,
           max(CASE WHEN q.role = 'consignee' THEN coalesce(nullif(q.eori, ''), upper(q.name)) END) AS consignee,
           max(CASE WHEN q.role = 'carrier' THEN coalesce(nullif(q.eori, ''), upper(q.name)) END) AS carrier
    FROM declarations_party q WHERE q.version_id = v.id) p ON true
WHERE d.received_at < %(end)s {{scope}}
"""  # noqa: S608 - fixed fragments; values are parameters


def load_frame(*, end: dt.date, member_state: str | None, labelled_or_from: dt.date | None = None) -> pd.DataFrame:
    """Declarations received up to ``end`` (included) in scope: the labelled ones, and with
    ``labelled_or_from`` also every declaration from that day on (to be scored). Sorted by
    received time then id, so the same data always gives the same frame."""
    scope = ""
    params: dict = {"end": day_after(end)}
    if member_state:
        scope += " AND d.first_entry_member_state_id = %(ms)s"
        params["ms"] = member_state
    sql = FRAME_SQL.format(scope=scope)
    outer = "SELECT * FROM (" + sql + ") f WHERE f.label IS NOT NULL"  # noqa: S608 - fixed fragments
    if labelled_or_from is not None:
        outer += " OR f.received_at >= %(start)s"
        params["start"] = day_start(labelled_or_from)
    with analytics_cursor() as cursor:
        cursor.execute(outer + " ORDER BY f.received_at, f.id", params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=list(FRAME_COLUMNS))
    frame["received"] = (
        pd.to_datetime(frame["received"], utc=True).dt.as_unit("us").astype("int64") if len(frame) else np.int64(0)
    )
    frame["label"] = frame["label"].astype("float64")
    for column in ("routing_count", "item_count", "mass_kg", "value_eur"):
        frame[column] = frame[column].astype("float64")
    return frame
