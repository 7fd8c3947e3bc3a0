"""Queue triage (issue 14): server-side sort by whitelisted columns, and "next case" after a decision
taken from the queue, in the same filtered and sorted queue."""

from __future__ import annotations

import re

import pytest

from tests.workbench import test_queue
from tests.workbench.test_queue import ORDER, browser, listed, names
from workbench import selectors, services
from workbench.models import Case

pytestmark = pytest.mark.django_db
queue = test_queue.queue  # the fixture: seven FR cases, one forwarded, one decided, one DE case


def fr_case(queue: dict, name: str) -> Case:
    return Case.objects.get(declaration__mrn=queue[name], member_state_id="FR")


def test_sort_by_score_both_ways_and_back_to_urgency(people, queue):
    analyst = people["fr_analyst"]
    ascending, html = listed(analyst, "?sort=score")
    scores = [fr_case(queue, name).score for name in names(queue, ascending)]
    assert scores == sorted(scores) and len(scores) == len(ORDER)
    descending, _ = listed(analyst, "?sort=-score")
    scores = [fr_case(queue, name).score for name in names(queue, descending)]
    assert scores == sorted(scores, reverse=True)
    # the header of the sorted column says so and its link turns the order round; the others sort ascending
    assert re.search(r'aria-sort="ascending"><a href="\?sort=-score"', html)
    assert '<a href="?sort=arrival"' in html
    assert re.search(r'aria-sort="descending"><a href="\?"', listed(analyst, "?sort=-score")[1])


def test_sort_by_arrival_keeps_the_filters(people, queue):
    mrns, html = listed(people["fr_analyst"], "?mode=sea&sort=arrival")
    assert names(queue, mrns) == ["sea_later", "forwarded"]
    assert '<input type="hidden" name="sort" value="arrival">' in html  # the filter form keeps the sort
    assert '<a href="?mode=sea&amp;sort=-arrival"' in html


def test_an_unknown_sort_key_is_the_urgency_order(people, queue):
    for typed in ("declaration__consignor_name", "-id", "score;drop", "--score"):
        assert names(queue, listed(people["fr_analyst"], f"?sort={typed}")[0]) == ORDER, typed


def test_claiming_from_the_queue_opens_the_case_with_the_queue_kept(people, queue):
    case = fr_case(queue, "rfi_soon")
    response = browser(people["fr_analyst"]).post(
        f"/workbench/cases/{case.pk}/claim/", {"next": "queue", "queue": "mode=air&sort=score"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/cases/{case.pk}/?queue=mode%3Dair%26sort%3Dscore"
    page = browser(people["fr_analyst"]).get(response["Location"]).content.decode()
    assert '<input type="hidden" name="queue" value="mode=air&amp;sort=score">' in page


def decide_from_queue(user, case: Case, queue_query: str, client=None):
    return (client or browser(user)).post(
        f"/workbench/cases/{case.pk}/decide/",
        {"action": "dismiss", "reason": "Known consignee.", "queue": queue_query},
    )


def test_a_decision_taken_from_the_queue_opens_the_next_case_of_that_queue(people, queue):
    analyst = people["fr_analyst"]
    first = fr_case(queue, "pre_loading_dnl")
    response = decide_from_queue(analyst, first, "")
    following = fr_case(queue, "rfi_soon")  # the next in the urgency order
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/cases/{following.pk}/?queue="
    # filtered and sorted: sea cases by arrival ascending; the first one decided, the next one opens
    sea_first = fr_case(queue, "sea_later")
    response = decide_from_queue(analyst, sea_first, "mode=sea&sort=arrival")
    forwarded = fr_case(queue, "forwarded")
    assert response["Location"] == f"/workbench/cases/{forwarded.pk}/?queue=mode%3Dsea%26sort%3Darrival"


def test_next_case_skips_cases_a_colleague_holds_and_ends_on_the_queue(people, queue):
    analyst, colleague = people["fr_analyst"], people["fr_analyst_2"]
    services.claim_case(actor=colleague, case=fr_case(queue, "rfi_soon"))
    following = selectors.next_case(analyst, selectors.QueueFilters(), after=fr_case(queue, "pre_loading_dnl").pk)
    assert following == fr_case(queue, "soon_high")  # rfi_soon is held by the colleague
    # soon_low is held by the analyst themself: it is theirs to decide next
    held = selectors.next_case(analyst, selectors.QueueFilters(mode="air", sort="-score"), after=None)
    assert held is not None and held.claimed_by_id in (None, analyst.pk)
    # the only AEO case decided: back to the filtered queue, saying so
    client = browser(analyst)
    response = decide_from_queue(analyst, fr_case(queue, "sea_later"), "aeo=yes", client)
    assert response["Location"] == "/workbench/?aeo=yes"
    follow = client.get(response["Location"])
    assert "No other open case in this queue." in follow.content.decode()


def test_a_decision_without_the_queue_stays_on_the_case(people, queue):
    case = fr_case(queue, "pre_loading_dnl")
    response = browser(people["fr_analyst"]).post(
        f"/workbench/cases/{case.pk}/decide/", {"action": "dismiss", "reason": "Known consignee."}
    )
    assert response["Location"] == f"/workbench/cases/{case.pk}/"
