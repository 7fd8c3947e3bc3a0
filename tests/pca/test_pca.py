"""PCAs: linked criteria run only within the period and not while suspended; a crisis suspends a PCA;
results are computed from the control results recorded on declarations in scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from crms.declarations.models import Declaration
from pca import selectors, services
from pca.models import PcaStatus
from rif import services as rif_services
from risk_engine.compiler import active_criteria, campaign_windows, forget_compiled_criteria
from risk_engine.models import Hit
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, make_item, publish_criterion, screen_mrns
from workbench.models import ControlResult

pytestmark = pytest.mark.django_db


def hits(mrn: str) -> set[str]:
    return set(Hit.objects.filter(assessment__declaration__mrn=mrn).values_list("criterion_code", flat=True))


def toy_ens(people) -> str:
    (mrn,) = file_bodies(people["fr_system"], make_ens())
    return mrn


def test_linked_criteria_run_only_within_the_period(people, designate):
    other = publish_criterion(make_criterion("CRC-FREE-TOY"), people["commission"], people["commission_approver"])
    pca = designate()
    forget_compiled_criteria()
    mrn = toy_ens(people)
    now = timezone.now()
    screen_mrns(mrn, now=now)
    assert hits(mrn) == {"CRC-PCA-TOY", other.code}
    screen_mrns(mrn, now=pca.ends_at + dt.timedelta(hours=1))
    assert hits(mrn) == {other.code}
    screen_mrns(mrn, now=pca.starts_at - dt.timedelta(hours=1))
    assert hits(mrn) == {other.code}
    screen_mrns(mrn, now=pca.ends_at - dt.timedelta(seconds=1))
    assert hits(mrn) == {"CRC-PCA-TOY", other.code}
    # Suspended during a crisis: the linked criterion does not run, even inside the period.
    crisis = rif_services.open_crisis(
        actor=people["commission"], title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )
    services.suspend_pca(actor=people["commission"], pca=pca, crisis=crisis)
    forget_compiled_criteria()
    screen_mrns(mrn, now=now)
    assert hits(mrn) == {other.code}
    services.resume_pca(actor=people["commission"], pca=pca)
    forget_compiled_criteria()
    screen_mrns(mrn, now=now)
    assert hits(mrn) == {"CRC-PCA-TOY", other.code}
    services.close_pca(
        actor=people["commission"], pca=pca, operational_results="Fourteen seizures.", lessons="Start earlier."
    )
    forget_compiled_criteria()
    screen_mrns(mrn, now=now)
    assert hits(mrn) == {other.code}


def test_a_criterion_in_two_pcas_runs_in_either_period(people, designate):
    now = timezone.now()
    designate()
    later = designate(starts_at=now + dt.timedelta(days=10), ends_at=now + dt.timedelta(days=20))
    windows = campaign_windows()["CRC-PCA-TOY"]
    assert len(windows) == 2
    forget_compiled_criteria()
    codes = lambda moment: {c.code for c in active_criteria(moment)[0]}  # noqa: E731
    assert "CRC-PCA-TOY" in codes(now)
    assert "CRC-PCA-TOY" not in codes(now + dt.timedelta(days=5))
    assert "CRC-PCA-TOY" in codes(later.starts_at + dt.timedelta(days=1))


def test_hook_is_cached_with_the_criteria(people, designate, django_assert_max_num_queries):
    designate()
    forget_compiled_criteria()
    active_criteria()
    with django_assert_max_num_queries(1):
        active_criteria()  # nothing changed: one read of the criteria revision, no recompiling


def test_crisis_suspends_pca_of_the_same_risk_area_only(people, designate):
    pca = designate()
    crisis = rif_services.open_crisis(
        actor=people["commission"],
        title="Pandemic: protective equipment",
        risk_area="health",
        guidance="Prioritise controls of masks and test kits.",
    )
    with pytest.raises(rif_services.RifError) as error:
        services.suspend_pca(actor=people["commission"], pca=pca, crisis=crisis)
    assert error.value.errors[0]["field"] == "crisis"
    toys = rif_services.open_crisis(
        actor=people["commission"], title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )
    for name in ("fr_risk_manager", "eu_auditor"):
        with pytest.raises(rif_services.RifError):
            services.suspend_pca(actor=people[name], pca=pca, crisis=toys)
    client = Client()
    client.force_login(people["commission"])
    response = client.post(f"/pca/{pca.pk}/suspend/", {"crisis": toys.pk, "reason": "Crisis activities replace it."})
    assert response.status_code == 302
    pca.refresh_from_db()
    assert pca.status == PcaStatus.SUSPENDED and pca.suspended_by_crisis == toys
    assert "Suspended during" in client.get(f"/pca/{pca.pk}/").content.decode()
    assert "CRC-PCA-TOY" in campaign_windows() and campaign_windows()["CRC-PCA-TOY"] == ()
    # A closed crisis suspends nothing; closing records lessons.
    rif_services.close_crisis(actor=people["commission"], crisis=toys, lessons="Coordinate lab capacity earlier.")
    other = designate()
    with pytest.raises(rif_services.RifError):
        services.suspend_pca(actor=people["commission"], pca=other, crisis=toys)
    with pytest.raises(rif_services.RifError):
        rif_services.close_crisis(actor=people["commission"], crisis=toys, lessons="Again and again.")


def _control(declaration: Declaration, member_state: str, result: str, user, *, at: dt.datetime, value=None):
    version = declaration.versions.get(version=declaration.current_version)
    return ControlResult.objects.create(
        declaration=declaration,
        version=version,
        member_state_id=member_state,
        control_type="physical",
        result=result,
        estimated_value_eur=value,
        controlled_at=at,
        recorded_by=user,
        recorded_at=at,
    )


def test_results_are_computed_from_control_results_in_scope(people, designate):
    pca = designate()
    forget_compiled_criteria()
    now = timezone.now()
    toys, games, cars = file_bodies(
        people["fr_system"],
        make_ens(),  # 950300: hit by the linked criterion
        make_ens(goods_items=[make_item(1, hs_code="950490", description="board games")]),  # matches the PCA's goods
        make_ens(goods_items=[make_item(1, hs_code="870899", description="car parts")]),  # out of scope
    )
    screen_mrns(toys, games, cars, now=now)
    assert hits(toys) == {"CRC-PCA-TOY"} and not hits(games)
    by_mrn = {d.mrn: d for d in Declaration.objects.filter(mrn__in=[toys, games, cars])}
    user = people["fr_analyst"]
    _control(by_mrn[toys], "FR", "seizure", user, at=now, value=1200.0)
    _control(by_mrn[toys], "FR", "no_irregularity", user, at=now - dt.timedelta(days=3))  # before the period
    _control(by_mrn[games], "DE", "irregularity", people["de_analyst"], at=now)
    _control(by_mrn[games], "NL", "seizure", people["nl_analyst"], at=now)  # NL does not participate
    _control(by_mrn[cars], "FR", "seizure", user, at=now)  # not in scope
    services.report_results(actor=people["fr_risk_manager"], pca=pca, controls=10, detections=2, seizures=1)
    results = {r.member_state: r for r in selectors.results_of(pca)}
    assert set(results) == {"DE", "FR"}
    fr, de = results["FR"], results["DE"]
    assert (fr.controls, fr.detections, fr.seizures, fr.seized_value_eur) == (1, 1, 1, 1200.0)
    assert (fr.total_controls, fr.total_detections, fr.total_seizures, fr.progress) == (11, 3, 2, 0.11)
    assert (de.total_controls, de.total_detections, de.total_seizures, de.target, de.progress) == (1, 1, 0, 50, 0.02)
    client = Client()
    client.force_login(people["commission"])
    html = client.get(f"/pca/{pca.pk}/").content.decode()
    assert 'id="pca-data"' in html and "data-pca-chart" in html and "pca-charts.js" in html
    assert '"controls": [1, 11]' in html and '"targets": [50, 100]' in html
    # A participant's page counts what it reads (issue 13): DE its own control and FR's report, not FR's
    # control on an ENS DE may not read.
    client.force_login(people["de_analyst"])
    assert '"controls": [1, 10]' in client.get(f"/pca/{pca.pk}/").content.decode()


def test_only_participants_report_and_values_are_checked(people, designate):
    pca = designate()
    with pytest.raises(rif_services.RifError):
        services.report_results(actor=people["nl_analyst"], pca=pca, controls=1, detections=0, seizures=0)
    with pytest.raises(rif_services.RifError) as error:
        services.report_results(actor=people["fr_analyst"], pca=pca, controls=1, detections=2, seizures=0)
    assert error.value.errors[0]["field"] == "detections"


def test_designation_is_validated_and_commission_only(people, toy_criterion):
    now = timezone.now()
    with pytest.raises(rif_services.RifError):
        services.designate_pca(
            actor=people["fr_risk_manager"],
            title="Toys",
            risk_area="product_safety",
            starts_at=now,
            ends_at=now + dt.timedelta(days=1),
            participants_codes=["FR"],
        )
    with pytest.raises(rif_services.RifError) as error:
        services.designate_pca(
            actor=people["commission"],
            title="Toys",
            risk_area="product_safety",
            starts_at=now,
            ends_at=now - dt.timedelta(days=1),
            participants_codes=["FR", "XX"],
            hs_codes=["95A"],
            criteria=["NOPE"],
            targets={"DE": 5},
        )
    fields = {e["field"] for e in error.value.errors}
    assert {"ends_at", "participants", "hs_codes", "criteria", "targets"} <= fields
    client = Client()
    client.force_login(people["commission"])
    form = {
        "title": "Toys before Christmas",
        "risk_area": "product_safety",
        "starts_on": "2026-11-01",
        "ends_on": "2026-12-31",
        "participants": ["FR", "DE"],
        "hs_codes": "9503, 9504",
        "criteria": "CRC-PCA-TOY",
        "targets": "FR 100\nDE 50",
    }
    response = client.post("/pca/new/", form)
    # CRC-PCA-TOY is published: linking it asks for confirmation first (tests/pca/test_periods_and_links.py).
    assert response.status_code == 200 and 'id="pca-confirm"' in response.content.decode()
    assert not selectors.pcas_for(people["commission"]).exists()
    token = re.search(r'name="confirm" value="([^"]+)"', response.content.decode())[1]
    response = client.post("/pca/new/", {**form, "confirm": token})
    assert response.status_code == 302
    pca = selectors.pcas_for(people["commission"]).get()
    assert pca.hs_codes == ["9503", "9504"] and pca.ends_at.date() == dt.date(2027, 1, 1)
    assert pca.last_day == dt.date(2026, 12, 31)
    assert dict(pca.targets.values_list("member_state_id", "controls")) == {"FR": 100, "DE": 50}
