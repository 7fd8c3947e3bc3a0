"""The risk model page in Chromium under an en-GB browser: the charts' ticks are written the European way
(0,1 ... 0,9 and "40 %", not 0.1 or 40), every one of the feature-importance bars has its label (Chart.js
skips every other one by default) and the importance axis says "%"."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, login
from tests.learning.conftest import history  # noqa: F401 - 300 FR and 100 NL history lines
from tests.learning.test_models import VALIDATE, train

pytestmark = pytest.mark.browser


def test_the_model_charts_read_the_european_way_in_an_english_browser(
    live_server,
    reference_data,
    history,  # noqa: F811 - the fixture imported above
    chromium,
):
    model = train("--member-state", "FR", *VALIDATE)
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="en-GB")
    page = context.new_page()
    try:
        login(page, live_server.url, history["fr_risk_manager"].username, "correct-horse-battery")
        page.goto(f"{live_server.url}/models/{model.pk}/")
        page.wait_for_function("document.querySelectorAll('canvas[data-model-chart][data-drawn]').length === 4")
        ticks = page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('canvas[data-model-chart]')].map(c => {
                const chart = Chart.getChart(c);
                const horizontal = chart.options.indexAxis === 'y';
                const value = chart.scales[horizontal ? 'x' : 'y'], category = chart.scales[horizontal ? 'y' : 'x'];
                return [c.dataset.modelChart, {
                    values: value.ticks.map(t => String(t.label)),
                    categories: category.ticks.length, labels: chart.data.labels.length,
                    title: value.options.title.display ? value.options.title.text : '',
                }];
            }))"""
        )
        assert navigator_language(page) == "en-GB"
        weekly = ticks["weekly"]["values"]
        assert any("," in tick for tick in weekly) and not any("." in tick for tick in weekly), weekly
        assert all(tick.endswith("\u00a0%") for tick in ticks["curve"]["values"]), ticks["curve"]
        importance = ticks["importance"]
        assert importance["categories"] == importance["labels"] > 1  # every bar labelled
        assert all(tick.endswith("\u00a0%") for tick in importance["values"]) and "%" in importance["title"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "model-charts-en-gb.png"), full_page=True)
    finally:
        context.close()


def navigator_language(page) -> str:
    return page.evaluate("() => navigator.language")
