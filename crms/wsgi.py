"""WSGI entry point (gunicorn crms.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from crms.core import heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crms.settings")
application = get_wsgi_application()
heap.warm_web()
heap.settle()  # start-up's objects out of the collector's walk (crms/core/heap.py, issue 17)
