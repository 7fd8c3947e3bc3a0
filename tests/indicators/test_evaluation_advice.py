"""Evaluation advice a risk expert can sign (issue 12, point 6): low volume is "not enough data", never
"deactivate", and every report states the thresholds its recommendations follow."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from indicators import views
from indicators.evaluation import evaluation, recommend, thresholds_text
from indicators.figures import View
from tests.indicators.test_figures import period, rows, today
from tests.risk_engine.conftest import api_client

pytestmark = pytest.mark.django_db

THRESHOLDS = {
    "EVAL_MIN_HITS": 10,
    "EVAL_MIN_CONTROLS": 5,
    "EVAL_MIN_PRECISION_PCT": 5,
    "EVAL_MAX_HITS_PER_1000_ENS": 50,
}


@pytest.fixture
def thresholds(settings):
    for name, value in THRESHOLDS.items():
        setattr(settings, name, value)


@pytest.mark.parametrize(
    ("hits", "controls", "positive", "load", "expected"),
    [
        (3, 3, 3, 2.0, "not_enough_data"),  # a rare criterion at 100% precision: it used to say "deactivate"
        (0, 0, 0, 0.0, "not_enough_data"),  # no hit at all in the period: still not a reason to deactivate
        (9, 0, 0, None, "not_enough_data"),
        (40, 2, 2, 10.0, "not_enough_data"),  # enough hits, too few controlled to judge the precision
        (40, 10, 0, 10.0, "amend"),  # precision 0% over 10 controls
        (40, 10, 5, 80.0, "amend"),  # 80 hits per 1,000 ENS: too broad
        (40, 2, 2, 80.0, "amend"),  # too broad is judged on the load, whatever the controls
        (40, 10, 5, 10.0, "keep"),
    ],
)
def test_recommendations(thresholds, hits, controls, positive, load, expected):
    verdict, why = recommend(hits, controls, positive, load)
    assert verdict == expected, why
    assert verdict != "deactivate"


def test_why_a_rare_criterion_is_not_judged(thresholds):
    assert recommend(3, 3, 3, 2.0) == (
        "not_enough_data",
        "3 hits in the period (fewer than 10); 3 of 3 controls positive (100%)",
    )
    assert recommend(40, 2, 1, 10.0)[1] == "40 hits but 2 controlled (fewer than 5); 1 of 2 controls positive (50%)"


def test_the_thresholds_are_stated_in_full(thresholds, settings):
    text = thresholds_text()
    assert text == (
        "Recommendations follow configurable thresholds: fewer than 10 hits, or fewer than 5 controlled hits, is "
        "not enough data to judge (never a reason to deactivate: rare criteria are expected to hit rarely); at "
        "least 5 controls with a precision below 5%: amend; more than 50 hits per 1,000 ENS: amend (too broad for "
        "the control capacity); otherwise keep."
    )
    settings.EVAL_MIN_HITS = 3
    assert "fewer than 3 hits" in thresholds_text()


def test_the_evaluation_of_the_dataset_says_not_enough_data(dataset, thresholds):
    """FR's CRC-IX-TOY: 3 hits, 2 controls, 1 seizure; NL's: 1 hit. Neither is enough to judge."""
    frame = evaluation(View.for_user(dataset["commission"], period()))
    assert set(frame["recommendation"]) == {"not_enough_data"}
    fr = rows(frame, member_state="FR", criterion="CRC-IX-TOY")[0]
    assert fr["why"] == "3 hits in the period (fewer than 10); 1 of 2 controls positive (50%)"


def test_every_report_prints_the_thresholds(dataset, thresholds, monkeypatch):
    client = Client()
    client.force_login(dataset["commission"])
    html = client.get(f"/indicators/reports/annual/?year={today().year}").content.decode()
    assert thresholds_text() in html
    assert not re.search(r"configurable thresholds:\s*<", html)  # the sentence used to stop there
    assert ">not enough data</span>" in html and ">not_enough_data<" not in html
    printed = {}

    def pdf_report(title, subtitle, sections):
        printed["sections"] = sections
        return b"%PDF-1.4 captured"

    monkeypatch.setattr(views.exports, "pdf_report", pdf_report)
    assert client.get(f"/indicators/reports/annual/?year={today().year}&format=pdf").status_code == 200
    heading, note, frame = printed["sections"][0]
    assert heading == "Criteria evaluation" and note.endswith(thresholds_text())
    assert set(frame["recommendation"]) == {"not enough data"}
    quarter = f"{today().year}-Q{(today().month - 1) // 3 + 1}"
    panel = client.get(f"/indicators/criteria/CRC-IX-TOY/?period={quarter}").content.decode()
    assert thresholds_text() in panel and ">not enough data</span>" in panel
    body = api_client(dataset["fr_system"]).get(f"/api/v1/indicators/evaluation/?period={quarter}").json()
    assert body["thresholds"] == {
        "min_hits": 10,
        "min_controls": 5,
        "min_precision_pct": 5,
        "max_hits_per_1000_ens": 50,
    }
    assert body["rule"] == thresholds_text()
    assert {row["recommendation"] for row in body["results"]} == {"not_enough_data"}
