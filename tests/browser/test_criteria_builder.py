"""Build a criterion with nested groups in the browser, read it in plain language, save it."""

import pytest

from risk_engine.models import Criterion
from tests.browser.conftest import login
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def add_chip(leaf, text: str) -> None:
    chip_input = leaf.locator(".chip-input")
    chip_input.fill(text)
    chip_input.press("Enter")


def build_firearms_criterion(page, code: str) -> None:
    """HS 9303/9305 AND (route through AE OR consignor country TR), all through the UI."""
    page.fill("[name=code]", code)
    page.fill("[name=title]", "Firearm parts via hubs (browser)")
    page.select_option("[name=risk_area]", "firearms_weapons")
    page.fill("[name=weight]", "70")
    page.select_option("[name=outcome]", "control_recommended")
    root = page.locator("#condition > .group")
    first = root.locator(":scope > .children > .leaf").first
    add_chip(first, "9303")
    add_chip(first, "9305")
    root.locator(":scope > .group-head").get_by_role("button", name="+ group").click()
    group = root.locator(":scope > .children > .group")
    leaf = group.locator(".leaf").first
    leaf.get_by_label("Field").select_option("routing.countries")
    add_chip(group.locator(".leaf").first, "AE")
    group.locator(":scope > .group-head").get_by_role("button", name="+ condition").click()
    second = group.locator(".leaf").nth(1)
    second.get_by_label("Field").select_option("consignor.country")
    second = group.locator(".leaf").nth(1)
    second.get_by_label("Operator").select_option("eq")
    group.locator(".leaf").nth(1).get_by_label("Value").fill("TR")


def test_build_nested_criterion_see_plain_language_and_save(live_server, reference_data, page, screenshot):
    make_user("author", "EU", "commission_approver", password="browser-pass-1")
    login(page, live_server.url, "author", "browser-pass-1")
    page.goto(f"{live_server.url}/criteria/new/")
    build_firearms_criterion(page, "CRC-BR-001")
    expected = (
        "goods item HS code starts with 9303 or 9305, and (the route passes through AE, or consignor country is TR)"
    )
    page.wait_for_function(
        "text => document.querySelector('#plain-condition').textContent === text", arg=expected, timeout=10_000
    )
    assert page.locator("#errors li").count() == 0
    screenshot("criteria-builder")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"{live_server.url}/criteria/CRC-BR-001/")
    saved = Criterion.objects.get(code="CRC-BR-001").versions.get()
    assert saved.status == "draft"
    assert saved.condition == {
        "all": [
            {"field": "item.hs_code", "op": "starts_with", "value": ["9303", "9305"]},
            {
                "any": [
                    {"field": "routing.countries", "op": "any_in", "value": ["AE"]},
                    {"field": "consignor.country", "op": "eq", "value": "TR"},
                ]
            },
        ]
    }


def test_invalid_input_is_flagged_on_the_node(live_server, reference_data, page):
    make_user("author", "EU", "commission", password="browser-pass-1")
    login(page, live_server.url, "author", "browser-pass-1")
    page.goto(f"{live_server.url}/criteria/new/")
    leaf = page.locator("#condition .leaf").first
    leaf.get_by_label("Field").select_option("item.gross_mass_kg")
    page.locator("#condition .leaf").first.get_by_label("Operator").select_option("between")
    pair = page.locator("#condition .leaf").first.locator("input[type=number]")
    pair.nth(0).fill("50")
    pair.nth(1).fill("5")
    page.wait_for_selector("#condition .leaf.invalid", timeout=10_000)
    assert "low <= high" in page.locator("#errors").inner_text()
