"""PCA fixtures: the RIF personas, and a designated PCA on toys linked to a published EU criterion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pca import services
from tests.conftest import make_user
from tests.rif.conftest import EXTRA
from tests.risk_engine.conftest import (  # noqa: F401 - shared engine fixtures
    _fast_password_hashing,
    _forget_caches,
    _fresh_engine_caches,
    make_criterion,
    publish_criterion,
)


@pytest.fixture
def people(personas) -> dict:
    return {**personas, **{name: make_user(name, *spec) for name, spec in EXTRA.items()}}


@pytest.fixture
def toy_criterion(people):
    return publish_criterion(
        make_criterion("CRC-PCA-TOY", control_type="physical"), people["commission"], people["commission_approver"]
    )


@pytest.fixture
def designate(people, toy_criterion):
    """designate(**overrides): a PCA on toys (FR, DE) running from yesterday to tomorrow, linked to CRC-PCA-TOY."""

    def make(**overrides):
        now = timezone.now()
        arguments = {
            "actor": people["commission"],
            "title": "Unsafe toys before Christmas",
            "risk_area": "product_safety",
            "starts_at": now - dt.timedelta(days=1),
            "ends_at": now + dt.timedelta(days=1),
            "participants_codes": ["FR", "DE"],
            "hs_codes": ["9504"],
            "routes": [],
            "criteria": ["CRC-PCA-TOY"],
            "targets": {"FR": 100, "DE": 50},
        }
        arguments.update(overrides)
        return services.designate_pca(**arguments)

    return make
