"""``with_totals``, which ten indicator tables read: the visible Member State's rows grouped and sorted,
then EU totals over every Member State, with the columns' types kept."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.figures import EU_TOTAL, Period, View, with_totals

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
FRAME = pd.DataFrame(
    [
        ("NL", "sea", 2, 1.5),
        ("FR", "sea", 3, 0.5),
        ("FR", "air", 1, float("nan")),  # a missing value counts as 0
        ("FR", "sea", 4, 1.0),
        ("DE", None, 9, 9.0),  # a row without its key is left out, as a group-by leaves it out
    ],
    columns=["member_state", "mode", "ens", "value"],
)


def test_every_member_state_then_the_eu_totals_sorted_with_their_types():
    out = with_totals(View(PERIOD, None, True), FRAME, ["mode"], ["ens", "value"])
    assert out.to_dict("records") == [
        {"member_state": "FR", "mode": "air", "ens": 1, "value": 0.0},
        {"member_state": "FR", "mode": "sea", "ens": 7, "value": 1.5},
        {"member_state": "NL", "mode": "sea", "ens": 2, "value": 1.5},
        {"member_state": EU_TOTAL, "mode": "air", "ens": 1, "value": 0.0},
        {"member_state": EU_TOTAL, "mode": "sea", "ens": 9, "value": 3.0},
    ]
    assert str(out["ens"].dtype) == "int64" and str(out["value"].dtype) == "float64"


def test_a_member_state_sees_its_rows_and_totals_over_all():
    out = with_totals(View(PERIOD, "NL", False), FRAME, ["mode"], ["ens", "value"])
    assert list(out["member_state"]) == ["NL", EU_TOTAL, EU_TOTAL]
    assert list(out["ens"]) == [2, 1, 9]
    nobody = with_totals(View(PERIOD, "MT", False), FRAME, ["mode"], ["ens"])
    assert list(nobody["member_state"]) == [EU_TOTAL, EU_TOTAL]


def test_without_keys_one_row_per_member_state_and_one_total():
    out = with_totals(View(PERIOD, None, True), FRAME.drop(columns="mode"), [], ["ens"])
    assert out.to_dict("records") == [
        {"member_state": "DE", "ens": 9},
        {"member_state": "FR", "ens": 8},
        {"member_state": "NL", "ens": 2},
        {"member_state": EU_TOTAL, "ens": 19},
    ]


def test_nothing_gives_the_columns_and_no_row():
    out = with_totals(View(PERIOD, None, True), FRAME.iloc[0:0], ["mode"], ["ens"])
    assert list(out.columns) == ["member_state", "mode", "ens"] and out.empty
