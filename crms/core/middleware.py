"""Every browser page needs a login (the REST API authenticates by itself); security headers on every response;
no NUL character in a path, query string or form field; no address over ``MAX_URL_LENGTH``; a refused date is a
400 naming its field; every error under ``/api/`` in the contract's JSON shape."""

import re

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.utils.http import escape_leading_slashes

from crms.core.dates import DateRefused


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, but the missing trailing slash is added with a 308, which clients follow with the same method
    and body: a 301 made HTTP clients repeat ``POST /api/v1/declarations`` as a GET of the list, answered 200,
    so a national system saw success and nothing was filed (adversarial probe, 7 December)."""

    response_redirect_class = PermanentRedirectKeepingMethod

    def get_full_path_with_slash(self, request):
        # Django refuses to redirect a POST under DEBUG (a 301 would lose its body); a 308 keeps it.
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))


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


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class RefuseNulCharactersMiddleware:
    """PostgreSQL text cannot hold a NUL character: a query parameter or form field with one used to reach
    the database and fail there (a 500, from any search box). Refused here with a 400 naming the field.

    A path holding a NUL (``/declarations/<mrn>%00/``: every detail URL was a 500) or any other control
    character names nothing that can exist: 404, before the login redirect and before any view.

    JSON bodies are checked where they are read (``crms.core.api.body.read_json``); API form bodies are
    refused as not JSON (415) there, so only browser forms are read here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if CONTROL_CHARACTERS.search(request.path_info):
            from crms.core.views import page_not_found

            return page_not_found(request)
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


class RefusedDatesMiddleware:
    """A date a page read by hand outside its window (``crms.core.dates.DateRefused``): 400 naming the field.
    REST views get the same answer from ``crms.core.api.errors.exception_handler``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DateRefused):
            from crms.core.views import refused_value

            return refused_value(request, exception.field, exception.message, exception.code)
        return None


class UrlLengthMiddleware:
    """Addresses over ``MAX_URL_LENGTH`` characters are 414 (JSON under /api/). gunicorn runs with
    ``--limit-request-line 8190`` so that the platform, not gunicorn's own page, answers up to 8 KiB."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.path_info) + len(request.META.get("QUERY_STRING", "")) > settings.MAX_URL_LENGTH:
            from crms.core.views import uri_too_long

            return uri_too_long(request, settings.MAX_URL_LENGTH)
        return self.get_response(request)


API_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class ApiErrorsMiddleware:
    """Every error under ``/api/`` in the contract's shape ``{"errors": [{"field", "code", "message"}]}``, whoever
    produced it: DRF (already JSON), Django's 404/405/500 and, with ``DEBUG`` on, its technical pages (which
    list URL patterns, settings and source), the schema view's YAML. Outermost, so it sees every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith("/api/") or _is_json(response):
            return response
        from crms.core.api.errors import json_error_response

        code = API_ERROR_CODES.get(response.status_code, "error")
        replacement = json_error_response(response.status_code, code, response.reason_phrase or code)
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
