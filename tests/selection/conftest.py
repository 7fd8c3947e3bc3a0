"""Selection settings fixtures: the shared personas plus an NL risk manager and national system."""

from __future__ import annotations

import pytest

from tests.conftest import make_user
from tests.risk_engine.conftest import (  # noqa: F401 - shared engine fixtures
    _fast_password_hashing,
    _forget_caches,
    _fresh_engine_caches,
)


@pytest.fixture
def people(personas) -> dict:
    extra = {"nl_risk_manager": ("NL", "risk_manager"), "nl_system": ("NL", "national_system")}
    return {**personas, **{name: make_user(name, *spec) for name, spec in extra.items()}}
