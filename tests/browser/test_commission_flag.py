"""The Commission flags a declaration in its analysis workspace; the responsible Member State's analyst
sees the note on the case page, and another Member State's analyst cannot open the workspace (issue 15
point 8)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion, screen_mrns
from workbench.models import Case

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"
NOTE = "Same consignor undervalues toys in three Member States: check the invoice."


def as_user(chromium, base_url: str, username: str):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, base_url, username, PASSWORD)
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_a_commission_flag_reaches_the_member_states_case(live_server, reference_data, chromium, screenshot):
    base = live_server.url
    make_user("eu_expert", "EU", "commission", password=PASSWORD)
    make_user("fr_officer", "FR", "analyst", password=PASSWORD)
    make_user("de_officer", "DE", "analyst", password=PASSWORD)
    publish_criterion(
        make_criterion("CRC-BR-FLAG", title="Toys (browser)"),
        make_user("flag-author", "EU", "commission"),
        make_user("flag-approver", "EU", "commission_approver"),
    )
    (mrn,) = file_bodies(make_user("fr-system", "FR", "national_system"), make_ens())
    screen_mrns(mrn)
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")

    # The Commission's expert finds the hit in the workspace, opens the declaration and flags it.
    context, page = as_user(chromium, base, "eu_expert")
    page.get_by_role("link", name="Commission analysis").first.click()
    page.locator("#analysis-hits").get_by_role("link", name=mrn).click()
    page.get_by_label("Note").fill(NOTE)
    page.get_by_role("button", name="Flag for FR").click()
    assert "Flagged for FR" in page.locator(".flash").inner_text()
    assert NOTE in page.locator("#commission-flags").inner_text()
    screenshot("commission-flag")
    context.close()

    # FR's analyst sees it on the case.
    context, page = as_user(chromium, base, "fr_officer")
    page.goto(f"{base}/workbench/cases/{case.pk}/")
    flags = page.locator("#flags")
    assert "Flagged by the Commission" in flags.inner_text() and NOTE in flags.inner_text()
    context.close()

    # Germany has no workspace.
    context, page = as_user(chromium, base, "de_officer")
    assert page.goto(f"{base}/analysis/").status == 403
    context.close()
