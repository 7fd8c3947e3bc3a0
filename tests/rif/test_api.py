"""REST for national systems: list and read RIFs addressed to their Member State, post feedback, create drafts."""

from __future__ import annotations

import pytest

from rif.models import RifRecipient, RifStatus
from tests.rif.conftest import rif_body
from tests.risk_engine.conftest import api_client, assert_error_body

pytestmark = pytest.mark.django_db


def test_national_system_lists_reads_and_answers(people, publish_rif):
    toys = publish_rif()
    restricted = publish_rif(handling="eu_restricted")
    not_for_fr = publish_rif(recipients=["DE"])
    client = api_client(people["fr_system"])
    listing = client.get("/api/v1/rifs/").json()
    # The RIF for people only is named, flagged, without content (issue 15); the one for DE is not.
    assert [(r["reference"], r["people_only"]) for r in listing["results"]] == [
        (toys.reference, False),
        (restricted.reference, True),
    ]
    assert listing["results"][0]["read_at"] is None and listing["next"] is None
    assert_error_body(client.get(f"/api/v1/rifs/{restricted.reference}/"), 403)
    assert_error_body(client.get(f"/api/v1/rifs/{not_for_fr.reference}/"), 404)
    document = client.get(f"/api/v1/rifs/{toys.reference}/").json()
    assert document["goods"] == [{"hs_code": "950300", "description": "plastic toy cars"}]
    assert [r["member_state"] for r in document["recipients"]] == ["FR"]  # its own row only
    response = client.post(
        f"/api/v1/rifs/{toys.reference}/feedback/",
        {"relevance": "high", "measures": ["controls_planned"], "controls_planned": 25, "results": "pending"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["member_state"] == "FR"
    assert RifRecipient.objects.get(rif=toys, member_state_id="FR").responded_at is not None
    errors = assert_error_body(
        client.post(f"/api/v1/rifs/{toys.reference}/feedback/", {"relevance": "maybe", "x": 1}, format="json"), 400
    )
    assert {e["field"] for e in errors} == {"relevance", "x"}
    # The author's national system sees every recipient's follow-up.
    author_view = api_client(people["nl_system"]).get(f"/api/v1/rifs/{toys.reference}/").json()
    assert {r["member_state"] for r in author_view["recipients"]} == {"FR", "DE"}
    assert [f["member_state"] for f in author_view["feedback"]] == ["FR"]


def test_unread_and_keyset_paging(people, publish_rif):
    first, second = publish_rif(), publish_rif()
    client = api_client(people["de_system"])
    RifRecipient.objects.filter(rif=first, member_state_id="DE").update(read_at=first.published_at)
    unread = client.get("/api/v1/rifs/?unread=true").json()["results"]
    assert [r["reference"] for r in unread] == [second.reference]
    after = client.get(f"/api/v1/rifs/?after={first.pk}").json()["results"]
    assert [r["reference"] for r in after] == [second.reference]
    assert_error_body(client.get("/api/v1/rifs/?since=yesterday"), 400)


def test_national_system_creates_drafts_only(people):
    client = api_client(people["fr_system"])
    response = client.post("/api/v1/rifs/", rif_body(recipients=["NL"]), format="json")
    assert response.status_code == 201, response.content
    document = response.json()
    assert document["status"] == RifStatus.DRAFT and document["organisation"] == "FR"
    assert document["reference"].startswith("RIF-FR-")
    # Visible to FR's people as a draft; a person submits it, a risk manager approves it.
    assert api_client(people["fr_analyst"]).get(f"/api/v1/rifs/{document['reference']}/").status_code == 200
    assert api_client(people["nl_analyst"]).get(f"/api/v1/rifs/{document['reference']}/").status_code == 404
    errors = assert_error_body(
        client.post("/api/v1/rifs/", rif_body(goods=[{"hs_code": "95AB"}], colour="red"), format="json"), 400
    )
    assert {"goods[0].hs_code", "colour"} <= {e["field"] for e in errors}
    assert_error_body(api_client(people["fr_auditor"]).post("/api/v1/rifs/", rif_body(), format="json"), 403)
    assert_error_body(client.post("/api/v1/rifs/", b"[", content_type="application/json"), 400)
