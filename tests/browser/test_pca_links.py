"""No silent switch-off, in Chromium (issue 12, point 4): the Commission designates a PCA linking a
published criterion; the form states what linking does and asks for confirmation; the PCA page shows
the last day as typed; the criterion page says the criterion runs only within the period, and why it
is not running now."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from pca.models import PriorityControlArea
from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
CODE = "CRC-BR-PCA"


def test_linking_asks_for_confirmation_and_the_criterion_page_says_why_it_does_not_run(
    live_server, reference_data, page, screenshot
):
    commission = make_user("br_commission", "EU", "commission", password=PASSWORD)
    publish_criterion(make_criterion(CODE), commission, make_user("br_approver", "EU", "commission_approver"))
    make_user("br_fr_analyst", "FR", "analyst", password=PASSWORD)
    base = live_server.url
    first = timezone.now().date() + dt.timedelta(days=40)
    last = dt.date(first.year, 2, 28)  # the example: a last day of 28 February, shown as typed
    if last < first:
        last = dt.date(first.year + 1, 2, 28)

    login(page, base, "br_commission", PASSWORD)
    page.goto(f"{base}/pca/new/")
    page.fill("[name=title]", "Unsafe toys before the carnival")
    page.select_option("[name=risk_area]", "product_safety")
    page.fill("[name=starts_on]", first.isoformat())
    page.fill("[name=ends_on]", last.isoformat())
    page.fill("[name=hs_codes]", "9503")
    page.fill("[name=criteria]", CODE)
    page.check("input[name=participants][value=FR]")
    page.check("input[name=participants][value=DE]")
    page.get_by_role("button", name="Designate").click()

    # Nothing is designated yet: the form states the consequence and asks.
    confirm = page.locator("#pca-confirm")
    confirm.wait_for()
    text = confirm.inner_text()
    assert f"only from {first:%d/%m/%Y} to {last:%d/%m/%Y} (UTC days, both included)" in text
    assert f"{CODE} Test criterion {CODE}: screens every ENS today; it stops now and runs again only from" in text
    assert not PriorityControlArea.objects.exists()
    screenshot("pca-link-confirmation")
    page.get_by_role("button", name="Confirm and designate").click()
    page.wait_for_selector("#pca-period")
    pca = PriorityControlArea.objects.get()
    assert page.url == f"{base}/pca/{pca.pk}/"
    assert page.locator("#pca-period").inner_text() == f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"  # noqa: RUF001

    # An analyst reads the criterion page: linked, not running now, and why.
    page.context.clear_cookies()
    login(page, base, "br_fr_analyst", PASSWORD)
    page.goto(f"{base}/criteria/{CODE}/")
    section = page.locator("#criterion-campaign")
    assert section.get_by_role("heading").inner_text() == "Not running now: linked to a priority control area"
    text = re.sub(r"\s+", " ", section.inner_text())
    assert "screens declarations only within the period of a linked PCA (UTC days, both included)" in text
    assert f"{pca.reference} Unsafe toys before the carnival, {first:%d/%m/%Y} – {last:%d/%m/%Y}" in text  # noqa: RUF001
    assert f"not running, before the period: its first day is {first:%d/%m/%Y}" in text
    screenshot("criterion-page-pca-restriction")
    section.get_by_role("link", name=pca.reference).click()
    page.wait_for_url(f"{base}/pca/{pca.pk}/")
