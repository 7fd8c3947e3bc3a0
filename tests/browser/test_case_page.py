"""The case page at the two screen sizes analysts use (issue 14), on demo data, in Chromium.

Measured, not eyeballed: no horizontal overflow of the page or of any table out of its column, the
party history's consignor -> consignee on at most two lines, and the decision and control-result
forms within reach without scrolling (a sticky panel beside the hits). Then the forms: a refused
control result or decision comes back as typed with each error beside its field, European amounts
are read, and a note with a photo is added. Screenshots are kept as artefacts; the four in
docs/screenshots/ come from this test (CRMS_DOC_SCREENSHOTS=1 writes them there).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from crms.accounts.models import User
from tests.browser.conftest import ARTIFACTS, login
from tests.security.world import TINY_PNG
from workbench import selectors
from workbench.models import Case, CaseNote, CaseState, ControlResult

pytestmark = [pytest.mark.browser]

PASSWORD = "demo-crms-2026"
SIZES = [(1366, 768), (1920, 1080)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

MEASURE = """() => {
  const box = (el) => el ? el.getBoundingClientRect() : null;
  const main = document.querySelector('.case-main'), aside = document.querySelector('.case-actions');
  const wraps = [...document.querySelectorAll('.case-main .table-wrap')].map((w) => ({
    table: w.querySelector('table').className, overflow: w.scrollWidth - w.clientWidth,
    right: box(w).right, column: box(w.parentElement).right }));
  const pairs = [...document.querySelectorAll('table.party-history td.parties-cell')].map((td) => {
    const names = td.querySelectorAll('.party-name');
    const line = parseFloat(getComputedStyle(names[0]).lineHeight);
    return Math.round((box(names[names.length - 1]).bottom - box(names[0]).top) / line);
  });
  const history = document.querySelector('table.party-history');
  return {
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
    mainRight: box(main).right, asideLeft: box(aside).left, asideTop: box(aside).top,
    hitsTop: box(document.querySelector('#hits')).top,
    decisionTop: box(document.querySelector('#decision-form')).top,
    decisionButton: box(document.querySelector('#decision-form button[type=submit]')).bottom,
    historyRight: box(history).right, historySection: box(history.closest('section')).right,
    wraps, pairs, historyRows: pairs.length,
  };
}"""


def busiest_open_case() -> Case:
    """The open FR case with the longest party history (and so the longest names in it) in the demo data."""
    fr_analyst = User.objects.get(username="fr_analyst")
    candidates = Case.objects.filter(member_state_id="FR", state=CaseState.OPEN).select_related(
        "declaration", "version"
    )
    best, best_rows = None, -1
    for case in candidates.order_by("id")[:40]:
        rows = len(selectors.party_history(fr_analyst, case.declaration, case.version))
        if rows > best_rows:
            best, best_rows = case, rows
    assert best is not None and best_rows >= 3, "the demo data should give a case with earlier ENS of its parties"
    return best


def shoot(page, name: str, *, docs: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if docs and os.environ.get("CRMS_DOC_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"))


def test_case_page_layout_and_forms_at_both_sizes(live_server, reference_data, chromium):
    call_command("load_demo", declarations=400, password=PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115
    case = busiest_open_case()
    base = live_server.url
    for width, height in SIZES:
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        login(page, base, "fr_analyst", PASSWORD)
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/workbench/")
        shoot(page, f"queue-{width}x{height}", docs=True)
        page.goto(f"{base}/workbench/cases/{case.pk}/")
        m = page.evaluate(MEASURE)
        shoot(page, f"case-{width}x{height}", docs=True)
        assert m["pageOverflow"] <= 0, (width, m)
        assert m["asideLeft"] >= m["mainRight"], ("the action panel sits beside the hits", width, m)
        assert m["asideTop"] <= m["hitsTop"] + 5, ("the panel starts level with the hits", width, m)
        assert m["decisionTop"] < height * 0.5, ("the decision form starts in the first screen", width, m)
        if height >= 1000:
            assert m["decisionButton"] <= height, ("Record decision visible without scrolling", width, m)
        assert m["historyRight"] <= m["historySection"] + 1, ("party history inside its column", width, m)
        assert m["historyRows"] >= 3 and max(m["pairs"]) <= 2, ("consignor -> consignee on two lines", width, m)
        for wrap in m["wraps"]:
            assert wrap["right"] <= m["mainRight"] + 1, (width, wrap)
        history_wrap = next(w for w in m["wraps"] if "party-history" in w["table"])
        assert history_wrap["overflow"] <= 0, ("no inner scroll in the party history either", width, history_wrap)
        # Scrolled down to the goods, the panel is still there: the decision is one click away.
        page.locator("#party-history").scroll_into_view_if_needed()
        assert page.locator("#decision-form button[type=submit]").is_visible()
        assert page.evaluate("() => document.querySelector('.case-actions').getBoundingClientRect().top") < 100
        context.close()

    # --- the forms, at the smaller size -----------------------------------------------------------------------------
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    login(page, base, "fr_analyst", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/workbench/cases/{case.pk}/")
    form = page.locator("#decision-form")
    form.get_by_label("Action").select_option("dismiss")
    form.get_by_label("Reason or note").fill("ok")
    form.get_by_role("button", name="Record decision").click()
    form = page.locator("#decision-form")
    assert form.get_by_label("Action").input_value() == "dismiss"
    assert form.get_by_label("Reason or note").input_value() == "ok"
    reason_error = form.locator("#decision-reason-error")
    assert reason_error.inner_text() == "Say why you dismiss the hit (at least 5 characters)."
    assert form.get_by_label("Reason or note").get_attribute("aria-invalid") == "true"
    shoot(page, "case-decision-refused")
    form.get_by_label("Action").select_option("control")
    form.get_by_label("Control type").select_option("physical")
    form.get_by_label("Where").select_option("border")
    form.get_by_label("Reason or note").fill("Open the container at the quay")
    form.get_by_role("button", name="Record decision").click()
    assert "Decision recorded: control recommended." in page.locator("p.flash[role=status]").inner_text()

    form = page.locator("#control-form")
    form.get_by_label("Control done").select_option("physical")
    form.get_by_label("Result").select_option("seizure")
    form.get_by_label("Seized goods").fill("counterfeit toy cars")
    form.get_by_label("Quantity").fill("1.200")
    form.get_by_label("Unit").fill("pieces")
    form.get_by_label("Estimated value (EUR)").fill("12 00,5")
    form.get_by_label("Notes").fill("Brand logos on the boxes")
    form.get_by_role("button", name="Record control result").click()
    form = page.locator("#control-form")
    assert form.get_by_label("Seized goods").input_value() == "counterfeit toy cars"
    assert form.get_by_label("Quantity").input_value() == "1.200"
    assert form.get_by_label("Estimated value (EUR)").input_value() == "12 00,5"
    assert form.get_by_label("Notes").input_value() == "Brand logos on the boxes"
    assert form.get_by_label("Result").input_value() == "seizure"
    assert "could be read two ways" in form.locator("#control-seized_quantity-error").inner_text()
    assert "grouped by three digits" in form.locator("#control-estimated_value_eur-error").inner_text()
    irregularity = form.locator("#control-irregularity_type-error").inner_text()
    assert irregularity == "Choose what kind of irregularity was found."
    assert "seizure." not in form.inner_text() and "one of misdescription" not in form.inner_text()
    shoot(page, "case-control-refused")
    assert not ControlResult.objects.filter(declaration=case.declaration).exists()
    form.locator("[name=irregularity_type]").select_option("ipr")
    form.get_by_label("Quantity").fill("1 200")
    form.get_by_label("Estimated value (EUR)").fill("1.200,50")
    form.get_by_role("button", name="Record control result").click()
    assert "Control result recorded." in page.locator("p.flash[role=status]").inner_text()
    assert "1\u00a0200 pieces, estimated value EUR\u00a01\u00a0200,50" in page.locator("#controls").inner_text()
    result = ControlResult.objects.get(declaration=case.declaration)
    assert (result.seized_quantity, result.estimated_value_eur) == (1200.0, 1200.5)

    # --- a note with a photo ------------------------------------------------------------------------------------------
    note_form = page.locator("#note-form")
    note_form.get_by_label("Note").fill("Photos of the seized boxes at the quay.")
    note_form.get_by_label("Photos or PDF").set_input_files(
        [{"name": "quay.png", "mimeType": "image/png", "buffer": TINY_PNG}]
    )
    note_form.get_by_role("button", name="Add note").click()
    assert "Note added." in page.locator("p.flash[role=status]").inner_text()
    note = page.locator("#notes article.case-note").last
    assert "Photos of the seized boxes at the quay." in note.inner_text() and "fr_analyst" in note.inner_text()
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", note.inner_text())
    link = note.get_by_role("link", name="quay.png")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200 and response.body() == TINY_PNG
    assert response.headers["x-content-type-options"] == "nosniff"
    assert CaseNote.objects.get(case=case).attachments.count() == 1
    shoot(page, "case-note-added")
    context.close()
