"""Reading a JSON request body with the contract's errors: 413 too large, 415 not JSON, 400 unparsable,
400 naming the fields that hold a NUL character (PostgreSQL cannot store one: it was a 500)."""

from __future__ import annotations

from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status

from crms.core.client_input import nul_errors, whole_number


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "Request body too large."


def read_json(request, *, limit: int, refuse_nul: bool = True) -> Any:
    """``refuse_nul=False``: the caller names NUL characters itself (a batch refuses only the ENS holding one)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (whole_number(declared) or 0) > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes.")
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding not in ("", "identity"):  # a gzip body was refused as "surrogates not allowed" (probe, 7 December)
        raise exceptions.UnsupportedMediaType(
            f"Content-Encoding {encoding}", f"Content-Encoding {encoding} is not supported: send the body as is."
        )
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise exceptions.UnsupportedMediaType(content_type, "Send the body as application/json.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes.") from None
    if len(raw) > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise exceptions.ParseError(f"Body is not valid JSON (UTF-8): {exc}") from None
    # Cheap screen (it also matches a literal backslash-u0000 text); the walk confirms and names the fields.
    if refuse_nul and b"\\u0000" in raw and (found := nul_errors(body)):
        raise exceptions.ValidationError({problem["field"] or "body": [problem["message"]] for problem in found})
    return body


def optional_json(request, *, limit: int) -> Any:
    """For actions whose body has no required field: no body at all reads as ``{}``."""
    if not (whole_number(request.META.get("CONTENT_LENGTH") or "0") or 0):
        return {}
    return read_json(request, limit=limit)
