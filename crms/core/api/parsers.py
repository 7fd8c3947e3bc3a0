"""The one request-body parser of the API: JSON, read by orjson.

DRF's default parsers read JSON with the standard library, which raises ``RecursionError`` (a 500) on a
body nested about a thousand deep. A browser session's POST is parsed inside the CSRF check, deeper
in the stack, so 2 KB of brackets took down every endpoint a logged-in user could post to
(adversarial probe, 7 December). orjson stops at a fixed depth with a decode error, which is a 400 here.
The API takes JSON only (contract 1): form and multipart parsers are not offered, so ``OPTIONS`` no
longer lists media types the views refuse.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class JsonParser(JSONParser):
    """A subclass, not a new ``BaseParser``: DRF hands JSON parsers a copy of the cached body, so the view can
    still read ``request.body`` after the CSRF check parsed it (another parser consumes the stream: a 500)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise exceptions.ParseError(f"Body is not valid JSON (UTF-8): {exc}") from None
