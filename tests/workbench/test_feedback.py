"""The feedback loop: per criterion and Member State, hits, decisions, controls, irregularities and precision."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion
from tests.workbench.conftest import file_and_screen
from workbench import services
from workbench.feedback import criterion_feedback
from workbench.models import Case

pytestmark = pytest.mark.django_db

NL_FILING = {"office_of_first_entry": "NL000854", "place_of_unloading": "NLAMS", "countries_of_routing": ["CN"]}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def control(actor, case, place="border"):
    return services.decide(actor=actor, case=case, action="control", control_type="physical", control_place=place)


def found(actor, case, result="irregularity"):
    data = {"control_type": "physical", "result": result}
    if result != "no_irregularity":
        data["irregularity_type"] = "product_safety"
    return services.record_control_result(actor=actor, declaration=case.declaration, data=data)


@pytest.fixture
def worked(people, referred):
    """FR: 4 hits (2 controlled: 1 irregular, 1 clean; 1 dismissed; 1 open). NL: 2 hits (1 controlled, irregular)."""
    fr, nl = people["fr_analyst"], people["nl_analyst"]
    fr_cases = [referred() for _ in range(4)]
    control(fr, fr_cases[0])
    found(people["fr_system"], fr_cases[0])
    control(fr, fr_cases[1], place="place_of_unloading")  # forwarded: NL's control counts for FR's hit
    found(people["nl_system"], fr_cases[1], result="no_irregularity")
    services.decide(actor=fr, case=fr_cases[2], action="dismiss", reason="Known consignee.")
    nl_cases = [
        Case.objects.get(declaration__mrn=file_and_screen(people["nl_system"], **NL_FILING), member_state_id="NL")
        for _ in range(2)
    ]
    control(nl, nl_cases[0])
    found(nl, nl_cases[0])
    return fr_cases, nl_cases


def row(rows, member_state):
    (match,) = [r for r in rows if r.member_state == member_state]
    return (match.hits, match.after_assessment, match.dismissed, match.controlled, match.positive)


def test_rows_per_member_state_and_the_eu_total(people, worked):
    everything = criterion_feedback(people["commission"], "CRC-WB-TOY")
    assert [r.member_state for r in everything["rows"]] == ["FR", "NL"]
    assert row(everything["rows"], "FR") == (4, 2, 1, 2, 1)
    assert row(everything["rows"], "NL") == (2, 1, 0, 1, 1)
    total = everything["total"]
    assert (
        total.member_state,
        total.hits,
        total.after_assessment,
        total.dismissed,
        total.controlled,
        total.positive,
    ) == (
        "EU",
        6,
        3,
        1,
        3,
        2,
    )
    assert total.precision == pytest.approx(2 / 3) and total.decided == 4
    fr_only = criterion_feedback(people["fr_analyst"], "CRC-WB-TOY")
    assert [r.member_state for r in fr_only["rows"]] == ["FR"] and fr_only["total"] == total
    assert fr_only["rows"][0].precision == 0.5
    assert [r.member_state for r in criterion_feedback(people["nl_analyst"], "CRC-WB-TOY")["rows"]] == ["NL"]
    assert criterion_feedback(people["de_analyst"], "CRC-WB-TOY")["rows"] == []
    assert [r.member_state for r in criterion_feedback(people["eu_auditor"], "CRC-WB-TOY")["rows"]] == ["FR", "NL"]


def panel_cells(html: str) -> dict[str, list[str]]:
    rows = re.findall(r"<tr[^>]*><(?:td|th scope=\"row\")>([\w ]+)</t[dh]>(.*?)</tr>", html, re.S)
    return {name: re.findall(r'<td class="num"[^>]*>([^<]*)</td>', cells) for name, cells in rows}


def test_the_htmx_panel_renders_precision(people, worked):
    html = browser(people["commission"]).get("/workbench/feedback/CRC-WB-TOY/", HTTP_HX_REQUEST="true")
    assert html.status_code == 200
    text = html.content.decode()
    assert text.lstrip().startswith('<section class="feedback" id="feedback">') and "<html" not in text
    cells = panel_cells(text)
    assert cells["FR"] == ["4", "2", "1", "2", "1", "50,0\u00a0%"]
    assert cells["NL"] == ["2", "1", "0", "1", "1", "100,0\u00a0%"]
    assert cells["EU total"] == ["6", "3", "1", "3", "2", "66,7\u00a0%"]
    assert '<td class="num" id="precision-total">66,7\u00a0%</td>' in text
    fr = panel_cells(browser(people["fr_analyst"]).get("/workbench/feedback/CRC-WB-TOY/").content.decode())
    assert set(fr) == {"FR", "EU total"}


def test_precision_follows_control_results_as_they_arrive(people, referred):
    client = browser(people["fr_analyst"])

    def precision() -> str:
        text = client.get("/workbench/feedback/CRC-WB-TOY/").content.decode()
        return re.search(r'id="precision-total">([^<]*)<', text).group(1)

    case = referred()
    assert precision() == "—"
    control(people["fr_analyst"], case)
    assert precision() == "—"  # controlled, nothing found yet
    found(people["fr_analyst"], case, result="no_irregularity")
    assert precision() == "0,0\u00a0%"
    other = referred()
    control(people["fr_analyst"], other)
    found(people["fr_system"], other)
    assert precision() == "50,0\u00a0%"


def test_national_profiles_count_for_their_owner_and_stay_hidden_from_others(people, referred):
    publish_criterion(make_criterion("NL-WB-FB", scope="national"), people["nl_analyst"], people["nl_risk_manager"])
    case = referred()  # FR first entry, unloading in NL: NL's profile hits it in NL's queue
    nl_case = Case.objects.get(version=case.version, member_state_id="NL")
    control(people["nl_analyst"], nl_case)
    found(people["nl_analyst"], nl_case)
    rows = criterion_feedback(people["nl_analyst"], "NL-WB-FB")["rows"]
    assert [(r.member_state, r.hits, r.after_assessment, r.positive) for r in rows] == [("NL", 1, 1, 1)]
    assert browser(people["de_analyst"]).get("/workbench/feedback/NL-WB-FB/").status_code == 404
    assert browser(people["nl_analyst"]).get("/workbench/feedback/NL-WB-FB/").status_code == 200
    assert browser(people["nl_analyst"]).get("/workbench/feedback/CRC-NOPE/").status_code == 404


def test_shadow_hits_are_counted_apart_from_live_hits(people, referred):
    publish_criterion(
        make_criterion("CRC-WB-SHADOW", shadow=True),
        make_user("wb-fb-author", "EU", "commission"),
        make_user("wb-fb-approver", "EU", "commission_approver"),
    )
    referred()
    shadow = criterion_feedback(people["commission"], "CRC-WB-SHADOW")
    assert shadow["total"].hits == 0 and shadow["shadow_total"].hits == 1
    assert criterion_feedback(people["commission"], "CRC-WB-TOY")["total"].hits == 1


def test_a_shadow_criterion_page_shows_its_hits_per_member_state_a_sample_and_its_would_be_precision(people, referred):
    """Issue 12 point 3: the criterion page said "EU total 0" for a shadow criterion the list showed with hits."""
    publish_criterion(
        make_criterion("CRC-WB-SHADOW2", shadow=True),
        make_user("wb-sh-author", "EU", "commission"),
        make_user("wb-sh-approver", "EU", "commission_approver"),
    )
    controlled, other = referred(), referred()  # CRC-WB-TOY opens the cases; the shadow criterion hits both
    control(people["fr_analyst"], controlled)
    found(people["fr_analyst"], controlled)  # found for the live criterion: the shadow one would have found it too
    nl_mrn = file_and_screen(people["nl_system"], **NL_FILING)
    html = browser(people["commission"]).get("/workbench/feedback/CRC-WB-SHADOW2/").content.decode()
    cells = panel_cells(html.split('id="feedback-shadow"')[1])
    assert cells["FR"] == ["2", "1", "1", "100,0\u00a0%"] and cells["NL"] == ["1", "0", "0", "—"]
    assert cells["EU total"] == ["3", "1", "1", "100,0\u00a0%"]
    assert "last 7 days: <strong>3</strong>" in html  # the criteria list's figure, repeated
    assert all(mrn in html for mrn in (controlled.declaration.mrn, other.declaration.mrn, nl_mrn))
    fr_view = browser(people["fr_analyst"]).get("/workbench/feedback/CRC-WB-SHADOW2/").content.decode()
    assert controlled.declaration.mrn in fr_view and nl_mrn not in fr_view  # a sample of its own declarations
    assert set(panel_cells(fr_view.split('id="feedback-shadow"')[1])) == {"FR", "EU total"}
