"""The RIF personas and the engine's cache fixtures, for the participation-by-agreement tests."""

from tests.rif.conftest import people  # noqa: F401 - personas with second approvers and national systems
from tests.risk_engine.conftest import (  # noqa: F401 - shared engine fixtures
    _fast_password_hashing,
    _forget_caches,
    _fresh_engine_caches,
)
