"""The hit queue: urgency order, every filter, the counts (following the filters) and the HTMX partial."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from crms.operators.models import AeoAuthorisation, Operator
from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion
from tests.workbench.conftest import file_and_screen
from workbench import selectors, services
from workbench.models import Case

pytestmark = pytest.mark.django_db

AEO_FILER = "DE999888777666555"
PRE_ARRIVAL = {"phase": "pre_arrival", "filing_type": "F20"}
SEA = {"transport_mode": "sea", "office_of_first_entry": "FR000690", "filing_type": "F10", "phase": "pre_arrival"}


def arrival(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).replace(microsecond=0).isoformat()


def tshirts(**item) -> list[dict]:
    return [
        {
            "item_number": 1,
            "hs_code": "610910",
            "description": "cotton T-shirts",
            "gross_mass_kg": 120.0,
            "packages": 10,
            "value": {"amount": 900.0, "currency": "EUR"},
            "country_of_origin": "BD",
            "container": None,
            "dangerous_goods_code": None,
        }
        | item
    ]


@pytest.fixture
def queue(people, toy_criterion):
    """Seven FR cases, one of them forwarded by NL and one decided (out of the queue), and one DE case."""
    eu = make_user("wb-q-author", "EU", "commission"), make_user("wb-q-approver", "EU", "commission_approver")
    publish_criterion(
        make_criterion(
            "CRC-WB-IPR",
            risk_area="ipr",
            weight=90,
            control_type="documentary",
            condition={"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["6109"]}]},
        ),
        *eu,
    )
    publish_criterion(
        make_criterion(
            "CRC-WB-DNL",
            risk_area="security_safety",
            weight=95,
            outcome="do_not_load",
            condition={"all": [{"field": "item.description", "op": "contains_any", "value": ["detonator"]}]},
        ),
        *eu,
    )
    publish_criterion(
        make_criterion(
            "CRC-WB-RFI",
            risk_area="security_safety",
            weight=70,
            outcome="request_for_information",
            control_type=None,
            condition={"all": [{"field": "item.description", "op": "contains_any", "value": ["batteries"]}]},
        ),
        *eu,
    )
    operator = Operator.objects.create(eori=AEO_FILER, name="Trusted Trader", country_id="DE")
    AeoAuthorisation.objects.create(
        operator=operator,
        number=f"DE-AEOF-{AEO_FILER}",
        type="AEOF",
        issuing_country_id="DE",
        valid_from=dt.date(2020, 1, 1),
    )
    fr = people["fr_system"]
    same_time = arrival(4)
    detonators = [{**tshirts()[0], "hs_code": "950300", "description": "toy detonator caps"}]
    mrns = {
        # pre-loading referrals not yet arrived come first, by severity whatever their arrival
        "pre_loading_dnl": file_and_screen(fr, expected_arrival=arrival(50), goods_items=detonators),
        "rfi_soon": file_and_screen(
            fr,
            expected_arrival=arrival(10),
            goods_items=[{**tshirts()[0], "hs_code": "850650", "description": "lithium batteries"}],
        ),
        # then by expected arrival, then by score (two at the same time); a pre-loading ENS with a
        # control recommendation (not a pre-loading referral) takes its place by arrival
        "pre_loading_late": file_and_screen(fr, expected_arrival=arrival(40)),
        "soon_high": file_and_screen(fr, **PRE_ARRIVAL, expected_arrival=same_time, goods_items=tshirts()),
        "soon_low": file_and_screen(fr, **PRE_ARRIVAL, expected_arrival=same_time),
        "sea_later": file_and_screen(
            fr,
            **SEA,
            place_of_loading="CNSHA",
            expected_arrival=arrival(20),
            filer={"eori": AEO_FILER, "name": "Trusted Trader"},
        ),
        # an ENS that arrived a day ago: nothing left to stop before loading, so last
        "arrived_dnl": file_and_screen(fr, expected_arrival=arrival(-24), goods_items=detonators),
        "decided": file_and_screen(fr, **PRE_ARRIVAL, expected_arrival=arrival(1)),
    }
    nl = file_and_screen(
        people["nl_system"],
        office_of_first_entry="NL000851",
        transport_mode="sea",
        phase="pre_arrival",
        filing_type="F10",
        place_of_loading="CNSHA",
        place_of_unloading="FRLEH",
        countries_of_routing=["CN", "NL"],
        expected_arrival=arrival(30),
    )
    nl_case = Case.objects.get(declaration__mrn=nl, member_state_id="NL")
    services.decide(
        actor=people["nl_analyst"],
        case=nl_case,
        action="control",
        control_type="scanning",
        control_place="place_of_unloading",
    )
    mrns["forwarded"] = nl
    decided = Case.objects.get(declaration__mrn=mrns["decided"], member_state_id="FR")
    services.decide(actor=people["fr_analyst"], case=decided, action="dismiss", reason="Known consignee.")
    services.claim_case(
        actor=people["fr_analyst"], case=Case.objects.get(declaration__mrn=mrns["soon_low"], member_state_id="FR")
    )
    mrns["de"] = file_and_screen(
        make_user("de_system", "DE", "national_system"), office_of_first_entry="DE003150", transport_mode="air"
    )
    return mrns


ORDER = [
    "pre_loading_dnl",
    "rfi_soon",
    "soon_high",
    "soon_low",
    "sea_later",
    "forwarded",
    "pre_loading_late",
    "arrived_dnl",
]
TOYS = ["pre_loading_dnl", "soon_low", "sea_later", "forwarded", "pre_loading_late", "arrived_dnl"]
AIR = ["pre_loading_dnl", "rfi_soon", "soon_high", "soon_low", "pre_loading_late", "arrived_dnl"]


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(user, query: str = "", **headers) -> tuple[list[str], str]:
    response = browser(user).get(f"/workbench/{query}", **headers)
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<a href="/workbench/cases/\d+/[^"]*"><code>(\w+)</code></a>', html), html


def names(queue: dict, mrns: list[str]) -> list[str]:
    by_mrn = {mrn: name for name, mrn in queue.items()}
    return [by_mrn[mrn] for mrn in mrns]


def test_the_cases_are_what_the_fixture_says(queue):
    cases = {
        name: Case.objects.filter(declaration__mrn=mrn, member_state_id="FR").first() for name, mrn in queue.items()
    }
    assert cases["de"] is None
    assert cases["pre_loading_dnl"].outcome == "do_not_load" and cases["pre_loading_dnl"].pre_loading
    assert cases["arrived_dnl"].outcome == "do_not_load" and cases["arrived_dnl"].pre_loading
    assert cases["rfi_soon"].outcome == "request_for_information" and cases["rfi_soon"].pre_loading
    assert [cases[n].referral_severity for n in ("pre_loading_dnl", "rfi_soon", "pre_loading_late")] == [3, 1, 0]
    assert cases["pre_loading_late"].outcome == "control_recommended" and cases["pre_loading_late"].pre_loading
    assert cases["soon_high"].score > cases["soon_low"].score
    assert cases["soon_high"].expected_arrival == cases["soon_low"].expected_arrival
    assert cases["sea_later"].aeo and not cases["soon_low"].aeo
    assert cases["forwarded"].origin == "forwarded" and cases["decided"].state == "decided"


def test_urgency_order_referrals_by_severity_then_arrival_then_score_arrived_last(people, queue):
    """The do-not-load referral (arriving in 50 h) comes before everything not yet arrived; the one whose
    ENS arrived a day ago comes last (both used to be the other way round)."""
    mrns, _ = listed(people["fr_analyst"])
    assert names(queue, mrns) == ORDER
    page = selectors.queue_page(people["fr_analyst"], selectors.QueueFilters(), size=50)
    assert names(queue, [case.declaration.mrn for case in page]) == ORDER
    # The same queue seen two days later: every ENS has arrived, the most recently arrived first.
    later = selectors.queue_page(
        people["fr_analyst"], selectors.QueueFilters(), now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=60)
    )
    assert names(queue, [case.declaration.mrn for case in later]) == [
        "pre_loading_dnl",
        "pre_loading_late",
        "forwarded",
        "sea_later",
        "rfi_soon",
        "soon_high",
        "soon_low",
        "arrived_dnl",
    ]


def test_arrived_ens_are_not_shown_as_pre_loading(people, queue):
    _, html = listed(people["fr_analyst"])
    rows = re.findall(
        r"<tr id=\"case-row-\d+\" data-case-url=\"[^\"]*\" class=\"([^\"]*)\">\s*<td><a href=\"/workbench/cases/\d+/[^\"]*\"><code>(\w+)</code>",
        html,
    )
    assert names(queue, [mrn for css, mrn in rows if css == "pre-loading"]) == ["pre_loading_dnl", "rfi_soon"]
    arrived_row = html[html.index(queue["arrived_dnl"]) :].split("</tr>")[0]
    assert "<small>arrived</small>" in arrived_row and "<small>pre-loading</small>" not in arrived_row


FILTERS = [
    ("?outcome=do_not_load", ["pre_loading_dnl", "arrived_dnl"]),
    ("?outcome=request_for_information", ["rfi_soon"]),
    ("?outcome=control_recommended", ["soon_high", "soon_low", "sea_later", "forwarded", "pre_loading_late"]),
    ("?outcome=bogus", ORDER),
    ("?risk_area=ipr", ["soon_high"]),
    ("?risk_area=product_safety", TOYS),
    ("?risk_area=security_safety", ["pre_loading_dnl", "rfi_soon", "arrived_dnl"]),
    ("?criterion=CRC-WB-IPR", ["soon_high"]),
    ("?criterion=crc-wb-ipr", ["soon_high"]),  # as people type it
    ("?criterion=+Crc-Wb-Ip+", ["soon_high"]),  # a prefix, spaces around it
    ("?criterion=CRC-WB-TOY", TOYS),
    ("?criterion=crc-wb-d", ["pre_loading_dnl", "arrived_dnl"]),
    ("?criterion=CRC-NOPE", []),
    ("?criterion=WB-IPR", []),  # the start of the code, not any part of it
    ("?criterion=CRC-WB-%", []),  # a LIKE wildcard is a character
    ("?mode=sea", ["sea_later", "forwarded"]),
    ("?mode=air", AIR),
    ("?mode=teleport", ORDER),
    ("?office=FR000690", ["sea_later"]),
    ("?office=fr004380", AIR),
    ("?office=fr0043", AIR),  # a prefix of the code
    ("?office=havre", ["sea_later"]),  # a word of the office's name: Le Havre port
    ("?office=Paris+Charles", AIR),  # the start of its name: Paris Charles de Gaulle airport cargo
    ("?office=NL000851", ["forwarded"]),
    ("?office=XX", []),
    ("?aeo=yes", ["sea_later"]),
    ("?aeo=no", [n for n in ORDER if n != "sea_later"]),
    ("?hours_left=6", ["soon_high", "soon_low"]),
    ("?hours_left=24", ["rfi_soon", "soon_high", "soon_low", "sea_later"]),  # not the ENS that has arrived
    ("?hours_left=abc", ORDER),
    ("?mine=1", ["soon_low"]),
    ("?origin=forwarded", ["forwarded"]),
    ("?origin=first_entry", [n for n in ORDER if n != "forwarded"]),
    ("?mode=air&hours_left=6&risk_area=product_safety", ["soon_low"]),
    ("?member_state=DE", ORDER),  # only EU-wide readers choose the Member State
]


def test_each_filter_narrows_the_queue(people, queue):
    """One fixture, every filter: mismatches are reported together."""
    wrong = []
    for query, expected in FILTERS:
        got = names(queue, listed(people["fr_analyst"], query)[0])
        if got != expected:
            wrong.append(f"{query}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_mine_is_per_analyst(people, queue):
    assert listed(people["fr_analyst_2"], "?mine=1")[0] == []


def test_counts(people, queue):
    counts = selectors.queue_counts(people["fr_analyst"])
    assert counts == {
        "total": 8,
        "pre_loading": 2,  # pre-loading referrals not yet arrived
        "forwarded": 1,
        "claimed": 1,
        "arriving_6h": 2,
        "arrived": 1,
        "outcome_do_not_load": 2,
        "outcome_request_for_information": 1,
        "outcome_control_recommended": 5,
    }
    _, html = listed(people["fr_analyst"])
    assert '<strong id="count-total">8</strong> open</span>' in html
    for text in (
        "<strong>2</strong> pre-loading referrals",
        "<strong>2</strong> arriving within 6 h",
        "<strong>1</strong> arrived",
        "<strong>1</strong> forwarded to us",
        "<strong>1</strong> claimed",
        "2 do not load",
        "1 RFI",
        "5 control",
    ):
        assert text in html, text


def counts_bar(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.split('<div class="queue-counts"')[1].split("</div>")[0]))


def test_the_counts_follow_the_filters(people, queue):
    """The bar above the rows counts the rows (it counted the whole queue whatever the filters)."""
    _, html = listed(people["fr_analyst"], "?mode=sea")
    bar = counts_bar(html)
    assert "2 open matching the filters" in bar and "0 pre-loading referrals" in bar and "1 forwarded to us" in bar
    assert "2 control" in bar and "do not load" not in bar
    _, html = listed(people["fr_analyst"], "?criterion=crc-wb-d")
    bar = counts_bar(html)
    assert "2 open matching the filters" in bar and "1 pre-loading referrals" in bar and "1 arrived" in bar
    assert "2 do not load" in bar and "control" not in bar
    filters = selectors.QueueFilters(office="havre")
    assert selectors.queue_counts(people["fr_analyst"], filters)["total"] == 1
    for query, expected in FILTERS:
        shown = listed(people["fr_analyst"], query)[1]
        assert f'<strong id="count-total">{len(expected)}</strong>' in shown, query


def test_the_htmx_partial_is_only_the_rows_fragment(people, queue):
    mrns, html = listed(people["fr_analyst"], "?mode=sea", HTTP_HX_REQUEST="true")
    assert names(queue, mrns) == ["sea_later", "forwarded"]
    assert html.lstrip().startswith('<div class="queue-counts"')
    for absent in ("<html", "<body", "queue-filters", '<nav class="sidebar', "Hit queue"):
        assert absent not in html, absent
    assert '<table class="dense queue">' in html
    full = listed(people["fr_analyst"], "?mode=sea")[1]
    assert "<html" in full and 'id="queue-filters"' in full and 'hx-trigger="every ' in full
    assert 'hx-get="/workbench/?mode=sea"' in full  # the live refresh keeps the filters


def test_other_queues(people, queue):
    assert listed(people["de_analyst"])[0] == [queue["de"]]
    assert listed(people["fr_auditor"])[0] == [queue[name] for name in ORDER]
    # EU auditors read every queue and may pick one.
    everything, _ = listed(people["eu_auditor"])
    assert set(everything) == {queue[name] for name in ORDER} | {queue["de"]}
    assert listed(people["eu_auditor"], "?member_state=DE")[0] == [queue["de"]]
    # Auditors get no claim buttons.
    assert "Claim</button>" not in listed(people["fr_auditor"])[1]
    assert "Claim</button>" in listed(people["fr_analyst"])[1]


def test_paging(people, queue, monkeypatch):
    monkeypatch.setattr("workbench.views.queue.PAGE_SIZE", 4)
    first, html = listed(people["fr_analyst"])
    assert names(queue, first) == ORDER[:4] and "page=2" in html
    second, html = listed(people["fr_analyst"], "?page=2")
    assert names(queue, second) == ORDER[4:] and "page=1" in html
