"""Notification fixtures: the workbench's personas and toy criterion, a feed reader, a loopback receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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


class Receiver:
    """A webhook receiver on loopback: checks each signature, counts every POST, answers ``status_for``."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.status_for: Callable[[dict, int], int] = lambda event, count: 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                event = json.loads(body)
                with receiver.lock:
                    if not hmac.compare_digest(expected, self.headers.get("X-CRMS-Signature", "")):
                        receiver.bad_signatures += 1
                    receiver.received.append(event)
                    seen = sum(1 for e in receiver.received if e["id"] == event["id"])
                status = receiver.status_for(event, seen)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/crms-events"

    def unique(self) -> list[dict]:
        """Events in the order first received, de-duplicated by id (what a receiver keeps)."""
        with self.lock:
            seen, out = set(), []
            for event in self.received:
                if event["id"] not in seen:
                    seen.add(event["id"])
                    out.append(event)
            return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver("a-long-shared-secret-0123456789")
    yield made
    made.close()
