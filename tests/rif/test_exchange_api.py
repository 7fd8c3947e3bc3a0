"""REST for the rest of the exchange (issue 15 point 5, contract 5): RIFs for people only named in the national
system's list, attachment downloads (audited), marking a RIF read, crisis alerts and their posts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crms.audit.models import AuditEntry
from rif import services
from rif.models import RifRecipient
from tests.risk_engine.conftest import api_client, assert_error_body

pytestmark = pytest.mark.django_db


# --- RIFs marked for people only ------------------------------------------------------------------------------


def test_people_only_rifs_are_named_in_the_national_systems_list_without_content(people, publish_rif):
    ordinary = publish_rif()
    restricted = publish_rif(handling="eu_restricted", title="Explosive precursors in express parcels")
    limited = publish_rif(handling="limited_distribution")
    system = api_client(people["fr_system"])
    listing = system.get("/api/v1/rifs/").json()["results"]
    by_reference = {row["reference"]: row for row in listing}
    assert list(by_reference) == [ordinary.reference, restricted.reference, limited.reference]
    assert by_reference[ordinary.reference]["people_only"] is False
    assert by_reference[ordinary.reference]["url"] == f"/api/v1/rifs/{ordinary.reference}/"
    for rif in (restricted, limited):
        row = by_reference[rif.reference]
        assert (row["people_only"], row["title"], row["url"]) == (True, None, None)
        assert row["page_url"] == f"/rif/{rif.reference}/" and row["handling"] == rif.handling
        errors = assert_error_body(system.get(f"/api/v1/rifs/{rif.reference}/"), 403)
        assert errors[0]["code"] == "people_only"
    assert "Explosive" not in system.get("/api/v1/rifs/").content.decode()
    # People of the same Member State read them as usual; a Member State not addressed sees nothing.
    analyst = {r["reference"]: r for r in api_client(people["fr_analyst"]).get("/api/v1/rifs/").json()["results"]}
    assert analyst[restricted.reference]["people_only"] is False
    assert analyst[restricted.reference]["title"] == "Explosive precursors in express parcels"
    publish_rif(handling="eu_restricted", recipients=["DE"])
    assert len(system.get("/api/v1/rifs/").json()["results"]) == 3  # not addressed to FR: not named


# --- attachments ------------------------------------------------------------------------------------------------


def _with_attachment(people):
    author = people["nl_analyst"]
    rif = services.create_rif(actor=author, data=_body(recipients=["FR"]))
    attachment = services.add_attachment(
        actor=author, rif=rif, upload=SimpleUploadedFile("seizure.pdf", b"%PDF-1.4 seized toys")
    )
    services.submit_rif(actor=author, rif=rif)
    services.approve_rif(actor=people["nl_risk_manager"], rif=rif)
    return rif, attachment


def _body(**overrides):
    from tests.rif.conftest import rif_body

    return rif_body(**overrides)


def test_attachments_are_listed_and_downloaded_with_an_audit_entry(people):
    rif, attachment = _with_attachment(people)
    system = api_client(people["fr_system"])
    (listed,) = system.get(f"/api/v1/rifs/{rif.reference}/").json()["attachment_files"]
    assert listed == {
        "id": attachment.pk,
        "name": "seizure.pdf",
        "content_type": "application/pdf",
        "size": len(b"%PDF-1.4 seized toys"),
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at.isoformat(),
        "url": f"/api/v1/rifs/{rif.reference}/attachments/{attachment.pk}/",
    }
    response = system.get(listed["url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 seized toys"
    assert response["Content-Disposition"].startswith("attachment") and response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.get(action="rif.attachment_downloaded")
    assert (entry.actor_username, entry.after["name"], entry.after["via"]) == ("fr_system", "seizure.pdf", "api")
    # Not addressed: 404 and nothing recorded; an unknown attachment id: 404.
    assert_error_body(api_client(people["de_system"]).get(listed["url"]), 404)
    assert_error_body(system.get(f"/api/v1/rifs/{rif.reference}/attachments/{attachment.pk + 99}/"), 404)
    assert_error_body(api_client(None).get(listed["url"]), 401)
    assert AuditEntry.objects.filter(action="rif.attachment_downloaded").count() == 1


# --- marking read -----------------------------------------------------------------------------------------------


def test_marking_a_rif_read_over_rest(people, publish_rif):
    rif = publish_rif()
    system = api_client(people["fr_system"])
    errors = assert_error_body(system.post(f"/api/v1/rifs/{rif.reference}/read/", {"when": "now"}, format="json"), 400)
    assert [e["field"] for e in errors] == ["when"]
    assert RifRecipient.objects.get(rif=rif, member_state_id="FR").read_at is None
    first = system.post(f"/api/v1/rifs/{rif.reference}/read/")  # no body at all
    assert first.status_code == 200, first.content
    receipt = first.json()
    assert (receipt["member_state"], receipt["read_by"]) == ("FR", "fr_system")
    again = system.post(f"/api/v1/rifs/{rif.reference}/read/", {}, format="json").json()
    assert again["read_at"] == receipt["read_at"]  # the first reading is kept
    assert AuditEntry.objects.filter(action="rif.read").count() == 1
    assert system.get("/api/v1/rifs/?unread=true").json()["results"] == []
    assert_error_body(api_client(people["fr_auditor"]).post(f"/api/v1/rifs/{rif.reference}/read/"), 403)
    assert_error_body(api_client(people["nl_analyst"]).post(f"/api/v1/rifs/{rif.reference}/read/"), 403)  # author
    assert_error_body(
        api_client(people["de_analyst"]).post(f"/api/v1/rifs/{publish_rif(recipients=['FR']).reference}/read/"), 404
    )


# --- crisis alerts ----------------------------------------------------------------------------------------------


@pytest.fixture
def crisis(people):
    return services.open_crisis(
        actor=people["commission"], title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )


def test_crises_are_listed_and_read_by_staff_and_national_systems(people, crisis, publish_rif):
    closed = services.open_crisis(
        actor=people["commission"], title="Old crisis", risk_area="health", guidance="Prioritise medicines."
    )
    services.close_crisis(actor=people["commission"], crisis=closed, lessons="Coordinate the labs earlier.")
    in_crisis = publish_rif(crisis=crisis.pk, recipients=["FR"])
    services.post_to_crisis(actor=people["de_analyst"], crisis=crisis, body="Three seizures in Frankfurt.")
    for name in ("fr_system", "fr_analyst", "fr_auditor", "commission", "eu_auditor"):
        client = api_client(people[name])
        listing = client.get("/api/v1/crises/").json()
        assert [c["reference"] for c in listing["results"]] == [crisis.reference, closed.reference], name
        assert [c["id"] for c in client.get("/api/v1/crises/?status=open").json()["results"]] == [crisis.pk]
        document = client.get(f"/api/v1/crises/{crisis.pk}/").json()
        assert document["guidance"] == "Prioritise lab tests." and document["post_count"] == 1
        assert [p["body"] for p in document["posts"]] == ["Three seizures in Frankfurt."]
        assert document["posts"][0]["organisation"] == "DE"
    # RIFs under the crisis as the reader may see them: FR received it, DE did not.
    assert api_client(people["fr_system"]).get(f"/api/v1/crises/{crisis.pk}/").json()["rifs"] == [in_crisis.reference]
    assert api_client(people["de_analyst"]).get(f"/api/v1/crises/{crisis.pk}/").json()["rifs"] == []
    client = api_client(people["fr_system"])
    for url, field in (("/api/v1/crises/?status=maybe", "status"), ("/api/v1/crises/?after=²", "after")):
        assert [e["field"] for e in assert_error_body(client.get(url), 400)] == [field]
    assert_error_body(client.get("/api/v1/crises/99999/"), 404)
    assert_error_body(api_client(None).get("/api/v1/crises/"), 401)
    assert_error_body(api_client(people["outsider"]).get("/api/v1/crises/"), 401)


def test_posts_where_the_role_may(people, crisis):
    url = f"/api/v1/crises/{crisis.pk}/posts/"
    created = api_client(people["fr_analyst"]).post(url, {"body": "Lab results expected Monday."}, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["organisation"], created.json()["author"]) == ("FR", "fr_analyst")
    assert api_client(people["commission"]).post(url, {"body": "Thank you."}, format="json").status_code == 201
    for name in ("fr_system", "fr_auditor", "eu_auditor"):
        assert_error_body(api_client(people[name]).post(url, {"body": "Not allowed."}, format="json"), 403)
    errors = assert_error_body(
        api_client(people["fr_analyst"]).post(url, {"body": "x", "urgent": True}, format="json"), 400
    )
    assert {e["field"] for e in errors} == {"body", "urgent"}
    assert_error_body(api_client(people["fr_analyst"]).post(url, b"{", content_type="application/json"), 400)
    posts = api_client(people["fr_system"]).get(url).json()
    assert [p["author"] for p in posts["results"]] == ["fr_analyst", "commission"] and posts["next"] is None
    first = posts["results"][0]["id"]
    assert [p["author"] for p in api_client(people["fr_system"]).get(f"{url}?after={first}").json()["results"]] == [
        "commission"
    ]
    assert AuditEntry.objects.filter(action="crisis.posted").count() == 2
    services.close_crisis(actor=people["commission"], crisis=crisis, lessons="Coordinate the labs earlier.")
    assert_error_body(api_client(people["fr_analyst"]).post(url, {"body": "Too late now."}, format="json"), 403)
