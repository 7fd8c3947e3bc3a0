"""A backtest's forecast of control load against stated capacity, and the detections to expect (issue 16
point 6): per transport mode, the ENS per day the backtested version would hit over the period, the daily
control capacity of the Member States the backtest covers, the share of it the version would take
(capacity the live model then no longer fills), and hits per day times the precision the hit ENS's
recorded controls show (``irregularities``, the figures' one definition).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum

from crms.declarations.selectors import RowScope
from selection.models import ControlCapacity


def _member_states(params: dict[str, Any]) -> list[str] | None:
    """The Member States whose capacity the backtest's hits would use (None: every one with a capacity)."""
    rows = RowScope(params.get("rows", "all"))
    chosen = list(params.get("member_states") or [])
    if rows.member_state:
        return [rows.member_state] if not chosen or rows.member_state in chosen else []
    return chosen or None


def forecast_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    params = results.get("params") or {}
    if not params.get("date_from") or not params.get("date_to"):
        return []
    days = (dt.date.fromisoformat(params["date_to"]) - dt.date.fromisoformat(params["date_from"])).days + 1
    states = _member_states(params)
    capacities = ControlCapacity.objects.all()
    if states is not None:
        capacities = capacities.filter(member_state_id__in=states)
    per_mode = dict(capacities.values("transport_mode").annotate(total=Sum("daily_controls")).values_list(
        "transport_mode", "total"
    ))  # fmt: skip
    precision = (results.get("irregularities") or {}).get("precision")
    rows = []
    for row in results.get("per_mode") or []:
        daily = row["ens"] / days
        capacity = per_mode.get(row["key"])
        rows.append(
            {
                "mode": row["key"],
                "per_day": daily,
                "capacity": capacity,
                "share_of_capacity": daily / capacity if capacity else None,
                "detections_per_day": daily * precision if precision is not None else None,
            }
        )
    return rows
