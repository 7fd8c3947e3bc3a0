"""Webhooks (contract 5): subscriptions by national systems, signed deliveries in feed order, at least once,
retries with exponential back-off for 24 hours, then a visible dead letter; URLs checked against the
outbound policy (loopback only when allowed, never private or link-local ranges)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import orjson
import pytest
from django.utils import timezone

from crms.audit.models import AuditEntry
from notifications import delivery, events, targets
from notifications.models import Delivery, Subscription
from tests.risk_engine.conftest import api_client, assert_error_body
from workbench import services

pytestmark = pytest.mark.django_db

SECRET = "a-long-shared-secret-0123456789"
WORK = ["decision.created", "referral.opened", "referral.answered", "referral.closed"]


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_ALLOWED_NETWORKS = []


def subscribe(user, url: str, events=WORK, **extra):
    body = {"url": url, "events": events, "secret": SECRET, **extra}
    return api_client(user).post("/api/v1/subscriptions/", body, format="json")


def rfi(people, referred):
    """A request for information: decision.created and referral.opened, numbered in the feed."""
    decision = services.decide(actor=people["fr_analyst"], case=referred(), action="request_for_information")
    events.sequence()
    return decision


def sweep_until_idle(rounds: int = 20) -> None:
    for _ in range(rounds):
        if delivery.sweep(budget_seconds=5) == 0:
            return


# --- subscribing ------------------------------------------------------------------------------------------------


def test_a_national_system_subscribes_and_reads_its_subscription(people, receiver):
    response = subscribe(people["fr_system"], receiver.url)
    assert response.status_code == 201, response.content
    document = response.json()
    assert document["url"] == receiver.url and document["events"] == sorted(WORK)
    assert document["backlog"] == 0 and document["delivered"] == 0 and document["dead_letters"] == 0
    assert "secret" not in document
    assert api_client(people["fr_system"]).get(f"/api/v1/subscriptions/{document['id']}/").json() == document
    entry = AuditEntry.objects.get(action="subscription.created")
    assert SECRET not in str(entry.after)
    for name in ("fr_analyst", "commission", "nl_system"):  # someone else's subscription does not exist for them
        assert api_client(people[name]).get(f"/api/v1/subscriptions/{document['id']}/").status_code == 404


@pytest.mark.parametrize("name", ["fr_analyst", "fr_risk_manager", "fr_auditor", "commission", "eu_auditor"])
def test_only_national_systems_subscribe(people, receiver, name):
    assert_error_body(subscribe(people[name], receiver.url), 403)
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"events": ["assessment.finished"]}, "events[0]"),
        ({"events": []}, "events"),
        ({"secret": "short"}, "secret"),
        ({"url": 42}, "url"),
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "http://user:pw@127.0.0.1:9/x"}, "url"),
        ({"url": "http://10.1.2.3/hook"}, "url"),  # private range
        ({"url": "http://192.168.0.10/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "url"),  # link-local: cloud metadata
        ({"url": "http://[::ffff:10.0.0.1]/hook"}, "url"),
        ({"url": "http://0.0.0.0/hook"}, "url"),
        ({"url": "http://93.184.216.34/hook"}, "url"),  # public, but not over TLS
        ({"url": "https://no-such-host.invalid/hook"}, "url"),
        ({"after": -1}, "after"),
    ],
)
def test_bad_subscriptions_are_400_naming_the_field(people, receiver, changes, field):
    body = {"url": receiver.url, "events": WORK, "secret": SECRET} | changes
    errors = assert_error_body(api_client(people["fr_system"]).post("/api/v1/subscriptions/", body, format="json"), 400)
    assert field in {e["field"] for e in errors}, errors
    assert not Subscription.objects.exists()


def test_loopback_is_refused_unless_the_setting_allows_it(people, receiver, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    (error,) = assert_error_body(subscribe(people["fr_system"], receiver.url), 400)
    assert error["field"] == "url" and "loopback" in error["message"]
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert targets.check("http://10.20.1.2/hook").address == "10.20.1.2"  # a listed private network
    with pytest.raises(targets.TargetRefused):
        targets.check("http://10.21.1.2/hook")


# --- delivering -------------------------------------------------------------------------------------------------


def test_events_are_posted_signed_in_feed_order_and_the_feed_carries_the_same_bytes(people, referred, receiver):
    subscription = subscribe(people["fr_system"], receiver.url).json()
    decisions = [rfi(people, referred) for _ in range(3)]
    sweep_until_idle()
    got = receiver.unique()
    assert [e["type"] for e in got] == ["decision.created", "referral.opened"] * 3
    assert [e["data"]["mrn"] for e in got[::2]] == [d.declaration.mrn for d in decisions]
    cursors = [int(e["cursor"]) for e in got]
    assert cursors == sorted(cursors)
    assert receiver.bad_signatures == 0 and len(receiver.received) == 6  # each once when nothing fails
    feed = api_client(people["fr_system"]).get("/api/v1/events/?types=" + ",".join(WORK)).json()["results"]
    assert feed == got
    document = api_client(people["fr_system"]).get(f"/api/v1/subscriptions/{subscription['id']}/").json()
    assert document["delivered"] == 6 and document["backlog"] == 0
    assert document["cursor"] == got[-1]["cursor"]
    assert [d["status"] for d in document["recent_deliveries"]] == ["delivered"] * 6


def test_the_signature_is_the_hmac_of_the_exact_body():
    body = orjson.dumps({"id": 1, "type": "decision.created"})
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert delivery.signature(SECRET, body) == f"sha256={expected}"


def test_a_failing_receiver_blocks_the_next_event_and_is_retried_with_exponential_back_off(
    people, referred, receiver, settings
):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS, settings.WEBHOOK_BACKOFF_MAX_SECONDS = 10, 3600
    subscription_id = subscribe(people["fr_system"], receiver.url).json()["id"]
    rfi(people, referred)
    receiver.status_for = lambda event, count: 503 if event["type"] == "decision.created" and count <= 3 else 200
    start = timezone.now()
    assert delivery.deliver_one(subscription_id, now=start) == "failed"
    waits = []
    moment = start
    for _ in range(2):
        subscription = Subscription.objects.get(pk=subscription_id)
        waits.append((subscription.next_attempt_at - moment).total_seconds())
        assert delivery.deliver_one(subscription_id, now=moment) == "waiting"  # not before its time
        moment = subscription.next_attempt_at
        assert delivery.deliver_one(subscription_id, now=moment) == "failed"
    subscription = Subscription.objects.get(pk=subscription_id)
    waits.append((subscription.next_attempt_at - moment).total_seconds())
    assert waits == [10, 20, 40]
    assert subscription.failures == 3 and subscription.last_error == "HTTP 503"
    # Only the head event was tried: the one behind it waits (order per subscription).
    assert {e["type"] for e in receiver.received} == {"decision.created"}
    assert delivery.deliver_one(subscription_id, now=subscription.next_attempt_at) == "delivered"
    assert delivery.deliver_one(subscription_id) == "delivered"
    assert [e["type"] for e in receiver.unique()] == ["decision.created", "referral.opened"]
    document = api_client(people["fr_system"]).get(f"/api/v1/subscriptions/{subscription_id}/").json()
    assert [d["status"] for d in document["recent_deliveries"]] == ["delivered", "delivered", *["failed"] * 3]
    assert document["recent_deliveries"][2]["http_status"] == 503 and document["consecutive_failures"] == 0


def test_after_24_hours_of_failures_the_event_is_a_visible_dead_letter_and_delivery_goes_on(people, referred, receiver):
    subscription_id = subscribe(people["fr_system"], receiver.url).json()["id"]
    rfi(people, referred)
    receiver.status_for = lambda event, count: 500 if event["type"] == "decision.created" else 200
    start = timezone.now()
    assert delivery.deliver_one(subscription_id, now=start) == "failed"
    almost = start + dt.timedelta(hours=23, minutes=59)
    assert delivery.deliver_one(subscription_id, now=almost) == "failed"  # still retried within 24 h
    assert delivery.deliver_one(subscription_id, now=start + dt.timedelta(hours=24)) == "dead"
    assert delivery.deliver_one(subscription_id, now=start + dt.timedelta(hours=24)) == "delivered"
    document = api_client(people["fr_system"]).get(f"/api/v1/subscriptions/{subscription_id}/").json()
    (dead,) = document["dead_letter_events"]
    assert dead["event_type"] == "decision.created" and dead["status"] == "dead" and dead["attempt"] == 3
    assert document["dead_letters"] == 1 and document["delivered"] == 1 and document["backlog"] == 0


def test_unreachable_receiver_is_a_failure_not_a_crash(people, referred, receiver):
    subscription_id = subscribe(people["fr_system"], receiver.url).json()["id"]
    rfi(people, referred)
    receiver.close()  # nobody listens on the port any more
    assert delivery.deliver_one(subscription_id) == "failed"
    error = Delivery.objects.get().error
    assert "Connection" in error or "refused" in error.lower()


def test_a_target_that_now_resolves_to_a_refused_address_is_not_contacted(people, referred, receiver, settings):
    subscription_id = subscribe(people["fr_system"], receiver.url).json()["id"]
    rfi(people, referred)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # as if the host had been re-pointed at a refused address
    assert delivery.deliver_one(subscription_id) == "failed"
    assert receiver.received == [] and Delivery.objects.get().error.startswith("refused:")


def test_backlog_counts_what_waits_and_a_subscription_ends(people, referred, receiver):
    subscription_id = subscribe(people["fr_system"], receiver.url).json()["id"]
    for _ in range(2):
        rfi(people, referred)
    client = api_client(people["fr_system"])
    assert client.get(f"/api/v1/subscriptions/{subscription_id}/").json()["backlog"] == 4
    assert client.delete(f"/api/v1/subscriptions/{subscription_id}/").status_code == 204
    sweep_until_idle()
    assert receiver.received == []
    assert client.get("/api/v1/subscriptions/").json()["results"][0]["active"] is False


def test_replay_from_a_cursor(people, referred, receiver):
    rfi(people, referred)
    subscribe(people["fr_system"], receiver.url, after=0)
    sweep_until_idle()
    assert [e["type"] for e in receiver.unique()] == ["decision.created", "referral.opened"]


@pytest.mark.django_db(transaction=True)
def test_parallel_subscriptions_never_pass_the_limit(reference_data, people, settings):
    """Adversarial probe, 7 December: 30 parallel POSTs made 11 active subscriptions (each counted 9 before any
    committed). The account's row is locked before counting."""
    import threading

    from django.db import connection

    from notifications import subscriptions
    from notifications.schema import SubscriptionBody

    settings.WEBHOOK_ALLOW_LOOPBACK = True
    actor = people["fr_system"]
    body = SubscriptionBody(url="http://127.0.0.1:9/hook", events=["referral.opened"], secret=SECRET)
    for _ in range(subscriptions.MAX_PER_OWNER - 1):
        subscriptions.subscribe(actor=actor, body=body)
    barrier = threading.Barrier(8)
    outcomes: list = []

    def attempt():
        try:
            barrier.wait()
            outcomes.append(subscriptions.subscribe(actor=actor, body=body))
        except subscriptions.SubscriptionError as refused:
            outcomes.append(refused.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Subscription.objects.filter(owner=actor, active=True).count() == subscriptions.MAX_PER_OWNER
    assert sorted(o for o in outcomes if isinstance(o, int)) == [409] * 7
