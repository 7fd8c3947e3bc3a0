"""The readable audit log in Chromium (issue 14): an auditor filters by object and user and reads the
change as before/after rows; the criterion page's History section lists the same entries."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
CODE = "CRC-BR-AUDIT"


def test_auditor_filters_the_log_and_reads_the_history_tab(live_server, reference_data, page, screenshot):
    author = make_user("br_author", "EU", "commission")
    publish_criterion(make_criterion(CODE), author, make_user("br_approver", "EU", "commission_approver"))
    make_user("br_auditor", "EU", "auditor", password=PASSWORD)
    base = live_server.url

    login(page, base, "br_auditor", PASSWORD)
    page.goto(f"{base}/audit/")
    page.get_by_label("Object", exact=True).fill(CODE)
    page.get_by_label("User", exact=True).fill("br_approver")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit-log > tbody > tr")
    assert rows.count() == 1
    assert "Criterion: published" in rows.first.inner_text()
    change = rows.first.locator("table.changes")
    assert change.locator("th", has_text="status").count() >= 1
    assert "{'" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot("audit-log-filtered")

    page.goto(f"{base}/criteria/{CODE}/")
    history = page.locator("#history")
    assert history.get_by_role("heading", name="History").is_visible()
    assert history.locator("table.audit-log > tbody > tr").count() >= 3  # created, submitted, approved
    screenshot("criterion-history")

    page.goto(f"{base}/audit/?from=2026-13-01")
    assert "from:" in page.content()
