"""The platform's URLs plus a page and an endpoint that fail, to see the 500 each answers (error tests only)."""

from django.urls import path

from crms.urls import handler400, handler403, handler404, handler500  # noqa: F401
from crms.urls import urlpatterns as platform


def fail(request):
    raise RuntimeError("a bug: SECRET_KEY and DATABASE_URL must not reach the client")


urlpatterns = [path("failing/", fail), path("api/v1/failing/", fail), *platform]
