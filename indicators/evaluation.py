"""The criteria evaluation cycle: per criterion, per Member State and EU-wide, for a quarter or a year.

Figures: automated hits, hits after assessment (a control decided), controls (hit
declarations with a control result), positive results, precision, load (hits per 1,000
ENS screened in the same Member States), the high-interest countries the hits touched and
the criteria that hit together.

A recommendation follows configurable thresholds (``thresholds_text`` prints them on every
report): too few hits or too few controlled hits mean **not enough data**, never
"deactivate" (rare security criteria are expected to hit rarely, and a handful of hits says
nothing about precision); enough controls with a low precision, or too many hits for the
control capacity, mean **amend**; otherwise **keep**. Deactivating a criterion is a risk
expert's decision, not a threshold's.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from django.conf import settings

from crms.core.dates import QUERY
from crms.core.labels import counted
from indicators.figures import EU_TOTAL, Period, View, ratio, sums
from indicators.tables import hits_per_criterion

PERIOD = re.compile(r"^(?P<year>20\d\d)(?:-Q(?P<quarter>[1-4]))?$")


def parse_period(text: str) -> tuple[Period, str] | None:
    """``2026-Q4`` or ``2026`` -> the period and its label; None when malformed or when it starts outside
    the query window of ``crms.core.dates`` (no report of 2099)."""
    match = PERIOD.match((text or "").strip().upper())
    if not match:
        return None
    year = int(match["year"])
    if match["quarter"]:
        quarter = int(match["quarter"])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - dt.timedelta(days=1)
        period, label = Period(start, end), f"{year}-Q{quarter}"
    else:
        period, label = Period(dt.date(year, 1, 1), dt.date(year, 12, 31)), str(year)
    return (period, label) if QUERY.admits(period.day_from) else None


def current_quarter(today: dt.date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def recent_periods(today: dt.date) -> list[str]:
    """This quarter, the previous one, this year and the previous one: the evaluation cycles one picks from."""
    quarter = (today.month - 1) // 3 + 1
    previous = f"{today.year}-Q{quarter - 1}" if quarter > 1 else f"{today.year - 1}-Q4"
    return [f"{today.year}-Q{quarter}", previous, str(today.year), str(today.year - 1)]


FIGURES = (
    "Automated hits, hits after assessment (a control decided), controls (hit declarations with a control "
    "result), positive results, precision, load (hits per 1,000 ENS screened in the same Member States), the "
    "high-interest countries the hits touched and the criteria that hit together."
)
RECOMMENDATIONS = {"keep": "keep", "amend": "amend", "not_enough_data": "not enough data"}


def thresholds() -> dict[str, int]:
    return {
        "min_hits": settings.EVAL_MIN_HITS,
        "min_controls": settings.EVAL_MIN_CONTROLS,
        "min_precision_pct": settings.EVAL_MIN_PRECISION_PCT,
        "max_hits_per_1000_ens": settings.EVAL_MAX_HITS_PER_1000_ENS,
    }


def thresholds_text() -> str:
    """The rule of ``recommend`` in words, with the thresholds in force: printed on every evaluation."""
    t = thresholds()
    return (
        f"Recommendations follow configurable thresholds: fewer than {t['min_hits']} hits, or fewer than "
        f"{t['min_controls']} controlled hits, is not enough data to judge (never a reason to deactivate: "
        f"rare criteria are expected to hit rarely); at least {t['min_controls']} controls with a precision "
        f"below {t['min_precision_pct']}%: amend; more than {t['max_hits_per_1000_ens']} hits per 1,000 ENS: "
        "amend (too broad for the control capacity); otherwise keep."
    )


def report_note() -> str:
    """What the evaluation table shows and how its recommendations are reached (report and PDF)."""
    return f"{FIGURES} {thresholds_text()}"


def recommend(hits: int, controls: int, positive: int, load: float | None) -> tuple[str, str]:
    """keep / amend / not_enough_data, and why, for one row of the evaluation (see ``thresholds_text``)."""
    results = f"; {positive} of {counted(controls, 'control')} positive ({positive / controls:.0%})" if controls else ""
    if hits < max(settings.EVAL_MIN_HITS, 1):
        return "not_enough_data", f"{counted(hits, 'hit')} in the period (fewer than {settings.EVAL_MIN_HITS}){results}"
    if controls >= settings.EVAL_MIN_CONTROLS and positive / controls * 100 < settings.EVAL_MIN_PRECISION_PCT:
        return "amend", (
            f"precision {positive / controls:.0%} over {counted(controls, 'control')} "
            f"(below {settings.EVAL_MIN_PRECISION_PCT}%)"
        )
    if load is not None and load > settings.EVAL_MAX_HITS_PER_1000_ENS:
        return "amend", f"{load:.0f} hits per 1,000 ENS (above {settings.EVAL_MAX_HITS_PER_1000_ENS}): too broad"
    if controls < settings.EVAL_MIN_CONTROLS:
        few = f"{counted(hits, 'hit')} but {controls} controlled (fewer than {settings.EVAL_MIN_CONTROLS})"
        return "not_enough_data", few + results
    return "keep", "within every threshold"


def evaluation(view: View, *, code: str | None = None) -> pd.DataFrame:
    frame = hits_per_criterion(view)
    if code is not None:
        frame = frame[frame["criterion"] == code]
    if frame.empty:
        return frame
    ens = sums(view, "ens").groupby("member_state")["value"].sum()
    frame = frame.copy()
    frame["ens_screened"] = frame["member_state"].map(lambda s: ens.sum() if s == EU_TOTAL else ens.get(s, 0))
    frame["hits_per_1000_ens"] = (
        frame["automated"] * 1000 / frame["ens_screened"].where(frame["ens_screened"] != 0)
    ).round(1)
    frame["countries"] = [_countries(view, row.member_state, row.criterion) for row in frame.itertuples()]
    frame["hit_together_with"] = [_pairs(view, row.member_state, row.criterion) for row in frame.itertuples()]
    verdicts = [
        recommend(
            int(r.automated),
            int(r.controlled),
            int(r.positive),
            None if pd.isna(r.hits_per_1000_ens) else r.hits_per_1000_ens,
        )
        for r in frame.itertuples()
    ]
    frame["recommendation"] = [v[0] for v in verdicts]
    frame["why"] = [v[1] for v in verdicts]
    frame["precision"] = ratio(frame["positive"], frame["controlled"])
    return frame.reset_index(drop=True)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with recommendations as people read them ("not enough data"), for printed reports."""
    if "recommendation" not in frame.columns:
        return frame
    return frame.assign(recommendation=frame["recommendation"].map(RECOMMENDATIONS))


def _scoped(view: View, metric: str, member_state: str) -> pd.DataFrame:
    frame = sums(view, metric)
    return frame if member_state == EU_TOTAL else frame[frame["member_state"] == member_state]


def _countries(view: View, member_state: str, code: str) -> str:
    frame = _scoped(view, "hits_country", member_state)
    counts = frame[frame["key"] == code].groupby("key2")["value"].sum().sort_values(ascending=False)
    return ", ".join(f"{country} {int(n)}" for country, n in counts.items())


def _pairs(view: View, member_state: str, code: str) -> str:
    frame = _scoped(view, "hit_pairs", member_state)
    both = pd.concat(
        [
            frame[frame["key"] == code][["key2", "value"]].rename(columns={"key2": "other"}),
            frame[frame["key2"] == code][["key", "value"]].rename(columns={"key": "other"}),
        ]
    )
    counts = both.groupby("other")["value"].sum().sort_values(ascending=False).head(3)
    return ", ".join(f"{other} {int(n)}" for other, n in counts.items())
