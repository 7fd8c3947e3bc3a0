"""Factories and helpers for the risk engine tests: ENS bodies, published criteria, synchronous screening.

- ``ens(**overrides)``: a valid ENS body (a deep copy of the contract example) with a unique LRN and
  an expected arrival a few hours ahead; ``item(number, **overrides)`` a valid goods item.
- ``criterion(code, **overrides)``: a valid criterion document (an EU criterion on toys by default).
- ``publish(doc, author, approver)``: create, submit and approve through ``risk_engine.services``.
- ``file_ens(user, *bodies)``: file through ``file_declarations``; returns the MRNs.
- ``screen(*mrns)``: screen the current versions with ``screen_versions``, synchronously, in one batch.
- ``assessment(user, mrn)``: the contract 2.4 document over HTTP, as that user sees it.

The engine keeps per-process caches (compiled criteria, data-quality checks, random selection
rates); they are dropped around every test so one test's criteria never leak into the next.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crms.declarations.api_docs import EXAMPLE_ENS
from crms.declarations.models import Declaration
from crms.declarations.services import file_declarations
from crms.learning.prices import baselines_at
from risk_engine import services
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.dataquality import current_checks
from risk_engine.pipeline import RESCREEN_KEY
from risk_engine.screening import random_selection_rates, screen_versions
from tests.conftest import make_user

SINCE = "2026-01-01T00:00:00Z"


def make_ens(**overrides) -> dict:
    body = copy.deepcopy(EXAMPLE_ENS)
    body["lrn"] = f"RE-{uuid.uuid4().hex[:24]}"
    body["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)).isoformat()
    body.update(copy.deepcopy(overrides))
    return body


def make_item(number: int = 1, **overrides) -> dict:
    item = copy.deepcopy(EXAMPLE_ENS["goods_items"][0])
    item["item_number"] = number
    item.update(overrides)
    return item


def make_criterion(code: str, **overrides) -> dict:
    doc = {
        "code": code,
        "title": f"Test criterion {code}",
        "description": "Written by the risk engine tests.",
        "scope": "eu",
        "risk_area": "product_safety",
        "condition": {"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9503"]}]},
        "weight": 60,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "valid_from": SINCE,
    }
    doc.update(copy.deepcopy(overrides))
    return doc


def publish_criterion(doc: dict, author, approver):
    """Create + submit (author) + approve (approver); returns the Criterion."""
    version = services.create_criterion(actor=author, data=doc)
    services.submit_criterion(actor=author, criterion=version.criterion)
    services.approve_criterion(actor=approver, criterion=version.criterion)
    forget_compiled_criteria()
    return version.criterion


def file_bodies(user, *bodies: dict) -> list[str]:
    results = file_declarations(list(bodies), user=user)
    for result in results:
        assert result.status == 201, result.errors
    return [result.mrn for result in results]


def current_version_ids(*mrns: str) -> list[int]:
    declarations = Declaration.objects.filter(mrn__in=mrns)
    assert len(declarations) == len(set(mrns)), "unknown MRN"
    return [d.versions.get(version=d.current_version).pk for d in declarations]


def screen_mrns(*mrns: str, now: dt.datetime | None = None) -> dict[str, int]:
    """Screen the current versions of these ENS in one batch (>= 4: columnar; fewer: per record)."""
    return screen_versions(current_version_ids(*mrns), now=now)


def api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def read_assessment(user, mrn: str) -> dict:
    response = api_client(user).get(f"/api/v1/declarations/{mrn}/assessment/")
    assert response.status_code == 200, response.content
    return response.json()


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (bounded waits for worker tests)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def assert_error_body(response, status: int) -> list[dict]:
    """The contract's error format (section 4): {"errors": [{"field", "code", "message"}, ...]}."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    for problem in body["errors"]:
        assert set(problem) == {"field", "code", "message"}, problem
        assert isinstance(problem["code"], str) and isinstance(problem["message"], str) and problem["message"]
    return body["errors"]


def _forget_caches() -> None:
    forget_compiled_criteria()
    current_checks.forget()
    random_selection_rates.forget()
    baselines_at.forget()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas get passwords; the production hasher would cost seconds per test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_engine_caches():
    _forget_caches()
    yield
    _forget_caches()


def _rescreen_settled() -> bool:
    from django.core.cache import cache

    return cache.get(RESCREEN_KEY) is None


def settle_worker() -> None:
    """Let a re-screening requested earlier run (bounded wait)."""
    from django.core.cache import cache

    wait_for(_rescreen_settled, timeout=10)
    cache.delete(RESCREEN_KEY)


@pytest.fixture(autouse=True)
def _settled_worker(request):
    """Worker tests in this directory start and end with a settled worker.

    A re-screening the previous test requested could run on this test's data. Before: wait for
    that re-screening. After: let this test's own re-screening run on its own data. (The worker's
    criteria cache follows the criteria revision, which a flush empties: no stale criteria.)
    """
    if "celery_worker_process" not in request.fixturenames:
        yield
        return
    settle_worker()
    yield
    from django.core.cache import cache

    wait_for(_rescreen_settled, timeout=10)
    cache.delete(RESCREEN_KEY)


@pytest.fixture
def ens() -> Callable[..., dict]:
    return make_ens


@pytest.fixture
def item() -> Callable[..., dict]:
    return make_item


@pytest.fixture
def criterion() -> Callable[..., dict]:
    return make_criterion


@pytest.fixture
def publish() -> Callable:
    return publish_criterion


@pytest.fixture
def file_ens() -> Callable[..., list[str]]:
    return file_bodies


@pytest.fixture
def screen() -> Callable[..., dict[str, int]]:
    return screen_mrns


@pytest.fixture
def assessment() -> Callable[[object, str], dict]:
    return read_assessment


@pytest.fixture
def api() -> Callable[[object], APIClient]:
    return api_client


EXTRA_PEOPLE = {
    "commission_approver_2": ("EU", "commission_approver"),
    "fr_analyst_2": ("FR", "analyst"),
    "nl_system": ("NL", "national_system"),
    "nl_risk_manager": ("NL", "risk_manager"),
    "de_risk_manager": ("DE", "risk_manager"),
}


@pytest.fixture
def people(personas) -> dict:
    """The shared personas plus the second approvers and systems the engine tests need."""
    return {**personas, **{name: make_user(name, *spec) for name, spec in EXTRA_PEOPLE.items()}}
