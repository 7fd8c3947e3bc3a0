"""Price baselines (issue 16 point 5): robust value-per-kg baselines, AMT-style, and the deviation from them.

The EU's Automated Monitoring Tool estimates "baseline prices for goods imported in the EU, for each
combination of product, third country origin and Member State destination" and alerts on price
outliers (001:900). Here, from the stored declarations (history and operational ENS alike, the current
version of each) received in the last ``WINDOW_DAYS``, per goods item with ``value_eur > 0`` and
``gross_mass_kg > 0``:

- the value per kg is ``value_eur / gross_mass_kg`` (EUR per kg);
- a baseline is the median, the 10th and 90th percentiles (computed on the logarithm, so the spread is
  multiplicative like prices are) and the number of items, per key;
- keys, most specific first (``LEVELS``): HS6 x origin x Member State of first entry, HS6 x origin, HS6,
  HS4 x origin, HS4. An item is judged against the first key with a baseline, and a key has one only
  with at least ``MIN_SAMPLES`` items (thin data falls back to a broader key);
- ``price_deviation`` is the item's value per kg divided by that baseline's median (1 = the usual
  price; 0,1 = a tenth of it), the criteria field ``item.price_deviation``; an item below
  ``OUTLIER_BELOW`` or above ``OUTLIER_ABOVE`` times its baseline is a price outlier (a data-quality
  warning and the ``/prices/outliers/`` page).

HS codes of chapter 99 (not specified according to kind) get no baseline. Baselines are rebuilt by
``compute_price_baselines`` and the nightly beat task; the grouping and the percentiles run in SQL
(``percentile_cont`` over ``GROUPING SETS``: one pass over the goods items whatever their number). The
table moves the criteria revision (a trigger, ``learning`` migration 0005), and screening reads it
through an in-process cache valid while the revision holds (``current_baselines``).

Baselines pool every Member State's declarations at the broader levels: they are EU-wide statistics,
like the indicators' EU total, shown as a median and a key, never as the declarations behind them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from crms.core.bulk import copy_insert
from crms.core.caching import cached_per_revision
from crms.core.replica import analytics_cursor, read_connection
from crms.learning.models import PriceBaseline, PriceLevel

MIN_SAMPLES = 20  # goods items a key needs for a baseline; fewer: the next, broader key is used
WINDOW_DAYS = 730  # declarations received in the last two years: prices drift, old ones stop being usual
LOW_QUANTILE, HIGH_QUANTILE = 0.10, 0.90  # the spread shown beside the median
OUTLIER_BELOW = 1 / 5  # below a fifth of the baseline: a price outlier (undervaluation?)
OUTLIER_ABOVE = 5.0  # above five times the baseline: a price outlier (overvaluation?)

LEVELS: tuple[str, ...] = (
    PriceLevel.HS6_ORIGIN_MEMBER_STATE,
    PriceLevel.HS6_ORIGIN,
    PriceLevel.HS6,
    PriceLevel.HS4_ORIGIN,
    PriceLevel.HS4,
)
LEVEL_LABELS = dict(PriceLevel.choices)

Key = tuple[str, str, str, str]  # (level, hs code, origin, Member State); unused parts ""


@dataclass(frozen=True)
class Baseline:
    level: str
    hs_code: str
    origin: str
    member_state: str
    median: float  # EUR per kg
    low: float
    high: float
    n: int

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def key_text(self) -> str:
        """ "610910 from BD into FR", "610910 from BD", "610910", "6109 from BD", "6109"."""
        text = self.hs_code
        if self.origin:
            text += f" from {self.origin}"
        if self.member_state:
            text += f" into {self.member_state}"
        return text


def keys_for(hs_code: str | None, origin: str | None, member_state: str | None) -> list[Key]:
    """The keys an item is judged by, most specific first (those its data can form)."""
    hs = (hs_code or "").strip()
    if len(hs) < 4 or not hs[:4].isdigit() or hs.startswith("99"):
        return []
    origin = (origin or "").strip().upper()
    member_state = (member_state or "").strip().upper()
    hs6 = hs[:6] if len(hs) >= 6 and hs[:6].isdigit() else ""
    keys: list[Key] = []
    if hs6:
        if origin and member_state:
            keys.append((PriceLevel.HS6_ORIGIN_MEMBER_STATE, hs6, origin, member_state))
        if origin:
            keys.append((PriceLevel.HS6_ORIGIN, hs6, origin, ""))
        keys.append((PriceLevel.HS6, hs6, "", ""))
    if origin:
        keys.append((PriceLevel.HS4_ORIGIN, hs[:4], origin, ""))
    keys.append((PriceLevel.HS4, hs[:4], "", ""))
    return keys


def value_per_kg(value_eur: float | None, gross_mass_kg: float | None) -> float | None:
    """EUR per kg when both are given and positive, else None (never NaN or infinite)."""
    if value_eur is None or gross_mass_kg is None:
        return None
    value, mass = float(value_eur), float(gross_mass_kg)
    if not (value > 0 and mass > 0) or math.isinf(value) or math.isinf(mass):
        return None
    return value / mass


class Baselines:
    """Every stored baseline, by key: what a screening batch reads (one dictionary look-up per key)."""

    MEMO_LIMIT = 500_000  # remembered (HS code, origin, Member State) answers: items share them a lot

    def __init__(self, rows: dict[Key, tuple[float, float, float, int]]):
        self._rows = rows
        self._memo: dict[tuple, Baseline | None] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, hs_code: str | None, origin: str | None, member_state: str | None) -> Baseline | None:
        """The baseline of the most specific key that has one, or None."""
        asked = (hs_code, origin, member_state)
        try:
            return self._memo[asked]
        except KeyError:
            pass
        answer = None
        for key in keys_for(hs_code, origin, member_state):
            found = self._rows.get(key)
            if found is not None:
                answer = Baseline(*key, *found)
                break
        if len(self._memo) >= self.MEMO_LIMIT:
            self._memo.clear()
        self._memo[asked] = answer
        return answer

    def deviation(
        self, value_eur: float | None, gross_mass_kg: float | None, hs_code, origin, member_state
    ) -> tuple[float | None, Baseline | None]:
        """(value per kg / baseline median, the baseline), or (None, baseline or None) without a ratio."""
        per_kg = value_per_kg(value_eur, gross_mass_kg)
        if per_kg is None or not self._rows:
            return None, None
        baseline = self.lookup(hs_code, origin, member_state)
        if baseline is None or baseline.median <= 0:
            return None, baseline
        return per_kg / baseline.median, baseline

    @classmethod
    def load(cls) -> Baselines:
        rows = PriceBaseline.objects.values_list(
            "level", "hs_code", "origin", "member_state", "median", "low", "high", "n"
        ).order_by()
        return cls({(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6], r[7]) for r in rows})


@cached_per_revision
def baselines_at() -> Baselines:
    """The stored baselines, reloaded when the criteria revision moves (a rebuild moves it)."""
    return Baselines.load()


def current_baselines() -> Baselines:
    """The baselines as of now: one primary-key read of the revision, the table only when it moved.

    Both are read where the caller's reads go (``read_connection``: the replica inside a backtest's
    ``replica_reads``), so the revision and the table come from the same database."""
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT value FROM risk_engine_criteriarevision WHERE id = 1")
        row = cursor.fetchone()
    return baselines_at(row[0] if row else None)


def baseline_for(hs_code: str | None, origin: str | None, member_state: str | None) -> Baseline | None:
    """The baseline an item of this HS code, origin and Member State of first entry is judged by."""
    return current_baselines().lookup(hs_code, origin, member_state)


def price_deviation(
    value_per_kg: float | None, hs_code: str | None, origin: str | None, member_state: str | None
) -> float | None:
    """``value_per_kg`` / the baseline median (None without a positive value per kg or a baseline)."""
    if value_per_kg is None or not (value_per_kg > 0) or math.isinf(value_per_kg):
        return None
    baseline = baseline_for(hs_code, origin, member_state)
    if baseline is None or baseline.median <= 0:
        return None
    return float(value_per_kg) / baseline.median


def is_outlier(ratio: float | None) -> bool:
    return ratio is not None and not math.isnan(ratio) and (ratio < OUTLIER_BELOW or ratio > OUTLIER_ABOVE)


# --- computing ------------------------------------------------------------------------------------------------

# GROUPING(hs6, hs4, origin, ms) is a bit mask of the columns a row is NOT grouped by (hs6 the highest bit).
BASELINES_SQL = """
WITH items AS (
    SELECT left(i.hs_code, 6) AS hs6, left(i.hs_code, 4) AS hs4, NULLIF(upper(i.country_of_origin), '') AS origin,
           d.first_entry_member_state_id AS ms, ln(i.value_eur / i.gross_mass_kg) AS lv
    FROM declarations_goodsitem i
    JOIN declarations_declarationversion v ON v.id = i.version_id
    JOIN declarations_declaration d ON d.id = v.declaration_id AND v.version = d.current_version
    WHERE i.value_eur > 0 AND i.gross_mass_kg > 0 AND i.value_eur < 'Infinity'::float8
      AND i.hs_code ~ '^[0-9]{{4}}' AND left(i.hs_code, 2) <> '99' {since}
)
SELECT CASE GROUPING(hs6, hs4, origin, ms)
           WHEN 4 THEN 'hs6_origin_ms' WHEN 5 THEN 'hs6_origin' WHEN 7 THEN 'hs6' WHEN 9 THEN 'hs4_origin'
           ELSE 'hs4' END,
       COALESCE(hs6, hs4), COALESCE(origin, ''), COALESCE(ms, ''), count(*),
       percentile_cont(ARRAY[%(low)s, 0.5, %(high)s]::float8[]) WITHIN GROUP (ORDER BY lv)
