"""The header's search box in Chromium (issue 14): an analyst types a party name with a typo, then an MRN
prefix, reads the results grouped by kind and follows a result to its page; nothing overflows at 1366."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_ens, make_item

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
ACME = "ACME Trading GmbH"


def _file_acme() -> str:
    body = make_ens(goods_items=[make_item(1, container="MSCU1234565")])
    body["consignor"] = {**body["consignor"], "name": ACME, "eori": "DE998877665544"}
    (mrn,) = file_bodies(make_user("br_fr_system", "FR", "national_system"), body)
    return mrn


def test_analyst_searches_from_the_header(live_server, reference_data, page, screenshot):
    mrn = _file_acme()
    make_user("br_fr_analyst", "FR", "analyst", password=PASSWORD)
    make_user("br_de_analyst", "DE", "analyst", password=PASSWORD)
    base = live_server.url

    login(page, base, "br_fr_analyst", PASSWORD)
    box = page.get_by_role("searchbox", name="Search everything")
    box.fill("Acme Tradng")
    box.press("Enter")
    page.wait_for_url("**/search/?q=Acme+Tradng")
    parties = page.locator("#search-party")
    assert parties.get_by_role("heading", name="Parties").is_visible()
    assert page.get_by_role("searchbox", name="Search everything").input_value() == "Acme Tradng"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot("search-party-typo")
    parties.get_by_role("link", name=ACME).click()
    page.wait_for_url("**/declarations/?party=DE998877665544")
    assert page.get_by_role("link", name=mrn).is_visible()

    box = page.get_by_role("searchbox", name="Search everything")
    box.fill(mrn[:8].lower())
    box.press("Enter")
    declarations = page.locator("#search-declaration")
    assert declarations.get_by_role("heading", name="Declarations").is_visible()
    screenshot("search-mrn-prefix")
    declarations.get_by_role("link", name=mrn).click()
    page.wait_for_url(f"**/declarations/{mrn}/")

    page.get_by_role("searchbox", name="Search everything").fill("x")
    page.get_by_role("searchbox", name="Search everything").press("Enter")
    assert "Type at least 2 characters" in page.locator("#search-q-error").inner_text()

    page.get_by_role("button", name="Log out").click()
    login(page, base, "br_de_analyst", PASSWORD)
    page.goto(f"{base}/search/?q=Acme+Tradng")
    assert page.locator("#search-party").count() == 0
    assert "Nothing you may open matches" in page.locator("#search-empty").inner_text()
