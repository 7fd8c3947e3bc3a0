"""Criteria approval like RIFs, in Chromium (issue 14): the approver opens a submitted second version
from the worklist, follows the link to what changed since the published version, and returns it with a
comment; the author finds it on the home page with the comment and reads it on the criterion page."""

from __future__ import annotations

import pytest

from risk_engine import services
from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
CODE = "CRC-BR-SEND"


def test_approver_returns_from_the_worklist_and_the_author_reads_why(live_server, reference_data, chromium):
    author = make_user("br_sb_author", "EU", "commission", password=PASSWORD)
    approver = make_user("br_sb_approver", "EU", "commission_approver", password=PASSWORD)
    criterion = publish_criterion(make_criterion(CODE), author, approver)
    services.update_criterion(actor=author, criterion=criterion, data=make_criterion(CODE, weight=75))
    services.submit_criterion(actor=author, criterion=criterion)
    base = live_server.url

    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    login(page, base, "br_sb_approver", PASSWORD)
    page.goto(f"{base}/")
    page.locator("#worklist-approvals").get_by_role("link", name=f"Criterion {CODE} v2").click()
    page.wait_for_url(f"**/criteria/{CODE}/")
    page.locator("#changes-since-published a").click()
    page.wait_for_url("**/diff/?a=1&b=2")
    assert "weight" in page.content().lower()
    page.go_back()
    page.get_by_label("Comment for the record").fill("A weight of 75 needs evidence")
    page.get_by_role("button", name="Return to the authors").click()
    page.wait_for_url(f"**/criteria/{CODE}/")
    assert "Returned to the authors" in page.locator(".flash").first.inner_text()
    page.screenshot(path=str(_artifact("criteria-returned-approver")), full_page=True)
    context.close()

    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    login(page, base, "br_sb_author", PASSWORD)
    page.goto(f"{base}/")
    returned = page.locator("#worklist-returned")
    assert "A weight of 75 needs evidence" in returned.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(_artifact("worklist-returned-author")), full_page=True)
    returned.get_by_role("link", name=f"Criterion {CODE} v2").click()
    assert "A weight of 75 needs evidence" in page.locator("#sent-back").inner_text()
    context.close()


def _artifact(name: str):
    from tests.browser_support import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
