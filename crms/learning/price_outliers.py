"""Current price outliers (issue 16 point 5): goods items of the declarations a viewer reads whose value per
kg is below ``OUTLIER_BELOW`` or above ``OUTLIER_ABOVE`` times their price baseline, for the
``/prices/outliers/`` page.

One SQL statement judges the items of a period against the stored baselines with the same key fallback
as ``crms.learning.prices.Baselines.lookup`` (five joins on the baselines' unique key, the first that
matches wins; ``tests/learning/test_prices.py`` checks both agree). Only operational ENS count (history is
not current), the current version of each, received in the period; the rows are the viewer's
(``crms.declarations.selectors.row_scope_for``), optionally one Member State of first entry and an HS prefix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from crms.declarations.selectors import RowScope
from crms.learning.prices import LEVEL_LABELS, OUTLIER_ABOVE, OUTLIER_BELOW

PERIOD_DAYS = 30  # the default period: the last 30 days, today included

JUDGED_SQL = """
WITH items AS (
    SELECT d.mrn, d.received_at, d.first_entry_member_state_id AS ms, i.item_number, i.hs_code,
           upper(i.country_of_origin) AS origin, i.value_eur / i.gross_mass_kg AS per_kg,
           left(i.hs_code, 6) AS hs6, left(i.hs_code, 4) AS hs4
    FROM declarations_declaration d
    JOIN declarations_declarationversion v ON v.declaration_id = d.id AND v.version = d.current_version
    JOIN declarations_goodsitem i ON i.version_id = v.id
    WHERE NOT d.is_history AND d.received_at >= %(start)s AND d.received_at < %(end)s AND {rows} {member_state}
      {hs} AND i.value_eur > 0 AND i.gross_mass_kg > 0 AND i.value_eur < 'Infinity'::float8
),
judged AS (
    SELECT items.*, COALESCE(b1.id, b2.id, b3.id, b4.id, b5.id) AS baseline_id
    FROM items
    LEFT JOIN learning_pricebaseline b1 ON b1.level = 'hs6_origin_ms' AND b1.hs_code = items.hs6
         AND b1.origin = items.origin AND b1.member_state = items.ms
    LEFT JOIN learning_pricebaseline b2 ON b2.level = 'hs6_origin' AND b2.hs_code = items.hs6
         AND b2.origin = items.origin AND b2.member_state = ''
    LEFT JOIN learning_pricebaseline b3 ON b3.level = 'hs6' AND b3.hs_code = items.hs6
         AND b3.origin = '' AND b3.member_state = ''
    LEFT JOIN learning_pricebaseline b4 ON b4.level = 'hs4_origin' AND b4.hs_code = items.hs4
         AND b4.origin = items.origin AND b4.member_state = ''
    LEFT JOIN learning_pricebaseline b5 ON b5.level = 'hs4' AND b5.hs_code = items.hs4
         AND b5.origin = '' AND b5.member_state = ''
),
outliers AS (
    SELECT j.mrn, j.received_at, j.ms, j.item_number, j.hs_code, j.origin, j.per_kg, b.level, b.hs_code AS key_hs,
           b.origin AS key_origin, b.member_state AS key_ms, b.median, j.per_kg / b.median AS ratio
    FROM judged j JOIN learning_pricebaseline b ON b.id = j.baseline_id
    WHERE b.median > 0 AND (j.per_kg / b.median < %(below)s OR j.per_kg / b.median > %(above)s)
)
"""

PAGE_SQL = (
    JUDGED_SQL
    + """
SELECT o.mrn, o.received_at, o.ms, o.item_number, o.hs_code, o.origin, o.per_kg, o.level, o.key_hs, o.key_origin,
       o.key_ms, o.median, o.ratio, h.description
FROM outliers o LEFT JOIN reference_hscode h ON h.code = left(o.hs_code, 6)
ORDER BY o.received_at DESC, o.mrn, o.item_number
LIMIT %(limit)s OFFSET %(offset)s
"""
)

PER_MEMBER_STATE_SQL = (
    JUDGED_SQL
    + """
SELECT ms, count(*), count(*) FILTER (WHERE ratio < %(below)s), count(DISTINCT mrn)
FROM outliers GROUP BY ms ORDER BY ms
"""
)


@dataclass(frozen=True)
class Outlier:
    mrn: str
    received_at: dt.datetime
    member_state: str
    item_number: int
    hs_code: str
    origin: str
    value_per_kg: float
    level: str
    key_hs: str
    key_origin: str
    key_member_state: str
    median: float
    ratio: float
    hs_description: str | None

    @property
    def hs6(self) -> str:
        return self.hs_code[:6]

    @property
    def below(self) -> bool:
        return self.ratio < 1

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def key_text(self) -> str:
        """ "610910 from BD into FR": the key of the baseline the item was judged by."""
        text = self.key_hs
        if self.key_origin:
            text += f" from {self.key_origin}"
        if self.key_member_state:
            text += f" into {self.key_member_state}"
        return text


@dataclass(frozen=True)
class PerMemberState:
    member_state: str
    items: int
    below: int  # undervalued (below a fifth of the baseline)
    declarations: int

    @property
    def above(self) -> int:
        return self.items - self.below


class Outliers:
    """The outliers of a period as the viewer may read them, for Django's ``Paginator`` (count and slices)."""

    def __init__(
        self,
        rows: RowScope,
        *,
        start: dt.datetime,
        end: dt.datetime,
        member_state: str | None = None,
        hs_prefix: str = "",
    ):
        condition, params = rows.sql("d")
        self._sql = {
            "rows": condition,
            "member_state": "AND d.first_entry_member_state_id = %(ms)s" if member_state else "",
            "hs": "AND i.hs_code LIKE %(hs)s" if hs_prefix else "",
        }
        self._params = params | {
            "start": start,
            "end": end,
            "ms": member_state,
            "hs": f"{hs_prefix}%",
            "below": OUTLIER_BELOW,
            "above": OUTLIER_ABOVE,
        }
        self._summary: list[PerMemberState] | None = None

    def per_member_state(self) -> list[PerMemberState]:
        if self._summary is None:
            with connection.cursor() as cursor:
                cursor.execute(PER_MEMBER_STATE_SQL.format(**self._sql), self._params)
                self._summary = [PerMemberState(*row) for row in cursor.fetchall()]
        return self._summary

    def count(self) -> int:
        return sum(row.items for row in self.per_member_state())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Outlier]:
        if not isinstance(index, slice):
            raise TypeError("outliers are read a page at a time")
        offset = index.start or 0
        limit = max(0, (index.stop if index.stop is not None else offset + 1000) - offset)
        if limit == 0:
            return []
        with connection.cursor() as cursor:
            cursor.execute(PAGE_SQL.format(**self._sql), self._params | {"limit": limit, "offset": offset})
            return [Outlier(*row) for row in cursor.fetchall()]
