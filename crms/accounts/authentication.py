"""API token authentication with the same participation rule as the session login, cached per process.

A national system posting hundreds of ENS a second would pay, on every request, for the token, its
user and the organisation's participation (three queries: a fifth of the web's time, issue 17). Each
web process keeps what it found for a token, and trusts it only while the **accounts generation**
in Redis is the one it saw: any save or deletion of a token, user or organisation bumps the
generation, at once and again after commit (signals below), so a revoked token, a deactivated user, a changed role or
an organisation leaving the platform is refused by every process at its next request. One Redis
read per request replaces the three queries.

Safety nets: an entry lives at most ``CACHE_SECONDS`` and never past midnight (participation is by
day), so a change that bypasses the ORM (SQL by hand) takes effect within a minute; a generation
missing from Redis (flushed, evicted) is re-created at a random value, so no old entry matches it;
when Redis does not answer, the process drops its entries and asks the database each time.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

log = logging.getLogger(__name__)

GENERATION_KEY = "accounts:generation"
CACHE_SECONDS = 60.0
MAX_ENTRIES = 10_000  # tokens a process remembers; beyond that it starts afresh


@dataclass(frozen=True)
class _Entry:
    user: object
    token: object
    generation: int
    day: object
    at: float


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()


def current_generation() -> int | None:
    """The accounts generation, created at a random value when missing; None when Redis does not answer."""
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, secrets.randbits(62), timeout=None)
            value = cache.get(GENERATION_KEY)
        return int(value) if value is not None else None
    except Exception:  # noqa: BLE001 - Redis down: authenticate from the database, trust nothing cached
        forget()
        return None


def bump_generation() -> None:
    """Make every process's cached tokens stale (after the change is committed and visible)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # missing: a fresh random generation matches no entry either
        cache.add(GENERATION_KEY, secrets.randbits(62), timeout=None)
    except Exception:  # noqa: BLE001 - Redis down: processes that cannot read it drop their entries
        log.warning("Could not bump the accounts generation; cached tokens expire within %d s", CACHE_SECONDS)


def accounts_changed(sender, **kwargs) -> None:
    """Signal receiver for tokens, users and organisations (connected in ``AccountsConfig.ready``).

    Bumped twice: now, so that no process goes on trusting its entry; and after commit, because a
    request in between may have cached the state before the change under the first bump."""
    bump_generation()
    transaction.on_commit(bump_generation)


def forget() -> None:
    with _lock:
        _entries.clear()


class ParticipantTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        generation = current_generation()
        today = timezone.localdate()
        if generation is not None:
            entry = _entries.get(key)
            if (
                entry is not None
                and entry.generation == generation
                and entry.day == today
                and time.monotonic() - entry.at < CACHE_SECONDS
            ):
                return copy.copy(entry.user), entry.token  # a request's changes to its user stay its own
        user, token = super().authenticate_credentials(key)
        if not user.has_platform_access(today):
            raise AuthenticationFailed("This account's organisation no longer has access to the platform.")
        if generation is not None:
            with _lock:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = _Entry(copy.copy(user), token, generation, today, time.monotonic())
        return user, token
