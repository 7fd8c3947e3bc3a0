"""Fixtures for the ENS intake tests (contract section 2): valid bodies, API clients, national systems."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import orjson
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crms.accounts.services import set_up_user
from crms.declarations.api_docs import EXAMPLE_ENS
from crms.declarations.models import Declaration, DeclarationVersion, GoodsItem, Party

DECLARATIONS_URL = "/api/v1/declarations/"
BATCH_URL = "/api/v1/declarations/batch/"


def contract_body(**overrides: Any) -> dict[str, Any]:
    """The contract's example ENS (section 2.1), arriving in 10 hours, with top-level overrides."""
    body = copy.deepcopy(EXAMPLE_ENS)
    body["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=10)).isoformat()
    body.update(copy.deepcopy(overrides))
    return body


@pytest.fixture
def ens_body():
    """Factory: ``ens_body(lrn="X", transport_mode="sea", ...)`` -> a fresh, valid contract body."""
    return contract_body


def api_client(user) -> APIClient:
    """A DRF client sending ``Authorization: Token <key>`` for ``user`` (anonymous when None)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def post_json(client: APIClient, url: str, body: Any):
    """POST ``body`` serialised with orjson (no DRF renderer in the way), as application/json."""
    return client.generic("POST", url, orjson.dumps(body), content_type="application/json")


def post_raw(client: APIClient, url: str, raw: bytes, content_type: str = "application/json"):
    return client.generic("POST", url, raw, content_type=content_type)


def stored_counts() -> dict[str, int]:
    return {
        "declarations": Declaration.objects.count(),
        "versions": DeclarationVersion.objects.count(),
        "parties": Party.objects.count(),
        "items": GoodsItem.objects.count(),
    }


def machine(username: str, org: str):
    """A national system account: token only, no password (hashing one costs ~0.4 s)."""
    return set_up_user(username=username, org_code=org, role="national_system").user


@pytest.fixture
def fr_system(db):
    # Same username as the `fr_system` persona, so tests may use both and get one account.
    return machine("fr_system", "FR")


@pytest.fixture
def fr_system_2(db):
    """A second French national system (e.g. the postal one): may amend what the first filed."""
    return machine("fr_system_2", "FR")


@pytest.fixture
def nl_system(db):
    return machine("nl_system", "NL")


@pytest.fixture
def de_system(db):
    return machine("de_system", "DE")


@pytest.fixture
def fr_client(fr_system) -> APIClient:
    return api_client(fr_system)


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(fast_password_hashing, personas):
    """The shared cast of tests/conftest.py, made with a fast hasher (PBKDF2 costs ~0.4 s per persona)."""
    return personas
