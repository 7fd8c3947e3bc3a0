"""Schemathesis over the whole OpenAPI schema: no request a client can send answers 5xx.

Every operation of ``/api/schema/`` is fuzzed with bodies and parameters that follow the schema
(positive) and that break it (negative), each request sent as a French national system, a French
analyst and anonymously. Requests with path parameters are sent with the generated identifiers
(mostly unknown: 404) and again with those of real objects of the shared world (FR declarations
unloaded in NL with cases, a control result, an EU criterion and an FR profile, a RIF addressed to
FR), so the code behind the 404 is fuzzed too. Bounded: ``SCHEMA_FUZZ_EXAMPLES`` (12) examples per
operation and mode; raise it for a deeper run.

The requests go through Django's test client (inside the test's transaction, each in a savepoint so
one failure cannot poison the next); schemathesis only generates them.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from tests.security.world import TOY

pytestmark = pytest.mark.django_db

PERSONAS = ("fr_system", "fr_analyst", "anonymous")
EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "12"))  # per operation and mode; raise it for a deep run
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database in the repository; every run starts fresh
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found, in bounded time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
)  # fmt: skip


def _schema() -> dict:
    """The document ``/api/schema/`` serves (same generator, same settings)."""
    return SchemaGenerator().get_schema(request=None, public=True)


RAW = _schema()
SCHEMA = schemathesis.openapi.from_dict(RAW)
OPERATIONS = {operation.label: operation for operation in (result.ok() for result in SCHEMA.get_all_operations())}


def _breakable(label: str) -> bool:
    """Negative cases need something the schema constrains: a body or a query parameter (any text is a valid
    path segment, and schemathesis cannot break an operation that takes nothing else)."""
    method, path = label.split(" ", 1)
    definition = RAW["paths"][path][method.lower()]
    return "requestBody" in definition or any(p["in"] == "query" for p in definition.get("parameters", []))


CASES = [(label, GenerationMode.POSITIVE) for label in sorted(OPERATIONS)] + [
    (label, GenerationMode.NEGATIVE) for label in sorted(OPERATIONS) if _breakable(label)
]


def test_the_fuzzed_schema_is_the_whole_api():
    """Every REST endpoint is fuzzed: the schema lists all of them (schema exclusions would hide one)."""
    from django.urls import get_resolver

    def api_routes(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from api_routes(pattern, route)
            elif route.startswith("api/v1/"):
                yield route

    documented = {label.split(" ", 1)[1] for label in OPERATIONS}
    routes = {"/" + route.replace("<str:", "{").replace(">", "}") for route in api_routes(get_resolver())}
    assert routes == documented
    assert len(OPERATIONS) >= 27


def _real_path_parameters(world) -> dict[str, list[str]]:
    return {
        "mrn": [world.mrn, world.forwarded_mrn],
        "code": [TOY, "FR-SEC-NP"],
        "reference": [world.rif.reference],
        "model_id": [str(world.fr_model.pk)],
    }


def _send(client: Client, prepared: requests.PreparedRequest, token: str | None):
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in ("content-length", "cookie", "host")}
    headers.pop("Authorization", None)
    content_type = headers.pop("Content-Type", None) or "application/octet-stream"
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Token {token}"
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    return client.generic(prepared.method, prepared.path_url, body, content_type=content_type, **extra)


def _token(user) -> str | None:
    """Looked up per request: the token-revocation operation deletes it, the next request gets a new one."""
    return None if user is None else Token.objects.get_or_create(user=user)[0].key


@pytest.mark.parametrize("label,mode", CASES, ids=[f"{label}-{mode.value}" for label, mode in CASES])
def test_no_request_is_a_server_error(world, settings, label, mode):
    settings.API_RATE_LIMIT = "1000000/min"
    operation = OPERATIONS[label]
    real = _real_path_parameters(world)
    client = Client(raise_request_exception=True)

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        variants = [dict(case.path_parameters or {})]
        if case.path_parameters:
            variants += [{name: real[name][i % len(real[name])] for name in case.path_parameters} for i in range(2)]
        for path_parameters in variants:
            case.path_parameters = path_parameters
            prepared = requests.Request(**case.as_transport_kwargs(base_url="http://testserver")).prepare()
            for persona in PERSONAS:
                try:
                    with transaction.atomic():  # a savepoint: a failing request leaves the test's transaction usable
                        response = _send(client, prepared, _token(world.people[persona]))
                except Exception as exc:
                    raise AssertionError(f"{prepared.method} {prepared.path_url} as {persona} raised") from exc
                assert response.status_code < 500, (
                    f"{prepared.method} {prepared.path_url} as {persona}: {response.status_code}\n"
                    f"body sent: {(prepared.body or b'')[:500]!r}\nanswer: {response.content[:500]!r}"
                )

    fuzz()
