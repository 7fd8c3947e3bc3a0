"""The event feed (contract 5): written with what it records (outbox), ordered, durable, scoped.

Each event has a unique id, a type, occurred_at, the resource's URL and key fields; a reader sees
the events of its own Member State, never more than it may read, and a cursor never skips an event
that committed late with a lower id.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from notifications import events as outbox
from notifications.models import Event
from rif import services as rif_services
from risk_engine import services as engine_services
from risk_engine.selectors import criteria_for
from tests.conftest import make_user
from tests.notifications.conftest import read_feed
from tests.rif.conftest import published
from tests.risk_engine.conftest import api_client, assert_error_body, make_criterion, publish_criterion, screen_mrns
from workbench import services

pytestmark = pytest.mark.django_db


ASSESSMENTS = "assessment.completed,assessment.changed"
WORK = "decision.created,referral.opened,control_result.recorded"


def types(events: list[dict]) -> list[str]:
    return [e["type"] for e in events]


def test_every_screened_ens_gives_one_assessment_completed_event_to_the_member_states_concerned(people, referred, feed):
    case = referred()  # FR first entry, NL unloading
    mrn = case.declaration.mrn
    for name in ("fr_system", "fr_analyst", "nl_analyst", "nl_system", "commission"):
        (event,) = [e for e in feed(people[name]) if e["type"] == "assessment.completed"]
        assert event["url"] == f"/api/v1/declarations/{mrn}/assessment/"
        assert event["data"]["mrn"] == mrn and event["data"]["version"] == 1
        assert event["data"]["outcome"] == "control_recommended" and event["data"]["responsible_member_state"] == "FR"
        assert set(event) == {"id", "type", "occurred_at", "cursor", "url", "data"}
    assert feed(people["de_analyst"], types=ASSESSMENTS) == []
    screen_mrns(mrn)  # the same result again: nothing new happened
    assert types(feed(people["fr_system"], types=ASSESSMENTS)) == ["assessment.completed"]


def test_a_rescreening_that_changes_the_result_is_an_assessment_changed_event(people, referred, feed):
    case = referred()
    publish_criterion(
        make_criterion("CRC-EV-DNL", outcome="do_not_load", control_type="physical", weight=90),
        make_user("ev-author", "EU", "commission"),
        make_user("ev-approver", "EU", "commission_approver"),
    )
    screen_mrns(case.declaration.mrn)
    events = feed(people["fr_system"], types=ASSESSMENTS)
    assert types(events) == ["assessment.completed", "assessment.changed"]
    assert events[1]["data"]["outcome"] == "do_not_load"
    # (one test transaction is one criteria revision, so both carry the same number here)
    assert all(isinstance(e["data"]["criteria_revision"], int) for e in events)


def test_decisions_referrals_and_control_results_reach_both_sides_only(people, referred, feed):
    case = referred()
    services.decide(actor=people["fr_analyst"], case=case, action="request_for_information", question="Who buys?")
    other = referred()
    services.decide(
        actor=people["fr_analyst"], case=other, action="control", control_type="physical", control_place="border"
    )
    services.record_control_result(
        actor=people["fr_analyst"],
        declaration=other.declaration,
        data={"control_type": "physical", "result": "no_irregularity"},
    )
    fr = feed(people["fr_system"], types=WORK)
    assert types(fr) == ["decision.created", "referral.opened", "decision.created", "control_result.recorded"]
    assert fr[1]["url"] == f"/api/v1/referrals/{case.decision.referral.pk}/"
    assert fr[1]["data"]["kind"] == "request_for_information" and fr[1]["data"]["status"] == "open"
    # NL reads the ENS (unloading) and its control results, not FR's decisions nor FR's referral.
    nl = feed(people["nl_analyst"], types=WORK)
    assert types(nl) == ["control_result.recorded"]
    ids = [e["id"] for e in feed(people["fr_system"])]
    assert len(ids) == len(set(ids))


def test_events_roll_back_with_the_change_they_record(people, referred):
    case = referred()
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.decide(actor=people["fr_analyst"], case=case, action="do_not_load")
        assert Event.objects.count() == before + 2  # decision.created, referral.opened: in the transaction
        raise RuntimeError("the change fails after the events were written")
    assert Event.objects.count() == before


def test_exchange_events_follow_the_areas_read_rules(people, feed):
    nl_system = make_user("nl_system", "NL", "national_system")
    nl_manager = make_user("nl_risk_manager", "NL", "risk_manager")
    shared = published(people["nl_analyst"], nl_manager, recipients=["FR"])
    secret = published(people["nl_analyst"], nl_manager, recipients=["FR"], handling="eu_restricted")
    rif_services.open_crisis(
        actor=people["commission"], title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )
    publish_criterion(make_criterion("FR-EV-NP", scope="national"), people["fr_analyst"], people["fr_risk_manager"])
    fr_people = feed(people["fr_analyst"])
    assert types(fr_people) == ["rif.published", "rif.published", "crisis.opened", "criterion.changed"]
    assert fr_people[1]["data"]["title"] == secret.title and fr_people[3]["data"]["status"] == "published"
    # FR's national system: the CRMS-restricted RIF; the people-only RIF announced without its content;
    # the crisis (contract 5: national systems read crisis alerts); its own national profile (contract 3 v2).
    machine = feed(people["fr_system"])
    assert criteria_for(people["fr_system"]).filter(code="FR-EV-NP").exists()
    assert types(machine) == ["rif.published", "rif.published", "crisis.opened", "criterion.changed"]
    assert (
        machine[0]["data"]["reference"] == shared.reference and machine[0]["url"] == f"/api/v1/rifs/{shared.reference}/"
    )
    assert machine[1]["data"] == {"reference": secret.reference, "handling": "eu_restricted", "people_only": True}
    assert machine[1]["url"] is None
    # DE received neither RIF and does not see FR's national profile; it sees the crisis.
    assert types(feed(people["de_analyst"])) == ["crisis.opened"]
    assert "criterion.changed" not in types(feed(nl_system))


def test_eu_criteria_changes_concern_every_participant(people, feed):
    criterion = publish_criterion(
        make_criterion("CRC-EV-EU"), make_user("a1", "EU", "commission"), make_user("a2", "EU", "commission_approver")
    )
    engine_services.retire_criterion(actor=make_user("a3", "EU", "commission_approver"), criterion=criterion)
    for name in ("fr_analyst", "de_analyst", "nl_analyst"):
        events = feed(people[name])
        assert [(e["type"], e["data"]["status"]) for e in events] == [
            ("criterion.changed", "published"),
            ("criterion.changed", "retired"),
        ], name


def test_pages_cursor_and_validation(people, referred):
    for _ in range(3):
        referred()
    client = api_client(people["fr_analyst"])
    first = client.get("/api/v1/events/?limit=2").json()
    assert len(first["results"]) == 2 and first["next"] and first["cursor"] == first["results"][-1]["cursor"]
    rest = client.get(first["next"]).json()
    assert [e["id"] for e in rest["results"]] and rest["next"] is None
    assert client.get(f"/api/v1/events/?after={rest['cursor']}").json() == {
        "results": [],
        "cursor": rest["cursor"],
        "next": None,
    }
    for query, field in (("after=abc", "after"), ("limit=0", "limit"), ("limit=501", "limit"), ("types=x", "types")):
        (error,) = assert_error_body(client.get(f"/api/v1/events/?{query}"), 400)
        assert error["field"] == field
    assert api_client(None).get("/api/v1/events/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_cursor_never_skips_an_event_that_commits_late_with_a_lower_id(reference_data):
    """The outbox's hole: event A is written first (lower id) but commits after event B. A reader that
    moved past B must still get A. Positions are given at commit-visible time, so it does."""
    reader = make_user("fr_reader", "FR", "analyst")
    written, release = threading.Event(), threading.Event()

    def slow_transaction():
        try:
            with transaction.atomic():
                outbox.emit("decision.created", member_states=["FR"], url="/a/", data={"name": "A"})
                written.set()
                release.wait(10)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_transaction)
    slow.start()
    assert written.wait(10)
    with transaction.atomic():
        outbox.emit("decision.created", member_states=["FR"], url="/b/", data={"name": "B"})
    first = read_feed(reader)
    assert [e["data"]["name"] for e in first["results"]] == ["B"]
    release.set()
    slow.join(10)
    later = read_feed(reader, first["cursor"])
    assert [e["data"]["name"] for e in later["results"]] == ["A"]
    a, b = Event.objects.get(data__name="A"), Event.objects.get(data__name="B")
    assert a.pk < b.pk and a.position > b.position


def test_an_event_outside_a_transaction_is_refused(monkeypatch):
    monkeypatch.setattr(type(connection), "in_atomic_block", False, raising=False)
    with pytest.raises(outbox.OutsideTransaction):
        outbox.emit("decision.created", member_states=["FR"], url="/x/", data={})
