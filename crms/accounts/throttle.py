"""Login throttling: after ``LOGIN_FAILURES_ALLOWED`` failed attempts for one username from one address,
logins for it from there are refused for ``LOGIN_LOCKOUT_SECONDS``. Counts live in Redis; if Redis is down,
logins are not throttled (fail open) rather than refused for everyone."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.casefold()}|{address}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def locked_out(username: str, address: str) -> bool:
    try:
        return (cache.get(_key(username, address)) or 0) >= settings.LOGIN_FAILURES_ALLOWED
    except Exception:  # noqa: BLE001
        log.warning("Login throttle not enforced: cache unavailable")
        return False


def record_failure(username: str, address: str) -> None:
    key = _key(username, address)
    try:
        if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            cache.incr(key)
    except Exception:  # noqa: BLE001
        log.warning("Login failure not counted: cache unavailable")


def clear(username: str, address: str) -> None:
    try:
        cache.delete(_key(username, address))
    except Exception:  # noqa: BLE001
        log.warning("Login failures not cleared: cache unavailable")
