"""Keyboard-only triage of the hit queue in Chromium (issue 14): j/k move the selection, which survives
the live refresh; c claims; d opens the case at the decision form, with the keyboard in it; the decision
opens the next case of the same queue. No mouse click anywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion, screen_mrns
from workbench.models import Case

pytestmark = [pytest.mark.browser]

PASSWORD = "correct-horse-battery"


def arrival(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat()


def selected_row(page) -> str:
    return page.locator("table.queue tbody tr.selected").get_attribute("id")


def test_keyboard_only_triage(live_server, reference_data, page, screenshot, settings):
    settings.QUEUE_REFRESH_SECONDS = 2  # the live server reads it per request
    base = live_server.url
    make_user("fr_analyst", "FR", "analyst", PASSWORD)
    system = make_user("fr-kb-system", "FR", "national_system")
    publish_criterion(
        make_criterion("CRC-BR-KEYS", title="Toys by air (keyboard)", control_type="physical"),
        make_user("kb-author", "EU", "commission"),
        make_user("kb-approver", "EU", "commission_approver"),
    )
    mrns = file_bodies(
        system,
        *(
            make_ens(place_of_unloading="NLRTM", countries_of_routing=["CN", "NL"], expected_arrival=arrival(hours))
            for hours in (3, 5, 7)
        ),
    )
    screen_mrns(*mrns)
    cases = [Case.objects.get(declaration__mrn=mrn, member_state_id="FR") for mrn in mrns]
    rows = [f"case-row-{case.pk}" for case in cases]  # urgency order: the earliest arrival first

    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("fr_analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/workbench/")
    page.locator("body").focus()

    page.keyboard.press("j")
    assert selected_row(page) == rows[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stops at the last row
    assert selected_row(page) == rows[2]
    page.keyboard.press("k")
    assert selected_row(page) == rows[1]
    screenshot("queue-keyboard-selected")

    # the live refresh replaces the rows; the selection stays on the same case
    stamp = page.locator(".queue-counts small.muted").inner_text()
    page.wait_for_function(
        "stamp => document.querySelector('.queue-counts small.muted').innerText !== stamp", arg=stamp, timeout=15_000
    )
    assert selected_row(page) == rows[1]

    # c claims the selected case and opens it
    page.keyboard.press("c")
    page.wait_for_url(re.compile(rf".*/workbench/cases/{cases[1].pk}/\?queue="))
    assert "You hold this case." in page.locator(".flash").inner_text()
    cases[1].refresh_from_db()
    assert cases[1].claimed_by.username == "fr_analyst"

    # back to the queue; d on the claimed case opens its decision form with the keyboard in it
    page.goto(f"{base}/workbench/")
    page.locator("body").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert selected_row(page) == rows[1]
    page.keyboard.press("d")
    page.wait_for_url(re.compile(rf".*/workbench/cases/{cases[1].pk}/\?queue=#decision"))
    assert page.evaluate("document.activeElement.name") == "action"
    page.keyboard.press("Tab")  # control type: physical, preselected from the criterion
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "control_place"
    page.locator("#decision-form select[name=control_place]").select_option("border")
    page.keyboard.press("Tab")
    page.keyboard.type("Scan at the border")
    screenshot("queue-keyboard-decision")
    page.locator("#decision-form button[type=submit]").focus()
    page.keyboard.press("Enter")

    # the next case of the queue opens: the most urgent one left
    page.wait_for_url(re.compile(rf".*/workbench/cases/{cases[0].pk}/\?queue="))
    flash = page.locator(".flash").inner_text()
    assert "Decision recorded" in flash and f"Next case: {mrns[0]}" in flash
    screenshot("queue-keyboard-next-case")
    cases[1].refresh_from_db()
    assert cases[1].state == "decided"
