"""The screening pipeline with a real broker and a real Celery worker process (contract 2.4 and 3).

Filing commits, the versions go to the worker, the assessment turns ``screened``; the sweeper
recovers ENS whose task was lost; publishing or retiring a criterion re-screens the ENS still
open (not arrived more than 24 hours ago). Every wait is bounded. Re-screening is idempotent,
also when two screenings race.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration, file_declarations
from risk_engine import pipeline, services
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models import Assessment, Hit
from risk_engine.screening import screen_versions
from tests.conftest import make_user
from tests.risk_engine.conftest import (
    api_client,
    current_version_ids,
    make_criterion,
    make_ens,
    make_item,
    publish_criterion,
    read_assessment,
    wait_for,
)

WAIT = 30.0  # seconds: a single ENS is screened well within this by an idle worker


def criterion_codes(user, mrn: str) -> list[str]:
    return sorted(hit["criterion"] for hit in read_assessment(user, mrn)["hits"])


def status_of(user, mrn: str) -> str:
    return read_assessment(user, mrn)["status"]


def hit_rows(version_ids: list[int]) -> list[tuple]:
    return sorted(
        Hit.objects.filter(assessment__version_id__in=version_ids).values_list(
            "assessment__version_id", "criterion_code", "criterion_version_id", "items", "outcome", "weight"
        )
    )


@pytest.fixture
def cast(reference_data):
    return {
        "author": make_user("pl_author", "EU", "commission"),
        "approver": make_user("pl_approver", "EU", "commission_approver"),
        "system": make_user("pl_fr_system", "FR", "national_system"),
        "reader": make_user("pl_fr_analyst", "FR", "analyst"),
    }


@pytest.fixture
def worker(cast, celery_worker_process):
    """The session's worker; the directory's conftest settles it before and after each test."""
    return celery_worker_process


# --- the worker ---------------------------------------------------------------------------------------------


@pytest.mark.worker
def test_posted_ens_is_screened_by_the_worker(cast, worker):
    publish_criterion(make_criterion("CRC-PL-TOYS"), cast["author"], cast["approver"])
    response = api_client(cast["system"]).post("/api/v1/declarations/", make_ens(), format="json")
    assert response.status_code == 201
    mrn = response.json()["mrn"]
    assert wait_for(lambda: status_of(cast["reader"], mrn) == "screened", WAIT), read_assessment(cast["reader"], mrn)
    document = read_assessment(cast["reader"], mrn)
    assert document["outcome"] == "control_recommended" and document["score"] == 60
    assert criterion_codes(cast["reader"], mrn) == ["CRC-PL-TOYS"]
    assert document["screened_at"] is not None
    assert Declaration.objects.get(mrn=mrn).screening_status == "screened"


@pytest.mark.worker
def test_a_batch_is_screened_by_the_worker_columnar(cast, worker):
    publish_criterion(
        make_criterion("CRC-PL-GUNS", condition={"field": "item.hs_code", "op": "starts_with", "value": ["9303"]}),
        cast["author"],
        cast["approver"],
    )
    bodies = [
        make_ens(goods_items=[make_item(1), make_item(2, hs_code="930320", description="shotgun")])
        if index % 3 == 0
        else make_ens()
        for index in range(12)
    ]
    response = api_client(cast["system"]).post("/api/v1/declarations/batch/", {"declarations": bodies}, format="json")
    assert response.status_code == 200
    mrns = [row["mrn"] for row in response.json()["results"]]
    assert [row["status"] for row in response.json()["results"]] == [201] * 12

    def all_screened() -> bool:
        return Declaration.objects.filter(mrn__in=mrns, screening_status="screened").count() == 12

    assert wait_for(all_screened, WAIT)
    for index, mrn in enumerate(mrns):
        hits = read_assessment(cast["reader"], mrn)["hits"]
        assert [(h["criterion"], h["items"]) for h in hits] == ([("CRC-PL-GUNS", [2])] if index % 3 == 0 else [])


@pytest.mark.worker
def test_amendment_is_screened_again(cast, worker):
    publish_criterion(
        make_criterion("CRC-PL-AMEND", condition={"field": "item.hs_code", "op": "starts_with", "value": ["9303"]}),
        cast["author"],
        cast["approver"],
    )
    body = make_ens()
    (result,) = file_declarations([body], user=cast["system"])
    assert wait_for(lambda: status_of(cast["reader"], result.mrn) == "screened", WAIT)
    assert criterion_codes(cast["reader"], result.mrn) == []
    amended = {**body, "goods_items": [make_item(1, hs_code="930320", description="shotgun")]}
    declaration = Declaration.objects.get(mrn=result.mrn)
    assert amend_declaration(declaration, amended, user=cast["system"]).status == 201

    def second_version_screened() -> bool:
        document = read_assessment(cast["reader"], result.mrn)
        return document["version"] == 2 and document["status"] == "screened"

    assert wait_for(second_version_screened, WAIT)
    assert criterion_codes(cast["reader"], result.mrn) == ["CRC-PL-AMEND"]
    assert Assessment.objects.filter(declaration=declaration).count() == 2  # one per version, v1's kept


# --- idempotent re-screening ---------------------------------------------------------------------------------


def test_screening_twice_gives_the_same_hits_and_one_assessment_per_version(cast):
    publish_criterion(make_criterion("CRC-PL-IDEM-1"), cast["author"], cast["approver"])
    publish_criterion(
        make_criterion("CRC-PL-IDEM-2", condition={"field": "routing.countries", "op": "any_in", "value": ["AE"]}),
        cast["author"],
        cast["approver"],
    )
    results = file_declarations([make_ens() for _ in range(5)], user=cast["system"])
    ids = current_version_ids(*(r.mrn for r in results))
    for batch in ([ids[0]], ids, ids):  # per record, then twice columnar
        screen_versions(batch)
    first = hit_rows(ids)
    first_docs = [read_assessment(cast["reader"], r.mrn) for r in results]
    screen_versions(ids)
    screen_versions(ids[:2])
    assert hit_rows(ids) == first
    assert len(first) == 10  # both criteria on each of the 5 ENS: no duplicates
    assert Assessment.objects.filter(version_id__in=ids).count() == 5
    assert Hit.objects.filter(assessment__version_id__in=ids).count() == 10
    strip = lambda doc: {k: v for k, v in doc.items() if k != "screened_at"}  # noqa: E731
    assert [strip(read_assessment(cast["reader"], r.mrn)) for r in results] == [strip(d) for d in first_docs]


def test_racing_screenings_leave_one_assessment_per_version(cast):
    publish_criterion(make_criterion("CRC-PL-RACE"), cast["author"], cast["approver"])
    results = file_declarations([make_ens() for _ in range(6)], user=cast["system"])
    ids = current_version_ids(*(r.mrn for r in results))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(batch):
        try:
            barrier.wait(timeout=10)
            screen_versions(batch)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(batch,)) for batch in (ids, ids, ids[:3], list(reversed(ids)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert Assessment.objects.filter(version_id__in=ids).count() == 6
    assert len(hit_rows(ids)) == 6 and Hit.objects.filter(assessment__version_id__in=ids).count() == 6
    assert Declaration.objects.filter(mrn__in=[r.mrn for r in results], screening_status="screened").count() == 6


# --- the sweeper --------------------------------------------------------------------------------------------------


@pytest.mark.worker
def test_sweeper_recovers_ens_whose_task_was_lost(cast, worker, monkeypatch):
    # Publishing would re-screen every open ENS: keep that out of this test, only the sweeper may help.
    monkeypatch.setattr(pipeline, "request_rescreen", lambda: None)
    publish_criterion(make_criterion("CRC-PL-SWEEP"), cast["author"], cast["approver"])
    sent: list[list[int]] = []
    with monkeypatch.context() as lost_tasks:
        lost_tasks.setattr(pipeline, "enqueue", lambda version_ids: sent.append(version_ids) or 0)  # broker loses them
        lost = [r.mrn for r in file_declarations([make_ens() for _ in range(4)], user=cast["system"])]
        (fresh,) = [r.mrn for r in file_declarations([make_ens()], user=cast["system"])]
    assert len(sent) == 2  # the filings did try to enqueue (after commit)
    assert not wait_for(lambda: status_of(cast["reader"], lost[0]) != "pending", timeout=1.0)  # nobody screens them

    Declaration.objects.filter(mrn__in=lost).update(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
    assert Declaration.objects.filter(mrn__in=[*lost, fresh], screening_status="pending").count() == 5
    with override_settings(SWEEP_AFTER_SECONDS=20):
        assert pipeline.sweep_pending() == 4  # the fresh one is not overdue yet

    def lost_ones_screened() -> bool:
        return Declaration.objects.filter(mrn__in=lost, screening_status="screened").count() == 4

    assert wait_for(lost_ones_screened, WAIT)
    for mrn in lost:
        assert criterion_codes(cast["reader"], mrn) == ["CRC-PL-SWEEP"]
    assert status_of(cast["reader"], fresh) == "pending"
    with override_settings(SWEEP_AFTER_SECONDS=20):
        assert pipeline.sweep_pending() == 0  # nothing overdue is left


# --- publishing and retiring re-screen the open ENS ------------------------------------------------------------


@pytest.mark.worker
def test_publishing_rescreens_open_ens_but_not_long_arrived_ones(cast, worker):
    now = dt.datetime.now(dt.UTC)
    client = api_client(cast["system"])

    def post(arrival: dt.datetime) -> str:
        response = client.post("/api/v1/declarations/", make_ens(expected_arrival=arrival.isoformat()), format="json")
        assert response.status_code == 201
        return response.json()["mrn"]

    coming = post(now + dt.timedelta(hours=6))
    just_arrived = post(now - dt.timedelta(hours=12))  # within the last 24 hours: still open
    long_arrived = post(now - dt.timedelta(hours=30))
    mrns = [coming, just_arrived, long_arrived]
    assert wait_for(lambda: all(status_of(cast["reader"], mrn) == "screened" for mrn in mrns), WAIT)
    assert all(criterion_codes(cast["reader"], mrn) == [] for mrn in mrns)
    long_arrived_at = read_assessment(cast["reader"], long_arrived)["screened_at"]

    criterion = publish_criterion(make_criterion("CRC-PL-NEW"), cast["author"], cast["approver"])

    def open_ones_hit() -> bool:
        return all(criterion_codes(cast["reader"], mrn) == ["CRC-PL-NEW"] for mrn in (coming, just_arrived))

    assert wait_for(open_ones_hit, WAIT)
    assert criterion_codes(cast["reader"], long_arrived) == []
    assert read_assessment(cast["reader"], long_arrived)["screened_at"] == long_arrived_at  # not screened again

    cache.delete(pipeline.RESCREEN_KEY)
    services.retire_criterion(actor=cast["approver"], criterion=criterion)
    forget_compiled_criteria()
    assert wait_for(lambda: all(criterion_codes(cast["reader"], mrn) == [] for mrn in (coming, just_arrived)), WAIT)
    assert read_assessment(cast["reader"], long_arrived)["screened_at"] == long_arrived_at
