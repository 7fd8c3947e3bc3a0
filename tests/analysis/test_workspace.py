"""The Commission's analysis workspace (issue 15 point 8; 001:951-955).

FR files two ENS that an EU criterion and FR's national profile both hit; the second is made NL's
responsibility (its assessment). The workspace shows the EU hits only, filters them, lets Commission
experts flag a declaration with a note that the responsible Member State alone sees (case page and
REST), and finds one party's declarations across Member States. Member State people get 403 (pages)
or 404 (what they may not read); every flag and party search is audited.
"""

from __future__ import annotations

import pytest
from django.test import Client

from analysis import selectors
from analysis.models import Flag
from crms.audit.models import AuditEntry
from risk_engine import services
from risk_engine.models import Assessment, Hit, Scope
from tests.risk_engine.conftest import (
    api_client,
    file_bodies,
    make_criterion,
    make_ens,
    publish_criterion,
    screen_mrns,
)
from workbench.models import Case

pytestmark = pytest.mark.django_db

MEMBER_STATE_PEOPLE = ["fr_analyst", "fr_risk_manager", "fr_auditor", "nl_analyst", "de_analyst", "fr_system"]
FILER_EORI = "DE123456789012345"  # the filer of the contract's example ENS


@pytest.fixture
def hits(personas):
    publish_criterion(make_criterion("CRC-AN-TOYS"), personas["commission"], personas["commission_approver"])
    profile = services.create_criterion(
        actor=personas["fr_analyst"], data=make_criterion("FR-AN-NP", scope="national")
    ).criterion
    services.submit_criterion(actor=personas["fr_analyst"], criterion=profile)
    services.approve_criterion(actor=personas["fr_risk_manager"], criterion=profile)
    fr_mrn, nl_mrn = file_bodies(
        personas["fr_system"],
        make_ens(),
        make_ens(consignor={"name": "Ningbo Lucky Exports", "eori": None, "address": _address()}),
    )
    screen_mrns(fr_mrn, nl_mrn)
    Assessment.objects.filter(declaration__mrn=nl_mrn).update(responsible_member_state_id="NL")
    assert Hit.objects.filter(scope=Scope.NATIONAL).exists()  # the national profile hit too
    return {"fr": fr_mrn, "nl": nl_mrn}


def _address() -> dict:
    from crms.declarations.api_docs import EXAMPLE_ENS

    return dict(EXAMPLE_ENS["consignor"]["address"])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_workspace_shows_eu_hits_only_across_member_states(personas, hits):
    page = _client(personas["commission"]).get("/analysis/").content.decode()
    assert "CRC-AN-TOYS" in page and "FR-AN-NP" not in page
    assert hits["fr"] in page and hits["nl"] in page
    found = selectors.eu_hits(personas["eu_auditor"], {})
    assert {h.criterion_code for h in found} == {"CRC-AN-TOYS"}
    assert {h.assessment.responsible_member_state_id for h in found} == {"FR", "NL"}


def test_shadow_hits_are_not_listed_as_live_ones(personas, hits):
    """A shadow criterion's hits are a trial: no figure counts them, so the workspace does not list them either."""
    publish_criterion(
        make_criterion("CRC-AN-SHADOW", shadow=True), personas["commission"], personas["commission_approver"]
    )
    (mrn,) = file_bodies(personas["fr_system"], make_ens(lrn="LRN-AN-SHADOW"))
    screen_mrns(mrn)
    assert Hit.objects.filter(criterion_code="CRC-AN-SHADOW", shadow=True).exists()
    found = selectors.eu_hits(personas["commission"], {})
    assert "CRC-AN-SHADOW" not in {h.criterion_code for h in found}
    page = _client(personas["commission"]).get("/analysis/", {"criterion": "CRC-AN-SHADOW"}).content.decode()
    assert mrn not in page.split('id="analysis-hits"')[1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"member_state": "NL"}, {"nl"}),
        ({"member_state": "FR", "criterion": "crc-an-toys"}, {"fr"}),
        ({"risk_area": "product_safety"}, {"fr", "nl"}),
        ({"risk_area": "financial"}, set()),
        ({"outcome": "do_not_load"}, set()),
        ({"since": "01/01/2026"}, {"fr", "nl"}),
        ({"until": "01/01/2026"}, set()),
        ({"until": "not a date"}, {"fr", "nl"}),  # refused: shown beside the field, not applied
    ],
)
def test_filters(personas, hits, query, expected):
    response = _client(personas["commission_approver"]).get("/analysis/", query)
    assert response.status_code == (400 if query.get("until") == "not a date" else 200)
    rows = response.content.decode().split('id="analysis-hits"')[1]
    assert {key for key, mrn in hits.items() if mrn in rows} == expected


