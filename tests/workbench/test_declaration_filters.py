"""Declaration list filters by outcome, risk area (of the current version's assessment) and party (EORI
or the start of a name) (issue 14). Here beside the workbench fixtures, which file and screen ENS."""

from __future__ import annotations

import re

import pytest

from crms.declarations.api_docs import EXAMPLE_ENS
from tests.workbench.conftest import file_and_screen
from tests.workbench.test_queue import browser, tshirts

pytestmark = pytest.mark.django_db


def listed(user, query: str) -> set[str]:
    response = browser(user).get(f"/declarations/?{query}")
    assert response.status_code == 200, response.content[:300]
    return set(re.findall(r"<code>(\w{18})</code>", response.content.decode()))


@pytest.fixture
def filed(people, toy_criterion):
    consignee = {**EXAMPLE_ENS["consignee"], "name": "Lumière Jouets SARL", "eori": "FR12345678901"}
    return {
        "toys": file_and_screen(people["fr_system"]),  # the toy criterion: control recommended, product safety
        "shirts": file_and_screen(people["fr_system"], goods_items=tshirts(), consignee=consignee),
    }


def test_filter_by_outcome_and_risk_area(people, filed):
    analyst = people["fr_analyst"]
    assert listed(analyst, "outcome=control_recommended") == {filed["toys"]}
    assert listed(analyst, "outcome=assessment_complete") == {filed["shirts"]}
    assert listed(analyst, "risk_area=product_safety") == {filed["toys"]}
    assert listed(analyst, "risk_area=ipr") == set()
    assert listed(analyst, "") == set(filed.values())


def test_filter_by_party_eori_or_start_of_name(people, filed):
    analyst = people["fr_analyst"]
    assert listed(analyst, "party=FR12345678901") == {filed["shirts"]}
    assert listed(analyst, "party=fr 12345678901") == {filed["shirts"]}  # as people type it
    assert listed(analyst, "party=lumi") == {filed["shirts"]}
    assert listed(analyst, "party=Shenzhen") == set(filed.values())
    assert listed(analyst, "party=Nobody") == set()


def test_an_unknown_outcome_is_a_400_naming_the_field(people, filed):
    response = browser(people["fr_analyst"]).get("/declarations/?outcome=maybe")
    assert response.status_code == 400
    alert = re.search(r'<p class="flash flash-error" role="alert">(.*?)</p>', response.content.decode(), re.S)
    assert alert and "outcome" in alert.group(1)


def test_the_filters_keep_the_readers_scope(people, filed):
    assert listed(people["de_analyst"], "party=Shenzhen") == set()
