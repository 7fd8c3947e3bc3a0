"""Rate limits, login throttling, security headers, token revocation, 503 when the database is gone,
audited reads of restricted criteria, and HTML in text fields rendered inert."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from crms.audit.models import AuditEntry
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, file_bodies, make_criterion, make_ens, make_item, publish_criterion


@pytest.fixture(autouse=True)
def _clean_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_api_rate_limit_per_token(settings, personas):
    settings.API_RATE_LIMIT = settings.API_RATE_LIMIT_NATIONAL_SYSTEM = "3/min"
    client = api_client(personas["fr_system"])
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/me/")
    assert refused.json()["errors"][0]["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert api_client(personas["nl_analyst"]).get("/api/v1/me/").status_code == 200  # another token is not limited


@pytest.mark.django_db
def test_login_throttling_locks_one_account_from_one_address(settings, personas):
    settings.LOGIN_FAILURES_ALLOWED = 3
    client = Client(REMOTE_ADDR="10.9.8.7")
    for _ in range(3):
        client.post("/login/", {"username": "fr_analyst", "password": "wrong"})
    locked = client.post("/login/", {"username": "fr_analyst", "password": "correct-horse-battery"})
    assert locked.status_code == 200 and b"Too many failed attempts" in locked.content
    elsewhere = Client(REMOTE_ADDR="10.9.8.8").post(
        "/login/", {"username": "fr_analyst", "password": "correct-horse-battery"}
    )
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_security_headers_and_cookies(settings, personas):
    client = Client()
    client.force_login(personas["fr_analyst"])
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SECURE == settings.SECURE_HTTPS
    docs = client.get("/api/docs/")
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]  # Swagger UI only


def test_hsts_is_sent_over_https(settings, rf):
    from django.http import HttpResponse
    from django.middleware.security import SecurityMiddleware

    settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT = 31536000, False
    request = rf.get("/", secure=True)
    response = SecurityMiddleware(lambda r: HttpResponse())(request)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_tokens_can_be_revoked_over_rest_and_by_command(personas):
    from django.core.management import call_command

    client = api_client(personas["fr_system"])
    assert client.delete("/api/v1/me/token/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert AuditEntry.objects.filter(action="user.token_revoked", object_id=str(personas["fr_system"].pk)).exists()
    nl = api_client(personas["nl_analyst"])
    call_command("revoke_token", "nl_analyst")
    assert nl.get("/api/v1/me/").status_code == 401 and not Token.objects.filter(user=personas["nl_analyst"]).exists()


@pytest.mark.django_db(transaction=True)
def test_database_unreachable_gives_503_not_500(reference_data, personas):
    client = api_client(personas["fr_system"])
    browser = Client(raise_request_exception=False)  # as in production: the error handler answers
    browser.force_login(personas["fr_analyst"])
    original = dict(connection.settings_dict)
    try:
        connection.close()
        connection.settings_dict["HOST"] = "/nonexistent-socket-dir"
        connection.settings_dict["PORT"] = "1"
        api = client.post("/api/v1/declarations/", make_ens(), format="json")
        page = browser.get("/declarations/")
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert api.status_code == 503 and api.json()["errors"][0]["code"] == "unavailable" and api["Retry-After"] == "5"
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert client.post("/api/v1/declarations/", make_ens(), format="json").status_code == 201  # the retry succeeds


@pytest.mark.django_db
def test_reads_of_restricted_criteria_logic_are_audited(personas):
    author, approver = (
        make_user("sec-author", "EU", "commission"),
        make_user("sec-approver", "EU", "commission_approver"),
    )
    publish_criterion(make_criterion("CRC-SEC-RESTR", restricted=True), author, approver)
    publish_criterion(make_criterion("CRC-SEC-OPEN"), author, approver)
    commission = Client()
    commission.force_login(personas["commission"])
    for url in ("/criteria/CRC-SEC-RESTR/", "/criteria/CRC-SEC-RESTR/export.json", "/criteria/CRC-SEC-OPEN/"):
        assert commission.get(url).status_code == 200
    assert api_client(personas["commission"]).get("/api/v1/criteria/CRC-SEC-RESTR/").status_code == 200
    reads = AuditEntry.objects.filter(action="criterion.restricted_logic_read")
    assert sorted(e.after["where"] for e in reads) == ["api", "criterion page", "export"]
    assert all(e.actor_username == "commission" for e in reads)
    auditor = Client()
    auditor.force_login(personas["fr_auditor"])
    auditor.get("/criteria/CRC-SEC-RESTR/")  # logic hidden from an auditor (contract v2 section 3): nothing recorded
    assert reads.count() == 3


@pytest.mark.django_db
def test_html_in_text_fields_is_rendered_inert(personas):
    script = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    (mrn,) = file_bodies(
        personas["fr_system"],
        make_ens(
            goods_items=[make_item(description=f"toys {script}")],
            consignee={"name": f"Eve {script}", "address": {"country": "FR"}},
        ),
    )
    client = Client()
    client.force_login(personas["fr_analyst"])
    page = client.get(f"/declarations/{mrn}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    listing = client.get("/declarations/").content.decode()
    assert "<img src=x" not in listing


@pytest.mark.django_db
def test_csrf_is_required_on_forms_and_on_htmx_requests(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["fr_analyst"])
    page = client.get("/workbench/requests/new/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page  # every HTMX request sends the token
    assert client.post("/workbench/requests/new/", {"subject": "party"}).status_code == 403
    token = client.cookies["csrftoken"].value
    passed = client.post("/workbench/requests/new/", {"subject": "party"}, HTTP_X_CSRFTOKEN=token)
    assert passed.status_code == 400  # past the CSRF check: the empty form's own refusal


@pytest.mark.django_db
def test_sessions_expire_after_session_cookie_age(settings, personas):
    response = Client().post("/login/", {"username": "fr_analyst", "password": "correct-horse-battery"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 8 * 3600
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_no_eval_or_exec_in_the_platform():
    """Criteria are data compiled by our own code: nothing in the platform evaluates text as code."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    calls = []
    for package in ("crms", "risk_engine", "workbench", "rif", "pca", "indicators"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"):
                    calls.append(f"{path.relative_to(root)}:{node.lineno} {node.func.id}()")
    assert not calls, calls
