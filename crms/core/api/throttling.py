"""Rate limits per API token, kept in Redis; if Redis is down the limit is not enforced (fail open).

Filing must go on while the cache is unavailable (issue 9): refusing every request because the
counter cannot be read would turn a cache outage into a customs outage.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT  # read each time, so tests and operators can change it

    def get_cache_key(self, request, view) -> str:
        if request.user is not None and request.user.is_authenticated:
            token = getattr(request, "auth", None)
            ident = f"token:{getattr(token, 'pk', None)}" if token is not None else f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - the cache is down: serve rather than refuse
            log.warning("Rate limit not enforced: cache unavailable")
            return True
