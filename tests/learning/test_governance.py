"""Risk models governed like criteria (issue 16 point 3, contract 6): draft -> submitted -> approved
(four-eyes) -> shadow -> live, retire; one live model per Member State and one EU-wide; audited."""

from __future__ import annotations

import pytest

from crms.audit.models import AuditEntry
from crms.learning import governance
from crms.learning.models import ModelStatus, ModelVersion
from tests.conftest import make_user
from tests.declarations.conftest import api_client
from tests.learning.test_models import VALIDATE
from tests.learning.test_models import train as train_unvalidated

pytestmark = pytest.mark.django_db


def train(*args: str) -> ModelVersion:
    """A model with a validation period (only an evaluated model may be submitted)."""
    return train_unvalidated(*args, *VALIDATE)


def post(user, model: ModelVersion, action: str, body: dict | None = None):
    return api_client(user).post(f"/api/v1/models/{model.pk}/{action}/", body or {}, format="json")


@pytest.fixture
def fr_managers(history):
    return history["fr_risk_manager"], make_user("fr_rm_two", "FR", "risk_manager")


def test_a_member_state_model_goes_live_through_two_risk_managers(history, fr_managers):
    first, second = fr_managers
    model = train("--member-state", "FR")
    assert post(first, model, "approve").status_code == 409  # a draft is not approved
    assert post(first, model, "submit", {"comment": "Ready."}).json()["status"] == "submitted"
    refused = post(first, model, "approve")
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "four_eyes"
    assert post(second, model, "approve").json()["status"] == "approved"
    assert post(second, model, "live").status_code == 409  # shadow first
    assert post(first, model, "shadow").json()["status"] == "shadow"
    document = post(first, model, "live").json()
    assert document["status"] == "live"
    assert document["governance"]["submitted_by"] == first.username
    assert document["governance"]["approved_by"] == second.username
    actions = list(
        AuditEntry.objects.filter(object_type="learning.modelversion", object_id=str(model.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["model.submitted", "model.approved", "model.put_in_shadow", "model.put_live"]
    assert AuditEntry.objects.filter(action="model.submitted", after__comment="Ready.").exists()


def _live(model: ModelVersion, manager, approver) -> None:
    for user, action in ((manager, "submit"), (approver, "approve"), (approver, "shadow"), (approver, "live")):
        response = post(user, model, action)
        assert response.status_code == 200, (action, response.json())


def test_one_live_model_per_scope_the_next_retires_the_previous(history, fr_managers):
    first, second = fr_managers
    old, new = train("--member-state", "FR"), train("--member-state", "FR")
    eu = train()
    _live(old, first, second)
    _live(eu, history["commission"], history["commission_approver"])
    _live(new, first, second)
    old.refresh_from_db()
    eu.refresh_from_db()
    assert old.status == ModelStatus.RETIRED and old.retired_at is not None
    assert eu.status == ModelStatus.LIVE  # another scope: untouched
    assert ModelVersion.objects.filter(status=ModelStatus.LIVE).count() == 2
    assert AuditEntry.objects.filter(action="model.retired", object_id=str(old.pk)).exists()


def test_the_database_refuses_a_second_live_model_of_a_scope(history):
    first, second = train("--member-state", "FR"), train("--member-state", "FR")
    ModelVersion.objects.filter(pk=first.pk).update(status=ModelStatus.LIVE)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(status=ModelStatus.LIVE)


# Who may do what: (persona, on the FR model, on the EU model) -> expected status of "submit" on a draft.
SUBMITTERS = {
    "fr_risk_manager": (200, 403),
    "fr_analyst": (403, 403),
    "fr_auditor": (403, 403),  # reads the EU-wide model (it scores FR), may not move it
    "fr_system": (404, 404),
    "nl_manager": (404, 403),
    "commission": (403, 200),
    "commission_approver": (403, 200),
    "eu_auditor": (403, 403),
}


@pytest.mark.parametrize("persona", sorted(SUBMITTERS))
def test_who_may_submit(history, persona):
    if persona not in history:
        history[persona] = make_user(persona, "NL", "risk_manager")
    fr_model, eu_model = train("--member-state", "FR"), train()
    expected_fr, expected_eu = SUBMITTERS[persona]
    assert post(history[persona], fr_model, "submit").status_code == expected_fr
    assert post(history[persona], eu_model, "submit").status_code == expected_eu


def test_an_eu_model_is_approved_only_by_a_commission_approver(history):
    model = train()
    assert post(history["commission"], model, "submit").status_code == 200
    assert post(history["commission"], model, "approve").status_code == 403
    assert post(history["fr_risk_manager"], model, "approve").status_code == 403
    assert post(history["commission_approver"], model, "approve").status_code == 200


def test_bodies_are_checked_and_nothing_moves_on_a_bad_one(history):
    model = train("--member-state", "FR")
    response = post(history["fr_risk_manager"], model, "submit", {"comment": "ok", "x_unknown": 1})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "x_unknown"
    response = post(history["fr_risk_manager"], model, "submit", {"comment": "x" * 2001})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "comment"
    model.refresh_from_db()
    assert model.status == ModelStatus.DRAFT
    assert not AuditEntry.objects.filter(object_type="learning.modelversion").exists()


def test_retire_from_any_state_but_retired(history, fr_managers):
    first, _second = fr_managers
    model = train("--member-state", "FR")
    assert post(first, model, "retire").json()["status"] == "retired"
    assert post(first, model, "retire").status_code == 409


def test_may_matches_what_the_service_allows(history, fr_managers):
    """The page offers an action exactly when the service would do it (every persona x action x state)."""
    first, second = fr_managers
    people = [first, second, history["fr_analyst"], history["commission_approver"], history["fr_auditor"]]
    model = train("--member-state", "FR")
    model.created_by = first
    model.save(update_fields=["created_by"])
    states = (ModelStatus.DRAFT, ModelStatus.SUBMITTED, ModelStatus.APPROVED, ModelStatus.SHADOW)
    for evaluation in (model.evaluation, None):
        for state in states:
            for user in people:
                for action in governance.ACTIONS:
                    ModelVersion.objects.filter(pk=model.pk).update(
                        status=state, submitted_by=first, evaluation=evaluation
                    )
                    model.refresh_from_db()
                    offered = governance.may(user, model, action)
                    try:
                        governance.move(actor=user, model=model, action=action)
                        done = True
                    except governance.GovernanceError:
                        done = False
                    assert offered == done, (evaluation is not None, state, user.username, action)


def test_a_model_without_a_validation_period_is_neither_submitted_nor_approved(history, fr_managers, client):
    first, second = fr_managers
    model = train_unvalidated("--member-state", "FR")
    assert model.evaluation is None
    response = post(first, model, "submit")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "evaluation"
    assert "validation period" in response.json()["errors"][0]["message"]
    ModelVersion.objects.filter(pk=model.pk).update(status=ModelStatus.SUBMITTED, submitted_by=first)
    assert post(second, model, "approve").status_code == 409
    model.refresh_from_db()
    assert model.status == ModelStatus.SUBMITTED
    client.force_login(second)
    page = client.get(f"/models/{model.pk}/").content.decode()
    assert 'value="approve"' not in page and 'value="retire"' in page


def test_refusals_read_as_sentences_with_the_right_article_and_verbs(history, fr_managers):
    """A second approve: "An approved model cannot be approved." (not "A approved"); shadow and live are said
    with verbs ("may put this model in shadow mode"), not "may shadow/live this model"."""
    first, second = fr_managers
    model = train("--member-state", "FR")
    post(first, model, "submit")
    post(second, model, "approve")
    again = post(second, model, "approve")
    assert again.status_code == 409
    assert again.json()["errors"][0]["message"] == "An approved model cannot be approved."
    assert post(second, model, "live").json()["errors"][0]["message"] == "An approved model cannot be put live."
    analyst = history["fr_analyst"]
    for action, verb in (("shadow", "put this model in shadow mode"), ("live", "put this model live")):
        message = post(analyst, model, action).json()["errors"][0]["message"]
        assert message.endswith(f"may {verb}."), message


def test_every_status_and_action_has_its_words():
    """A new status or action without its phrase fails here, not as a KeyError on a refusal."""
    assert set(governance.MODEL_IN_STATUS) == set(ModelStatus)
    assert set(governance.REFUSALS) == set(governance.DONE) == set(governance.ACTIONS)
    for status in ModelStatus:
        phrase = str(governance.MODEL_IN_STATUS[status])
        article = phrase.split()[0]
        assert article == ("An" if phrase.split()[1][0] in "aeiou" else "A"), phrase
