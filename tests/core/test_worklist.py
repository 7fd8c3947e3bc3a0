"""The home page as a worklist (issue 14): approvals waiting for me (never my own version), criteria
and RIFs returned to me with the approver's comment, and the open-crises banner on every page."""

from __future__ import annotations

import pytest
from django.test import Client

from rif import services as rif_services
from risk_engine import services
from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, publish_criterion


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def _part(page: str, key: str) -> str:
    start = page.find(f'id="worklist-{key}"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


@pytest.fixture
def cast(db):
    return {
        "author": make_user("wl_author", "EU", "commission"),
        "approver": make_user("wl_approver", "EU", "commission_approver"),
        "nl_author": make_user("wl_nl_author", "NL", "analyst"),
        "nl_approver": make_user("wl_nl_approver", "NL", "risk_manager"),
    }


def test_a_submitted_criterion_waits_for_the_approver_not_its_author(cast):
    version = services.create_criterion(actor=cast["author"], data=make_criterion("CRC-WL-1"))
    services.submit_criterion(actor=cast["author"], criterion=version.criterion)
    assert "CRC-WL-1" in _part(_home(cast["approver"]), "approvals")
    assert 'href="/criteria/CRC-WL-1/"' in _part(_home(cast["approver"]), "approvals")
    assert "CRC-WL-1" not in _home(cast["author"])


def test_a_returned_criterion_waits_for_its_author_with_the_comment(cast):
    version = services.create_criterion(actor=cast["author"], data=make_criterion("CRC-WL-2"))
    services.submit_criterion(actor=cast["author"], criterion=version.criterion)
    services.return_criterion(actor=cast["approver"], criterion=version.criterion, comment="Narrow the HS code")
    returned = _part(_home(cast["author"]), "returned")
    assert "CRC-WL-2" in returned and "Narrow the HS code" in returned
    assert "CRC-WL-2" not in _home(cast["approver"])


def test_rif_approval_and_return(cast):
    from tests.rif.conftest import rif_body

    rif = rif_services.create_rif(actor=cast["nl_author"], data=rif_body())
    rif_services.submit_rif(actor=cast["nl_author"], rif=rif)
    assert rif.reference in _part(_home(cast["nl_approver"]), "approvals")
    assert rif.reference not in _part(_home(cast["nl_author"]), "approvals")
    rif_services.return_rif(actor=cast["nl_approver"], rif=rif, comment="Add the route")
    returned = _part(_home(cast["nl_author"]), "returned")
    assert rif.reference in returned and "Add the route" in returned


def test_open_crises_banner_on_every_page(cast, personas):
    assert 'id="crisis-banner"' not in _home(personas["fr_analyst"])
    crisis = rif_services.open_crisis(
        actor=cast["author"], title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )
    client = Client()
    client.force_login(personas["fr_analyst"])
    for url in ("/", "/criteria/"):
        page = client.get(url).content.decode()
        assert 'id="crisis-banner"' in page and f'href="/rif/crises/{crisis.pk}/"' in page


def test_claimed_cases_wait_for_who_claimed_them(personas):
    from tests.workbench.conftest import file_and_screen
    from workbench import services as workbench_services
    from workbench.models import Case

    publish_criterion(
        make_criterion("CRC-WL-TOY", control_type="physical"),
        make_user("wl_toy_author", "EU", "commission"),
        make_user("wl_toy_approver", "EU", "commission_approver"),
    )
    mrn = file_and_screen(personas["fr_system"])
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")
    workbench_services.claim_case(actor=personas["fr_analyst"], case=case)
    claimed = _part(_home(personas["fr_analyst"]), "claimed")
    assert f'href="/workbench/cases/{case.pk}/"' in claimed and mrn in claimed
    assert mrn not in _home(personas["fr_risk_manager"])
