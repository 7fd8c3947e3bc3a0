"""Any path parameter that cannot exist gives 404: every URL pattern with parameters, browser and REST.

The URLs are the rows of the permission matrix (``test_url_matrix``, which fails on a pattern without a
row), so a new pattern is covered here without a new line. Each parameter is replaced by values no
identifier has: a NUL (every detail URL was a 500: PostgreSQL cannot compare text with one; refused by
``RefuseNulCharactersMiddleware`` before any view), other control characters, a lone surrogate's bytes,
an encoded slash, 3,000 characters (longer addresses are 414), a number beyond bigint. Sent by a persona the row allows (and
anonymously for the NUL), the answer is 404, JSON under /api/, with nothing written.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from django.urls import resolve

from crms.audit.models import AuditEntry
from tests.permissions import client_for
from tests.security.test_url_matrix import api_rows, browser_rows

pytestmark = pytest.mark.django_db

NUL = "%00"
IMPOSSIBLE_TEXT = [f"a{NUL}b", NUL, "x%01y", "%1F", "%7F", "%ED%A0%80", "..%2F..%2Fetc", "é" * 3, "X" * 3000]
IMPOSSIBLE_NUMBER = ["99999999999999999999999", "0"]


def parameterised_rows(w):
    """(case, the route's parameter names and converters) for every matrix row whose pattern has parameters."""
    seen = set()
    for case in browser_rows(w) + api_rows(w):
        match = resolve(urlsplit(case.url).path)
        if not match.kwargs or (match.route, case.method) in seen:
            continue
        seen.add((match.route, case.method))
        yield case, match


def _with(url: str, match, name: str, value: str) -> str:
    path, _, query = url.partition("?")
    current = quote(str(match.kwargs[name]), safe="")
    segments = path.split("/")
    if current in segments:  # the parameter's own segment
        segments[segments.index(current)] = value
    else:  # part of one (export/<name>.<fmt>)
        index = next(i for i, segment in enumerate(segments) if current in segment)
        segments[index] = segments[index].replace(current, value, 1)
    return "/".join(segments) + (f"?{query}" if query else "")


def test_impossible_path_parameters_are_404_everywhere(world):
    failures, checked = [], 0
    before = AuditEntry.objects.count()
    for case, match in parameterised_rows(world):
        allowed = [p for p, status in case.expected.items() if status < 400 and p not in ("anonymous", "outsider")]
        if not allowed or case.url.endswith("/me/token/"):
            continue
        client = client_for(world.people[allowed[0]], api=case.api)
        client.raise_request_exception = False
        for name in match.kwargs:
            numeric = isinstance(match.kwargs[name], int)
            for value in (IMPOSSIBLE_NUMBER if numeric else []) + IMPOSSIBLE_TEXT:
                url = _with(case.url, match, name, value)
                response = client.generic(case.method, url, b"{}", content_type="application/json")
                checked += 1
                if response.status_code != 404:
                    failures.append(f"{case.method} {url[:120]} as {allowed[0]}: {response.status_code}")
                elif url.startswith("/api/"):
                    assert response.json()["errors"][0]["code"] == "not_found", url
    assert not failures, "\n".join(failures)
    assert checked > 400  # every pattern with parameters, every impossible value
    assert AuditEntry.objects.count() == before  # nothing was done


def test_a_nul_in_the_path_is_404_before_the_login_redirect(world):
    anonymous = client_for(None, api=False)
    page = anonymous.get(f"/declarations/{world.mrn}{NUL}/")
    assert page.status_code == 404 and b"Not found" in page.content  # the site's page, not a redirect to login
    api = anonymous.get(f"/api/v1/declarations/{world.mrn}{NUL}/")
    assert api.status_code == 404 and api.json() == {
        "errors": [{"field": None, "code": "not_found", "message": "Not found."}]
    }
