"""Workbench fixtures: a published EU toy criterion, ENS filed by FR and screened synchronously.

``referred(**overrides)`` files an ENS (FR office of first entry; unloading in NL unless
overridden) that the toy criterion hits, screens it, and returns its FR case.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_user
from tests.risk_engine.conftest import (  # noqa: F401 - shared engine fixtures
    _fast_password_hashing,
    _forget_caches,
    _fresh_engine_caches,
    file_bodies,
    make_criterion,
    make_ens,
    publish_criterion,
    screen_mrns,
)
from workbench.models import Case

EXTRA = {
    "fr_analyst_2": ("FR", "analyst"),
    "nl_risk_manager": ("NL", "risk_manager"),
    "nl_system": ("NL", "national_system"),
    "nl_auditor": ("NL", "auditor"),
}


@pytest.fixture
def people(personas) -> dict:
    return {**personas, **{name: make_user(name, *spec) for name, spec in EXTRA.items()}}


@pytest.fixture
def toy_criterion(people):
    return publish_criterion(
        make_criterion("CRC-WB-TOY", control_type="physical"),
        make_user("wb-author", "EU", "commission"),
        make_user("wb-approver", "EU", "commission_approver"),
    )


def file_and_screen(user, **overrides) -> str:
    body = make_ens(**({"place_of_unloading": "NLRTM", "countries_of_routing": ["CN", "NL"]} | overrides))
    (mrn,) = file_bodies(user, body)
    screen_mrns(mrn)
    return mrn


@pytest.fixture
def referred(people, toy_criterion):
    def make(**overrides) -> Case:
        mrn = file_and_screen(people["fr_system"], **overrides)
        return Case.objects.get(declaration__mrn=mrn, member_state_id="FR")

    return make


@pytest.fixture
def no_broker(monkeypatch):
    """Transactional tests run on_commit hooks: keep their screening tasks off the shared test queue."""
    monkeypatch.setattr("risk_engine.pipeline.enqueue", lambda version_ids: 0)
    monkeypatch.setattr("risk_engine.pipeline.request_rescreen", lambda: None)
