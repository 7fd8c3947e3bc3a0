"""Shell pages: home, the placeholder of each area not built yet, health, error pages."""

from __future__ import annotations

import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crms.core.access import area_required
from crms.core.api.errors import (
    api_not_found,
    api_server_error,
    api_unavailable,
    database_unavailable,
    json_error_response,
)
from crms.core.navigation import AREAS_BY_KEY, areas_for
from crms.core.worklist import worklist_for

log = logging.getLogger(__name__)


def home(request):
    """The worklist (what awaits me), then the areas."""
    user = request.user
    return render(request, "core/home.html", {"areas": areas_for(user), "worklist": worklist_for(user)})


def area_placeholder(key: str):
    """A page for an area a later piece of work fills: it says what will be there."""

    @area_required(key)
    def view(request):
        return render(request, "core/area.html", {"area": AREAS_BY_KEY[key]})

    view.__name__ = f"area_{key}"
    return view


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers and docker-compose: database and Redis reachable."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["redis"] = "ok" if cache.get("healthz") == "1" else "error: no round trip"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


# --- error pages: the site's own (never Django's technical pages), JSON under /api/ ---------------------------


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def standalone_page(template: str, status: int, context: dict | None = None) -> HttpResponse:
    """An error page drawn without the user, session or database (they may be what failed); if even the
    template cannot be drawn (a missing static manifest), a plain page rather than a second error."""
    try:
        content = loader.render_to_string(template, context or {})
    except Exception:
        log.exception("Error page %s could not be drawn", template)
        content = f"<!doctype html><title>Error {status}</title><h1>Error {status}</h1><p><a href='/'>Home</a></p>"
    return HttpResponse(content, status=status)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request, exception)
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error_response(403, "permission_denied", str(exception or "Permission denied."))
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def bad_request(request, exception=None):
    """Django's 400 (a bad Host header, a suspicious operation): nothing about the request is echoed."""
    if _is_api(request):
        return json_error_response(400, "bad_request", "The request could not be read.")
    return standalone_page("errors/400.html", 400)


def refused_value(request, field: str, message: str, code: str = "invalid"):
    """400 naming the field of a value the platform refuses (a date outside its window)."""
    if _is_api(request):
        return json_error_response(400, code, message, field=field)
    return standalone_page("errors/400.html", 400, {"problems": [f"{field}: {message}"]})


def uri_too_long(request, limit: int):
    message = f"The address (path and query) is longer than {limit:,} characters."
    if _is_api(request):
        return json_error_response(414, "uri_too_long", message)
    return standalone_page("errors/400.html", 414, {"title": "Address too long", "problems": [message]})


def csrf_failure(request, reason: str = ""):
    """Django's CSRF refusal, in the site's 403 page (its own page names the middleware and settings)."""
    message = "The form expired or came from another site. Reload the page and submit it again."
    if _is_api(request):
        return json_error_response(403, "csrf_failed", message)
    return standalone_page("errors/400.html", 403, {"title": "Not allowed", "problems": [message]})


def server_error(request):
    """500, or 503 with Retry-After when the database was unreachable (rendered without touching it)."""
    if database_unavailable(sys.exc_info()[1]):
        if _is_api(request):
            return api_unavailable(request)
        response = standalone_page("errors/503.html", 503)
        response["Retry-After"] = "5"
        return response
    if _is_api(request):
        return api_server_error(request)
    return standalone_page("errors/500.html", 500)
