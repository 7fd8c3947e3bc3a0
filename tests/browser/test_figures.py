"""Issue 12 in Chromium: a seizure recorded on a hit case reads the same on the case, the criterion page
(feedback and evaluation), the feedback panel, the PCA page and the indicators dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from indicators import services as indicators
from pca import services as pca_services
from risk_engine.compiler import forget_compiled_criteria
from tests.browser.conftest import login
from tests.conftest import make_user
from tests.risk_engine.conftest import (  # noqa: F401 - engine caches
    _fresh_engine_caches,
    file_bodies,
    make_criterion,
    make_ens,
    publish_criterion,
    screen_mrns,
)
from workbench import services as workbench
from workbench.models import Case

pytestmark = pytest.mark.browser

CODE = "CRC-BR-FX"
PASSWORD = "correct-horse-battery"
NBSP = "\u00a0"
SEIZED = f"EUR{NBSP}1{NBSP}200,50"
PRECISION = f"50,0{NBSP}%"  # A positive, B negative


def cells(page, selector: str, member_state: str) -> list[str]:
    row = page.locator(f"{selector} tr", has=page.locator(f"td:text-is('{member_state}')")).first
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_a_seizure_reads_the_same_everywhere(live_server, reference_data, page, screenshot):
    base = live_server.url
    commission = make_user("br-fx-commission", "EU", "commission")
    publish_criterion(make_criterion(CODE, control_type="physical"), commission,
                      make_user("br-fx-approver", "EU", "commission_approver"))  # fmt: skip
    now = timezone.now()
    pca = pca_services.designate_pca(
        actor=commission, title="Toys (browser)", risk_area="product_safety", starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=10), participants_codes=["FR", "DE"], criteria=[CODE], targets={"FR": 10},
    )  # fmt: skip
    forget_compiled_criteria()
    analyst = make_user("fr_analyst", "FR", "analyst")
    a, b = file_bodies(make_user("fr_system", "FR", "national_system"), make_ens(), make_ens())
    screen_mrns(a, b)
    case_a, case_b = (Case.objects.get(declaration__mrn=mrn, member_state_id="FR") for mrn in (a, b))
    workbench.decide(actor=analyst, case=case_b, action="control", control_type="physical", control_place="border")
    workbench.record_control_result(actor=analyst, declaration=case_b.declaration,
                                    data={"control_type": "physical", "result": "no_irregularity"})  # fmt: skip

    # --- the case: decide a control, record the seizure as an officer types it ------------------------------------
    login(page, base, "fr_analyst", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/workbench/cases/{case_a.pk}/")
    form = page.locator("#decision-form")
    form.get_by_label("Action").select_option("control")
    form.get_by_label("Control type").select_option("physical")
    form.get_by_label("Where").select_option("border")
    form.get_by_role("button", name="Record decision").click()
    assert "Decision recorded" in page.locator(".flash").inner_text()
    form = page.locator("#control-form")
    form.locator("[name=control_type]").select_option("physical")
    form.locator("[name=result]").select_option("seizure")
    form.locator("[name=irregularity_type]").select_option("ipr")
    form.get_by_label("Seized goods").fill("counterfeit toy cars")
    form.get_by_label("Estimated value (EUR)").fill("1 200,50")
    form.get_by_role("button", name="Record control result").click()
    assert "Control result recorded." in page.locator(".flash").inner_text()
    assert page.locator("#controls .seized-value").inner_text() == SEIZED
    screenshot("figures-case")
    indicators.refresh_recent()  # what the 5-minute job does

    # --- the criterion page: the feedback panel and the evaluation (both loaded by HTMX) ---------------------------
    page.goto(f"{base}/criteria/{CODE}/")
    page.locator("#feedback-live").wait_for()
    assert cells(page, "#feedback-live", "FR") == ["FR", "2", "2", "0", "2", "1", PRECISION]
    page.locator("#evaluation table").wait_for()
    assert cells(page, "#evaluation", "FR")[:6] == ["FR", "2", "2", "2", "1", PRECISION]
    screenshot("figures-criterion")

    # --- the feedback panel on its own --------------------------------------------------------------------------
    page.goto(f"{base}/workbench/feedback/{CODE}/")
    assert page.locator("#precision-total").inner_text() == PRECISION

    # --- the PCA page --------------------------------------------------------------------------------------------
    page.goto(f"{base}/pca/{pca.pk}/")
    fr = page.locator("#pca-results tr[data-member-state=FR]")
    assert fr.locator(".detections").inner_text() == "1" and fr.locator(".seizures").inner_text() == "1"
    assert fr.locator(".seized-value").inner_text() == SEIZED
    assert fr.locator(".detection-rate").inner_text() == PRECISION  # 1 detection in 2 controls
    screenshot("figures-pca")

    # --- the indicators ---------------------------------------------------------------------------------------------
    today = timezone.now().date()
    page.goto(f"{base}/indicators/?from={today}&to={today}")
    page.locator("#table-hits").evaluate("details => { details.open = true }")
    hits = page.locator("#table-hits tr", has_text=CODE).first.locator("td").all_inner_texts()
    assert [text.strip() for text in hits][3:9] == ["2", "2", "0", "2", "1", PRECISION]
    page.locator("#table-seizures").evaluate("details => { details.open = true }")
    seizures = page.locator("#table-seizures tbody").inner_text()
    assert re.search(rf"FR\s+IPR infringement \(counterfeit\)\s+{SEIZED}", seizures), seizures
    screenshot("figures-indicators")
