"""A webhook receiver on loopback for the tests (a tiny HTTP server thread): it checks every signature,
keeps every POST it gets, answers what ``status_for`` says, and can hold a request until told to answer
(so a fault test knows the platform is in the middle of a delivery)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A webhook receiver on loopback: checks each signature, counts every POST, answers ``status_for``."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.status_for: Callable[[dict, int], int] = lambda event, count: 204
        self.hold_when: Callable[[dict, int], bool] = lambda event, count: False
        self.holding = threading.Event()  # set while a request is held
        self.release = threading.Event()  # set to let held requests answer
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
                if receiver.hold_when(event, seen):
                    receiver.holding.set()
                    receiver.release.wait(120)
                status = receiver.status_for(event, seen)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender is gone (a killed worker): it never learns of the answer
                    pass

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
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
