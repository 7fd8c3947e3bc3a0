"""Participation by agreement (issue 15 point 6): Switzerland and Norway take part "through the security
agreement" (seed 001:649) and receive safety-and-security RIFs, crises and PCAs only, as their agreement
record lists; never financial ones. Enforced in the selectors (what they see) and the services (what is
sent to them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crms.reference.models import ParticipationAgreement
from pca import selectors as pca_selectors
from pca import services as pca_services
from rif import selectors as rif_selectors
from rif import services as rif_services
from rif.models import RifRecipient
from tests.conftest import make_user
from tests.rif.conftest import published, rif_body
from tests.risk_engine.conftest import api_client, assert_error_body

pytestmark = pytest.mark.django_db

SECURITY = "security_safety"


@pytest.fixture
def partners(people) -> dict:
    extra = {
        "ch_analyst": ("CH", "analyst"),
        "ch_system": ("CH", "national_system"),
        "no_risk_manager": ("NO", "risk_manager"),
    }
    return {**people, **{name: make_user(name, *spec) for name, spec in extra.items()}}


def _to_all(cast, risk_area: str):
    return published(
        cast["nl_analyst"], cast["nl_risk_manager"], risk_area=risk_area, all_participants=True, recipients=[]
    )


def test_the_agreement_records_are_reference_data(db):
    records = {a.organisation_id: a for a in ParticipationAgreement.objects.all()}
    assert set(records) == {"CH", "NO"}
    assert records["CH"].exchanges == ["rif", "crisis", "pca"] and records["CH"].risk_areas == [SECURITY]
    assert "security" in records["NO"].title


def test_a_rif_to_all_participants_reaches_partners_only_in_their_areas(partners):
    financial, security = _to_all(partners, "financial"), _to_all(partners, SECURITY)
    assert set(financial.recipients.values_list("member_state_id", flat=True)).isdisjoint({"CH", "NO"})
    assert {"CH", "NO", "FR"} <= set(security.recipients.values_list("member_state_id", flat=True))
    for name in ("ch_analyst", "ch_system", "no_risk_manager"):
        listing = api_client(partners[name]).get("/api/v1/rifs/").json()["results"]
        assert [r["reference"] for r in listing] == [security.reference], name
        assert_error_body(api_client(partners[name]).get(f"/api/v1/rifs/{financial.reference}/"), 404)
    # An EU Member State receives both.
    fr = {r["reference"] for r in api_client(partners["fr_system"]).get("/api/v1/rifs/").json()["results"]}
    assert fr == {financial.reference, security.reference}


def test_naming_a_partner_outside_its_agreement_is_a_400_naming_the_recipient(partners):
    client = api_client(partners["nl_analyst"])
    errors = assert_error_body(
        client.post("/api/v1/rifs/", rif_body(risk_area="financial", recipients=["FR", "CH"]), format="json"), 400
    )
    assert [(e["field"], e["code"]) for e in errors] == [("recipients[1]", "outside_agreement")]
    assert "security" in errors[0]["message"].lower()
    created = client.post("/api/v1/rifs/", rif_body(risk_area=SECURITY, recipients=["FR", "CH"]), format="json")
    assert created.status_code == 201, created.content


def test_a_row_written_before_the_agreement_changed_is_still_filtered(partners):
    """The selectors enforce the agreement too, not only publication: a stray recipient row shows nothing."""
    financial = _to_all(partners, "financial")
    RifRecipient.objects.create(rif=financial, member_state_id="CH", published_at=financial.published_at)
    ch = partners["ch_analyst"]
    assert not rif_selectors.rifs_for(ch).filter(pk=financial.pk).exists()
    assert not rif_selectors.inbox(ch).exists()
    assert rif_selectors.notification_counts(ch)["unread"] == 0


def test_crises_and_pcas_by_risk_area(partners):
    commission = partners["commission"]
    crises = {
        area: rif_services.open_crisis(actor=commission, title=f"{area} crisis", risk_area=area, guidance="Prioritise.")
        for area in ("financial", SECURITY)
    }
    now = timezone.now()
    period = {"starts_at": now, "ends_at": now + dt.timedelta(days=10)}
    security_pca = pca_services.designate_pca(
        actor=commission, title="Explosives", risk_area=SECURITY, participants_codes=["FR", "CH"], **period
    )
    financial_pca = pca_services.designate_pca(
        actor=commission, title="Undervaluation", risk_area="financial", participants_codes=["FR"], **period
    )
    for name in ("ch_analyst", "ch_system"):
        assert list(rif_selectors.crises_for(partners[name])) == [crises[SECURITY]]
        assert list(pca_selectors.pcas_for(partners[name])) == [security_pca]
    assert set(pca_selectors.pcas_for(partners["fr_analyst"])) == {security_pca, financial_pca}
    assert set(rif_selectors.crises_for(partners["fr_analyst"])) == set(crises.values())
    with pytest.raises(rif_services.RifError) as refused:
        pca_services.designate_pca(
            actor=commission, title="Duty evasion", risk_area="financial", participants_codes=["FR", "NO"], **period
        )
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("participants", "outside_agreement")]


def test_the_record_decides_not_the_code(partners):
    """Widen Switzerland's record to financial RIFs: it receives them; without a record, everything."""
    ParticipationAgreement.objects.filter(organisation_id="CH").update(risk_areas=[SECURITY, "financial"])
    financial = _to_all(partners, "financial")
    assert financial.recipients.filter(member_state_id="CH").exists()
    assert not financial.recipients.filter(member_state_id="NO").exists()
    ParticipationAgreement.objects.filter(organisation_id="NO").update(exchanges=["rif"])
    crisis = rif_services.open_crisis(
        actor=partners["commission"], title="Explosives", risk_area=SECURITY, guidance="Prioritise."
    )
    assert not rif_selectors.crises_for(partners["no_risk_manager"]).filter(pk=crisis.pk).exists()