FROM items
GROUP BY GROUPING SETS ((hs6, origin, ms), (hs6, origin), (hs6), (hs4, origin), (hs4))
HAVING count(*) >= %(min_samples)s
   AND (GROUPING(origin) = 1 OR origin IS NOT NULL)
   AND (GROUPING(hs6) = 1 OR hs6 ~ '^[0-9]{{6}}$')
"""

COLUMNS = ["level", "hs_code", "origin", "member_state", "median", "low", "high", "n"]


@dataclass(frozen=True)
class Computed:
    baselines: int  # rows stored
    changed: bool  # False: the new set equals the stored one, nothing written (the revision did not move)
    per_level: dict[str, int]


def compute_frame(*, since: dt.datetime | None = None, min_samples: int = MIN_SAMPLES) -> pd.DataFrame:
    """The baselines as a frame (``COLUMNS``), computed in SQL (a replica when one is configured)."""
    sql = BASELINES_SQL.format(since="AND d.received_at >= %(since)s" if since else "")
    params = {"low": LOW_QUANTILE, "high": HIGH_QUANTILE, "min_samples": min_samples, "since": since}
    with analytics_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    quantiles = np.exp(np.asarray([row[5] for row in rows], dtype="float64").reshape(-1, 3))
    frame = pd.DataFrame(
        {
            "level": [row[0] for row in rows],
            "hs_code": [row[1] for row in rows],
            "origin": [row[2] for row in rows],
            "member_state": [row[3] for row in rows],
            "median": quantiles[:, 1],
            "low": quantiles[:, 0],
            "high": quantiles[:, 2],
            "n": np.asarray([row[4] for row in rows], dtype="int64"),
        },
        columns=COLUMNS,
    )
    return frame.sort_values(COLUMNS[:4], ignore_index=True)


def _stored_frame() -> pd.DataFrame:
    frame = pd.DataFrame(list(PriceBaseline.objects.order_by().values_list(*COLUMNS)), columns=COLUMNS)
    return frame.sort_values(COLUMNS[:4], ignore_index=True)


def _same(new: pd.DataFrame, old: pd.DataFrame) -> bool:
    """The same keys with the same statistics (to a relative 1e-12: the floats went through the database)."""
    if len(new) != len(old):
        return False
    keys_equal = (new[COLUMNS[:4]].to_numpy() == old[COLUMNS[:4]].to_numpy()).all()
    counts_equal = (new["n"].to_numpy(dtype="int64") == old["n"].to_numpy(dtype="int64")).all()
    stats = ["median", "low", "high"]
    stats_equal = np.allclose(
        new[stats].to_numpy(dtype="float64"), old[stats].to_numpy(dtype="float64"), rtol=1e-12, atol=0
    )
    return bool(keys_equal and counts_equal and stats_equal)


def compute_price_baselines(*, days: int | None = WINDOW_DAYS, min_samples: int = MIN_SAMPLES) -> Computed:
    """Rebuild the baselines from the declarations received in the last ``days`` (None: every one stored).

    Replaces the table in one transaction (one criteria revision) only when the result differs, so a
    nightly run over unchanged data does not make every open ENS be screened again.
    """
    now = timezone.now()
    since = now - dt.timedelta(days=days) if days else None
    frame = compute_frame(since=since, min_samples=min_samples)
    per_level = {level: int((frame["level"] == level).sum()) for level in LEVELS}
    with transaction.atomic():
        with connection.cursor() as cursor:  # one rebuild at a time (the beat task and the command)
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('crms.learning.prices'))")
        if _same(frame, _stored_frame()):
            return Computed(len(frame), False, per_level)
        PriceBaseline.objects.all().delete()
        copy_insert(PriceBaseline, [row | {"computed_at": now} for row in frame.to_dict("records")])
    baselines_at.forget()
    return Computed(len(frame), True, per_level)
