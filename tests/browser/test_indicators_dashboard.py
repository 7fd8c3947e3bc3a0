"""The indicators dashboard in Chromium: the headline figures and the three trend charts render."""

import pytest

from tests.browser.conftest import login
from tests.conftest import make_user
from tests.indicators.test_figures import dataset, period  # noqa: F401 - the hand-computed dataset
from tests.risk_engine.conftest import _fresh_engine_caches  # noqa: F401

pytestmark = pytest.mark.browser


def test_dashboard_renders_figures_and_charts(live_server, reference_data, dataset, page, screenshot):  # noqa: F811
    make_user("ix-viewer", "FR", "analyst", password="browser-pass-1")
    login(page, live_server.url, "ix-viewer", "browser-pass-1")
    page.goto(f"{live_server.url}/indicators/?from={period().day_from}&to={period().day_to}")
    page.wait_for_function(
        "document.querySelectorAll('canvas[data-indicator-chart][data-drawn]').length === 3"
        " && window.Chart && Object.keys(Chart.instances).length === 3"
    )
    # Charts really drew: each canvas has non-blank pixels.
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-indicator-chart]')].map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
            return ink; })"""
    )
    assert all(ink > 500 for ink in drawn), drawn
    headline = page.locator(".cards.headline").inner_text()
    assert "ENS received" in headline and "4" in headline
    assert page.locator("#table-hits").get_by_text("CRC-IX-TOY").first.is_visible()
    assert page.locator("#table-hits").get_by_text("50,0\u00a0%").first.is_visible()
    assert "NL" not in page.locator("#table-ens tbody").inner_text().split()  # FR sees its rows and EU totals
    screenshot("indicators-dashboard")
