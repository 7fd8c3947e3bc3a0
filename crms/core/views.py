"""Shell pages: home, the placeholder of each area not built yet, health, error pages."""

from __future__ import annotations

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
from crms.core.api.errors import api_not_found, api_server_error, api_unavailable, database_unavailable
from crms.core.navigation import AREAS_BY_KEY, areas_for


def home(request):
    return render(request, "core/home.html", {"areas": areas_for(request.user)})


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


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request, exception)
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    if _is_api(request):
        from crms.core.api.errors import json_error_response

        return json_error_response(403, "permission_denied", str(exception or "Permission denied."))
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    """500, or 503 with Retry-After when the database was unreachable (rendered without touching it)."""
    if database_unavailable(sys.exc_info()[1]):
        if _is_api(request):
            return api_unavailable(request)
        response = HttpResponse(loader.render_to_string("errors/503.html"), status=503)
        response["Retry-After"] = "5"
        return response
    if _is_api(request):
        return api_server_error(request)
    return HttpResponse(loader.render_to_string("errors/500.html"), status=500)
