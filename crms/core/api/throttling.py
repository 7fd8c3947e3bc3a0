"""Rate limits per API token, kept in Redis; if Redis is down the limit is not enforced (fail open).

Filing must go on while the cache is unavailable (issue 9): refusing every request because the
counter cannot be read would turn a cache outage into a customs outage.

The limit is a generic cell rate (GCRA): ``N/period`` lets a client send N requests at once, then one
every ``period/N``. Its whole state is one small cell per token (see ``GCRA`` below), checked and
moved in one Redis round trip by a Lua script. DRF's own throttle kept a list of every request's
time in the last period, read and rewritten whole on each request: at the default 6,000/min a
national system filing singles paid for a 6,000-entry list twice per POST (issue 17).
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from crms.accounts.roles import Role
from crms.core.redis_cache import raw_client

log = logging.getLogger(__name__)

KEY_PREFIX = "crms:throttle:gcra:"

# KEYS[1]: the cell; ARGV: now, emission interval, period (milliseconds, fractions kept: an interval under
# a millisecond, 60,000/min and up, must move the cell). Returns 0 (allowed) or the milliseconds to wait
# before the next request would be allowed. The cell is kept as (start, requests since): the theoretical
# arrival time is ``start + requests x interval``, one multiplication, where adding the interval at each
# request let rounding accumulate (a burst of 1,500 at 1,500/s came out one short, found in review).
# The microsecond of tolerance is for that one rounding.
GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local base, count = now, 0
local stored = redis.call('GET', KEYS[1])
if stored then
  local b, c = string.match(stored, '^(%S+) (%d+)$')
  base, count = tonumber(b), tonumber(c)
end
if base + count * interval < now then base, count = now, 0 end
local next_tat = base + (count + 1) * interval
if next_tat - now > period + 0.001 then
  return math.ceil(next_tat - now - period)
end
redis.call('SET', KEYS[1], string.format('%.6f %d', base, count + 1), 'PX', math.ceil(next_tat - now))
return 0
"""


def _gcra():
    """The script bound to this thread's cache client, kept on the client (which lives as long as the
    thread's cache): a module-level map would keep every thread's client and connection alive."""
    client = raw_client()
    script = getattr(client, "_crms_gcra", None)
    if script is None:
        script = client._crms_gcra = client.register_script(GCRA)
    return script


# Times are counted from 2026 so that they stay small (finer rounding than near 1.8e12 ms).
EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z; changing it (or the cell's form) needs a new KEY_PREFIX


def _now_ms() -> float:
    return time.time() * 1000 - EPOCH_MS


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT  # read each time, so tests and operators can change it

    def rate_for(self, user) -> str:
        """National systems file at machine rates; people and other clients share the general limit."""
        if getattr(user, "role", None) == Role.NATIONAL_SYSTEM:
            return settings.API_RATE_LIMIT_NATIONAL_SYSTEM
        return self.get_rate()

    def get_cache_key(self, request, view) -> str:
        if request.user is not None and request.user.is_authenticated:
            token = getattr(request, "auth", None)
            ident = f"token:{getattr(token, 'pk', None)}" if token is not None else f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        # The rate is part of the cell's name: a changed limit starts a fresh cell at once, where an old
        # cell's arrival time would be read against the new interval (a raised limit still refusing).
        return f"{KEY_PREFIX}{self.scope}:{self.rate}:{ident}"

    def allow_request(self, request, view) -> bool:
        self.wait_seconds = None
        self.rate = self.rate_for(request.user)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        period_ms = self.duration * 1000
        interval_ms = period_ms / self.num_requests
        try:
            waiting_ms = _gcra()(keys=[self.get_cache_key(request, view)], args=[_now_ms(), interval_ms, period_ms])
        except Exception:  # noqa: BLE001 - the cache is down: serve rather than refuse
            log.warning("Rate limit not enforced: cache unavailable")
            return True
        if waiting_ms:
            self.wait_seconds = math.ceil(int(waiting_ms) / 1000)
            return False
        return True

    def wait(self) -> float | None:
        return self.wait_seconds
