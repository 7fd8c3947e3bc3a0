"""Information requests between Member States: legal basis and purpose, inbox, thread, timing, closing, who sees it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from crms.audit.models import AuditEntry
from workbench import services
from workbench.models import InformationMessage, InformationRequest

pytestmark = pytest.mark.django_db

FORM = {
    "requested_state": "NL",
    "subject": "party",
    "party_name": "Shenzhen Bright Trading Co",
    "party_eori": "cn1234567",
    "legal_basis": "reg_515_97",
    "purpose": "Risk analysis of toy imports under a product-safety campaign.",
    "question": "Have you controlled consignments from this consignor in the last year, and with what results?",
}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_request(people, **changes):
    return browser(people["fr_analyst"]).post("/workbench/requests/new/", FORM | changes)


def thread_authors(html: str) -> list[str]:
    return re.findall(r'<article class="message[^"]*"><header><strong>(\w+)</strong> · (\w+)', html)


def test_the_whole_thread(people):
    response = open_request(people)
    request = InformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workbench/requests/{request.pk}/"
    assert (request.requesting_state_id, request.requested_state_id, request.state) == ("FR", "NL", "open")
    assert request.party_eori == "CN1234567" and request.legal_basis == "reg_515_97"
    assert request.first_answer_at is None and request.answer_time is None
    assert AuditEntry.objects.get(action="information_request.opened").after["legal_basis"] == "reg_515_97"

    nl = browser(people["nl_analyst"])
    inbox = nl.get("/workbench/requests/")
    assert [r.pk for r in inbox.context["inbox"]] == [request.pk] and list(inbox.context["sent"]) == []
    assert list(browser(people["fr_analyst"]).get("/workbench/requests/").context["sent"]) == [request]
    page = nl.get(f"/workbench/requests/{request.pk}/").content.decode()
    assert "Regulation (EC) No 515/97" in page and "product-safety campaign" in page and 'id="reply-form"' in page
    assert "Close the request" not in page  # only the requesting side closes

    nl.post(f"/workbench/requests/{request.pk}/reply/", {"body": "Two physical controls in 2025, one seizure."})
    request.refresh_from_db()
    assert request.state == "answered" and request.first_answer_at is not None
    first_answer = request.first_answer_at
    assert request.answer_time == first_answer - request.created_at

    fr = browser(people["fr_analyst"])
    fr.post(f"/workbench/requests/{request.pk}/reply/", {"body": "Thanks. Can you share the seizure report?"})
    browser(people["nl_risk_manager"]).post(f"/workbench/requests/{request.pk}/reply/", {"body": "Attached below."})
    request.refresh_from_db()
    assert request.first_answer_at == first_answer  # the first answer's time stays

    html = fr.get(f"/workbench/requests/{request.pk}/").content.decode()
    assert thread_authors(html) == [
        ("FR", "fr_analyst"),
        ("NL", "nl_analyst"),
        ("FR", "fr_analyst"),
        ("NL", "nl_risk_manager"),
    ]
    assert html.index("Have you controlled") < html.index("Two physical controls") < html.index("Thanks. Can you")
    assert html.count("message-answer") == 2  # the requested side's messages are marked as answers
    assert "First answer</dt><dd>" + first_answer.strftime("%d/%m/%Y") in html

    fr.post(f"/workbench/requests/{request.pk}/close/")
    request.refresh_from_db()
    assert request.state == "closed" and request.closed_at is not None
    response = nl.post(f"/workbench/requests/{request.pk}/reply/", {"body": "One more thing."}, follow=True)
    assert "The request is closed." in response.content.decode()
    assert InformationMessage.objects.filter(request=request).count() == 3
    page = nl.get(f"/workbench/requests/{request.pk}/").content.decode()
    assert 'id="reply-form"' not in page
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="information_request.").order_by("id")] == [
        "information_request.opened",
        "information_request.message",
        "information_request.message",
        "information_request.message",
        "information_request.closed",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "because"}, "legal_basis"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "curious"}, "purpose"),
        ({"question": "?"}, "question"),
        ({"requested_state": "FR"}, "requested_state"),
        ({"requested_state": "GB"}, "requested_state"),
        ({"requested_state": "EU"}, "requested_state"),
        ({"requested_state": ""}, "requested_state"),
        ({"party_name": "", "party_eori": ""}, "party_name"),
        ({"subject": "consignment", "mrn": ""}, "mrn"),  # the field the form shows (was "declaration")
        ({"subject": "consignment", "mrn": "26FR00000000000000"}, "mrn"),
        ({"subject": "gossip"}, "subject"),
    ],
)
def test_the_form_names_the_field_and_sends_nothing(people, changes, field):
    response = open_request(people, **changes)
    assert response.status_code == 400
    assert field in response.context["errors"], response.context["errors"]
    if field in ("legal_basis", "purpose", "question", "requested_state", "party_name"):
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', response.content.decode())
    assert not InformationRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="information_request.opened").exists()


def test_missing_legal_basis_in_the_service(people):
    with pytest.raises(services.WorkbenchError) as caught:
        services.open_information_request(
            actor=people["fr_analyst"], requested_state="NL", subject="party", legal_basis="",
            purpose=FORM["purpose"], question=FORM["question"], party_name="X Ltd",
        )  # fmt: skip
    assert caught.value.status == 400 and [e["field"] for e in caught.value.errors] == ["legal_basis"]


def test_a_request_about_a_consignment(people, referred):
    case = referred()
    mrn = case.declaration.mrn
    form = browser(people["fr_analyst"]).get(f"/workbench/requests/new/?mrn={mrn}")
    assert form.context["values"]["subject"] == "consignment"
    response = open_request(people, subject="consignment", mrn=mrn, party_name="", party_eori="")
    assert response.status_code == 302
    request = InformationRequest.objects.get()
    assert request.declaration == case.declaration
    # The case page links it, for both sides of the thread that may read the case.
    page = browser(people["fr_analyst"]).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert f'href="/workbench/requests/{request.pk}/"' in page


@pytest.fixture
def request_to_nl(people) -> InformationRequest:
    open_request(people)
    request = InformationRequest.objects.get()
    browser(people["nl_analyst"]).post(f"/workbench/requests/{request.pk}/reply/", {"body": "We will check."})
    request.refresh_from_db()
    return request


def test_de_sees_nothing(people, request_to_nl):
    de = browser(people["de_analyst"])
    listing = de.get("/workbench/requests/")
    assert list(listing.context["inbox"]) == [] and list(listing.context["sent"]) == []
    assert de.get(f"/workbench/requests/{request_to_nl.pk}/").status_code == 404
    assert de.post(f"/workbench/requests/{request_to_nl.pk}/reply/", {"body": "Hello?"}).status_code == 404
    assert de.post(f"/workbench/requests/{request_to_nl.pk}/close/").status_code == 404
    with pytest.raises(services.WorkbenchError) as caught:
        services.post_information_message(actor=people["de_analyst"], request=request_to_nl, body="Hello?")
    assert caught.value.status == 404
    assert InformationMessage.objects.count() == 1


@pytest.mark.parametrize("auditor", ["fr_auditor", "nl_auditor", "eu_auditor"])
def test_auditors_read_but_cannot_write(people, request_to_nl, auditor):
    client = browser(people[auditor])
    page = client.get(f"/workbench/requests/{request_to_nl.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "We will check." in html and 'id="reply-form"' not in html and "Close the request" not in html
    listing = client.get("/workbench/requests/")
    assert "New request" not in listing.content.decode()
    assert client.get("/workbench/requests/new/").status_code == 404
    assert client.post("/workbench/requests/new/", FORM).status_code == 404
    assert client.post(f"/workbench/requests/{request_to_nl.pk}/reply/", {"body": "Noted."}).status_code == 403
    assert client.post(f"/workbench/requests/{request_to_nl.pk}/close/").status_code == 403
    request_to_nl.refresh_from_db()
    assert request_to_nl.state == "answered" and InformationMessage.objects.count() == 1
    assert InformationRequest.objects.count() == 1


def test_only_the_requesting_side_closes(people, request_to_nl):
    assert browser(people["nl_analyst"]).post(f"/workbench/requests/{request_to_nl.pk}/close/").status_code == 403
    request_to_nl.refresh_from_db()
    assert request_to_nl.state == "answered"


def test_an_empty_reply_is_refused(people, request_to_nl):
    response = browser(people["fr_analyst"]).post(f"/workbench/requests/{request_to_nl.pk}/reply/", {"body": "   "})
    assert response.status_code == 400
    assert 'id="reply-body-error">Write a message.<' in response.content.decode()
    assert InformationMessage.objects.count() == 1


def test_the_answer_time_is_shown_in_the_lists(people, request_to_nl):
    InformationRequest.objects.filter(pk=request_to_nl.pk).update(
        created_at=request_to_nl.first_answer_at - dt.timedelta(hours=3, minutes=5)
    )
    client = browser(people["fr_analyst"])
    assert "<td>3\xa0hours, 5\xa0minutes</td>" in client.get("/workbench/requests/").content.decode()
    page = client.get(f"/workbench/requests/{request_to_nl.pk}/").content.decode()
    assert "(3\xa0hours, 5\xa0minutes later)" in page
    assert "(+3\xa0hours, 5\xa0minutes)" in page  # the answer's offset in the thread
