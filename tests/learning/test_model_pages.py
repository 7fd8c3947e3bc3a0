"""The risk-model pages (issue 16 point 3): scoped like the API, charts from the validation period, and
exactly the governance buttons the service would honour."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from crms.audit.models import AuditEntry
from crms.learning.features import BEHAVIOUR, CATEGORICAL, NUMERIC
from crms.learning.models import ModelStatus, ModelVersion
from crms.learning.pages import feature_label
from tests.learning.test_models import VALIDATE, train

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_draws_the_evaluation_and_offers_the_owners_moves(history):
    model = train("--member-state", "FR", *VALIDATE)
    page = signed_in(history["fr_risk_manager"]).get(f"/models/{model.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    charts = json.loads(html.split('id="model-data" type="application/json">')[1].split("</script>")[0])
    assert charts["curve"]["labels"][0] == "0,5 %" and len(charts["curve"]["precision"]) == 13
    assert len(charts["calibration"]["labels"]) == 10
    assert charts["weekly"]["labels"] and all("/" in label for label in charts["weekly"]["labels"])
    assert charts["importance"]["labels"] and "_" not in " ".join(charts["importance"]["labels"])
    assert 'data-model-chart="curve"' in html and "Submit for approval" in html
    assert "/approve/" not in html  # a draft is not approved
    analyst = signed_in(history["fr_analyst"]).get(f"/models/{model.pk}/").content.decode()
    assert "Submit for approval" not in analyst and 'id="model-actions"' not in analyst


def test_moving_from_the_page_goes_through_the_service(history):
    model = train("--member-state", "FR", *VALIDATE)  # only an evaluated model is submitted
    response = signed_in(history["fr_analyst"]).post(f"/models/{model.pk}/submit/", {"comment": "try"})
    assert response.status_code == 302
    model.refresh_from_db()
    assert model.status == ModelStatus.DRAFT  # refused, said in a message
    signed_in(history["fr_risk_manager"]).post(f"/models/{model.pk}/submit/", {"comment": "Ready"})
    model.refresh_from_db()
    assert model.status == ModelStatus.SUBMITTED
    assert AuditEntry.objects.filter(action="model.submitted", object_id=str(model.pk)).exists()
    assert signed_in(history["fr_risk_manager"]).post(f"/models/{model.pk}/nonsense/").status_code == 404


def test_the_list_shows_what_the_viewer_may_read(history):
    fr_model, eu_model = train("--member-state", "FR"), train()
    nl = signed_in(history["nl_analyst"]).get("/models/").content.decode()
    assert f"/models/{eu_model.pk}/" in nl and f"/models/{fr_model.pk}/" not in nl
    assert signed_in(history["fr_system"]).get("/models/").status_code == 403
    assert signed_in(history["nl_analyst"]).get(f"/models/{fr_model.pk}/").status_code == 404


def test_every_feature_has_a_readable_label():
    names = [*CATEGORICAL, *NUMERIC] + [
        f"{key}_{kind}" for key in BEHAVIOUR for kind in ("controls", "irregular", "rate")
    ]
    for name in names:
        label = feature_label(name)
        assert "_" not in label and label[0].isupper(), name


def test_the_training_counts_are_written_the_european_way(history):
    """ "3 300 controlled, 703 irregular", not "3300 controlled"."""
    model = train("--member-state", "FR")
    ModelVersion.objects.filter(pk=model.pk).update(training={**model.training, "declarations": 3300, "irregular": 703})
    html = signed_in(history["fr_risk_manager"]).get(f"/models/{model.pk}/").content.decode()
    assert "3\u00a0300 controlled, 703 irregular" in html and "3300" not in html
