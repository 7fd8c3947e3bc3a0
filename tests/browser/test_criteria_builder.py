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


def test_the_price_deviation_field_is_offered_with_its_label(live_server, reference_data, page):
    """Issue 16 point 5: the builder reads the catalogue, so the goods item's price against its baseline is a
    goods-item field with a label people read, and the preview says it in words."""
    make_user("author", "EU", "commission", password="browser-pass-1")
    login(page, live_server.url, "author", "browser-pass-1")
    page.goto(f"{live_server.url}/criteria/new/")
    field = page.locator("#condition .leaf").first.get_by_label("Field")
    option = field.locator("optgroup[label='Goods item'] option[value='item.price_deviation']")
    assert option.inner_text() == "goods item price (x the baseline)"
    field.select_option("item.price_deviation")
    page.locator("#condition .leaf").first.get_by_label("Operator").select_option("lt")
    page.locator("#condition .leaf").first.get_by_label("Value").fill("0.2")
    expected = "goods item price (x the baseline) is less than 0,2"  # European, as every page writes numbers
    page.wait_for_function(
        "text => document.querySelector('#plain-condition').textContent === text", arg=expected, timeout=10_000
    )
    assert page.locator("#condition .leaf.invalid").count() == 0  # (the empty code and title are refused)


def _post_ens(base_url: str, token: str) -> str:
    import copy
    import datetime as dt
    import json
    import urllib.request

    from crms.declarations.api_docs import EXAMPLE_ENS

    body = copy.deepcopy(EXAMPLE_ENS)
    body["lrn"] = "BROWSER-FA-1"
    body["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)).isoformat()
    body["goods_items"][0] |= {"hs_code": "930320", "description": "hunting shotgun"}
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{base_url}/api/v1/declarations/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())["mrn"]


@pytest.mark.worker
def test_build_submit_four_eyes_approve_and_see_hits(
    live_server, reference_data, celery_worker_process, page, screenshot
):
    from rest_framework.authtoken.models import Token

    make_user("author", "EU", "commission_approver", password="browser-pass-1")
    make_user("second", "EU", "commission_approver", password="browser-pass-1")
    token = Token.objects.create(user=make_user("fr-system", "FR", "national_system")).key

    login(page, live_server.url, "author", "browser-pass-1")
    page.goto(f"{live_server.url}/criteria/new/")
    build_firearms_criterion(page, "CRC-BR-002")
    page.wait_for_function("() => document.querySelector('#plain-condition').textContent.includes('9303 or 9305')")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"{live_server.url}/criteria/CRC-BR-002/")
    assert "goods item HS code starts with 9303 or 9305" in page.locator("#plain-condition").inner_text()

    page.get_by_label("Comment for the record").fill("Ready for review")
    page.get_by_role("button", name="Submit for approval").click()
    # Four-eyes: who wrote the version is not offered the approval (the service would refuse it too).
    assert "Four-eyes rule" in page.locator("#four-eyes-note").inner_text()
    assert page.get_by_role("button", name="Approve and publish").count() == 0
    assert Criterion.objects.get(code="CRC-BR-002").versions.get().status == "submitted"

    page.get_by_role("button", name="Log out").click()
    login(page, live_server.url, "second", "browser-pass-1")
    page.goto(f"{live_server.url}/criteria/CRC-BR-002/")
    page.get_by_label("Comment for the record").fill("Checked: four eyes")
    page.get_by_role("button", name="Approve and publish").click()
    assert "Published." in page.locator(".flash").inner_text()
    assert "Checked: four eyes" in page.locator("main").inner_text()  # the comment is in the audit trail
    screenshot("criterion-published")

    mrn = _post_ens(live_server.url, token)
    for _ in range(60):  # the worker screens it (and re-screens open ENS after publishing)
        page.goto(f"{live_server.url}/declarations/{mrn}/")
        if "CRC-BR-002" in page.locator("main").inner_text():
            break
        page.wait_for_timeout(500)
    assert "CRC-BR-002" in page.locator("main").inner_text()
    screenshot("declaration-with-hit")


def test_a_fresh_form_lists_no_problems_until_a_field_is_touched_or_a_save_tried(live_server, reference_data, page):
    """Adversarial probe, 7 December: an untouched builder listed "code: ..." and "title: ..." as errors."""
    make_user("author", "EU", "commission", password="browser-pass-1")
    login(page, live_server.url, "author", "browser-pass-1")
    page.goto(f"{live_server.url}/criteria/new/")
    page.locator("#condition .leaf").first.get_by_label("Field").select_option("item.gross_mass_kg")
    page.locator("#condition .leaf").first.get_by_label("Operator").select_option("gt")
    page.locator("#condition .leaf").first.get_by_label("Value").fill("1000")
    page.wait_for_function("() => document.querySelector('#plain-condition').textContent.includes('000')")
    assert page.locator("#errors li").count() == 0  # code and title are empty, but nobody has touched them yet
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("#errors li", timeout=10_000)
    problems = page.locator("#errors").inner_text()
    assert "code" in problems and "title" in problems and "should match pattern" not in problems
