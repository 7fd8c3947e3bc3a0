"""WSGI entry point (gunicorn crms.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from crms.core import heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crms.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up

from crms.core.chunked import with_chunked_bodies  # noqa: E402

application = with_chunked_bodies(application, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
heap.warm_web()
heap.settle()  # start-up's objects out of the collector's walk (crms/core/heap.py, issue 17)
