"""A reusable permission matrix check: persona x request -> expected status.

Usage::

    check_matrix(personas, [
        Case("GET", "/reference/hs/", {"fr_analyst": 200, "anonymous": 302}),
    ])

Every mismatch is collected and reported together, so one run shows the whole
picture instead of stopping at the first wrong cell. Personas not named in a
case's ``expected`` fall back to its ``default`` (if given).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client
from rest_framework.authtoken.models import Token


@dataclass(frozen=True)
class Case:
    method: str
    url: str
    expected: dict[str, int]
    default: int | None = None
    data: dict | None = None
    api: bool = False  # authenticate with the persona's API token instead of a session
    extra: dict = field(default_factory=dict)


def client_for(user, *, api: bool) -> Client:
    client = Client()
    if user is None:
        return client
    if api:
        token, _ = Token.objects.get_or_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    else:
        client.force_login(user)
    return client


def check_matrix(personas: dict, cases: list[Case]) -> None:
    failures = []
    for case in cases:
        for name, user in personas.items():
            expected = case.expected.get(name, case.default)
            if expected is None:
                continue
            client = client_for(user, api=case.api)
            send = getattr(client, case.method.lower())
            kwargs = {"content_type": "application/json"} if case.data is not None else {}
            response = send(case.url, case.data, **kwargs, **case.extra) if case.data is not None else send(case.url)
            if response.status_code != expected:
                failures.append(f"{case.method} {case.url} as {name}: expected {expected}, got {response.status_code}")
    assert not failures, "Permission matrix mismatches:\n" + "\n".join(failures)
