"""Django's Redis cache with one client object per connection pool, and that client for raw commands.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call. With
redis-py 5+ that costs more than the command itself: the constructor fills a case-insensitive map of
~170 response callbacks (a profile of single ENS filings, issue 17: four clients built per POST, a
tenth of the web's time). A ``redis.Redis`` is safe to share between threads (each command borrows a
connection from the pool) and its pool re-creates its connections after a fork, so one per pool per
process is enough.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient


def raw_client():
    """The Redis client behind the default cache, for commands the cache API lacks (lists, scripts).

    Keys written through it carry no cache prefix or serialisation: callers name them in full."""
    return cache._cache.get_client(write=True)  # Django exposes no public accessor
