"""The cache builds one Redis client per connection pool (crms/core/redis_cache.py), not one per call."""

from __future__ import annotations

import redis
from django.core.cache import cache

from crms.core.redis_cache import raw_client


def test_one_client_per_pool_and_the_raw_client_is_it(monkeypatch):
    client = raw_client()
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    for number in range(20):
        cache.set(f"redis-cache-test-{number}", number, 30)
        assert cache.get(f"redis-cache-test-{number}") == number
    assert raw_client() is client and cache._cache.get_client() is client
    assert built == []  # forty cache calls built no client (Django's own backend: forty)
