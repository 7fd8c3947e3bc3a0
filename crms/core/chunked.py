"""Chunked request bodies, which Django reads as empty.

Django takes the body length from ``Content-Length`` alone; a client that streams its body with
``Transfer-Encoding: chunked`` (python-requests does for a generator) sends none, so a valid ENS was
refused as "a zero-length, empty document" (adversarial probe, 7 December). gunicorn removes the
chunk framing and marks the input as ending with the body (``wsgi.input_terminated``), so the body
can be read to its end here, at most one byte past the largest body any view takes, and handed to
Django with its length: an oversized one then gets the views' usual 413.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable], Iterable[bytes]]


def with_chunked_bodies(app: WsgiApp, *, limit: int) -> WsgiApp:
    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return application
