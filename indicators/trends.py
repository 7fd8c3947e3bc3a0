"""Weekly series for the dashboard's trend charts (Chart.js reads them as JSON)."""

from __future__ import annotations

import pandas as pd

from crms.core.figures import detection_rate
from indicators.figures import View, weekly_sums


def chart_data(view: View) -> dict:
    weeks = pd.date_range(
        view.period.day_from - pd.Timedelta(days=view.period.day_from.weekday()), view.period.day_to, freq="7D"
    ).date
    labels = [week.strftime("%d/%m/%Y") for week in weeks]  # European dates on the axes, as on the pages

    def series(frame: pd.DataFrame, where=None) -> list[float]:
        if frame.empty:
            return [0] * len(weeks)
        if where is not None:
            frame = frame[where(frame)]
        values = frame.groupby("week")["value"].sum()
        return [round(float(values.get(week, 0)), 2) for week in weeks]

    ens = weekly_sums(view, "ens", by_key=True)
    modes = sorted(ens["key"].unique()) if not ens.empty else []
    controls = weekly_sums(view, "controls")
    positive = weekly_sums(view, "controls_positive")
    control_counts, positive_counts = series(controls), series(positive)
    return {
        "labels": labels,
        "ens_by_mode": [{"label": mode, "data": series(ens, lambda f, m=mode: f["key"] == m)} for mode in modes],
        "hits": {
            "automated": series(weekly_sums(view, "hits_automated")),
            "after_assessment": series(weekly_sums(view, "hits_assessed")),
        },
        "controls": {
            "controls": control_counts,
            "detection_rate": [  # percent for the chart's axis; the rate is crms.core.figures.detection_rate
                None if (rate := detection_rate(p, c)) is None else round(rate * 100, 1)
                for p, c in zip(positive_counts, control_counts, strict=True)
            ],
        },
    }
