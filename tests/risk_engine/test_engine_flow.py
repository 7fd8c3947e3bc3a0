"""The engine's main promises, end to end through services, the API and (where marked) a real worker."""

from __future__ import annotations

import copy
import datetime as dt
import time
import uuid

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crms.declarations.api_docs import EXAMPLE_ENS
from crms.declarations.models import Declaration
from crms.declarations.services import file_declarations
from crms.operators.models import AeoAuthorisation, Operator
from risk_engine import pipeline, services
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models import Assessment, Hit
from risk_engine.screening import screen_versions
from tests.conftest import make_user

SINCE = "2026-01-01T00:00:00Z"


def ens(**overrides) -> dict:
    body = copy.deepcopy(EXAMPLE_ENS)
    body["lrn"] = f"T-{uuid.uuid4().hex[:20]}"
    body["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)).isoformat()
    body.update(overrides)
    return body


def criterion(code: str, **overrides) -> dict:
    doc = {
        "code": code,
        "title": f"Test {code}",
        "scope": "eu",
        "risk_area": "product_safety",
        "condition": {"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9503"]}]},
        "weight": 60,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "valid_from": SINCE,
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def cast(db):
    return {
        "author": make_user("eu-author", "EU", "commission"),
        "approver": make_user("eu-approver", "EU", "commission_approver"),
        "approver2": make_user("eu-approver-2", "EU", "commission_approver"),
        "fr_system": make_user("fr-system", "FR", "national_system"),
        "fr_analyst": make_user("fr-analyst", "FR", "analyst"),
        "fr_manager": make_user("fr-manager", "FR", "risk_manager"),
        "nl_analyst": make_user("nl-analyst", "NL", "analyst"),
        "de_manager": make_user("de-manager", "DE", "risk_manager"),
    }


def publish(doc: dict, author, approver):
    version = services.create_criterion(actor=author, data=doc)
    services.submit_criterion(actor=author, criterion=version.criterion)
    services.approve_criterion(actor=approver, criterion=version.criterion)
    forget_compiled_criteria()
    return version.criterion


def file_and_screen(user, body: dict) -> Declaration:
    result = file_declarations([body], user=user)[0]
    assert result.status == 201, result.errors
    declaration = Declaration.objects.get(mrn=result.mrn)
    screen_versions([declaration.versions.get(version=declaration.current_version).pk])
    return declaration


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def assessment(user, mrn: str) -> dict:
    response = api(user).get(f"/api/v1/declarations/{mrn}/assessment/")
    assert response.status_code == 200
    return response.json()


# --- four-eyes and versions ---------------------------------------------------------------------


def test_author_cannot_approve_even_with_approver_rights(cast):
    client = api(cast["approver"])
    assert client.post("/api/v1/criteria/", criterion("CRC-T-4EYES"), format="json").status_code == 201
    assert client.post("/api/v1/criteria/CRC-T-4EYES/submit/").status_code == 200
    refused = client.post("/api/v1/criteria/CRC-T-4EYES/approve/")
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "four_eyes"
    assert api(cast["approver2"]).post("/api/v1/criteria/CRC-T-4EYES/approve/").status_code == 200
    assert api(cast["fr_analyst"]).get("/api/v1/criteria/CRC-T-4EYES/").json()["status"] == "published"


def test_new_draft_does_not_run_until_approved_and_hits_record_the_version(cast):
    crit = publish(criterion("CRC-T-VERS"), cast["author"], cast["approver"])
    first = file_and_screen(cast["fr_system"], ens())
    assert [(h["criterion"], h["criterion_version"]) for h in assessment(cast["fr_analyst"], first.mrn)["hits"]] == [
        ("CRC-T-VERS", 1)
    ]
    # Version 2 narrows the condition to HS 9504: while it is a draft, version 1 keeps hitting 9503.
    narrowed = criterion(
        "CRC-T-VERS", condition={"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9504"]}]}
    )
    services.update_criterion(actor=cast["author"], criterion=crit, data=narrowed)
    forget_compiled_criteria()
    second = file_and_screen(cast["fr_system"], ens())
    assert [h["criterion_version"] for h in assessment(cast["fr_analyst"], second.mrn)["hits"]] == [1]
    services.submit_criterion(actor=cast["author"], criterion=crit)
    services.approve_criterion(actor=cast["approver"], criterion=crit)
    forget_compiled_criteria()
    third = file_and_screen(cast["fr_system"], ens())
    assert assessment(cast["fr_analyst"], third.mrn)["hits"] == []  # v2 no longer matches toys
    fourth = file_and_screen(
        cast["fr_system"], ens(goods_items=[{**EXAMPLE_ENS["goods_items"][0], "hs_code": "950450"}])
    )
    assert [h["criterion_version"] for h in assessment(cast["fr_analyst"], fourth.mrn)["hits"]] == [2]
    statuses = [v["status"] for v in api(cast["fr_analyst"]).get("/api/v1/criteria/CRC-T-VERS/").json()["versions"]]
    assert statuses == ["superseded", "published"]


