"""The ICS2 referral loop end to end (contract 5) in Chromium, with a live server.

FR's analyst decides a request for information on a pre-loading hit; FR's national system finds the
referral over REST and answers it; the analyst sees the answer on the case (and "answered" in the queue's
referral panel), asks again, gets the second answer and closes the referral with a reason. The event feed
tells the national system each step.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion, screen_mrns
from workbench.models import Case, Referral

pytestmark = [pytest.mark.browser]

PASSWORD = "correct-horse-battery"


def call(base: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{base}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_analyst_refers_the_national_system_answers_over_rest_and_the_analyst_closes(
    live_server, reference_data, page, screenshot
):
    base = live_server.url
    make_user("fr_analyst", "FR", "analyst", PASSWORD)
    system = make_user("fr-system", "FR", "national_system")
    token = Token.objects.create(user=system).key
    publish_criterion(
        make_criterion("CRC-BR-REF", title="Toys by air (browser)", control_type="physical"),
        make_user("ref-author", "EU", "commission"),
        make_user("ref-approver", "EU", "commission_approver"),
    )
    (mrn,) = file_bodies(system, make_ens(place_of_unloading="NLRTM", countries_of_routing=["CN", "NL"]))
    screen_mrns(mrn)
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")
    assert case.pre_loading

    # --- FR's analyst refers the consignment before loading -------------------------------------------------------
    login(page, base, "fr_analyst", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/workbench/cases/{case.pk}/")
    form = page.locator("#decision-form")
    form.get_by_label("Action").select_option("request_for_information")
    form.get_by_label("Question to the filer").fill("Who is the final buyer of the toys, and their EORI?")
    form.get_by_role("button", name="Record decision").click()
    assert "Decision recorded: request for information." in page.locator(".flash").inner_text()
    section = page.locator("#referrals")
    assert "Open: awaiting the filer's answer" in section.inner_text()
    assert "Who is the final buyer of the toys, and their EORI?" in section.inner_text()
    screenshot("referral-opened")

    # --- the national system lists open referrals and answers ---------------------------------------------------
    status, listing = call(base, token, "GET", "/api/v1/referrals/?status=open")
    (referral,) = listing["results"]
    assert (referral["mrn"], referral["kind"], referral["requested_by_member_state"]) == (
        mrn,
        "request_for_information",
        "FR",
    )
    assert referral["question"] == "Who is the final buyer of the toys, and their EORI?"
    answer = {"kind": "additional_information", "text": "Buyer: Jouets Martin SARL, EORI FR123456789012."}
    status, answered = call(base, token, "POST", f"/api/v1/referrals/{referral['id']}/answers/", answer)
    assert status == 201 and answered["status"] == "answered"

    # --- the analyst sees the answer (queue panel, case), asks again, then closes ------------------------------------
    page.goto(f"{base}/workbench/")
    panel = page.locator(f"#queue-referral-{referral['id']}")
    assert "answered: close or ask again" in panel.inner_text()
    panel.get_by_role("link", name=mrn).click()
    section = page.locator("#referrals")
    assert "Buyer: Jouets Martin SARL, EORI FR123456789012." in section.inner_text()
    assert "Answered: awaiting the analyst" in section.inner_text()
    screenshot("referral-answered")
    ask = section.locator("form.referral-ask-again")
    ask.get_by_label("New question").fill("Send the commercial invoice number, please.")
    ask.get_by_role("button", name="Ask again").click()
    assert "Asked again" in page.locator(".flash").inner_text()
    assert "Round 2" in page.locator("#referrals").inner_text()

    status, listing = call(base, token, "GET", "/api/v1/referrals/?status=open")
    assert listing["results"][0]["question"] == "Send the commercial invoice number, please."
    second = {"kind": "additional_information", "text": "Invoice INV-2026-0042."}
    call(base, token, "POST", f"/api/v1/referrals/{referral['id']}/answers/", second)

    page.reload()
    section = page.locator("#referrals")
    assert "Invoice INV-2026-0042." in section.inner_text()
    close = section.locator("form.referral-close")
    close.get_by_label("Reason for closing").fill("Buyer and invoice check out; load as planned.")
    close.get_by_role("button", name="Close referral").click()
    assert "Referral closed." in page.locator(".flash").inner_text()
    section = page.locator("#referrals")
    assert "Closed" in section.locator(f"#referral-status-{referral['id']}").inner_text()
    assert "Buyer and invoice check out; load as planned." in section.inner_text()
    assert section.locator("form").count() == 0
    screenshot("referral-closed")

    # --- REST agrees, and the national system's feed told it each step --------------------------------------------
    status, final = call(base, token, "GET", f"/api/v1/referrals/{referral['id']}/")
    assert final["status"] == "closed" and [a["round"] for a in final["answers"]] == [1, 2]
    status, feed = call(base, token, "GET", "/api/v1/events/?types=referral.opened,referral.answered,referral.closed")
    assert [(e["type"], e["data"]["round"]) for e in feed["results"]] == [
        ("referral.opened", 1),
        ("referral.answered", 1),
        ("referral.opened", 2),
        ("referral.answered", 2),
        ("referral.closed", 2),
    ]
    assert Referral.objects.get().closed_by.username == "fr_analyst"
