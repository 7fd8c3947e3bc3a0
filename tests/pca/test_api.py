"""REST for priority control areas (issue 15 point 5): read only, period as calendar days, the linked criteria
the caller may see, targets and results."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from pca import periods
from pca import services as pca_services
from risk_engine import services as engine_services
from risk_engine.models import Criterion
from risk_engine.selectors import criteria_for
from tests.risk_engine.conftest import api_client, assert_error_body, make_criterion

pytestmark = pytest.mark.django_db


def test_a_pca_over_rest(people, designate):
    draft = engine_services.create_criterion(actor=people["commission"], data=make_criterion("CRC-PCA-DRAFT"))
    first, last = dt.date(2027, 2, 1), dt.date(2027, 2, 28)
    starts_at, ends_at = periods.bounds(first, last)
    pca = designate(starts_at=starts_at, ends_at=ends_at, criteria=["CRC-PCA-TOY", draft.criterion.code])
    pca_services.report_results(
        actor=people["fr_analyst"], pca=pca, controls=12, detections=3, seizures=1, notes="Done by hand."
    )
    for name in ("fr_system", "fr_analyst", "de_analyst", "commission", "eu_auditor", "fr_auditor"):
        client = api_client(people[name])
        (row,) = client.get("/api/v1/pcas/").json()["results"]
        assert (row["id"], row["first_day"], row["last_day"]) == (pca.pk, "2027-02-01", "2027-02-28"), name
        assert row["phase"] == "scheduled" and row["participants"] == ["DE", "FR"]
        document = client.get(row["url"]).json()
        assert document["targets"] == {"DE": 50, "FR": 100}
        results = {r["member_state"]: r for r in document["results"]}
        assert (results["FR"]["reported_controls"], results["FR"]["total_detections"]) == (12, 3)
        assert results["FR"]["progress"] == pytest.approx(0.12) and results["DE"]["detection_rate"] is None
        assert "ends_at" not in document  # the exclusive bound is never shown as if it were the last day
    # Linked criteria as the caller may see them (``criteria_for``, the one rule of who reads which criterion).
    assert api_client(people["commission"]).get(f"/api/v1/pcas/{pca.pk}/").json()["criteria"] == [
        "CRC-PCA-DRAFT",
        "CRC-PCA-TOY",
    ]
    for name in ("fr_system", "fr_analyst", "fr_auditor"):
        readable = sorted(criteria_for(people[name]).filter(pcas=pca).values_list("code", flat=True))
        assert api_client(people[name]).get(f"/api/v1/pcas/{pca.pk}/").json()["criteria"] == readable
    with mock.patch("risk_engine.selectors.criteria_for", lambda user: Criterion.objects.filter(code="CRC-PCA-TOY")):
        assert api_client(people["commission"]).get(f"/api/v1/pcas/{pca.pk}/").json()["criteria"] == ["CRC-PCA-TOY"]


def test_filters_and_bad_parameters(people, designate):
    running = designate()
    other = designate(participants_codes=["DE"], targets={"DE": 5})
    pca_services.close_pca(
        actor=people["commission"], pca=other, operational_results="Fifty controls.", lessons="Start earlier."
    )
    client = api_client(people["fr_system"])
    assert [p["id"] for p in client.get("/api/v1/pcas/?participant=fr").json()["results"]] == [running.pk]
    assert [p["id"] for p in client.get("/api/v1/pcas/?status=closed").json()["results"]] == [other.pk]
    assert [p["id"] for p in client.get(f"/api/v1/pcas/?after={running.pk}").json()["results"]] == [other.pk]
    for url, field in (
        ("/api/v1/pcas/?status=open", "status"),
        ("/api/v1/pcas/?participant=F1", "participant"),
        ("/api/v1/pcas/?after=x", "after"),
    ):
        assert [e["field"] for e in assert_error_body(client.get(url), 400)] == [field]
    assert_error_body(client.get("/api/v1/pcas/99999/"), 404)
    assert_error_body(api_client(None).get("/api/v1/pcas/"), 401)
    assert_error_body(client.post("/api/v1/pcas/", {}, format="json"), 405)
    assert timezone.now() < running.ends_at
