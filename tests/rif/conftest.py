"""RIF fixtures: extra personas (second approvers, national systems) and a helper that takes a
RIF through create -> submit -> approve with the real services."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pca import services as pca_services
from rif import services
from tests.conftest import make_user
from tests.risk_engine.conftest import (  # noqa: F401 - shared engine fixtures
    _fast_password_hashing,
    _forget_caches,
    _fresh_engine_caches,
)

EXTRA = {
    "nl_risk_manager": ("NL", "risk_manager"),
    "nl_system": ("NL", "national_system"),
    "de_system": ("DE", "national_system"),
    "de_risk_manager": ("DE", "risk_manager"),
    "fr_analyst_2": ("FR", "analyst"),
}

TOYS = {
    "risk_area": "product_safety",
    "title": "Counterfeit toys via express from CN",
    "summary": "Express consignments of plastic toys from Shenzhen with forged CE markings and phthalates.",
    "modus_operandi": "Split consignments under the de minimis threshold, declared as gifts.",
    "goods": [{"hs_code": "950300", "description": "plastic toy cars"}],
    "countries_of_origin": ["CN"],
    "routing": ["CN", "HK"],
    "parties": [{"role": "consignor", "name": "Shenzhen Bright Trading Co", "eori": None, "country": "CN"}],
    "transport_mode": "express",
    "concealment": "Toys packed inside shoe boxes.",
    "detection_method": "X-ray, then laboratory test for phthalates.",
    "recommended_action": "Physical control of express toy consignments from CN via HK.",
    "recommended_control": "physical",
    "handling": "crms_restricted",
    "recipients": ["FR", "DE"],
}


def rif_body(**overrides) -> dict:
    body = copy.deepcopy(TOYS)
    body.update(copy.deepcopy(overrides))
    return body


@pytest.fixture
def people(personas) -> dict:
    return {**personas, **{name: make_user(name, *spec) for name, spec in EXTRA.items()}}


def published(author, approver, **overrides):
    rif = services.create_rif(actor=author, data=rif_body(**overrides))
    services.submit_rif(actor=author, rif=rif)
    return services.approve_rif(actor=approver, rif=rif)


@pytest.fixture
def publish_rif(people):
    """publish_rif(**overrides): an NL RIF (nl_analyst authors, nl_risk_manager approves)."""

    def make(**overrides):
        return published(people["nl_analyst"], people["nl_risk_manager"], **overrides)

    return make


def exchange_world(*, nl_author, nl_approver, fr_author, commission) -> dict:
    """The information-exchange records the permission tests need: NL's RIF published to FR only
    (with an attachment), FR's draft RIF, a Commission crisis and a PCA for FR and DE."""
    received = services.create_rif(actor=nl_author, data=rif_body(recipients=["FR"]))
    attachment = services.add_attachment(
        actor=nl_author, rif=received, upload=SimpleUploadedFile("photo.png", b"\x89PNG....")
    )
    services.submit_rif(actor=nl_author, rif=received)
    services.approve_rif(actor=nl_approver, rif=received)
    draft = services.create_rif(actor=fr_author, data=rif_body(recipients=["NL"]))
    crisis = services.open_crisis(
        actor=commission, title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )
    now = timezone.now()
    pca = pca_services.designate_pca(
        actor=commission,
        title="Toys",
        risk_area="product_safety",
        starts_at=now,
        ends_at=now + dt.timedelta(days=30),
        participants_codes=["FR", "DE"],
        hs_codes=["9503"],
    )
    return {"received": received, "attachment": attachment, "draft": draft, "crisis": crisis, "pca": pca}
