"""Regressions of issue 12: late control results reach old days, a re-screening does not count a hit twice,
and "ENS submitted by AEOs" counts ENS whose filer is an AEO (seed 001 lines 1597 and 2062)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from crms.declarations.models import Declaration
from crms.operators.models import AeoAuthorisation, Operator
from indicators import services
from indicators.figures import Period, View
from indicators.tables import TABLES_BY_NAME
from indicators.tasks import refresh_recent_task
from tests.risk_engine.conftest import _fast_password_hashing, _fresh_engine_caches, file_bodies, make_ens, screen_mrns  # noqa: F401
from workbench import services as workbench
from workbench.models import Case

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def hits_row(user, code: str = "CRC-PCA-TOY") -> dict:  # tests/pca/conftest.py toy_criterion
    today = timezone.now().date()
    frame = TABLES_BY_NAME["hits"].build(View.for_user(user, Period(today - dt.timedelta(days=29), today)))
    (row,) = frame[(frame["member_state"] == "FR") & (frame["criterion"] == code)].to_dict("records")
    return row


def file_days_ago(user, days: int) -> str:
    """An ENS received and screened ``days`` ago (received_at moved back, the hit written then)."""
    (mrn,) = file_bodies(user, make_ens(place_of_unloading="FRCDG"))
    then = timezone.now() - dt.timedelta(days=days)
    Declaration.objects.filter(mrn=mrn).update(received_at=then)
    screen_mrns(mrn, now=then)
    return mrn


def test_a_late_control_result_reaches_the_day_of_its_hit(people, toy_criterion):
    """The 5-minute refresh covered today and yesterday only: a seizure recorded today on a hit of
    five days ago stayed out of the hits table and the criterion's evaluation until the nightly run,
    while the controls table (dated by the control) counted it."""
    mrn = file_days_ago(people["fr_system"], 5)
    today = timezone.now().date()
    services.refresh_now(today - dt.timedelta(days=29), today)
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")
    workbench.decide(actor=people["fr_analyst"], case=case, action="control", control_type="physical",
                     control_place="border")  # fmt: skip
    workbench.record_control_result(
        actor=people["fr_analyst"],
        declaration=case.declaration,
        data={"control_type": "physical", "result": "seizure", "irregularity_type": "ipr",
              "seizure": {"goods": "toys", "estimated_value_eur": 1200.5}},
    )  # fmt: skip
    refresh_recent_task()
    row = hits_row(people["commission"])
    assert (row["automated"], row["after_assessment"], row["controlled"], row["positive"]) == (1, 1, 1, 1)


def test_a_rescreening_does_not_count_a_hit_twice(people, toy_criterion):
    """A re-screening rewrites the hit with a new time; the hit counted on its old day and again today."""
    mrn = file_days_ago(people["fr_system"], 3)
    today = timezone.now().date()
    services.refresh_now(today - dt.timedelta(days=29), today)
    assert hits_row(people["commission"])["automated"] == 1
    screen_mrns(mrn)  # a publication elsewhere re-screens the open ENS
    refresh_recent_task()
    assert hits_row(people["commission"])["automated"] == 1


def aeo(eori: str, country: str, issuer: str, *, status: str = "active") -> None:
    operator = Operator.objects.create(eori=eori, name=f"Operator {eori}", country_id=country)
    AeoAuthorisation.objects.create(
        operator=operator,
        number=f"AEO-{eori}",
        type="AEOF",
        issuing_country_id=issuer,
        programme="EU AEO" if issuer in ("FR", "DE") else "C-TPAT",
        valid_from=dt.date(2020, 1, 1),
        status=status,
    )


def test_ens_submitted_by_aeos_counts_the_filers_that_are_aeos(people):
    aeo("DE123456789012345", "DE", "DE")  # an EU AEO filer
    aeo("US123456789", "US", "US")  # a third-country AEO (MRA)
    aeo("FR111111111", "FR", "FR")  # an AEO consignee, not the filer
    aeo("FR222222222", "FR", "FR", status="revoked")
    consignee = {"name": "Toy Shop SARL", "eori": "FR111111111",
                 "address": {"street": "1 rue", "city": "Lyon", "postcode": "69001", "country": "FR"}}  # fmt: skip
    mrns = file_bodies(
        people["fr_system"],
        make_ens(filer={"eori": "DE123456789012345", "name": "Fast Parcels GmbH"}),
        make_ens(filer={"eori": "US123456789", "name": "US Forwarding Inc"}),
        make_ens(filer={"eori": "IE987654321000", "name": "Not an AEO Ltd"}, consignee=consignee),
        make_ens(filer={"eori": "FR222222222", "name": "Revoked SA"}),
    )
    screen_mrns(*mrns)
    today = timezone.now().date()
    services.refresh(today, today)
    frame = TABLES_BY_NAME["aeo"].build(View.for_user(people["commission"], Period(today, today)))
    (fr,) = frame[frame["member_state"] == "FR"].to_dict("records")
    assert (fr["ens"], fr["ens_submitted_by_aeo"], fr["ens_submitted_by_third_country_aeo"]) == (4, 2, 1)
    assert fr["ens_with_an_aeo_party"] == 3  # the any-party variant, labelled as such
    assert fr["submitted_by_aeo_share_of_ens"] == 0.5
    client = Client()
    client.force_login(people["fr_analyst"])
    html = client.get(f"/indicators/?from={today}&to={today}").content.decode()
    assert "ENS submitted by AEOs" in html and f"50,0{NBSP}%" in html and "2 ENS whose filer is an AEO" in html
