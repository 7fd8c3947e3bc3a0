"""Every browser page needs a login (the REST API authenticates by itself); security headers on every response;
no NUL character in a query string or form field."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponseBadRequest


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-required default, except under ``/api/`` where DRF answers 401 instead of a redirect."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and friends (Django's SecurityMiddleware sets HSTS, nosniff, referrer policy).

    Scripts only from our own static files: no inline script, no eval (HTMX runs with
    ``allowEval`` off), so injected markup cannot run code even if escaping ever failed.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": settings.CONTENT_SECURITY_POLICY,
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            "Cross-Origin-Opener-Policy": "same-origin",
        }

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            if value and name not in response:
                response[name] = value
        return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_field(data) -> str | None:
    for name, values in data.lists():
        if "\x00" in name or any("\x00" in value for value in values if isinstance(value, str)):
            return name.replace("\x00", "\\0")
    return None


class RefuseNulCharactersMiddleware:
    """PostgreSQL text cannot hold a NUL character: a query parameter or form field with one used to reach
    the database and fail there (a 500, from any search box). Refused here with a 400 naming the field.

    JSON bodies are checked where they are read (``crms.core.api.body.read_json``); API form bodies are
    refused as not JSON (415) there, so only browser forms are read here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _nul_field(request.GET)
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        browser_form = content_type in FORM_TYPES and not request.path_info.startswith("/api/")
        if field is None and request.method == "POST" and browser_form:
            field = _nul_field(request.POST)
        if field is None:
            return self.get_response(request)
        from crms.core.api.errors import json_error_response

        message = "NUL characters are not allowed."
        if request.path_info.startswith("/api/"):
            return json_error_response(400, "invalid", message, field=field)
        return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain; charset=utf-8")
