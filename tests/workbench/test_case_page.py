"""The case page: every hit with its explanation, the fired cells marked, data quality, the party's history."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import make_user
from tests.risk_engine.conftest import make_criterion, make_item, publish_criterion
from tests.workbench.conftest import file_and_screen
from workbench import services
from workbench.models import Case

pytestmark = pytest.mark.django_db

TWO_ITEMS = [
    make_item(1, hs_code="610910", description="cotton T-shirts", gross_mass_kg=120.0, packages=10,
              value={"amount": 900.0, "currency": "EUR"}, country_of_origin="BD"),
    make_item(2, hs_code="950300", description="accessories", gross_mass_kg=2.0,
              value={"amount": 30.0, "currency": "EUR"}),
]  # fmt: skip


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, case: Case) -> str:
    response = browser(user).get(f"/workbench/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def item_rows(html: str) -> dict[int, str]:
    table = html[html.index('<table class="dense items">') :]
    table = table[: table.index("</table>")]
    return {int(number): row for row, number in re.findall(r"(<tr[^>]*>\s*<td>(\d+)</td>.*?</tr>)", table, re.S)}


def test_the_explanation_and_the_fired_cells(people, referred):
    case = referred(goods_items=TWO_ITEMS)
    html = page(people["fr_analyst"], case)
    assert '<a href="/criteria/CRC-WB-TOY/"><code>CRC-WB-TOY</code></a> v1' in html
    # In words (risk_engine.plain.explain_parts), the declaration's value marked, not a Python list.
    assert 'goods item 2 HS code is <mark>950300</mark>, <span class="muted">starting with 9503</span>' in html
    rows = item_rows(html)
    assert 'class="hit-row"' in rows[2] and 'class="fired"><code>950300</code>' in rows[2]
    assert "fired" not in rows[1] and "hit-row" not in rows[1]
    assert rows[2].count("fired") == 1  # only the HS code fired, not the description or value
    # Data-quality warnings of the version.
    assert "Vague description</span> item 2" in html  # by its label, not its code


def test_declaration_and_party_fields_that_fired_are_marked(people, toy_criterion):
    publish_criterion(
        make_criterion("CRC-WB-ROUTE", risk_area="security_safety", condition={"all": [
            {"field": "consignor.country", "op": "eq", "value": "CN"},
            {"field": "routing.countries", "op": "any_in", "value": ["AE", "IR"]},
            {"field": "item.gross_mass_kg", "op": "between", "value": [100, 500]},
        ]}),
        make_user("wb-cp-author", "EU", "commission"),
        make_user("wb-cp-approver", "EU", "commission_approver"),
    )  # fmt: skip
    mrn = file_and_screen(people["fr_system"], countries_of_routing=["CN", "AE", "NL"], goods_items=TWO_ITEMS)
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")
    assert case.criteria == ["CRC-WB-ROUTE", "CRC-WB-TOY"]
    html = page(people["fr_analyst"], case)
    assert (
        'the route passes through <mark>AE (United Arab Emirates)</mark>, <span class="muted">which is among '
        "AE (United Arab Emirates) and IR (Iran) (whole route CN → AE → NL)</span>"
    ) in html
    assert 'goods item 1 gross mass is <mark>120 kg</mark>, <span class="muted">between 100 and 500</span>' in html
    assert re.search(r'<dt>Routing</dt><dd class="fired">', html)
    consignor = re.search(r"<td>Consignor</td>(.*?)</tr>", html, re.S).group(1)
    assert '<td class="fired">CN</td>' in consignor
    rows = item_rows(html)
    assert "num fired" in rows[1] and 'class="hit-row"' in rows[1]  # the mass of item 1 fired CRC-WB-ROUTE


def test_party_history_lists_earlier_ens_of_the_same_consignor(people, referred, toy_criterion):
    fr = people["fr_system"]
    same_consignor = referred(consignee={"name": "Someone Else", "eori": None, "address": {"country": "FR"}})
    services.decide(actor=people["fr_analyst"], case=same_consignor, action="control", control_type="physical",
                    control_place="border")  # fmt: skip
    services.record_control_result(
        actor=people["fr_system"], declaration=same_consignor.declaration,
        data={"control_type": "physical", "result": "irregularity", "irregularity_type": "product_safety"},
    )  # fmt: skip
    same_eori = file_and_screen(
        fr,
        consignor={"name": "Bright Trading (renamed)", "eori": "CN9988776655", "address": {"country": "CN"}},
        consignee={"name": "Another Buyer", "eori": None, "address": {"country": "FR"}},
    )
    unrelated = file_and_screen(
        fr,
        consignor={"name": "Unrelated Exporter", "eori": None, "address": {"country": "CN"}},
        consignee={"name": "Unrelated Importer", "eori": None, "address": {"country": "FR"}},
    )
    nl_only = file_and_screen(people["nl_system"], office_of_first_entry="NL000854", place_of_unloading="NLAMS")
    case = referred(consignor={"name": "Shenzhen Bright Trading Co", "eori": "CN9988776655",
                               "address": {"country": "CN"}})  # fmt: skip
    html = page(people["fr_analyst"], case)
    history = html[html.index("<h2>Party history</h2>") :]
    history = history[: history.index("</table>")]
    listed = re.findall(r"<code>(\w+)</code></a></td>", history)
    assert set(listed) == {same_consignor.declaration.mrn, same_eori}, listed
    assert unrelated not in history and nl_only not in history  # NL's own ENS is not FR's to read
    row = re.search(rf"{same_consignor.declaration.mrn}.*?</tr>", history, re.S).group(0)
    assert "Control recommended" in row and "<td>Control recommended</td>" in row and "Irregularity found</span>" in row
    assert case.declaration.mrn not in history


def test_who_sees_what_on_the_case_page(people, referred):
    case = referred()
    auditor = page(people["fr_auditor"], case)
    assert "CRC-WB-TOY" in auditor
    for form in ('id="decision-form"', 'id="claim-button"', 'id="control-form"', "Ask another Member State"):
        assert form not in auditor, form
    assert "CRC-WB-TOY" in page(people["eu_auditor"], case)
    for name in ("nl_analyst", "de_analyst", "nl_auditor"):
        assert browser(people[name]).get(f"/workbench/cases/{case.pk}/").status_code == 404, name
    assert browser(people["fr_analyst"]).get("/workbench/cases/999999/").status_code == 404


def test_the_page_of_an_amended_version_says_so_and_offers_no_decision(people, toy_criterion):
    from crms.declarations.models import Declaration
    from crms.declarations.services import amend_declaration
    from tests.risk_engine.conftest import file_bodies, make_ens, screen_mrns

    body = make_ens(place_of_unloading="NLRTM", countries_of_routing=["CN", "NL"])
    (mrn,) = file_bodies(people["fr_system"], body)
    screen_mrns(mrn)
    case = Case.objects.get(declaration__mrn=mrn)
    result = amend_declaration(Declaration.objects.get(mrn=mrn), body | {"transport_document": {"master": "176-99"}},
                               user=people["fr_system"])  # fmt: skip
    assert result.status == 201
    html = page(people["fr_analyst"], case)
    assert "(superseded: current is 2)" in html and 'id="decision-form"' not in html
