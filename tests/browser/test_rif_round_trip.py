"""The RIF round trip in the browser: NL authors, the NL risk manager approves, FR and DE receive it,
FR turns it into a national profile and posts feedback linking it, the overdue report shows DE."""

import pytest

from rif.models import Rif
from risk_engine.models import Criterion
from tests.browser.conftest import login
from tests.conftest import make_user

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"


def as_user(chromium, base_url: str, username: str):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, base_url, username, PASSWORD)
    return context, page


def test_rif_round_trip(live_server, reference_data, chromium, settings):
    for name, org, role in (
        ("nl_author", "NL", "analyst"),
        ("nl_manager", "NL", "risk_manager"),
        ("fr_officer", "FR", "analyst"),
        ("de_officer", "DE", "analyst"),
    ):
        make_user(name, org, role, password=PASSWORD)
    base = live_server.url

    # NL authors the RIF and submits it.
    context, page = as_user(chromium, base, "nl_author")
    page.goto(f"{base}/rif/new/")
    page.select_option("[name=risk_area]", "product_safety")
    page.fill("[name=title]", "Counterfeit toys via express from CN")
    page.fill("[name=summary]", "Express parcels of toys with forged CE markings, routed via Hong Kong.")
    page.fill("[name=goods]", "950300 plastic toy cars")
    page.fill("[name=routing]", "CN, HK")
    page.fill("[name=parties]", "consignor; Shenzhen Bright Trading Co; ; CN")
    page.select_option("[name=transport_mode]", "express")
    page.check("input[name=recipients][value=FR]")
    page.check("input[name=recipients][value=DE]")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("#rif-status")
    rif = Rif.objects.get()
    assert page.url == f"{base}/rif/{rif.reference}/"
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_selector("text=Submitted for approval")
    context.close()

    # The NL risk manager approves (four-eyes) and publishes it to FR and DE.
    context, page = as_user(chromium, base, "nl_manager")
    page.goto(f"{base}/rif/{rif.reference}/")
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_selector("text=Approved and published")
    assert page.locator("#rif-status").inner_text() == "Published"
    context.close()

    # DE receives it in its inbox.
    context, page = as_user(chromium, base, "de_officer")
    page.goto(f"{base}/rif/")
    assert rif.reference in page.locator("#rif-inbox").inner_text()
    assert page.locator("#rif-badge").is_visible()
    context.close()

    # FR receives it, turns it into a national profile, and posts feedback linking that profile.
    context, page = as_user(chromium, base, "fr_officer")
    page.goto(f"{base}/rif/")
    page.locator("#rif-inbox").get_by_role("link", name=rif.reference).click()
    page.get_by_role("button", name="Turn into a national profile").click()
    code = f"FR-RIF-{rif.pk}"
    page.wait_for_url(f"{base}/criteria/{code}/edit/")
    profile = Criterion.objects.get(code=code)
    assert profile.owner_id == "FR" and profile.versions.get().status == "draft"
    page.goto(f"{base}/rif/{rif.reference}/")
    form = page.locator("#feedback-form")
    form.get_by_label("Relevance").select_option("high")
    form.get_by_label("National risk profile created").check()
    form.get_by_label("National profile created or tuned").select_option(code)
    form.get_by_label("Results").fill("Profile live for express from HK.")
    form.get_by_role("button", name="Post feedback").click()
    page.wait_for_selector("text=Feedback posted.")
    assert page.locator("#feedback-list .feedback-criterion").inner_text() == code
    context.close()

    # Follow-up after 0 days: DE has not responded, FR has.
    settings.RIF_FOLLOW_UP_DAYS = 0
    context, page = as_user(chromium, base, "nl_author")
    page.goto(f"{base}/rif/follow-up/")
    overdue = page.locator("#overdue-table .overdue-recipient").all_inner_texts()
    assert overdue == ["DE"]
    page.goto(f"{base}/rif/{rif.reference}/")
    assert code in page.locator("#feedback-list").inner_text()
    context.close()
