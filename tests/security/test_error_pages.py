"""Information disclosure (issue 13, point 6): what an error tells a client.

- ``make run`` runs with DEBUG off unless the developer asks (``make run DEBUG=1``), so errors are the
  site's designed pages: no URL patterns in a 404, no settings, database URL, paths or source in a 500;
- static files are still served with DEBUG off, hashed by ``collectstatic`` through WhiteNoise (a live
  gunicorn started as ``make run`` starts it);
- everything under /api/ answers the contract's JSON errors, 400/404/405/414/500 included, also with DEBUG on;
- the admin's login is throttled like ``/login/`` (the same counter);
- a ``409`` on create never confirms a code of another Member State's criteria or watch lists: codes are
  namespaced by owner, so a foreign code is a 400 whether it exists or not.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import orjson
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from crms.stack.__main__ import ROOT, run_defaults, web_command
from tests.permissions import client_for
from tests.risk_engine.conftest import make_criterion

pytestmark = pytest.mark.django_db

LEAKS = ("Traceback", "URLconf", "SECRET_KEY", "DATABASE", "settings.py", "/work/", "site-packages", "RuntimeError")
CONTRACT_ERROR = {"field", "code", "message"}


def no_leak(response) -> str:
    text = response.content.decode(errors="replace")
    assert not [leak for leak in LEAKS if leak in text], text[:1500]
    return text


def api_error(response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert [set(e) for e in errors] == [CONTRACT_ERROR] and errors[0]["code"] == code, errors
    no_leak(response)


# --- make run: DEBUG off unless asked ------------------------------------------------------------------------


def test_make_run_has_debug_off_unless_the_developer_opts_in():
    assert run_defaults({}) == {"DEBUG": "false", "SECURE_HTTPS": "false", "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]"}
    assert run_defaults({"DEBUG": "1"})["DEBUG"] == "1"  # make run DEBUG=1 (make exports command-line variables)
    makefile = (ROOT / "Makefile").read_text()
    assert "$(PY) -m crms.stack run" in makefile and "DEBUG" in (ROOT / "README.md").read_text()
    assert "--limit-request-line" in web_command(8000)


# --- the designed pages ----------------------------------------------------------------------------------------


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.security.urls_failing"


def test_404_403_and_500_are_the_sites_pages(personas, failing_urls):
    client = client_for(personas["fr_analyst"], api=False)
    client.raise_request_exception = False
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "There is nothing here" in no_leak(missing)
    assert 'class="sidebar"' in missing.content.decode()  # the shell, for a signed-in user
    refused = client_for(personas["fr_system"], api=False).get("/criteria/")
    assert refused.status_code == 403 and "Not allowed" in no_leak(refused)
    failed = client.get("/failing/")
    text = no_leak(failed)
    assert failed.status_code == 500 and "Something went wrong" in text
    assert "pico" in text and "app.css" in text  # the site's look, drawn without the user or the database


def test_the_csrf_refusal_and_a_bad_host_are_the_sites_pages(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["fr_analyst"])
    refused = client.post("/workbench/requests/new/", {"purpose": "x"})
    assert refused.status_code == 403 and "The form expired" in no_leak(refused)
    bad_host = Client().get("/login/", HTTP_HOST="evil.example")
    assert bad_host.status_code == 400 and "Bad request" in no_leak(bad_host)


# --- /api/: JSON errors whoever produces them -----------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_api_error_is_contract_json(settings, personas, failing_urls, debug):
    settings.DEBUG = debug  # with DEBUG on, Django's technical pages would list URL patterns and settings
    client = client_for(personas["commission"], api=True)
    client.raise_request_exception = False
    api_error(client.get("/api/v1/no-such-endpoint/"), 404, "not_found")
    api_error(client.get("/api/v1/declarations/26FR%00/"), 404, "not_found")
    not_allowed = client.delete("/api/v1/criteria/")
    api_error(not_allowed, 405, "method_not_allowed")
    assert "GET" in not_allowed["Allow"]
    api_error(client.get("/api/v1/declarations/?reference=" + "X" * 5000), 414, "uri_too_long")
    api_error(client.get("/api/v1/failing/"), 500, "server_error")
    api_error(Client().get("/api/v1/me/", HTTP_HOST="evil.example"), 400, "bad_request")
    api_error(Client().get("/api/schema/"), 401, "not_authenticated")  # the schema view answered in YAML
    api_error(client.get("/api/v1/criteria/", {"scope": "eu\x00"}), 400, "invalid")


def test_an_address_too_long_for_a_page_is_the_sites_414(personas):
    response = client_for(personas["fr_analyst"], api=False).get("/declarations/?reference=" + "X" * 5000)
    assert response.status_code == 414 and "Address too long" in no_leak(response)


# --- the admin's login is throttled like /login/ ------------------------------------------------------------------


def test_the_admin_login_is_throttled_like_the_login_page(settings, personas):
    from crms.accounts.models import User

    settings.LOGIN_FAILURES_ALLOWED = 3
    User.objects.create_superuser("root", password="correct-horse-battery")
    client = Client(REMOTE_ADDR="10.9.8.7")
    for _ in range(3):
        assert client.post("/admin/login/", {"username": "root", "password": "wrong"}).status_code == 200
    locked = client.post("/admin/login/", {"username": "root", "password": "correct-horse-battery"})
    assert locked.status_code == 200 and b"Too many failed attempts" in locked.content
    # One counter for both doors: failures at /login/ lock the admin too, and the other way round.
    other = Client(REMOTE_ADDR="10.9.8.8")
    for _ in range(3):
        other.post("/login/", {"username": "root", "password": "wrong"})
    assert (
        b"Too many failed attempts"
        in other.post("/admin/login/", {"username": "root", "password": "correct-horse-battery"}).content
    )
    assert (
        Client(REMOTE_ADDR="10.9.8.9")
        .post("/admin/login/", {"username": "root", "password": "correct-horse-battery", "next": "/admin/"})
        .status_code
        == 302
    )


# --- 409 confirms only one's own codes ------------------------------------------------------------------------------


def _create(client, url: str, body: dict):
    return client.generic("POST", url, orjson.dumps(body), content_type="application/json")


def test_a_conflict_never_confirms_another_member_states_code(world):
    de, fr = client_for(world.people["de_analyst"], api=True), client_for(world.people["fr_analyst"], api=True)
    commission = client_for(world.people["commission"], api=True)
    profile = lambda code: make_criterion(code, scope="national")  # noqa: E731
    # FR's profile and FR's watch list exist; DE gets the same 400 for them as for codes nobody uses.
    for url, existing, free, body in (
        ("/api/v1/criteria/", "FR-SEC-NP", "FR-NOT-USED", profile),
        ("/api/v1/criteria/", "CRC-SEC-TOY", "CRC-NOT-USED", profile),  # an EU code: not DE's namespace either
        ("/api/v1/watch-lists/", "FR-WL-SEC", "FR-WL-NOT-USED",
         lambda code: {"code": code, "name": "Probe", "kind": "eori"}),
    ):  # fmt: skip
        taken, unused = _create(de, url, body(existing)), _create(de, url, body(free))
        assert taken.status_code == unused.status_code == 400, (taken.content, unused.content)
        assert taken.json()["errors"][0]["field"] == "code"
        assert taken.json()["errors"][0]["message"] == unused.json()["errors"][0]["message"]
    # Codes in one's own namespace: a 409 names only what the creator's organisation holds (and may read).
    assert _create(fr, "/api/v1/criteria/", profile("FR-SEC-NP")).status_code == 409
    assert _create(de, "/api/v1/criteria/", profile("DE-SEC-NEW")).status_code == 201
    wl = {"code": "FR-WL-SEC", "name": "Again", "kind": "eori"}
    assert _create(fr, "/api/v1/watch-lists/", wl).status_code == 409
    # The Commission's codes do not take a Member State's prefix (its drafts would show in that namespace).
    assert _create(commission, "/api/v1/criteria/", make_criterion("FR-EU-NEW")).status_code == 400
    assert _create(commission, "/api/v1/watch-lists/", wl | {"code": "DE-WL-EU"}).status_code == 400
    assert _create(commission, "/api/v1/criteria/", make_criterion("CRC-EU-NEW")).status_code == 201


# --- static files with DEBUG off, as make run serves them ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback only
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db(transaction=True)
def test_make_run_serves_hashed_static_files_and_designed_errors_with_debug_off(tmp_path, reference_data):
    """collectstatic with the manifest storage, then gunicorn as ``make run`` starts it, with DEBUG off."""
    url = os.environ["DATABASE_URL"]
    base, _, query = url.partition("?")
    env = {**os.environ, "STATIC_ROOT": str(tmp_path / "static"), "SECRET_KEY": "test-" + "x" * 50}
    env.pop("DEBUG", None)
    env.pop("STATICFILES_MANIFEST", None)
    env |= run_defaults(env)
    env["DATABASE_URL"] = (
        base.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"] + (f"?{query}" if query else "")
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], env=env, cwd=ROOT, check=True)
    assert (tmp_path / "static" / "staticfiles.json").exists()
    port = _free_port()
    command = [*web_command(port, workers="1"), "--no-control-socket"]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, login = _get(f"{root}/login/")
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError(server.stderr.read().decode()[-3000:] if server.poll() is not None else "no answer")
        assert status == 200
        stylesheets = re.findall(rb'href="(/static/[^"]+\.css)"', login)
        assert stylesheets and all(re.search(rb"\.[0-9a-f]{12}\.css$", href) for href in stylesheets), stylesheets
        for href in stylesheets:
            status, headers, body = _get(root + href.decode())
            assert status == 200 and body and "immutable" in headers.get("Cache-Control", ""), (href, headers)
        status, _, page = _get(f"{root}/no-such-page/")
        assert status == 404 and b"Not found" in page and b"URLconf" not in page
        status, headers, body = _get(f"{root}/api/v1/no-such-endpoint/")
        assert status == 404 and orjson.loads(body)["errors"][0]["code"] == "not_found"
        status, headers, body = _get(f"{root}/api/v1/me/?q=" + "X" * 6000)  # over MAX_URL_LENGTH, under gunicorn's
        assert status == 414 and orjson.loads(body)["errors"][0]["code"] == "uri_too_long"
    finally:
        server.terminate()
        server.wait(15)
    assert not django_settings.DEBUG
