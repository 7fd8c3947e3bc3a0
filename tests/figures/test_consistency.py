"""Every place that shows hit, control, precision, detection or money figures, against hand-computed values.

``PLACES`` enumerates them: each row names the modules and templates it covers and reads the figures
as a user sees them (page, export, API, service). ``test_every_place_that_shows_figures_has_a_row``
fails when a module or template starts using the shared definitions (``crms.core.figures``,
``crms.core.formatting``, the ``figures`` template filters) without a row here, so a new place
cannot ship unchecked. The world and the expected values are in ``tests/figures/world.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from django.test import Client
from django.utils import timezone

from indicators import services as indicator_services
from indicators.evaluation import current_quarter
from indicators.figures import Period, View
from indicators.tables import TABLES_BY_NAME
from tests.figures import world
from tests.figures.html import tables
from tests.risk_engine.conftest import (  # noqa: F401 - engine fixtures and caches
    _fast_password_hashing,
    _fresh_engine_caches,
    api_client,
)
from workbench.models import IrregularityType

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TODAY = timezone.now().date()
QUARTER = current_quarter(TODAY)
HIT_CODES = ("CRC-FX-TOY", "NL-FX-GAME")


@pytest.fixture
def built(personas):
    built = world.build(personas)
    yesterday = TODAY - dt.timedelta(days=1)  # PCA results are dated on the PCA's first day: yesterday
    indicator_services.refresh(yesterday, TODAY)
    built["period"] = Period(yesterday, TODAY)
    return built


def page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def expected_hit_numbers() -> dict:
    return {key: value[:6] for key, value in world.HITS.items()}


def expected_hit_texts(with_dismissed: bool = True) -> dict:
    out = {}
    for key, (hits, decided, dismissed, controlled, positive, _share, text) in world.HITS.items():
        counts = (
            (hits, decided, dismissed, controlled, positive)
            if with_dismissed
            else (hits, decided, controlled, positive)
        )
        out[key] = (*[str(n) for n in counts], text)
    return out


def close(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and pd.isna(a)):
        return (a is None or (isinstance(a, float) and pd.isna(a))) and (b is None or pd.isna(b))
    return abs(float(a) - float(b)) < 1e-3


def same_numbers(actual: dict, expected: dict) -> bool:
    return set(actual) == set(expected) and all(
        len(actual[k]) == len(expected[k]) and all(close(x, y) for x, y in zip(actual[k], expected[k], strict=True))
        for k in expected
    )


# --- readers: what each place shows -------------------------------------------------------------------


def feedback_service(w) -> list[tuple]:
    from workbench.feedback import criterion_feedback

    commission = w["people"]["commission"]
    live, shadow = {}, {}
    for code in (*HIT_CODES, "CRC-FX-SHADOW"):
        found = criterion_feedback(commission, code)
        for row in [*found["rows"], found["total"]]:
            if row.hits:
                state = "EU total" if row.member_state == "EU" else row.member_state
                live[(code, state)] = (
                    row.hits,
                    row.after_assessment,
                    row.dismissed,
                    row.controlled,
                    row.positive,
                    row.precision,
                )
        if code == "CRC-FX-SHADOW":
            for row in [*found["shadow_rows"], found["shadow_total"]]:
                state = "EU total" if row.member_state == "EU" else row.member_state
                shadow[state] = (row.hits, row.controlled, row.positive, row.precision)
    shadow_expected = {k: v[:4] for k, v in world.SHADOW.items()}
    return [("live", same_numbers(live, expected_hit_numbers()), live), ("shadow", shadow == shadow_expected, shadow)]


def feedback_panel(w) -> list[tuple]:
    commission = w["people"]["commission"]
    live, shadow = {}, {}
    for code in (*HIT_CODES, "CRC-FX-SHADOW"):
        found = tables(page(commission, f"/workbench/feedback/{code}/"))
        for row in found.get("feedback-live", [])[1:]:
            if row[1] != "0":
                live[(code, row[0])] = tuple(row[1:])
        for row in found.get("feedback-shadow", [])[1:]:
            shadow[row[0]] = tuple(row[1:])
    shadow_expected = {k: (str(v[0]), str(v[1]), str(v[2]), v[4]) for k, v in world.SHADOW.items()}
    return [("live", live == expected_hit_texts(), live), ("shadow", shadow == shadow_expected, shadow)]


def evaluation_panel(w) -> list[tuple]:
    shown = {}
    for code in HIT_CODES:
        found = tables(page(w["people"]["commission"], f"/indicators/criteria/{code}/?period={QUARTER}"))
        for row in found["evaluation"][1:]:
            shown[(code, row[0])] = tuple(row[1:6])
    return [("evaluation", shown == expected_hit_texts(with_dismissed=False), shown)]


def _hits_frame_numbers(frame) -> dict:
    return {
        (r["criterion"], r["member_state"]): (
            r["automated"],
            r["after_assessment"],
            r["dismissed"],
            r["controlled"],
            r["positive"],
            None if r["precision"] is None or pd.isna(r["precision"]) else r["precision"],
        )
        for r in frame
        if r["criterion"] in HIT_CODES
    }


def indicators_hits_table(w) -> list[tuple]:
    view = View.for_user(w["people"]["commission"], w["period"])
    shown = _hits_frame_numbers(TABLES_BY_NAME["hits"].build(view).to_dict("records"))
    return [("hits", same_numbers(shown, expected_hit_numbers()), shown)]


def indicators_csv_and_xlsx(w) -> list[tuple]:
    client = Client()
    client.force_login(w["people"]["commission"])
    query = f"from={w['period'].day_from}&to={TODAY}"
    rows = list(csv.DictReader(io.StringIO(client.get(f"/indicators/export/hits.csv?{query}").content.decode())))
    for row in rows:
        for name in ("automated", "after_assessment", "dismissed", "controlled", "positive"):
            row[name] = int(row[name])
        row["precision"] = float(row["precision"]) if row["precision"] else None
    from_csv = _hits_frame_numbers(rows)
    sheet = pd.read_excel(io.BytesIO(client.get(f"/indicators/export/all.xlsx?{query}").content), sheet_name="hits")
    from_xlsx = _hits_frame_numbers(sheet.to_dict("records"))
    return [
        ("csv", same_numbers(from_csv, expected_hit_numbers()), from_csv),
        ("xlsx", same_numbers(from_xlsx, expected_hit_numbers()), from_xlsx),
    ]


def indicators_api(w) -> list[tuple]:
    body = (
        api_client(w["people"]["commission"]).get(f"/api/v1/indicators/?from={w['period'].day_from}&to={TODAY}").json()
    )
    hits = _hits_frame_numbers(body["tables"]["hits"])
    evaluation = api_client(w["people"]["commission"]).get(f"/api/v1/indicators/evaluation/?period={QUARTER}").json()
    evaluated = {
        k: v[:1] + v[1:2] + v[3:]
        for k, v in _hits_frame_numbers([{**r, "dismissed": 0} for r in evaluation["results"]]).items()
    }
    expected_evaluation = {k: v[:2] + v[3:] for k, v in expected_hit_numbers().items()}
    pca = {
        r["member_state"]: (r["controls"], r["detections"], r["seizures"], r["detection_rate"])
        for r in body["tables"]["pca"]
        if r["member_state"] != "EU total"
    }
    expected_pca = {k: (v[0], v[1], v[2], v[5]) for k, v in world.PCA.items()}
    return [
        ("hits", same_numbers(hits, expected_hit_numbers()), hits),
        ("evaluation", same_numbers(evaluated, expected_evaluation), evaluated),
        ("pca", same_numbers(pca, expected_pca), pca),
    ]


def quarterly_report(w) -> list[tuple]:
    html = page(w["people"]["commission"], f"/indicators/reports/quarterly/?quarter={QUARTER}")
    shown = {}
    for rows in tables(html).values():
        if rows and rows[0][:3] == ["Member State", "Criterion", "Risk area"]:
            for row in rows[1:]:
                if row[1] in HIT_CODES:
                    shown[(row[1], row[0])] = tuple(row[3:9])
    return [("hits", shown == expected_hit_texts(), shown)]


def dashboard(w) -> list[tuple]:
    html = page(w["people"]["commission"], f"/indicators/?from={w['period'].day_from}&to={TODAY}")
    found = tables(html)
    hits = {(r[1], r[0]): tuple(r[3:9]) for r in found["table-hits"][1:] if r[1] in HIT_CODES}
    pca = {r[0]: (r[3], r[4], r[5]) for r in found["table-pca"][1:] if r[0] in world.PCA}
    expected_pca = {k: (str(v[0]), str(v[1]), str(v[2])) for k, v in world.PCA.items()}
    seizures = {(r[0], r[1]): r[2] for r in found["table-seizures"][1:]}
    # The irregularity is shown by its label (issue 14: labels, not codes).
    expected_seizures = {(k[0], IrregularityType(k[1]).label): v[1] for k, v in world.SEIZURES.items()}
    headline = re.search(r"(\d+,\d\u00a0%) found an irregularity", html)
    return [
        ("hits", hits == expected_hit_texts(), hits),
        ("pca", pca == expected_pca, pca),
        ("seizures", seizures == expected_seizures, seizures),
        ("headline", headline is not None and headline.group(1) == world.CONTROLS["EU total"][3], headline),
    ]


def indicators_controls_and_seizures(w) -> list[tuple]:
    view = View.for_user(w["people"]["commission"], w["period"])
    frame = TABLES_BY_NAME["controls"].build(view)
    summed = frame.groupby("member_state")[["controls", "positive"]].sum()
    controls = {
        state: (int(row.controls), int(row.positive), row.positive / row.controls) for state, row in summed.iterrows()
    }
    seizures = {
        (r["member_state"], r["irregularity_type"]): r["estimated_value_eur"]
        for r in TABLES_BY_NAME["seizures"].build(view).to_dict("records")
    }
    charts = indicator_services_chart(view)
    return [
        ("controls", same_numbers(controls, {k: v[:3] for k, v in world.CONTROLS.items()}), controls),
        (
            "seizures",
            same_numbers({k: (v,) for k, v in seizures.items()}, {k: v[:1] for k, v in world.SEIZURES.items()}),
            seizures,
        ),
        ("chart", charts == round(world.CONTROLS["EU total"][2] * 100, 1), charts),
    ]


def indicator_services_chart(view) -> float | None:
    from indicators.trends import chart_data

    rates = [rate for rate in chart_data(view)["controls"]["detection_rate"] if rate is not None]
    return rates[-1] if rates else None


def pca_selector_and_page(w) -> list[tuple]:
    from pca.selectors import results_of

    computed = {
        r.member_state: (r.controls, r.detections, r.seizures, r.seized_value_eur, r.detection_rate)
        for r in results_of(w["pca"])
    }
    expected = {k: (v[0], v[1], v[2], v[3], v[5]) for k, v in world.PCA.items()}
    html = page(w["people"]["commission"], f"/pca/{w['pca'].pk}/")
    shown = {r[0]: (r[4], r[5], r[6], r[7]) for r in tables(html)["pca-results"][1:]}
    expected_shown = {k: (str(v[1]), str(v[2]), v[4], v[6]) for k, v in world.PCA.items()}
    document = api_client(w["people"]["commission"]).get(f"/api/v1/pcas/{w['pca'].pk}/").json()
    over_rest = {
        r["member_state"]: (r["controls"], r["detections"], r["seizures"], r["seized_value_eur"], r["detection_rate"])
        for r in document["results"]
    }
    return [
        ("selector", same_numbers(computed, expected), computed),
        ("page", shown == expected_shown, shown),
        ("REST", same_numbers(over_rest, expected), over_rest),
    ]


def backtests(w) -> list[tuple]:
    from risk_engine import backtest
    from risk_engine.models import Criterion

    found, shown = {}, {}
    for code in world.BACKTEST:
        criterion = Criterion.objects.get(code=code)
        run = backtest.start_backtest(
            actor=w["people"]["commission"], criterion=criterion, params={"date_from": TODAY, "date_to": TODAY}
        )
        done = backtest.run_backtest(run.pk)
        found[code] = done.results["irregularities"]
        html = page(w["people"]["commission"], f"/criteria/{code}/backtests/{done.pk}/")
        match = re.search(r'class="backtest-irregularities">(.*?)</p>', html, re.S)
        shown[code] = (
            re.sub(r"[ \n]+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip().split(" ") if match else None
        )
    expected_text = {
        code: ["2", "positive", "of", "4", "controlled", "(precision", "50,0\u00a0%)"]
        if code == "CRC-FX-TOY"
        else ["3", "positive", "of", "5", "controlled", "(precision", "60,0\u00a0%)"]
        for code in world.BACKTEST
    }
    return [("results", found == world.BACKTEST, found), ("page", shown == expected_text, shown)]


def case_and_records_pages(w) -> list[tuple]:
    fr = w["people"]["fr_analyst"]
    case_html = page(fr, f"/workbench/cases/{w['case_a'].pk}/")
    on_case = re.findall(r'class="seized-value">([^<]*)<', case_html)
    records = tables(page(fr, f"/indicators/records/controls/?from={TODAY}&to={TODAY}&result=seizure"))
    values = sorted(row[-1] for rows in records.values() for row in rows[1:] if row and row[-1].startswith("EUR"))
    return [
        ("case", on_case == [world.SEIZED_ON_A], on_case),
        ("records", values == sorted([world.SEIZED_ON_A, world.SEIZURES[("FR", "product_safety")][1]]), values),
    ]


def criteria_list(w) -> list[tuple]:
    rows = tables(page(w["people"]["commission"], "/criteria/"))
    found = {}
    for table_rows in rows.values():
        for row in table_rows[1:]:
            for code in world.RECENT_HITS:
                if row and row[0] == code:
                    found[code] = int(row[10])
    panels = {}
    for code in world.RECENT_HITS:
        html = page(w["people"]["commission"], f"/workbench/feedback/{code}/")
        panels[code] = int(re.search(r"last 7 days: <strong>(\d+)</strong>", html).group(1))
    return [("list", found == world.RECENT_HITS, found), ("criterion page", panels == world.RECENT_HITS, panels)]


@dataclass(frozen=True)
class Place:
    name: str
    sources: tuple[str, ...]  # the modules and templates whose figures this row checks
    read: Callable[[dict], list[tuple]]


PLACES = [
    Place("criterion feedback (service)", ("workbench/feedback.py",), feedback_service),
    Place(
        "criterion page: feedback panel",
        ("templates/workbench/_feedback.html", "workbench/views/feedback.py"),
        feedback_panel,
    ),
    Place("criterion page: evaluation panel", ("templates/indicators/_criterion_evaluation.html",), evaluation_panel),
    Place("indicators: hits table", ("indicators/tables.py", "indicators/metrics.py"), indicators_hits_table),
    Place("indicators: CSV and XLSX exports", ("indicators/exports.py",), indicators_csv_and_xlsx),
    Place("indicators: REST tables and evaluation", ("indicators/api.py",), indicators_api),
    Place("indicators: quarterly report", ("templates/indicators/report.html",), quarterly_report),
    Place(
        "indicators: dashboard",
        ("templates/indicators/dashboard.html", "indicators/views.py", "indicators/templatetags/indicators.py"),
        dashboard,
    ),
    Place(
        "indicators: controls, seizures, charts",
        ("indicators/trends.py", "indicators/tables.py"),
        indicators_controls_and_seizures,
    ),
    Place(
        "PCA results, page and REST",
        ("pca/selectors.py", "templates/pca/detail.html", "pca/api.py"),
        pca_selector_and_page,
    ),
    Place(
        "backtest results and report",
        ("risk_engine/backtest.py", "templates/backtests/_irregularities.html"),
        backtests,
    ),
    Place(
        "case page and control records",
        ("templates/workbench/case.html", "templates/indicators/controls.html"),
        case_and_records_pages,
    ),
    Place("criteria list and criterion page hit counts", ("risk_engine/selectors.py",), criteria_list),
]

# Places that format with the shared module but show nothing of this world (say why).
ELSEWHERE = {
    "templates/selection/settings.html": "a Member State's own settings (capacities), not figures of this world: "
    "tests/selection/test_selection_settings.py",
    "templates/selection/overview.html": "every Member State's random-selection rate and capacities as set: "
    "tests/selection/test_selection_settings.py",
    "templates/rif/detail.html": "a RIF's own seizure estimate, written by its author: tests/figures/test_formatting.py",
    "crms/audit/presenters.py": "numbers inside audit snapshots, formatted the European way: tests/audit/test_log_page.py",
    "crms/learning/labels.py": "the learning label of a history line (positive control), not a figure shown: "
    "tests/learning",
    "risk_engine/plain.py": "numbers inside hit explanations (the declaration's value, the criterion's threshold), "
    "rounded the European way: tests/risk_engine/test_explanations.py",
    "risk_engine/dataquality.py": "an item's value per kg or mass per package against its learned bounds, in the "
    "warning's words: tests/core/test_labels.py",
    "templates/analysis/hits.html": "the Commission's count of EU hits per Member State in its filter: "
    "tests/analysis/test_workspace.py",
    "workbench/case_forms.py": "reads amounts people type (parse_decimal), shows none: tests/core/test_parse_decimal.py",
    "rif/forms.py": "reads the seizure amounts people type (parse_decimal), shows none: tests/rif/test_rifs.py",
    "templates/workbench/_queue.html": "the queue's counts of the viewer's own open cases (grouped digits): "
    "tests/workbench/test_queue.py",
    "templates/backtests/_latest.html": "the latest backtest's summary, the same results as its report: "
    "tests/risk_engine/test_backtest.py",
    "templates/backtests/detail.html": "the backtest's period, as European days: tests/risk_engine/test_backtest.py",
    "risk_engine/views/backtests.py": "the backtest chart's day axis as European days: "
    "tests/risk_engine/test_backtest.py",
    "workbench/views/cases.py": "the case page's goods figures (one declaration's own masses and values): "
    "tests/browser/test_case_page.py",
    "crms/learning/pages.py": "a model's evaluation (precision, recall, lift) fixed at training: "
    "tests/learning/test_model_pages.py",
    "templates/learning/price_outliers.html": "price outliers: counts per Member State, values per kg, baselines "
    "and ratios, against hand-computed values in tests/learning/test_prices.py",
    "templates/learning/price_baselines.html": "the stored price baselines (medians, percentiles, item counts): "
    "tests/learning/test_prices.py",
    "templates/learning/_learned_score.html": "one declaration's learned score and percentile as the model gave "
    "them: tests/learning/test_live_scoring.py",
    "crms/learning/reasons.py": "the filing's own values and its parties' control counts inside a score's reasons: "
    "tests/learning/test_live_scoring.py",
    "templates/declarations/detail.html": "one declaration's own masses, values (EUR and the filed currency), EUR per "
    "kg and score as filed: tests/declarations/test_pages.py",
    "templates/learning/detail.html": "a model's training counts (controlled, irregular) fixed at training: "
    "tests/learning/test_model_pages.py",
    "crms/declarations/management/commands/partitions.py": "an operator's list of monthly partitions (estimated "
    "rows, MiB on disk) in a terminal: tests/declarations/test_partitions.py",
    "templates/backtests/_report.html": "the backtest's forecast per mode (its own hits per day over the period, the "
    "stated capacity, the hit ENS's control precision): tests/learning/test_capacity_selection.py",
}
DEFINITIONS = {
    "crms/core/figures.py",
    "crms/core/formatting.py",
    "crms/core/templatetags/figures.py",
}
USES = re.compile(
    r"from crms\.core\.(figures|formatting) import|from crms\.core import (figures|formatting)|"
    r"{%\s*load[^%]*\bfigures\b|\|figure\b"
)


def test_every_place_that_shows_figures_has_a_row():
    covered = {source for place in PLACES for source in place.sources} | set(ELSEWHERE) | DEFINITIONS
    users = set()
    for folder in ("crms", "indicators", "pca", "risk_engine", "rif", "workbench", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts and USES.search(path.read_text()):
                users.add(str(path.relative_to(ROOT)))
    assert users - covered == set(), "a place shows figures without a row in PLACES"
    assert {source for place in PLACES for source in place.sources} <= {
        str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
    }


def test_every_place_shows_the_hand_computed_figures(built):
    wrong = []
    for place in PLACES:
        for part, ok, shown in place.read(built):
            if not ok:
                wrong.append(f"{place.name} / {part}: {shown!r}")
    assert wrong == [], "\n".join(wrong)
