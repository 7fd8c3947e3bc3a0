"""Contract section 4 everywhere: an unknown field in a body is a 400 naming it, never silently ignored.

``ROWS`` has one row per endpoint that reads a body: every POST/PUT/PATCH operation of the OpenAPI schema
and the browser endpoints that read JSON (the criteria builder). Each sends an otherwise plausible body
with one field the contract does not know, at the top level and, where the body nests objects, inside
one, and expects the 400 (``unknown_field``, naming the field's path) with nothing written. The watch-list
POST and the lifecycle actions (submit, approve, retire) ignored them before.

``test_every_endpoint_with_a_body_has_a_row`` fails when an operation with a body, or a view that reads
JSON (a call of ``read_json``), has no row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson
import pytest
from drf_spectacular.generators import SchemaGenerator

from crms.audit.models import AuditEntry
from crms.declarations.models import DeclarationVersion
from rif.models import Rif, RifFeedback
from risk_engine.models import Criterion, CriterionVersion, WatchList, WatchListEntry
from tests.permissions import client_for
from tests.rif.conftest import rif_body
from tests.risk_engine.conftest import make_criterion, make_ens
from tests.security.discovery import calls, source_files
from tests.security.world import FR_PROFILE, TOY, World
from workbench.models import ControlResult

pytestmark = pytest.mark.django_db

UNKNOWN = "x_unknown"


@dataclass(frozen=True)
class Row:
    operation: str  # "POST /api/v1/criteria/" as in the OpenAPI schema, or the browser URL
    site: str  # the view that reads the body (file:qualified name of the read_json caller)
    persona: str
    url: Callable[[World], str]
    body: Callable[[World], dict]
    nested: tuple[str, Callable[[World], dict]] | None = None  # an unknown field inside a nested object
    api: bool = True
    status: int = 400  # the builder's preview answers 200 with the problems


def _ens(w: World) -> dict:
    return make_ens()


def _amendment(w: World) -> dict:
    version = DeclarationVersion.objects.filter(declaration__mrn=w.mrn).order_by("-version").first()
    return dict(version.body)


FEEDBACK = {"relevance": "relevant", "measures": [], "comment": "Seen here too."}
INFORMATION_REQUEST = {
    "requested_state": "NL", "subject": "party", "party_name": "Shenzhen Bright Trading Co",
    "party_eori": "CN1234567", "legal_basis": "reg_515_97", "purpose": "Risk analysis of toy imports.",
    "question": "Have you controlled consignments from this consignor, and with what results?",
}  # fmt: skip
CONTROL = {"control_type": "physical", "result": "no_irregularity"}
WATCH_LIST = {
    "code": "WL-UNKNOWN",
    "name": "Unknown fields",
    "kind": "eori",
    "entries": [{"value": "CN1", "reason": "x"}],
}
CRITERIA = "risk_engine/api.py"

ROWS = [
    Row("POST /api/v1/declarations/", "crms/declarations/api.py:DeclarationCollectionView.post", "fr_system",
        lambda w: "/api/v1/declarations/", _ens,
        nested=("goods_items[0]." + UNKNOWN, lambda w: make_ens() | {"goods_items": [
            make_ens()["goods_items"][0] | {UNKNOWN: 1}]})),
    Row("POST /api/v1/declarations/batch/", "crms/declarations/api.py:DeclarationBatchView.post", "fr_system",
        lambda w: "/api/v1/declarations/batch/", lambda w: {"declarations": [make_ens()]}),
    Row("POST /api/v1/declarations/{mrn}/amendments/", "crms/declarations/api.py:AmendmentView.post", "fr_system",
        lambda w: f"/api/v1/declarations/{w.mrn}/amendments/", _amendment),
    Row("POST /api/v1/declarations/{mrn}/control-results/", "workbench/api.py:ControlResultsView.post",
        "nl_analyst", lambda w: f"/api/v1/declarations/{w.forwarded_mrn}/control-results/", lambda w: CONTROL,
        nested=("seizure." + UNKNOWN, lambda w: CONTROL | {"result": "seizure", "irregularity_type": "ipr",
                                                           "seizure": {"goods": "toys", UNKNOWN: 1}})),
    Row("POST /api/v1/criteria/", f"{CRITERIA}:CriteriaView.post", "commission", lambda w: "/api/v1/criteria/",
        lambda w: make_criterion("CRC-UNKNOWN"),
        nested=("applies_to." + UNKNOWN, lambda w: make_criterion("CRC-UNKNOWN") | {
            "applies_to": {"phases": [], UNKNOWN: 1}})),
    Row("PUT /api/v1/criteria/{code}/", f"{CRITERIA}:CriterionView.put", "fr_analyst",
        lambda w: f"/api/v1/criteria/{FR_PROFILE}/", lambda w: make_criterion(FR_PROFILE, scope="national")),
    Row("POST /api/v1/criteria/{code}/submit/", f"{CRITERIA}:_comment", "fr_analyst",
        lambda w: f"/api/v1/criteria/{FR_PROFILE}/submit/", lambda w: {"comment": "Ready"}),
    Row("POST /api/v1/criteria/{code}/approve/", f"{CRITERIA}:_approval", "commission_approver",
        lambda w: f"/api/v1/criteria/{TOY}/approve/", lambda w: {"comment": "Reviewed"}),
    Row("POST /api/v1/criteria/{code}/retire/", f"{CRITERIA}:_comment", "commission_approver",
        lambda w: f"/api/v1/criteria/{TOY}/retire/", lambda w: {"comment": "Obsolete"}),
    Row("POST /api/v1/criteria/{code}/return/", f"{CRITERIA}:_comment", "commission_approver",
        lambda w: f"/api/v1/criteria/{TOY}/return/", lambda w: {"comment": "Tighten the HS code"}),
    Row("POST /api/v1/criteria/{code}/reject/", f"{CRITERIA}:_comment", "commission_approver",
        lambda w: f"/api/v1/criteria/{TOY}/reject/", lambda w: {"comment": "Duplicates CRC-1"}),
    Row("POST /api/v1/watch-lists/", f"{CRITERIA}:WatchListsView.post", "commission",
        lambda w: "/api/v1/watch-lists/", lambda w: WATCH_LIST,
        nested=("entries[0]." + UNKNOWN, lambda w: WATCH_LIST | {"entries": [{"value": "CN1", "reason": "x",
                                                                              UNKNOWN: 1}]})),
    Row("POST /api/v1/rifs/", "rif/api.py:RifCollectionView.post", "fr_analyst", lambda w: "/api/v1/rifs/",
        lambda w: rif_body(),
        nested=("goods[0]." + UNKNOWN, lambda w: rif_body(goods=[{"hs_code": "950300", UNKNOWN: 1}]))),
    Row("POST /api/v1/rifs/{reference}/feedback/", "rif/api.py:RifFeedbackView.post", "fr_system",
        lambda w: f"/api/v1/rifs/{w.rif.reference}/feedback/", lambda w: FEEDBACK),
    Row("POST /api/v1/crises/{id}/posts/", "rif/api_crises.py:CrisisPostsView.post", "fr_analyst",
        lambda w: f"/api/v1/crises/{w.crisis.pk}/posts/", lambda w: {"body": "Lab tests confirm it here too."}),
    Row("POST /api/v1/rifs/{reference}/read/", "crms/core/api/body.py:optional_json", "fr_system",
        lambda w: f"/api/v1/rifs/{w.rif.reference}/read/", lambda w: {}),
    Row("POST /api/v1/information-requests/", "exchange/api.py:RequestCollectionView.post", "fr_analyst",
        lambda w: "/api/v1/information-requests/", lambda w: INFORMATION_REQUEST),
    Row("POST /api/v1/information-requests/{id}/messages/", "exchange/api.py:RequestMessagesView.post",
        "nl_analyst", lambda w: f"/api/v1/information-requests/{w.request.pk}/messages/",
        lambda w: {"body": "Nothing more on our side."}),
    Row("POST /api/v1/information-requests/{id}/close/", "crms/core/api/body.py:optional_json", "fr_analyst",
        lambda w: f"/api/v1/information-requests/{w.request.pk}/close/", lambda w: {}),
    Row("POST /api/v1/referrals/{id}/answers/", "workbench/api.py:ReferralAnswersView.post", "fr_system",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/answers/",
        lambda w: {"kind": "additional_information", "text": "The goods are toy cars.", "amendment_mrn_version": None}),
    Row("POST /api/v1/subscriptions/", "notifications/api.py:SubscriptionsView.post", "fr_system",
        lambda w: "/api/v1/subscriptions/",
        lambda w: {"url": "https://hooks.example.org/crms", "events": ["referral.opened"],
                   "secret": "0123456789abcdef0123"}),
    Row("PUT /api/v1/selection-settings/", "selection/api.py:SelectionSettingsView.put", "fr_risk_manager",
        lambda w: "/api/v1/selection-settings/", lambda w: {"random_selection_rate": 0.01, "daily_capacity": {}}),
    Row("PUT /api/v1/reference/high-interest-countries/", "crms/reference/api.py:HighInterestCountriesView.put",
        "commission", lambda w: "/api/v1/reference/high-interest-countries/", lambda w: {"countries": ["AE"]}),
    *[
        Row(f"POST /api/v1/models/{{model_id}}/{action}/", "crms/learning/api.py:_comment", "fr_risk_manager",
            lambda w, action=action: f"/api/v1/models/{w.fr_model.pk}/{action}/", lambda w: {"comment": "Seen"})
        for action in ("submit", "approve", "shadow", "live", "retire")
    ],
    Row("POST /api/v1/history/batch/", "crms/learning/api.py:HistoryBatchView.post", "fr_system",
        lambda w: "/api/v1/history/batch/",
        lambda w: {"declarations": [make_ens() | {"received_at": "2025-06-01T08:00:00Z"}]}),
    # The criteria builder (browser, JSON): the same document as POST /api/v1/criteria/.
    Row("POST /criteria/builder/save/", "risk_engine/views/builder.py:_body", "commission",
        lambda w: "/criteria/builder/save/", lambda w: make_criterion("CRC-UNKNOWN"), api=False),
    Row("POST /criteria/builder/preview/", "risk_engine/views/builder.py:_body", "commission",
        lambda w: "/criteria/builder/preview/", lambda w: make_criterion("CRC-UNKNOWN"), api=False, status=200),
]  # fmt: skip

MODELS = (Criterion, CriterionVersion, WatchList, WatchListEntry, Rif, RifFeedback, ControlResult,
          DeclarationVersion, AuditEntry)  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def refused(response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, (response.status_code, response.content[:400])
    return [(problem["field"], problem.get("code")) for problem in response.json()["errors"]]


@pytest.mark.parametrize("row", ROWS, ids=[row.operation for row in ROWS])
def test_an_unknown_field_is_refused_naming_it(world, row):
    client = client_for(world.people[row.persona], api=row.api)
    before = counts()
    cases = [(UNKNOWN, row.body(world) | {UNKNOWN: "ignored?"})] + ([(row.nested[0], row.nested[1](world))]
                                                                       if row.nested else [])  # fmt: skip
    for field, body in cases:
        response = client.generic(row.operation.split()[0], row.url(world), orjson.dumps(body),
                                  content_type="application/json")  # fmt: skip
        problems = refused(response, row.status)
        assert (field, "unknown_field") in problems, (row.operation, field, problems)
    assert counts() == before, row.operation


def test_every_endpoint_with_a_body_has_a_row():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("post", "put", "patch")
    }
    listed = {row.operation for row in ROWS}
    assert operations - listed == set(), "Operations that may carry a body without a row here"
    readers = {f"{relative}:{scope}" for relative, tree in source_files() for scope, _ in calls(tree, {"read_json"})}
    readers -= {"crms/core/api/body.py:read_json"}
    assert readers == {row.site for row in ROWS}, "Views reading a JSON body without a row here"
