"""Reading the summary tables for a period and a viewer: the tables behind the dashboard,
the exports and the REST endpoint (one source, so they always show the same numbers).

Scope: the Commission and EU auditors see every Member State (or one they pick); a Member
State's users see their own rows and the EU totals. Every table is a pandas DataFrame with
readable column names; rows of the EU total have ``member_state == "EU total"``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.core.replica import analytics_cursor

EU_TOTAL = "EU total"


@dataclass(frozen=True)
class Period:
    day_from: dt.date
    day_to: dt.date

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1


@dataclass
class View:
    """Who looks, at what: the period and the Member State rows they may see (None: all)."""

    period: Period
    visible_state: str | None
    eu_wide: bool
    hidden_codes: frozenset[str] = frozenset()  # other Member States' national profiles
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def for_user(cls, user, period: Period, member_state: str | None = None) -> View:
        if is_eu_wide_reader(user) or user.is_superuser:
            return cls(period, member_state or None, True)
        from risk_engine.models import Criterion, Scope

        own = member_state_of(user) or "--"
        hidden = Criterion.objects.filter(scope=Scope.NATIONAL).exclude(owner_id=own).values_list("code", flat=True)
        return cls(period, own, False, frozenset(hidden))


def sums(view: View, metric: str) -> pd.DataFrame:
    """member_state, key, key2, value summed over the period; all Member States."""
    if metric in view._cache:
        return view._cache[metric]
    with analytics_cursor() as cursor:
        cursor.execute(
            """SELECT member_state, key, key2, sum(value) FROM indicators_dailyfigure
               WHERE metric = %s AND day BETWEEN %s AND %s GROUP BY member_state, key, key2""",
            [metric, view.period.day_from, view.period.day_to],
        )
        frame = pd.DataFrame(cursor.fetchall(), columns=["member_state", "key", "key2", "value"])
    if view.hidden_codes and metric.startswith("hit") and not frame.empty:
        frame = frame[~frame["key"].isin(view.hidden_codes) & ~frame["key2"].isin(view.hidden_codes)]
    view._cache[metric] = frame
    return frame


def weekly_sums(view: View, metric: str, *, by_key: bool = False) -> pd.DataFrame:
    """week, (key,) value for the viewer's rows: summed in SQL to what a trend chart draws."""
    conditions, params = ["metric = %s", "day BETWEEN %s AND %s"], [metric, view.period.day_from, view.period.day_to]
    if view.visible_state:
        conditions.append("member_state = %s")
        params.append(view.visible_state)
    if view.hidden_codes and metric.startswith("hit"):
        conditions.append("NOT (key = ANY(%s) OR key2 = ANY(%s))")
        params += [sorted(view.hidden_codes)] * 2
    key = "key, " if by_key else ""
    with analytics_cursor() as cursor:
        cursor.execute(
            f"""SELECT date_trunc('week', day)::date AS week, {key}sum(value) FROM indicators_dailyfigure
                WHERE {" AND ".join(conditions)} GROUP BY week{", key" if by_key else ""}""",  # noqa: S608 - fixed fragments only
            params,
        )
        return pd.DataFrame(cursor.fetchall(), columns=["week", *(["key"] if by_key else []), "value"])


def with_totals(view: View, frame: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    """Rows of the visible Member States grouped by ``by``, plus EU-total rows over every Member State."""
    if frame.empty:
        return pd.DataFrame(columns=["member_state", *by, *values])
    per_state = frame.groupby(["member_state", *by], as_index=False)[values].sum()
    if view.visible_state:
        per_state = per_state[per_state["member_state"] == view.visible_state]
    total = frame.groupby(by, as_index=False)[values].sum().sort_values(by) if by else frame[values].sum().to_frame().T
    total.insert(0, "member_state", EU_TOTAL)
    per_state = per_state.sort_values(["member_state", *by])
    return pd.concat([per_state, total], ignore_index=True)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """A share rounded to 4 places; empty where the denominator is 0."""
    return (numerator / denominator.where(denominator != 0)).round(4)


def visible(view: View, frame: pd.DataFrame) -> pd.DataFrame:
    if view.visible_state and not frame.empty:
        return frame[frame["member_state"] == view.visible_state]
    return frame