def test_a_refused_filter_is_named(personas, hits):
    response = _client(personas["commission"]).get("/analysis/", {"since": "31/02/2026"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "From (dd/mm/yyyy):" in page and "Those filters were not applied." in page


@pytest.mark.parametrize("persona", MEMBER_STATE_PEOPLE)
def test_member_states_may_not_open_the_workspace(personas, hits, persona):
    client = _client(personas[persona])
    for url in ("/analysis/", f"/analysis/parties/?eori={FILER_EORI}", f"/analysis/declarations/{hits['fr']}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/analysis/declarations/{hits['fr']}/", {"note": "x"}).status_code == 403
    assert not Flag.objects.exists()


def test_the_eu_auditor_reads_but_does_not_flag(personas, hits):
    client = _client(personas["eu_auditor"])
    page = client.get(f"/analysis/declarations/{hits['fr']}/").content.decode()
    assert "CRC-AN-TOYS" in page and "FR-AN-NP" not in page and 'id="flag-form"' not in page
    assert client.post(f"/analysis/declarations/{hits['fr']}/", {"note": "Look here."}).status_code == 403
    assert not Flag.objects.exists()


def test_a_flag_needs_a_note(personas, hits):
    response = _client(personas["commission"]).post(f"/analysis/declarations/{hits['fr']}/", {"note": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Flag.objects.exists()


def test_a_flag_reaches_the_responsible_member_state_only(personas, hits):
    for persona, mrn, note in (
        ("commission", "fr", "Undervalued toys across three ports."),
        ("commission_approver", "nl", "For NL."),
    ):
        response = _client(personas[persona]).post(
            f"/analysis/declarations/{hits[mrn]}/", {"note": note, "criterion_code": "CRC-AN-TOYS"}
        )
        assert response.status_code == 302
    assert dict(Flag.objects.values_list("declaration__mrn", "member_state_id")) == {hits["fr"]: "FR", hits["nl"]: "NL"}
    entry = AuditEntry.objects.get(action="analysis.flag_raised", object_repr__startswith=hits["fr"])
    assert entry.actor_username == "commission" and entry.after["note"] == "Undervalued toys across three ports."

    # FR's case page shows FR's note; the NL note on a declaration FR also reads stays NL's.
    case = Case.objects.get(declaration__mrn=hits["fr"], member_state_id="FR")
    page = _client(personas["fr_analyst"]).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "Flagged by the Commission" in page and "Undervalued toys across three ports." in page
    other = Case.objects.get(declaration__mrn=hits["nl"], member_state_id="FR")
    assert (
        "Flagged by the Commission"
        not in _client(personas["fr_analyst"]).get(f"/workbench/cases/{other.pk}/").content.decode()
    )

    # REST: FR's system reads FR's flag; the Commission every flag; DE cannot read the ENS at all.
    body = api_client(personas["fr_system"]).get(f"/api/v1/declarations/{hits['fr']}/flags/").json()
    assert [(f["member_state"], f["note"], f["criterion"]) for f in body["results"]] == [
        ("FR", "Undervalued toys across three ports.", "CRC-AN-TOYS")
    ]
    assert api_client(personas["fr_system"]).get(f"/api/v1/declarations/{hits['nl']}/flags/").json() == {"results": []}
    assert (
        len(api_client(personas["eu_auditor"]).get(f"/api/v1/declarations/{hits['nl']}/flags/").json()["results"]) == 1
    )
    assert api_client(personas["de_analyst"]).get(f"/api/v1/declarations/{hits['fr']}/flags/").status_code == 404


def test_one_party_across_member_states(personas, hits):
    client = _client(personas["eu_auditor"])
    page = client.get("/analysis/parties/", {"eori": FILER_EORI.lower()}).content.decode()
    assert hits["fr"] in page and hits["nl"] in page
    page = client.get("/analysis/parties/", {"name": "ningbo lucky"}).content.decode()
    assert hits["nl"] in page and hits["fr"] not in page
    searches = AuditEntry.objects.filter(action="analysis.party_searched").order_by("id")
    assert [e.after["declarations"] for e in searches] == [2, 1]
    assert searches[0].object_repr == f"EORI {FILER_EORI}"


@pytest.mark.parametrize(("query", "message"), [({"eori": "12345"}, "An EORI is"), ({"name": "ab"}, "at least 3")])
def test_a_bad_party_query_is_400_naming_the_field(personas, hits, query, message):
    response = _client(personas["commission"]).get("/analysis/parties/", query)
    assert response.status_code == 400 and message in response.content.decode()
    assert not AuditEntry.objects.filter(action="analysis.party_searched").exists()


def test_the_sidebar_offers_the_workspace_to_the_commission_only(personas):
    assert "/analysis/" in _client(personas["eu_auditor"]).get("/").content.decode()
    assert "/analysis/" not in _client(personas["fr_auditor"]).get("/").content.decode()