def test_retired_criterion_stops_hitting(cast):
    crit = publish(criterion("CRC-T-RET"), cast["author"], cast["approver"])
    assert assessment(cast["fr_analyst"], file_and_screen(cast["fr_system"], ens()).mrn)["hits"]
    services.retire_criterion(actor=cast["approver"], criterion=crit)
    forget_compiled_criteria()
    assert assessment(cast["fr_analyst"], file_and_screen(cast["fr_system"], ens()).mrn)["hits"] == []


def test_lifecycle_transitions_are_audited(cast):
    from crms.audit.models import AuditEntry

    publish(criterion("CRC-T-AUD"), cast["author"], cast["approver"])
    actions = list(AuditEntry.objects.filter(object_repr="CRC-T-AUD").order_by("id").values_list("action", flat=True))
    assert actions == ["criterion.draft_created", "criterion.submitted", "criterion.published"]


# --- visibility of national profiles --------------------------------------------------------------


def test_national_profile_hit_hidden_from_other_member_states(cast):
    publish(criterion("FR-T-NP", scope="national", risk_area="financial"), cast["fr_analyst"], cast["fr_manager"])
    publish(criterion("CRC-T-EU"), cast["author"], cast["approver"])
    declaration = file_and_screen(cast["fr_system"], ens(place_of_unloading="NLRTM"))
    assert {h["criterion"] for h in assessment(cast["fr_analyst"], declaration.mrn)["hits"]} == {"FR-T-NP", "CRC-T-EU"}
    assert {h["criterion"] for h in assessment(cast["author"], declaration.mrn)["hits"]} == {"FR-T-NP", "CRC-T-EU"}
    assert {h["criterion"] for h in assessment(cast["nl_analyst"], declaration.mrn)["hits"]} == {"CRC-T-EU"}
    # The profile itself is invisible to the NL analyst and to a DE risk manager.
    assert api(cast["nl_analyst"]).get("/api/v1/criteria/FR-T-NP/").status_code == 404
    assert api(cast["de_manager"]).post("/api/v1/criteria/FR-T-NP/retire/").status_code == 404


def test_national_profile_runs_only_for_its_member_state(cast):
    publish(criterion("FR-T-ONLY", scope="national"), cast["fr_analyst"], cast["fr_manager"])
    nl_system = make_user("nl-system", "NL", "national_system")
    nl_declaration = file_and_screen(
        nl_system, ens(office_of_first_entry="NL000854", place_of_unloading="NLAMS", countries_of_routing=["CN", "NL"])
    )
    assert Hit.objects.filter(assessment__declaration=nl_declaration).count() == 0


# --- AEO facilitation -------------------------------------------------------------------------------


def _aeo(eori: str, *, status: str = "active", valid_to: dt.date | None = None) -> None:
    operator = Operator.objects.create(eori=eori, name="Trusted Trader", country_id="DE")
    AeoAuthorisation.objects.create(
        operator=operator,
        number=f"DE-AEOF-{eori}",
        type="AEOF",
        issuing_country_id="DE",
        valid_from=dt.date(2020, 1, 1),
        valid_to=valid_to,
        status=status,
    )


@pytest.mark.parametrize("facilitation", [True, False])
def test_aeo_facilitation_downgrades_only_when_the_criterion_allows_it(cast, facilitation):
    _aeo("DE123456789012345")  # the filer of the contract example
    publish(criterion("CRC-T-AEO", allows_aeo_facilitation=facilitation), cast["author"], cast["approver"])
    result = assessment(cast["fr_analyst"], file_and_screen(cast["fr_system"], ens()).mrn)
    (hit,) = result["hits"]  # the hit is always recorded
    if facilitation:
        assert (result["outcome"], hit["aeo_facilitated"], result["score"]) == ("assessment_complete", True, 30)
    else:
        assert (result["outcome"], hit["aeo_facilitated"], result["score"]) == ("control_recommended", False, 60)


