"""Information requests over REST (issue 15 point 5): create with a deadline, answer, close, the overdue flag,
who may do what, and 400s naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from crms.audit.models import AuditEntry
from exchange.models import RequestDeadline
from tests.risk_engine.conftest import api_client, assert_error_body
from workbench import services
from workbench.models import InformationRequest

pytestmark = pytest.mark.django_db

URL = "/api/v1/information-requests/"
BODY = {
    "requested_state": "NL",
    "subject": "party",
    "party_name": "Shenzhen Bright Trading Co",
    "party_eori": "CN1234567",
    "legal_basis": "reg_515_97",
    "purpose": "Risk analysis of toy imports under a product-safety campaign.",
    "question": "Have you controlled consignments from this consignor in the last year, and with what results?",
}


def _today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def test_a_national_system_asks_with_a_deadline_and_the_other_answers(people):
    answer_by = _today() + dt.timedelta(days=5)
    created = api_client(people["fr_system"]).post(URL, BODY | {"answer_by": answer_by.isoformat()}, format="json")
    assert created.status_code == 201, created.content
    document = created.json()
    assert (document["requesting_state"], document["requested_state"], document["state"]) == ("FR", "NL", "open")
    assert (document["answer_by"], document["overdue"], document["messages"]) == (answer_by.isoformat(), False, [])
    assert document["created_by"] == "fr_system" and document["page_url"] == f"/workbench/requests/{document['id']}/"
    deadline = AuditEntry.objects.get(action="information_request.deadline_set")
    assert deadline.after == {"answer_by": answer_by.isoformat()} and deadline.actor_username == "fr_system"
    # The asked Member State finds it in its inbox and answers; the asker follows up.
    nl = api_client(people["nl_system"])
    (row,) = nl.get(f"{URL}?box=inbox").json()["results"]
    assert row["id"] == document["id"] and nl.get(f"{URL}?box=sent").json()["results"] == []
    answered = nl.post(f"{URL}{row['id']}/messages/", {"body": "Known to us: two seizures."}, format="json")
    assert answered.status_code == 201, answered.content
    assert answered.json()["state"] == "answered" and answered.json()["first_answer_at"]
    follow_up = api_client(people["fr_analyst"]).post(
        f"{URL}{row['id']}/messages/", {"body": "Thank you, which ports?"}, format="json"
    )
    assert [m["organisation"] for m in follow_up.json()["messages"]] == ["NL", "FR"]
    # Only the asker closes; then nobody writes.
    assert_error_body(nl.post(f"{URL}{row['id']}/close/"), 403)
    closed = api_client(people["fr_system"]).post(f"{URL}{row['id']}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert_error_body(api_client(people["fr_system"]).post(f"{URL}{row['id']}/close/"), 409)
    assert_error_body(nl.post(f"{URL}{row['id']}/messages/", {"body": "More."}, format="json"), 409)


def test_default_deadline_and_the_overdue_flag(people, settings):
    settings.INFORMATION_REQUEST_ANSWER_DAYS = 10
    fr = api_client(people["fr_analyst"])
    late = fr.post(URL, BODY, format="json").json()
    assert late["answer_by"] == (_today() + dt.timedelta(days=10)).isoformat()
    answered = fr.post(URL, BODY, format="json").json()
    # Both were due yesterday; the one NL answered is not overdue.
    RequestDeadline.objects.update(answer_by=_today() - dt.timedelta(days=1))
    services.post_information_message(
        actor=people["nl_analyst"], request=InformationRequest.objects.get(pk=answered["id"]), body="Answered."
    )
    overdue = fr.get(f"{URL}?overdue=true").json()["results"]
    assert [r["id"] for r in overdue] == [late["id"]] and overdue[0]["overdue"] is True
    assert [r["id"] for r in fr.get(f"{URL}?overdue=false").json()["results"]] == [answered["id"]]
    assert fr.get(f"{URL}{answered['id']}/").json()["overdue"] is False
    # Due today is not overdue yet: the deadline day is included.
    RequestDeadline.objects.filter(request_id=late["id"]).update(answer_by=_today())
    assert fr.get(f"{URL}{late['id']}/").json()["overdue"] is False
    # The browser list says so too.
    RequestDeadline.objects.filter(request_id=late["id"]).update(answer_by=_today() - dt.timedelta(days=1))
    client = Client()
    client.force_login(people["fr_analyst"])
    page = client.get("/workbench/requests/").content.decode()
    assert "overdue" in page and (_today() - dt.timedelta(days=1)).strftime("%d/%m/%Y") in page


def test_bad_bodies_are_400s_naming_the_field(people, referred):
    fr = api_client(people["fr_system"])
    cases = [
        (BODY | {"colour": "red"}, {"colour"}),
        (BODY | {"requested_state": "FR"}, {"requested_state"}),  # its own Member State
        (BODY | {"requested_state": "XX"}, {"requested_state"}),
        (BODY | {"legal_basis": "gut_feeling", "purpose": "short"}, {"legal_basis", "purpose"}),
        (BODY | {"answer_by": (_today() - dt.timedelta(days=1)).isoformat()}, {"answer_by"}),
        (BODY | {"answer_by": "31/02/2027"}, {"answer_by"}),
        (BODY | {"subject": "consignment"}, {"mrn"}),
        (BODY | {"subject": "consignment", "mrn": "26FR0000000000000"}, {"mrn"}),
    ]
    for body, fields in cases:
        errors = assert_error_body(fr.post(URL, body, format="json"), 400)
        assert {e["field"] for e in errors} == fields, (body, errors)
    assert not InformationRequest.objects.exists()
    mrn = referred().declaration.mrn
    consignment = fr.post(URL, BODY | {"subject": "consignment", "mrn": mrn}, format="json")
    assert consignment.status_code == 201 and consignment.json()["mrn"] == mrn
    request_id = consignment.json()["id"]
    errors = assert_error_body(fr.post(f"{URL}{request_id}/messages/", {"text": "x"}, format="json"), 400)
    assert {e["field"] for e in errors} == {"body", "text"}
    assert_error_body(fr.post(f"{URL}{request_id}/close/", {"reason": "done"}, format="json"), 400)
    for query in ("box=all", "state=late", "overdue=yes", "after=-1"):
        assert_error_body(fr.get(f"{URL}?{query}"), 400)


def test_who_sees_and_who_writes(people):
    created = api_client(people["fr_analyst"]).post(URL, BODY, format="json").json()
    detail = f"{URL}{created['id']}/"
    for name in ("fr_system", "fr_auditor", "nl_system", "nl_auditor", "eu_auditor"):
        assert api_client(people[name]).get(detail).status_code == 200, name
    for name in ("de_analyst", "commission"):  # a bilateral exchange; EU auditors oversee it
        assert_error_body(api_client(people[name]).get(detail), 404)
        assert api_client(people[name]).get(URL).json()["results"] == []
    for name in ("fr_auditor", "eu_auditor"):  # readers, not writers: refused before the body
        assert_error_body(api_client(people[name]).post(URL, {"x": 1}, format="json"), 403)
        assert_error_body(api_client(people[name]).post(f"{detail}messages/", {"body": "Hi."}, format="json"), 403)
    assert_error_body(api_client(people["commission"]).post(URL, {"x": 1}, format="json"), 403)
    assert_error_body(api_client(None).get(URL), 401)
    assert_error_body(api_client(people["outsider"]).post(URL, BODY, format="json"), 401)
