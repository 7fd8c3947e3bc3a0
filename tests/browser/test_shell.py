import pytest

from tests.browser.conftest import login
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def test_login_home_and_reference_browsing(live_server, reference_data, page, screenshot):
    make_user("fr_analyst", "FR", "analyst", password="browser-pass-1")
    login(page, live_server.url, "fr_analyst", "browser-pass-1")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".org-badge").inner_text() == "FR"
    assert "Risk analyst" in page.locator("main").inner_text()
    screenshot("home-fr-analyst")

    # Keyboard: "/" focuses the search box; typing searches live through htmx.
    page.goto(f"{live_server.url}/reference/hs/")
    page.keyboard.press("/")
    page.keyboard.type("9303")
    page.wait_for_selector("text=930320")
    screenshot("hs-search")


def test_uk_user_sees_refusal(live_server, reference_data, page):
    make_user("gb_analyst", "GB", "analyst", password="browser-pass-1")
    login(page, live_server.url, "gb_analyst", "browser-pass-1")
    assert page.get_by_role("alert").inner_text().startswith("This account's organisation no longer participates")
