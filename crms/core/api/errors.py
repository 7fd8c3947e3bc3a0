"""The contract's error body everywhere: ``{"errors": [{"field", "code", "message"}]}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback


def error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": str(message)}


def _join(prefix: str | None, key: Any) -> str:
    if isinstance(key, int):
        return f"{prefix or ''}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def flatten(detail: Any, prefix: str | None = None) -> list[dict[str, Any]]:
    """Turn DRF's nested error detail into a flat list with field paths like ``goods_items[0].hs_code``."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            field = prefix if key in ("non_field_errors", "__all__") else _join(prefix, key)
            out += flatten(value, field)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [error(prefix, getattr(item, "code", "invalid"), item) for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:  # DRF puts {} for list elements without errors
                out += flatten(item, _join(prefix, index))
        return out
    return [error(prefix, getattr(detail, "code", "invalid"), detail)]


def database_unavailable(exc: BaseException | None) -> bool:
    """A lost or refused database connection (a restart, a failover): the client should retry, not report a bug."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def exception_handler(exc, context):
    from crms.core.dates import DateRefused

    if isinstance(exc, DateRefused):  # a query parameter outside its window: 400 naming it
        exc = exceptions.ValidationError({exc.field: [exceptions.ErrorDetail(exc.message, code=exc.code)]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DatabaseError) and database_unavailable(exc):
        set_rollback()
        return Response(
            {"errors": [error(None, "unavailable", "The database is unavailable for a moment; retry shortly.")]},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it (and answer 500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
    else:
        errors = [error(None, exc.get_codes() if isinstance(exc.get_codes(), str) else "error", exc.detail)]
    set_rollback()
    return Response({"errors": errors}, status=exc.status_code, headers=headers)


def json_error_response(status_code: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"errors": [error(field, code, message)]}, status=status_code)


def api_not_found(request, exception=None):
    return json_error_response(status.HTTP_404_NOT_FOUND, "not_found", "Not found.")


def api_server_error(request):
    return json_error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error", "Internal error.")


def api_unavailable(request):
    response = json_error_response(
        status.HTTP_503_SERVICE_UNAVAILABLE, "unavailable", "The database is unavailable for a moment; retry shortly."
    )
    response["Retry-After"] = "5"
    return response
