"""The hit queue: urgency order, every filter, the counts and the HTMX partial."""

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
    mrns = {
        # pre-loading referrals come first, whatever their arrival
        "pre_loading_late": file_and_screen(fr, expected_arrival=arrival(40)),
        "pre_loading_dnl": file_and_screen(
            fr,
            expected_arrival=arrival(50),
            goods_items=[{**tshirts()[0], "hs_code": "950300", "description": "toy detonator caps"}],
        ),
        # then by expected arrival, then by score (two at the same time)
        "soon_high": file_and_screen(fr, **PRE_ARRIVAL, expected_arrival=same_time, goods_items=tshirts()),
        "soon_low": file_and_screen(fr, **PRE_ARRIVAL, expected_arrival=same_time),
        "sea_later": file_and_screen(
            fr,
            **SEA,
            place_of_loading="CNSHA",
            expected_arrival=arrival(20),
            filer={"eori": AEO_FILER, "name": "Trusted Trader"},
        ),
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


ORDER = ["pre_loading_late", "pre_loading_dnl", "soon_high", "soon_low", "sea_later", "forwarded"]


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(user, query: str = "", **headers) -> tuple[list[str], str]:
    response = browser(user).get(f"/workbench/{query}", **headers)
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<a href="/workbench/cases/\d+/"><code>(\w+)</code></a>', html), html


def names(queue: dict, mrns: list[str]) -> list[str]:
    by_mrn = {mrn: name for name, mrn in queue.items()}
    return [by_mrn[mrn] for mrn in mrns]


def test_the_cases_are_what_the_fixture_says(queue):
    cases = {
        name: Case.objects.filter(declaration__mrn=mrn, member_state_id="FR").first() for name, mrn in queue.items()
    }
    assert cases["de"] is None
    assert cases["pre_loading_dnl"].outcome == "do_not_load" and cases["pre_loading_dnl"].pre_loading
    assert cases["soon_high"].score > cases["soon_low"].score
    assert cases["soon_high"].expected_arrival == cases["soon_low"].expected_arrival
    assert cases["sea_later"].aeo and not cases["soon_low"].aeo
    assert cases["forwarded"].origin == "forwarded" and cases["decided"].state == "decided"


def test_urgency_order_pre_loading_then_arrival_then_score(people, queue):
    mrns, _ = listed(people["fr_analyst"])
    assert names(queue, mrns) == ORDER
    assert (
        names(
            queue,
            list(
                selectors.open_queue(people["fr_analyst"], selectors.QueueFilters()).values_list(
                    "declaration__mrn", flat=True
                )
            ),
        )
        == ORDER
    )


FILTERS = [
    ("?outcome=do_not_load", ["pre_loading_dnl"]),
    ("?outcome=control_recommended", ["pre_loading_late", "soon_high", "soon_low", "sea_later", "forwarded"]),
    ("?outcome=bogus", ORDER),
    ("?risk_area=ipr", ["soon_high"]),
    ("?risk_area=product_safety", ["pre_loading_late", "pre_loading_dnl", "soon_low", "sea_later", "forwarded"]),
    ("?risk_area=security_safety", ["pre_loading_dnl"]),
    ("?criterion=CRC-WB-IPR", ["soon_high"]),
    ("?criterion=CRC-WB-TOY", ["pre_loading_late", "pre_loading_dnl", "soon_low", "sea_later", "forwarded"]),
    ("?criterion=CRC-NOPE", []),
    ("?mode=sea", ["sea_later", "forwarded"]),
    ("?mode=air", ["pre_loading_late", "pre_loading_dnl", "soon_high", "soon_low"]),
    ("?mode=teleport", ORDER),
    ("?office=FR000690", ["sea_later"]),
    ("?office=fr004380", ["pre_loading_late", "pre_loading_dnl", "soon_high", "soon_low"]),
    ("?office=NL000851", ["forwarded"]),
    ("?aeo=yes", ["sea_later"]),
    ("?aeo=no", ["pre_loading_late", "pre_loading_dnl", "soon_high", "soon_low", "forwarded"]),
    ("?hours_left=6", ["soon_high", "soon_low"]),
    ("?hours_left=24", ["soon_high", "soon_low", "sea_later"]),
    ("?hours_left=abc", ORDER),
    ("?mine=1", ["soon_low"]),
    ("?origin=forwarded", ["forwarded"]),
    ("?origin=first_entry", ["pre_loading_late", "pre_loading_dnl", "soon_high", "soon_low", "sea_later"]),
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
        "total": 6,
        "pre_loading": 2,
        "forwarded": 1,
        "claimed": 1,
        "arriving_6h": 2,
        "outcome_do_not_load": 1,
        "outcome_control_recommended": 5,
    }
    _, html = listed(people["fr_analyst"])
    assert '<strong id="count-total">6</strong> open' in html
    for text in (
        "<strong>2</strong> pre-loading",
        "<strong>2</strong> arriving within 6 h",
        "<strong>1</strong> forwarded to us",
        "<strong>1</strong> claimed",
        "1 do not load",
        "5 control",
    ):
        assert text in html, text
    # Counts are of the whole queue, not of the filtered rows.
    _, filtered = listed(people["fr_analyst"], "?mode=sea")
    assert '<strong id="count-total">6</strong> open' in filtered


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
