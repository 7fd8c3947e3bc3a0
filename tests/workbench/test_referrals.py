"""The ICS2 referral loop (contract 5): a pre-loading decision opens a referral, the national system of
first entry lists and answers it over REST (strictly validated), the analyst closes it or asks again;
every step is audited and overdue referrals are flagged in the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from crms.audit.models import AuditEntry
from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration
from tests.risk_engine.conftest import api_client, assert_error_body
from workbench import referrals, services
from workbench.models import Referral, ReferralAnswer, ReferralStatus

pytestmark = pytest.mark.django_db

RFI_ANSWER = {
    "kind": "additional_information",
    "text": "Consignee is a toy retailer, invoice attached to the amendment.",
}
HRCM_ANSWER = {"kind": "screening_result", "method": "x_ray", "outcome": "no_threat", "text": "Pallets x-rayed."}
DNL_ANSWER = {"kind": "acknowledged", "text": "Not loaded; held at origin."}


def refer(people, referred, action="request_for_information", question="Who is the end user of these toys?"):
    case = referred()
    decision = services.decide(actor=people["fr_analyst"], case=case, action=action, question=question)
    return decision.referral


def answers_url(referral) -> str:
    return f"/api/v1/referrals/{referral.pk}/answers/"


# --- opening --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["request_for_information", "high_risk_cargo_screening", "do_not_load"])
def test_a_pre_loading_decision_opens_a_referral_audited(people, referred, action):
    referral = refer(people, referred, action, question="Screen every pallet of item 1.")
    assert (referral.kind, referral.status, referral.round) == (action, "open", 1)
    assert (referral.requested_by_id, referral.first_entry_id) == ("FR", "FR")
    assert referral.question == "Screen every pallet of item 1."
    entry = AuditEntry.objects.get(action="referral.opened")
    assert entry.after["kind"] == action and entry.actor_username == "fr_analyst"


def test_control_and_dismiss_open_no_referral(people, referred):
    case = referred()
    services.decide(actor=people["fr_analyst"], case=case, action="dismiss", reason="Known toy importer.")
    assert not Referral.objects.exists()


def test_the_question_defaults_to_the_reason_then_to_the_standard_wording(people, referred):
    case = referred()
    decision = services.decide(actor=people["fr_analyst"], case=case, action="request_for_information", reason="Why?")
    assert decision.referral.question == "Why?"
    other = services.decide(actor=people["fr_analyst"], case=referred(), action="do_not_load")
    assert other.referral.question == referrals.DEFAULT_QUESTION["do_not_load"]


# --- listing --------------------------------------------------------------------------------------------------


def test_the_list_shows_the_contract_fields_to_the_national_system_and_analysts(people, referred):
    referral = refer(people, referred)
    for name in ("fr_system", "fr_analyst", "fr_risk_manager", "fr_auditor", "commission", "eu_auditor"):
        response = api_client(people[name]).get("/api/v1/referrals/?status=open")
        assert response.status_code == 200, name
        (document,) = response.json()["results"]
        assert document["id"] == referral.pk
        assert document["mrn"] == referral.declaration.mrn
        assert document["kind"] == "request_for_information"
        assert document["requested_by_member_state"] == "FR"
        assert document["question"] == "Who is the end user of these toys?"
        assert document["screening_required"] is None
        assert document["status"] == "open" and document["answers"] == [] and document["overdue"] is False
        dt.datetime.fromisoformat(document["requested_at"])
    for name in ("nl_analyst", "de_analyst", "nl_system"):  # NL reads the ENS (unloading) but made no referral
        response = api_client(people[name]).get("/api/v1/referrals/")
        assert response.status_code == 200 and response.json()["results"] == [], name
        assert api_client(people[name]).get(f"/api/v1/referrals/{referral.pk}/").status_code == 404


def test_screening_referrals_say_what_screening_is_required(people, referred):
    referral = refer(people, referred, "high_risk_cargo_screening", question="ETD on every parcel.")
    document = api_client(people["fr_system"]).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert document["screening_required"] == "ETD on every parcel." and document["question"] is None


def test_status_filter_and_keyset_pages(people, referred, monkeypatch):
    from workbench import api

    monkeypatch.setattr(api, "PAGE", 2)
    made = [refer(people, referred) for _ in range(3)]
    client = api_client(people["fr_system"])
    first = client.get("/api/v1/referrals/?status=open").json()
    assert [r["id"] for r in first["results"]] == [made[0].pk, made[1].pk]
    second = client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [made[2].pk] and second["next"] is None
    assert client.get("/api/v1/referrals/?status=closed").json()["results"] == []
    for query, field in (("status=done", "status"), ("after=x", "after"), ("after=%C2%B2", "after")):
        (error,) = assert_error_body(client.get(f"/api/v1/referrals/?{query}"), 400)
        assert error["field"] == field


# --- answering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "answer"),
    [
        ("request_for_information", RFI_ANSWER),
        ("high_risk_cargo_screening", HRCM_ANSWER),
        ("do_not_load", DNL_ANSWER),
    ],
)
def test_the_national_system_answers_each_kind_audited(people, referred, action, answer):
    referral = refer(people, referred, action)
    response = api_client(people["fr_system"]).post(answers_url(referral), answer, format="json")
    assert response.status_code == 201, response.content
    document = response.json()
    assert document["status"] == "answered"
    (shown,) = document["answers"]
    assert shown["kind"] == answer["kind"] and shown["text"] == answer["text"] and shown["round"] == 1
    assert shown["method"] == answer.get("method") and shown["outcome"] == answer.get("outcome")
    assert shown["answered_by"] == "fr_system"
    entry = AuditEntry.objects.get(action="referral.answered")
    assert entry.actor_username == "fr_system" and entry.after["kind"] == answer["kind"]


@pytest.mark.parametrize(
    ("action", "answer"),
    [
        ("request_for_information", RFI_ANSWER),
        ("high_risk_cargo_screening", HRCM_ANSWER),
        ("do_not_load", DNL_ANSWER),
    ],
)
def test_a_retried_answer_is_stored_once_and_a_different_one_is_added(people, referred, action, answer):
    """Adversarial probe, 7 December: the same answer sent five times (a retry after a lost response) was stored
    five times, with five events and five entries on the case. A retry now gets 200 and the stored answer."""
    from workbench.models import ReferralAnswer

    referral = refer(people, referred, action)
    client = api_client(people["fr_system"])
    assert client.post(answers_url(referral), answer, format="json").status_code == 201
    for _ in range(3):
        again = client.post(answers_url(referral), answer, format="json")
        assert again.status_code == 200 and len(again.json()["answers"]) == 1
    assert ReferralAnswer.objects.filter(referral=referral).count() == 1
    assert AuditEntry.objects.filter(action="referral.answered").count() == 1
    more = client.post(answers_url(referral), {**answer, "text": answer["text"] + " More."}, format="json")
    assert more.status_code == 201 and len(more.json()["answers"]) == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**RFI_ANSWER, "colour": "red"}, "colour", "unknown_field"),
        ({"text": "no kind"}, "kind", "invalid"),
        ({**RFI_ANSWER, "kind": "photo"}, "kind", "invalid"),
        ({**RFI_ANSWER, "kind": 7}, "kind", "invalid"),
        ({"kind": "additional_information"}, "text", "required"),
        ({"kind": "additional_information", "text": ""}, "text", None),
        ({**RFI_ANSWER, "text": "x" * 4001}, "text", None),
        ({**RFI_ANSWER, "text": 12}, "text", None),
        ({**RFI_ANSWER, "amendment_mrn_version": "2"}, "amendment_mrn_version", None),
        ({**RFI_ANSWER, "amendment_mrn_version": 1}, "amendment_mrn_version", None),
        ({**RFI_ANSWER, "amendment_mrn_version": 2}, "amendment_mrn_version", "invalid"),  # no version 2 filed
        (HRCM_ANSWER, "kind", "wrong_kind"),  # a screening result does not answer a request for information
        (DNL_ANSWER, "kind", "wrong_kind"),
    ],
)
def test_bad_answers_are_400_naming_the_field_and_write_nothing(people, referred, body, field, code):
    referral = refer(people, referred)
    errors = assert_error_body(api_client(people["fr_system"]).post(answers_url(referral), body, format="json"), 400)
    assert field in {e["field"] for e in errors}, errors
    if code:
        assert code in {e["code"] for e in errors}, errors
    assert not ReferralAnswer.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**HRCM_ANSWER, "method": "sniffing"}, "method"),
        ({**HRCM_ANSWER, "outcome": "fine"}, "outcome"),
        ({"kind": "screening_result", "outcome": "no_threat"}, "method"),
        ({**HRCM_ANSWER, "amendment_mrn_version": None}, "amendment_mrn_version"),  # not a field of this kind
    ],
)
def test_screening_results_take_the_contract_enums_only(people, referred, body, field):
    referral = refer(people, referred, "high_risk_cargo_screening")
    errors = assert_error_body(api_client(people["fr_system"]).post(answers_url(referral), body, format="json"), 400)
    assert field in {e["field"] for e in errors}, errors


def test_a_body_that_is_not_an_object_is_400(people, referred):
    referral = refer(people, referred)
    client = api_client(people["fr_system"])
    assert_error_body(client.post(answers_url(referral), [RFI_ANSWER], format="json"), 400)
    response = client.post(answers_url(referral), "{not json", content_type="application/json")
    assert_error_body(response, 400)


def test_an_amendment_filed_after_the_referral_may_carry_the_information(people, referred):
    referral = refer(people, referred)
    declaration = Declaration.objects.get(pk=referral.declaration_id)
    body = dict(declaration.versions.get(version=1).body)
    items = [dict(item) for item in body["goods_items"]]
    items[0]["description"] = "plastic toy cars for a toy retailer"
    result = amend_declaration(declaration, body | {"goods_items": items}, user=people["fr_system"])
    assert result.status == 201, result.errors
    response = api_client(people["fr_system"]).post(
        answers_url(referral), {**RFI_ANSWER, "amendment_mrn_version": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["answers"][0]["amendment_mrn_version"] == 2


def test_only_the_first_entry_national_system_answers(people, referred):
    referral = refer(people, referred)
    for name in ("fr_analyst", "fr_risk_manager", "fr_auditor", "commission"):
        response = api_client(people[name]).post(answers_url(referral), RFI_ANSWER, format="json")
        assert_error_body(response, 403)
    for name in ("nl_system", "nl_analyst", "de_analyst"):
        assert_error_body(api_client(people[name]).post(answers_url(referral), RFI_ANSWER, format="json"), 404)
    assert api_client(None).post(answers_url(referral), RFI_ANSWER, format="json").status_code == 401
    assert not ReferralAnswer.objects.exists()


# --- closing and asking again ---------------------------------------------------------------------------------


def test_the_analyst_asks_again_then_closes_and_a_closed_referral_takes_no_answer(people, referred):
    referral = refer(people, referred)
    system = api_client(people["fr_system"])
    assert system.post(answers_url(referral), RFI_ANSWER, format="json").status_code == 201
    referrals.ask_again(actor=people["fr_analyst_2"], referral=referral, question="Send the invoice, please.")
    referral.refresh_from_db()
    assert (referral.status, referral.round, referral.question) == ("open", 2, "Send the invoice, please.")
    document = system.get("/api/v1/referrals/?status=open").json()["results"][0]
    assert [q["text"] for q in document["questions"]] == ["Who is the end user of these toys?", referral.question]
    answer = {**RFI_ANSWER, "text": "Invoice no. 42, EUR 1 200."}
    assert system.post(answers_url(referral), answer, format="json").json()["answers"][1]["round"] == 2
    referrals.close_referral(actor=people["fr_analyst"], referral=referral, reason="Invoice matches the goods.")
    referral.refresh_from_db()
    assert referral.status == "closed" and referral.close_reason == "Invoice matches the goods."
    (error,) = assert_error_body(system.post(answers_url(referral), RFI_ANSWER, format="json"), 409)
    assert error["code"] == "conflict"
    assert ReferralAnswer.objects.filter(referral=referral).count() == 2
    actions = list(
        AuditEntry.objects.filter(object_type="workbench.referral").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "referral.opened",
        "referral.answered",
        "referral.asked_again",
        "referral.answered",
        "referral.closed",
    ]


def test_closing_and_asking_again_are_for_the_referring_member_states_workers(people, referred):
    referral = refer(people, referred)
    for name in ("fr_auditor", "fr_system", "nl_analyst", "commission"):
        with pytest.raises(referrals.ReferralError) as caught:
            referrals.close_referral(actor=people[name], referral=referral, reason="Not mine to close.")
        assert caught.value.status == 403, name
    for reason, code in (("", "required"), ("ok", "required"), ("x" * 4001, "too_long")):
        with pytest.raises(referrals.ReferralError) as caught:
            referrals.close_referral(actor=people["fr_analyst"], referral=referral, reason=reason)
        assert caught.value.status == 400 and caught.value.errors[0] == {
            "field": "reason",
            "code": code,
            "message": caught.value.errors[0]["message"],
        }
    with pytest.raises(referrals.ReferralError) as caught:
        referrals.ask_again(actor=people["fr_analyst"], referral=referral, question=" ")
    assert caught.value.errors[0]["field"] == "question"
    referral.refresh_from_db()
    assert referral.status == "open" and referral.round == 1


def test_the_browser_forms_close_and_ask_again_with_messages(people, referred):
    referral = refer(people, referred)
    client = Client()
    client.force_login(people["fr_analyst"])
    response = client.post(f"/workbench/referrals/{referral.pk}/close/", {"reason": "ok"})
    assert response.status_code == 400  # the case page again: the reason as typed, the message beside it
    page = response.content.decode()
    assert f'id="referral-{referral.pk}-reason-error">Say why the referral is closed' in page
    assert ">ok</textarea>" in page
    client.post(f"/workbench/referrals/{referral.pk}/ask-again/", {"question": "And the consignee's EORI?"})
    referral.refresh_from_db()
    assert referral.round == 2
    page = client.post(f"/workbench/referrals/{referral.pk}/close/", {"reason": "Satisfied."}, follow=True)
    assert "Referral closed." in page.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    auditor = Client()
    auditor.force_login(people["fr_auditor"])
    assert auditor.post(f"/workbench/referrals/{referral.pk}/ask-again/", {"question": "Again?"}).status_code == 403
    other = Client()
    other.force_login(people["nl_analyst"])
    assert other.post(f"/workbench/referrals/{referral.pk}/close/", {"reason": "Mine now."}).status_code == 404


# --- shown on the case and flagged in the queue -----------------------------------------------------------------


def test_the_case_page_shows_the_question_and_the_answer(people, referred):
    referral = refer(people, referred, "high_risk_cargo_screening", question="X-ray item 1.")
    api_client(people["fr_system"]).post(answers_url(referral), HRCM_ANSWER, format="json")
    client = Client()
    client.force_login(people["fr_analyst"])
    page = client.get(f"/workbench/cases/{referral.case_id}/").content.decode()
    assert "X-ray item 1." in page and "Pallets x-rayed." in page and "No threat found" in page
    assert "Answered: awaiting the analyst" in page and 'class="grid-form referral-close"' in page
    auditor = Client()
    auditor.force_login(people["fr_auditor"])
    page = auditor.get(f"/workbench/cases/{referral.case_id}/").content.decode()
    assert "Pallets x-rayed." in page and "referral-close" not in page  # auditors read, never act


def test_a_referral_open_past_the_setting_is_flagged_overdue_in_the_queue(people, referred, settings):
    settings.REFERRAL_OVERDUE_MINUTES = 30
    late, fresh, answered = (refer(people, referred) for _ in range(3))
    Referral.objects.filter(pk__in=[late.pk, answered.pk]).update(asked_at=timezone.now() - dt.timedelta(minutes=31))
    api_client(people["fr_system"]).post(answers_url(answered), RFI_ANSWER, format="json")
    client = Client()
    client.force_login(people["fr_analyst"])
    page = client.get("/workbench/").content.decode()
    assert 'id="count-overdue-referrals">1<' in page
    row = page.split(f'id="queue-referral-{late.pk}"')[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in row
    for other in (fresh, answered):
        row = page.split(f'id="queue-referral-{other.pk}"')[0].rsplit("<tr", 1)[1]
        assert 'class="overdue"' not in row
    assert page.index(f"queue-referral-{answered.pk}") < page.index(f"queue-referral-{late.pk}")  # its move first
    document = api_client(people["fr_system"]).get(f"/api/v1/referrals/{late.pk}/").json()
    assert document["overdue"] is True
    nl = Client()
    nl.force_login(people["nl_analyst"])
    assert "queue-referral-" not in nl.get("/workbench/").content.decode()
