"""Schemathesis over the whole OpenAPI schema: no request a client can send answers 5xx.

Every operation of ``/api/schema/`` is fuzzed with bodies and parameters that follow the schema
(positive) and that break it (negative), each request sent as a French national system, a French
analyst and anonymously. Requests with path parameters are sent with the generated identifiers
(mostly unknown: 404) and again with those of real objects of the shared world (FR declarations
unloaded in NL with cases, a control result, an EU criterion and an FR profile, a RIF addressed to
FR), so the code behind the 404 is fuzzed too. Bounded: ``SCHEMA_FUZZ_EXAMPLES`` (12) examples per
operation and mode; raise it for a deeper run.

Two strategies keep the classes of issue 13 (point 5) closed:

- dates: every ``date`` and ``date-time`` of the schema (bodies and query parameters) is drawn from the
  whole calendar, years 1 to 9999, with every offset from -14:00 to +14:00, weighted to the edges (year
  1 with a positive offset, 9999-12-31, the windows' bounds). Whatever a request sends, a date it gets
  accepted (2xx) with lies in the widest window of ``crms.core.dates`` (1970-01-01 to ten years ahead);
- paths: every path parameter is also sent as a value no identifier can hold (text with a NUL or another
  control character): 404 for everyone, signed in or not, JSON under /api/.

The requests go through Django's test client (inside the test's transaction, each in a savepoint so
one failure cannot poison the next); schemathesis only generates them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from urllib.parse import parse_qsl, quote, urlsplit

import orjson
import pytest
import requests
import schemathesis
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from crms.core.dates import PLANNED, QUERY, RECORDED
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


# --- date strategies: the whole calendar, weighted to its edges and to the windows' bounds ---------------------


def _edges() -> list[dt.date]:
    bounds = [day for window in (RECORDED, PLANNED, QUERY) for day in window.bounds()]
    return [dt.date(1, 1, 1), dt.date(9999, 12, 31)] + [d + dt.timedelta(days=k) for d in bounds for k in (-1, 0, 1)]


OFFSETS = st.sampled_from([dt.UTC] + [dt.timezone(dt.timedelta(minutes=m)) for m in range(-14 * 60, 14 * 61, 150)])
DAYS = st.one_of(st.sampled_from(_edges()), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
MOMENTS = st.builds(
    lambda day, time, zone: dt.datetime.combine(day, time, tzinfo=zone).isoformat(),
    DAYS,
    st.sampled_from([dt.time(0, 0), dt.time(23, 59, 59)]) | st.times(),
    OFFSETS,
)
schemathesis.openapi.format("date", DAYS.map(dt.date.isoformat))
schemathesis.openapi.format("date-time", MOMENTS)

ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]|$)")
SANE = (QUERY.earliest, QUERY.bounds()[1] + dt.timedelta(days=1))  # the widest window, today's offsets included


def accepted_dates(prepared, response) -> list[str]:
    """Every date-like text an accepted request sent (query string and JSON body) outside the widest window.
    A batch answers 200 with a status per ENS: only the ENS it accepted count."""
    texts = [value for _, value in parse_qsl(urlsplit(prepared.url).query)]
    try:
        body = orjson.loads(prepared.body or b"null")
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("declarations"), list):
        results = response.json().get("results", [])
        accepted = {r["index"] for r in results if isinstance(r, dict) and r.get("status", 400) < 300}
        body = [item for index, item in enumerate(body["declarations"]) if index in accepted]
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str):
            texts.append(item)
    outside = []
    for text in texts:
        if match := ISO_DAY.match(text):
            try:
                day = dt.date(*map(int, match.groups()))
            except ValueError:
                continue
            if not SANE[0] <= day <= SANE[1]:
                outside.append(text)
    return outside


# --- path strategy: values no identifier can hold --------------------------------------------------------------

IMPOSSIBLE_IDS = st.builds(
    lambda head, control, tail: head + control + tail,
    st.text(max_size=20),
    st.sampled_from(["\x00", "\x01", "\x1f", "\x7f", "\n"]),
    st.text(max_size=20),
)


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
    # drf-spectacular names a <int:pk> segment {id} (SCHEMA_COERCE_PATH_PK).
    routes = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
        for route in api_routes(get_resolver())
    }
    assert routes == documented
    assert len(OPERATIONS) >= 27


def _real_path_parameters(world, path: str = "") -> dict[str, list[str]]:
    # Integer ids name a different object under each prefix (issue 15's exchange endpoints).
    ids = {
        "/api/v1/crises/": [world.crisis.pk],
        "/api/v1/pcas/": [world.pca.pk],
        "/api/v1/information-requests/": [world.request.pk],
        "/api/v1/rifs/": [world.attachment.pk],
        "/api/v1/referrals/": [world.referral.pk],
        "/api/v1/subscriptions/": [world.subscription.pk],
    }
    return {
        "mrn": [world.mrn, world.forwarded_mrn],
        "code": [TOY, "FR-SEC-NP"],
        "reference": [world.rif.reference],
        "id": next((pks for prefix, pks in ids.items() if path.startswith(prefix)), [1]),
        "model_id": [str(world.fr_model.pk)],
    }


def _send(client: Client, prepared: requests.PreparedRequest, token: str | None, path: str | None = None):
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in ("content-length", "cookie", "host")}
    headers.pop("Authorization", None)
    content_type = headers.pop("Content-Type", None) or "application/octet-stream"
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Token {token}"
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    return client.generic(prepared.method, path or prepared.path_url, body, content_type=content_type, **extra)


def _token(user) -> str | None:
    """Looked up per request: the token-revocation operation deletes it, the next request gets a new one."""
    return None if user is None else Token.objects.get_or_create(user=user)[0].key


@pytest.mark.parametrize("label,mode", CASES, ids=[f"{label}-{mode.value}" for label, mode in CASES])
def test_no_request_is_a_server_error(world, settings, label, mode):
    settings.API_RATE_LIMIT = settings.API_RATE_LIMIT_NATIONAL_SYSTEM = "1000000/min"
    operation = OPERATIONS[label]
    real = _real_path_parameters(world, label.split(" ", 1)[1])
    client = Client(raise_request_exception=True)

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode), impossible=IMPOSSIBLE_IDS)
    def fuzz(case, impossible):
        variants = [(dict(case.path_parameters or {}), False)]
        if case.path_parameters:
            variants += [
                ({name: real[name][i % len(real[name])] for name in case.path_parameters}, False) for i in range(2)
            ]
            variants.append((variants[-1][0], True))  # the body of a real one, the path parameters impossible
        for path_parameters, must_be_404 in variants:
            case.path_parameters = path_parameters
            prepared = requests.Request(**case.as_transport_kwargs(base_url="http://testserver")).prepare()
            path = None
            if must_be_404:  # encoded here: schemathesis leaves "/" and "?" in path parameters as they are
                path = operation.path.format(**dict.fromkeys(path_parameters, quote(impossible, safe="")))
            for persona in PERSONAS:
                try:
                    with transaction.atomic():  # a savepoint: a failing request leaves the test's transaction usable
                        response = _send(client, prepared, _token(world.people[persona]), path)
                except Exception as exc:
                    raise AssertionError(f"{prepared.method} {prepared.path_url} as {persona} raised") from exc
                where = f"{prepared.method} {path or prepared.path_url} as {persona}: {response.status_code}"
                assert response.status_code < 500, (
                    f"{where}\nbody sent: {(prepared.body or b'')[:500]!r}\nanswer: {response.content[:500]!r}"
                )
                if must_be_404:  # a path parameter no identifier can hold
                    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found", where
                if response.status_code < 300:  # a date accepted lies in a sane window
                    outside = accepted_dates(prepared, response)
                    assert not outside, f"{where} accepted {outside}"

    fuzz()
