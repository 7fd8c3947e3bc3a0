"""How requests arrive: a missing trailing slash keeps its method, a chunked body is read (adversarial probe,
7 December: ``POST /api/v1/declarations`` became a GET of the list answered 200; a chunked ENS read as empty)."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from crms.core.chunked import with_chunked_bodies
from tests.permissions import client_for
from tests.risk_engine.conftest import make_ens


@pytest.mark.parametrize("method", ["post", "put", "get"])
def test_a_missing_trailing_slash_is_a_308_which_keeps_the_method_and_body(personas, method):
    client = client_for(personas["fr_system"], api=True)
    if method == "get":
        response = client.get("/api/v1/declarations")
    else:
        response = getattr(client, method)("/api/v1/declarations", b"{}", content_type="application/json")
    assert response.status_code == 308 and response["Location"] == "/api/v1/declarations/"


def test_a_browser_page_without_its_slash_is_redirected_too(personas):
    response = client_for(personas["fr_analyst"], api=False).get("/workbench?view=mine")
    assert response.status_code == 308 and response["Location"] == "/workbench/?view=mine"


def _environ(body: bytes, **extra) -> dict:
    environ = RequestFactory().post("/x/", b"", content_type="application/json").environ
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BytesIO(body), "HTTP_TRANSFER_ENCODING": "chunked"}, **extra)
    return environ


def _seen(environ: dict, limit: int = 100) -> tuple[str | None, bytes]:
    seen = {}

    def inner(env, start_response):
        seen["length"], seen["body"] = env.get("CONTENT_LENGTH"), env["wsgi.input"].read()
        return [b""]

    with_chunked_bodies(inner, limit=limit)(environ, lambda *args: None)
    return seen["length"], seen["body"]


def test_a_chunked_body_reaches_django_with_its_length():
    assert _seen(_environ(b'{"a": 1}', **{"wsgi.input_terminated": True})) == ("8", b'{"a": 1}')


def test_an_oversized_chunked_body_is_cut_one_byte_past_the_limit_so_the_view_answers_413():
    length, body = _seen(_environ(b"x" * 500, **{"wsgi.input_terminated": True}), limit=100)
    assert length == "101" and len(body) == 101


def test_without_a_server_that_ends_the_input_the_body_is_left_alone():
    """Reading to the end of an input the server did not terminate could block on the socket."""
    assert _seen(_environ(b'{"a": 1}')) == (None, b'{"a": 1}')


@pytest.fixture
def connection_kept():
    """Django's handler closes the database connection when a request ends (the test client unhooks that too)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_a_chunked_ens_is_filed(personas, connection_kept):
    """End to end through Django's WSGI handler, as gunicorn calls it: 201, not "an empty document"."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=personas["fr_system"])
    body = orjson.dumps(make_ens())
    environ = RequestFactory().post("/api/v1/declarations/", b"", content_type="application/json").environ
    environ.pop("CONTENT_LENGTH", None)
    environ.update(
        {
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
            "HTTP_AUTHORIZATION": f"Token {token.key}",
        }
    )
    statuses = []
    handler = with_chunked_bodies(WSGIHandler(), limit=4 * 1024 * 1024)
    answer = b"".join(handler(environ, lambda status, headers, *rest: statuses.append(status)))
    assert statuses[0].startswith("201"), answer[:500]
    assert orjson.loads(answer)["mrn"]


@pytest.mark.parametrize(
    "url,headers",
    [
        ("/api/v1/declarations/", {"HTTP_ACCEPT": "text/html"}),
        ("/api/v1/declarations/?format=api", {}),
        ("/api/v1/me/", {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}),
    ],
)
def test_the_api_answers_json_only(personas, url, headers):
    """Contract 1: all JSON. DRF's browsable HTML API was served on "Accept: text/html" and "?format=api"."""
    response = client_for(personas["fr_system"], api=True).get(url, **headers)
    assert response["Content-Type"].startswith("application/json"), (
        url,
        response.status_code,
        response["Content-Type"],
    )
    assert b"<html" not in response.content.lower()


def test_a_compressed_body_is_415_saying_so(personas):
    import gzip

    client = client_for(personas["fr_system"], api=True)
    body = gzip.compress(orjson.dumps(make_ens()))
    response = client.post("/api/v1/declarations/", body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 415
    assert "Content-Encoding gzip is not supported" in response.json()["errors"][0]["message"]
