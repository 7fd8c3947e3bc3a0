"""Claiming: two analysts of one Member State never work the same case; claims expire and can be taken over."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from crms.audit.models import AuditEntry
from workbench import services
from workbench.models import Case, Decision


def claim_error(actor, case) -> services.WorkbenchError:
    with pytest.raises(services.WorkbenchError) as caught:
        services.claim_case(actor=actor, case=case)
    return caught.value


@pytest.mark.django_db
def test_two_analysts_one_wins_the_other_gets_409_claimed(people, referred):
    case = referred()
    first, second = people["fr_analyst"], people["fr_analyst_2"]
    services.claim_case(actor=first, case=case)
    error = claim_error(second, case)
    assert error.status == 409 and error.errors[0]["code"] == "claimed"
    assert first.username in error.errors[0]["message"]
    case.refresh_from_db()
    assert case.claimed_by == first and case.claimed_at is not None
    # Claiming again is harmless for the holder.
    services.claim_case(actor=first, case=case)
    assert AuditEntry.objects.filter(action="case.claimed", object_id=str(case.pk)).count() == 2


@pytest.mark.django_db
def test_release_lets_the_other_analyst_claim(people, referred):
    case = referred()
    first, second = people["fr_analyst"], people["fr_analyst_2"]
    services.claim_case(actor=first, case=case)
    with pytest.raises(services.WorkbenchError) as caught:
        services.release_case(actor=second, case=case)
    assert caught.value.status == 409  # only the holder releases
    services.release_case(actor=first, case=case)
    case.refresh_from_db()
    assert case.claimed_by is None and case.claimed_at is None
    services.claim_case(actor=second, case=case)
    case.refresh_from_db()
    assert case.claimed_by == second
    assert AuditEntry.objects.filter(action="case.released", object_id=str(case.pk)).count() == 1


def test_a_decided_case_is_not_released(people, referred):
    """Adversarial probe, 7 December: "Released." was answered on a decided case (a claim there says it is decided)."""
    case = referred()
    services.claim_case(actor=people["fr_analyst"], case=case)
    services.decide(actor=people["fr_analyst"], case=case, action="dismiss", reason="Known trader, checked.")
    with pytest.raises(services.WorkbenchError) as caught:
        services.release_case(actor=people["fr_analyst"], case=Case.objects.get(pk=case.pk))
    assert caught.value.status == 409 and "decided" in caught.value.errors[0]["message"]
    assert not AuditEntry.objects.filter(action="case.released", object_id=str(case.pk)).exists()


@pytest.mark.django_db
def test_an_expired_claim_can_be_taken_over(people, referred, settings):
    settings.CASE_CLAIM_MINUTES = 30
    case = referred()
    first, second = people["fr_analyst"], people["fr_analyst_2"]
    services.claim_case(actor=first, case=case)
    Case.objects.filter(pk=case.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=29))
    assert claim_error(second, case).errors[0]["code"] == "claimed"
    Case.objects.filter(pk=case.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=31))
    services.claim_case(actor=second, case=case)
    case.refresh_from_db()
    assert case.claimed_by == second
    entry = AuditEntry.objects.filter(action="case.claimed", object_id=str(case.pk)).latest("id")
    assert entry.before == {"claimed_by": first.username}


@pytest.mark.django_db
def test_a_claimed_case_cannot_be_decided_by_another_analyst(people, referred):
    case = referred()
    services.claim_case(actor=people["fr_analyst"], case=case)
    with pytest.raises(services.WorkbenchError) as caught:
        services.decide(actor=people["fr_analyst_2"], case=case, action="dismiss", reason="Known trader, fine.")
    assert caught.value.status == 409 and caught.value.errors[0]["code"] == "claimed"
    assert not Decision.objects.filter(case=case).exists()
    # The holder decides; without a claim anyone of the queue may (a claim is a courtesy, not a requirement).
    services.decide(actor=people["fr_analyst"], case=case, action="dismiss", reason="Known trader, fine.")
    assert Decision.objects.get(case=case).decided_by == people["fr_analyst"]


@pytest.mark.django_db
def test_claiming_is_for_the_queues_own_workers(people, referred):
    case = referred()
    for name in ("nl_analyst", "de_analyst", "fr_auditor", "fr_system", "commission"):
        error = claim_error(people[name], case)
        assert error.status == 403, name
    services.claim_case(actor=people["fr_risk_manager"], case=case)


@pytest.mark.django_db
def test_claim_buttons_in_the_browser(people, referred):
    case = referred()
    first, second = Client(), Client()
    first.force_login(people["fr_analyst"])
    second.force_login(people["fr_analyst_2"])
    response = first.post(f"/workbench/cases/{case.pk}/claim/")
    assert response.status_code == 302 and response["Location"] == f"/workbench/cases/{case.pk}/"
    refused = second.post(f"/workbench/cases/{case.pk}/claim/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 409 and b"fr_analyst is working on this case" in refused.content
    page = second.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'id="claim-button"' not in page and 'id="decision-form"' not in page
    assert "fr_analyst since" in page
    # The holder sees Release and the decision form.
    own = first.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "Release" in own and 'id="decision-form"' in own
    assert first.post(f"/workbench/cases/{case.pk}/release/").status_code == 302
    case.refresh_from_db()
    assert case.claimed_by is None


# --- a real race: two threads, two database connections ------------------------------------------------------------


def _in_thread(target, results: list, index: int):
    def run():
        try:
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_exactly_one_wins(reference_data, no_broker, people, referred):
    cases = [referred() for _ in range(4)]
    first, second = people["fr_analyst"], people["fr_analyst_2"]
    for case in cases:
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def claim_as(actor, case=case, barrier=barrier):
            barrier.wait()
            return services.claim_case(actor=actor, case=Case.objects.get(pk=case.pk))

        threads = [_in_thread(lambda a=a: claim_as(a), results, i) for i, a in enumerate((first, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        winners = [r for r in results if isinstance(r, Case)]
        losers = [r for r in results if isinstance(r, services.WorkbenchError)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].status == 409 and losers[0].errors[0]["code"] == "claimed"
        case.refresh_from_db()
        assert case.claimed_by_id == winners[0].claimed_by_id


@pytest.mark.django_db(transaction=True)
def test_a_claim_in_flight_blocks_the_other_until_it_commits(reference_data, no_broker, people, referred):
    """Deterministic: the first claim holds its row lock; the second waits on it, then sees the claim."""
    case = referred()
    first, second = people["fr_analyst"], people["fr_analyst_2"]
    locked, release = threading.Event(), threading.Event()
    results: list = [None, None]

    def slow_claim():
        with transaction.atomic():
            claimed = services.claim_case(actor=first, case=Case.objects.get(pk=case.pk))
            locked.set()
            release.wait(10)
        return claimed

    def quick_claim():
        locked.wait(10)
        return services.claim_case(actor=second, case=Case.objects.get(pk=case.pk))

    holder, waiter = _in_thread(slow_claim, results, 0), _in_thread(quick_claim, results, 1)
    holder.start()
    waiter.start()
    assert locked.wait(10)
    time.sleep(0.5)
    assert waiter.is_alive(), "the second claim should wait on the first one's row lock"
    release.set()
    holder.join(20)
    waiter.join(20)
    assert isinstance(results[0], Case), results
    assert isinstance(results[1], services.WorkbenchError) and results[1].errors[0]["code"] == "claimed", results
    case.refresh_from_db()
    assert case.claimed_by == first


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_record_one(reference_data, no_broker, people, referred):
    case = referred()
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def decide_as(actor):
        barrier.wait()
        return services.decide(
            actor=actor, case=Case.objects.get(pk=case.pk), action="control", control_type="physical",
            control_place="border",
        )  # fmt: skip

    threads = [
        _in_thread(lambda a=people[name]: decide_as(a), results, i)
        for i, name in enumerate(("fr_analyst", "fr_analyst_2"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sum(isinstance(r, Decision) for r in results) == 1, results
    loser = next(r for r in results if not isinstance(r, Decision))
    assert isinstance(loser, services.WorkbenchError) and loser.status == 409, results
    assert loser.errors[0]["code"] in ("already_decided", "conflict")
    assert Decision.objects.filter(case=case).count() == 1