@pytest.mark.parametrize("outcome", ["do_not_load", "high_risk_cargo_screening"])
def test_referrals_are_never_facilitated(cast, outcome):
    _aeo("DE123456789012345")
    publish(criterion("CRC-T-DNL", outcome=outcome, allows_aeo_facilitation=True), cast["author"], cast["approver"])
    result = assessment(cast["fr_analyst"], file_and_screen(cast["fr_system"], ens()).mrn)
    assert result["outcome"] == outcome and result["hits"][0]["aeo_facilitated"] is False


@pytest.mark.parametrize("status,valid_to", [("suspended", None), ("revoked", None), ("active", dt.date(2021, 1, 1))])
def test_invalid_authorisations_give_no_facilitation(cast, status, valid_to):
    _aeo("DE123456789012345", status=status, valid_to=valid_to)
    publish(criterion("CRC-T-AEO2", allows_aeo_facilitation=True), cast["author"], cast["approver"])
    assert (
        assessment(cast["fr_analyst"], file_and_screen(cast["fr_system"], ens()).mrn)["outcome"]
        == "control_recommended"
    )


# --- idempotent screening ------------------------------------------------------------------------------


def test_rescreening_twice_gives_the_same_single_assessment(cast):
    publish(criterion("CRC-T-IDEM"), cast["author"], cast["approver"])
    declaration = file_and_screen(cast["fr_system"], ens())
    version = declaration.versions.get()
    before = assessment(cast["fr_analyst"], declaration.mrn)
    screen_versions([version.pk])
    screen_versions([version.pk])
    after = assessment(cast["fr_analyst"], declaration.mrn)
    assert Assessment.objects.filter(version=version).count() == 1
    assert Hit.objects.filter(assessment__version=version).count() == 1
    assert {k: v for k, v in before.items() if k != "screened_at"} == {
        k: v for k, v in after.items() if k != "screened_at"
    }


# --- the real pipeline: broker, worker, sweeper, re-screening ----------------------------------------------


def _wait(predicate, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
def test_posted_ens_is_screened_by_the_worker(reference_data, celery_worker_process):
    author, approver = make_user("w-author", "EU", "commission"), make_user("w-appr", "EU", "commission_approver")
    publish(criterion("CRC-T-WORKER"), author, approver)
    system = make_user("w-fr-system", "FR", "national_system")
    response = api(system).post("/api/v1/declarations/", ens(), format="json")
    assert response.status_code == 201
    mrn = response.json()["mrn"]
    # Workers look for criteria changes at most once a second; the re-screen after publishing
    # (2 s later) catches an ENS filed within that second, so wait for the hit itself.
    assert _wait(lambda: [h["criterion"] for h in assessment(system, mrn)["hits"]] == ["CRC-T-WORKER"])


@pytest.mark.worker
def test_sweeper_recovers_declarations_whose_task_was_lost(reference_data, celery_worker_process, monkeypatch):
    system = make_user("s-fr-system", "FR", "national_system")
    monkeypatch.setattr(pipeline, "enqueue", lambda version_ids: 0)  # the broker "loses" the tasks
    results = file_declarations([ens() for _ in range(5)], user=system)
    monkeypatch.undo()
    mrns = [r.mrn for r in results]
    Declaration.objects.filter(mrn__in=mrns).update(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    assert Declaration.objects.filter(mrn__in=mrns, screening_status="pending").count() == 5
    with override_settings(SWEEP_AFTER_SECONDS=5):
        assert pipeline.sweep_pending() == 5
    assert _wait(lambda: Declaration.objects.filter(mrn__in=mrns, screening_status="screened").count() == 5)


@pytest.mark.worker
def test_publishing_rescreens_open_but_not_arrived_long_ago(reference_data, celery_worker_process):
    from django.core.cache import cache

    cache.delete(pipeline.RESCREEN_KEY)
    system = make_user("r-fr-system", "FR", "national_system")
    open_one = api(system).post("/api/v1/declarations/", ens(), format="json").json()["mrn"]
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat()
    arrived = api(system).post("/api/v1/declarations/", ens(expected_arrival=old), format="json").json()["mrn"]
    assert _wait(lambda: assessment(system, open_one)["status"] == assessment(system, arrived)["status"] == "screened")
    assert assessment(system, open_one)["hits"] == []
    publish(
        criterion("CRC-T-NEW"),
        make_user("p-author", "EU", "commission"),
        make_user("p-appr", "EU", "commission_approver"),
    )
    assert _wait(lambda: [h["criterion"] for h in assessment(system, open_one)["hits"]] == ["CRC-T-NEW"])
    assert assessment(system, arrived)["hits"] == []  # arrived three days ago: not screened again
