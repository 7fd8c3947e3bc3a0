"""Notification fixtures: the workbench's personas and toy criterion, a feed reader, a loopback receiver."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.notifications.receiver import Receiver
from tests.risk_engine.conftest import api_client
from tests.workbench.conftest import (  # noqa: F401 - shared fixtures
    _fast_password_hashing,
    _forget_caches,
    _fresh_engine_caches,
    people,
    referred,
    toy_criterion,
)


def read_feed(user, after: str = "0", **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"after": after, **params}.items())
    response = api_client(user).get(f"/api/v1/events/?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def all_events(user, **params) -> list[dict]:
    """Every event of the user's feed, following ``next``."""
    events, after = [], "0"
    while True:
        page = read_feed(user, after, **params)
        events += page["results"]
        if not page["next"]:
            return events
        after = page["cursor"]


@pytest.fixture
def feed() -> Callable[..., list[dict]]:
    return all_events


@pytest.fixture
def receiver():
    made = Receiver("a-long-shared-secret-0123456789")
    yield made
    made.close()
