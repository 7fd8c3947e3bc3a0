"""Security test fixtures: a fast password hasher, fresh rate-limit counters and engine caches, the shared world."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.risk_engine.conftest import _forget_caches
from tests.security.world import World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas get passwords; the production hasher would cost ~0.4 s per persona here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Rate-limit and login counters live in Redis; the engine keeps compiled criteria per process."""
    cache.clear()
    _forget_caches()
    yield
    cache.clear()
    _forget_caches()


@pytest.fixture
def world(personas, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(personas)
