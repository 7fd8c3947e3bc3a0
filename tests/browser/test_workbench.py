"""Issue 6 end to end in Chromium, with a live server and a real Celery worker.

FR's analyst sees the engine's hit in the queue, opens the case, reads why it fired and decides a
control at the place of unloading in NL; NL's analyst finds it in the NL queue and records a
seizure; the criterion's precision changes; DE's analyst sees none of it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from crms.declarations.api_docs import EXAMPLE_ENS
from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion, settle_worker, wait_for
from workbench.models import Case, ControlResult

pytestmark = [pytest.mark.browser, pytest.mark.worker]

PASSWORD = "correct-horse-battery"
CODE = "CRC-BR-WB"


def file_ens(base_url: str, token: str) -> str:
    body = copy.deepcopy(EXAMPLE_ENS)
    body["lrn"] = "BROWSER-WB-1"
    body["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).isoformat()
    body["place_of_unloading"] = "NLRTM"
    body["countries_of_routing"] = ["CN", "AE", "NL"]
    body["goods_items"][0] |= {"description": "plastic toy cars, battery powered"}
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{base_url}/api/v1/declarations/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())["mrn"]


def log_out(page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login/.*"))


def precision(page, base_url: str) -> str:
    """The EU total precision in the criterion's feedback panel (the criterion page does not embed it yet)."""
    page.goto(f"{base_url}/workbench/feedback/{CODE}/")
    return page.locator("#precision-total").inner_text().strip()


def test_fr_forwards_a_control_to_nl_which_records_a_seizure_and_de_sees_nothing(
    live_server, reference_data, celery_worker_process, page, screenshot
):
    base = live_server.url
    for name, org in (("fr_analyst", "FR"), ("nl_analyst", "NL"), ("de_analyst", "DE")):
        make_user(name, org, "analyst")
    token = Token.objects.create(user=make_user("fr-system", "FR", "national_system")).key
    settle_worker()
    publish_criterion(
        make_criterion(CODE, title="Toys with batteries (browser)", control_type="physical", condition={"all": [
            {"field": "item.hs_code", "op": "starts_with", "value": ["9503"]},
            {"field": "item.description", "op": "contains_any", "value": ["battery"]},
        ]}),
        make_user("br-author", "EU", "commission"),
        make_user("br-approver", "EU", "commission_approver"),
    )  # fmt: skip
    settle_worker()  # the worker re-reads its criteria; the re-screening asked for by publishing has run
    mrn = file_ens(base, token)
    assert wait_for(lambda: Case.objects.filter(declaration__mrn=mrn, member_state_id="FR").exists(), timeout=60), (
        "the worker did not screen the ENS into FR's queue"
    )
    fr_case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")

    # --- FR: the queue, the case, the decision -----------------------------------------------------------------
    login(page, base, "fr_analyst", PASSWORD)
    page.wait_for_url(f"{base}/")
    assert precision(page, base) == "—"
    page.goto(f"{base}/workbench/")
    row = page.locator("table.queue tbody tr", has_text=mrn)
    assert row.count() == 1
    assert "Control recommended" in row.inner_text() and CODE in row.inner_text()
    assert page.locator("#count-total").inner_text() == "1"
    screenshot("workbench-queue-fr")

    row.get_by_role("link", name=mrn).click()
    page.wait_for_url(re.compile(rf".*/workbench/cases/{fr_case.pk}/(\?.*)?$"))
    explanation = page.locator("ul.explanation").inner_text()
    assert "goods item 1 HS code is 950300, starting with 9503" in explanation  # words, not item.hs_code
    assert "goods description of item 1 is “plastic toy cars, battery powered”, containing “battery”" in explanation
    assert page.locator("table.items td.fired").count() == 2  # the HS code and the description of item 1
    page.locator("#claim-button").click()
    assert "You hold this case." in page.locator(".flash").inner_text()
    screenshot("workbench-case-fr")

    form = page.locator("#decision-form")
    form.get_by_label("Action").select_option("control")
    form.get_by_label("Control type").select_option("physical")
    form.get_by_label("Where").select_option("place_of_unloading")
    form.get_by_label("Reason or note").fill("Open the container in Rotterdam: battery toys from a new consignor")
    form.get_by_role("button", name="Record decision").click()
    flash = page.locator(".flash").inner_text()
    assert "Decision recorded: control recommended." in flash and "Forwarded to NL" in flash
    assert page.locator("#decision-form").count() == 0
    screenshot("workbench-case-fr-decided")
    page.goto(f"{base}/workbench/")
    assert page.locator("table.queue tbody tr", has_text=mrn).count() == 0
    log_out(page, base)

    # --- NL: the forwarded case and the seizure ------------------------------------------------------------------
    login(page, base, "nl_analyst", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/workbench/")
    row = page.locator("table.queue tbody tr", has_text=mrn)
    assert row.count() == 1 and "forwarded" in row.inner_text()
    screenshot("workbench-queue-nl")
    row.get_by_role("link", name=mrn).click()
    assert "by FR (fr_analyst" in page.locator("hgroup").inner_text()
    form = page.locator("#control-form")
    form.locator("[name=control_type]").select_option("physical")
    form.locator("[name=result]").select_option("seizure")
    form.locator("[name=irregularity_type]").select_option("ipr")
    form.get_by_label("Seized goods").fill("counterfeit battery toy cars")
    form.get_by_label("Quantity").fill("40")
    form.get_by_label("Unit").fill("pieces")
    form.get_by_label("Estimated value (EUR)").fill("800")
    form.get_by_role("button", name="Record control result").click()
    assert "Control result recorded." in page.locator(".flash").inner_text()
    seized = "Seized: counterfeit battery toy cars, 40 pieces, estimated value EUR\u00a0800,00"
    assert seized in page.locator("#controls").inner_text()
    screenshot("workbench-case-nl-seizure")
    result = ControlResult.objects.get(declaration__mrn=mrn)
    assert (result.member_state_id, result.result, result.decision) == ("NL", "seizure", fr_case.decision)

    # --- the feedback loop: precision moved from nothing controlled to 100 % ----------------------------------------
    assert precision(page, base) == "100,0\u00a0%"
    screenshot("workbench-feedback-nl")
    log_out(page, base)

    # --- DE: nothing ----------------------------------------------------------------------------------------------
    login(page, base, "de_analyst", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/workbench/")
    assert page.locator("#count-total").inner_text() == "0"
    assert mrn not in page.locator("main").inner_text()
    assert "No open hits" in page.locator("table.queue").inner_text()
    screenshot("workbench-queue-de")
    nl_case = Case.objects.get(declaration__mrn=mrn, member_state_id="NL")
    for case in (fr_case, nl_case):
        response = page.goto(f"{base}/workbench/cases/{case.pk}/")
        assert response.status == 404
    assert page.goto(f"{base}/declarations/{mrn}/").status == 404
