"""Declarations in the browser and the list API: scoping, filters, keyset pages, versions, linked filings."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from rest_framework.authtoken.models import Token

from crms.declarations.api_docs import EXAMPLE_ENS
from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration, file_declarations
from tests.conftest import make_user


def body(lrn: str, **overrides) -> dict:
    ens = copy.deepcopy(EXAMPLE_ENS)
    ens["lrn"] = lrn
    ens["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).isoformat()
    ens.update(overrides)
    return ens


@pytest.fixture
def filed(db):
    """Three FR declarations (one unloading in NL, two under one master AWB) and one DE declaration."""
    fr_system = make_user("fr-sys", "FR", "national_system")
    de_system = make_user("de-sys", "DE", "national_system")
    fr = file_declarations(
        [
            body("FR-1"),
            body("FR-2", transport_document={"master": "176-99999999", "house": "H2"}),
            body("FR-3", place_of_unloading="NLRTM", transport_document={"master": "176-99999999", "house": "H3"}),
        ],
        user=fr_system,
    )
    de = file_declarations([body("DE-1", office_of_first_entry="DE003150", place_of_unloading="DEFRA")], user=de_system)
    assert [r.status for r in fr + de] == [201, 201, 201, 201]
    return {r.lrn: r.mrn for r in fr + de} | {"fr_system": fr_system}


def page_html(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_list_is_scoped_to_first_entry_and_unloading(client, filed):
    status, html = page_html(client, make_user("de1", "DE", "analyst"), "/declarations/")
    assert status == 200 and filed["DE-1"] in html and filed["FR-1"] not in html
    status, html = page_html(client, make_user("nl1", "NL", "analyst"), "/declarations/")
    assert filed["FR-3"] in html and filed["FR-1"] not in html and filed["DE-1"] not in html
    status, html = page_html(client, make_user("eu1", "EU", "commission"), "/declarations/")
    assert all(filed[lrn] in html for lrn in ("FR-1", "FR-2", "FR-3", "DE-1"))


def test_detail_page_shows_parties_items_and_linked_house_filings(client, filed):
    status, html = page_html(client, make_user("fr1", "FR", "analyst"), f"/declarations/{filed['FR-2']}/")
    assert status == 200
    assert "Shenzhen Bright Trading Co" in html and "950300" in html and "plastic toy cars" in html
    assert filed["FR-3"] in html  # same master AWB: shown together


def test_detail_of_another_member_state_is_404(client, filed):
    status, _ = page_html(client, make_user("de1", "DE", "analyst"), f"/declarations/{filed['FR-1']}/")
    assert status == 404


def test_earlier_versions_stay_readable_in_the_browser(client, filed):
    declaration = Declaration.objects.get(mrn=filed["FR-1"])
    amended = body("FR-1")
    amended["goods_items"][0]["description"] = "wooden toy trains"
    assert amend_declaration(declaration, amended, user=filed["fr_system"]).status == 201
    analyst = make_user("fr1", "FR", "analyst")
    _, current = page_html(client, analyst, f"/declarations/{filed['FR-1']}/")
    _, first = page_html(client, analyst, f"/declarations/{filed['FR-1']}/?version=1")
    assert "wooden toy trains" in current and "plastic toy cars" not in current
    assert "plastic toy cars" in first and "not the current version" in first


@pytest.mark.parametrize(
    "query,expected,absent",
    [
        ("reference=FR-2", ["FR-2"], ["FR-1", "FR-3"]),
        ("reference=176-99999999", ["FR-2", "FR-3"], ["FR-1"]),
        ("transport_mode=sea", [], ["FR-1", "FR-2", "FR-3"]),
        ("transport_mode=air&phase=pre_loading", ["FR-1", "FR-2", "FR-3"], []),
        ("office=FR004380", ["FR-1"], []),
    ],
)
def test_filters(client, filed, query, expected, absent):
    _, html = page_html(client, make_user("fr1", "FR", "analyst"), f"/declarations/?{query}")
    for lrn in expected:
        assert filed[lrn] in html
    for lrn in absent:
        assert filed[lrn] not in html


def test_keyset_pages_cover_everything_once(client, db):
    system = make_user("fr-sys", "FR", "national_system")
    results = file_declarations([body(f"P-{n}") for n in range(120)], user=system)
    token = Token.objects.create(user=make_user("fr1", "FR", "analyst")).key
    seen, url = [], "/api/v1/declarations/?limit=50"
    while url:
        page = client.get(url, HTTP_AUTHORIZATION=f"Token {token}").json()
        seen += [row["mrn"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(r.mrn for r in results)
    assert len(seen) == len(set(seen)) == 120


def test_list_api_rejects_bad_filters(client, db):
    token = Token.objects.create(user=make_user("fr1", "FR", "analyst")).key
    response = client.get("/api/v1/declarations/?limit=0", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "limit"
    response = client.get("/api/v1/declarations/?transport_mode=teleport", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "transport_mode"


def test_keyset_pages_over_both_branches_cover_everything_once(client, db):
    """An NL analyst's list merges ENS entering in NL and ENS entering elsewhere but unloading in NL."""
    fr_system = make_user("fr-sys", "FR", "national_system")
    nl_system = make_user("nl-sys", "NL", "national_system")
    for_nl = file_declarations([body(f"U-{n}", place_of_unloading="NLRTM") for n in range(45)], user=fr_system)
    fr_only = file_declarations([body(f"F-{n}") for n in range(20)], user=fr_system)
    nl_own = file_declarations(
        [body(f"N-{n}", office_of_first_entry="NL000854", place_of_unloading="NLAMS") for n in range(35)],
        user=nl_system,
    )
    token = Token.objects.create(user=make_user("nl1", "NL", "analyst")).key
    seen, url = [], "/api/v1/declarations/?limit=30"
    while url:
        page = client.get(url, HTTP_AUTHORIZATION=f"Token {token}").json()
        seen += [row["mrn"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(r.mrn for r in for_nl + nl_own)
    assert len(seen) == len(set(seen)) == 80
    assert not {r.mrn for r in fr_only} & set(seen)


def test_detail_page_writes_masses_values_and_scores_the_european_way(client, db):
    """ "22 889,0 kg", "5 883,86 EUR", "2 369 572,83 CNY", EUR per kg with its decimals ("0,26"), never
    "22889.0 kg" or a per-kg value rounded to a whole number."""
    system = make_user("fr-sys-fig", "FR", "national_system")
    items = [
        {**body("x")["goods_items"][0], "gross_mass_kg": 22889.0, "value": {"amount": 5883.86, "currency": "EUR"}},
        {
            **body("x")["goods_items"][0],
            "item_number": 2,
            "gross_mass_kg": 1000.0,
            "value": {"amount": 2369572.83, "currency": "CNY"},
        },
    ]
    items[1].pop("container", None)
    (result,) = file_declarations([body("FIG-1", goods_items=items)], user=system)
    assert result.status == 201, result.errors
    status, html = page_html(client, make_user("fr-fig", "FR", "analyst"), f"/declarations/{result.mrn}/")
    assert status == 200
    nbsp = "\u00a0"
    assert f"23{nbsp}889,0 kg in 2 items" in html
    assert f"22{nbsp}889,00" in html and f"5{nbsp}883,86 EUR" in html and f"2{nbsp}369{nbsp}572,83 CNY" in html
    assert '<td class="num">0,26</td>' in html  # 5883.86 / 22889 EUR per kg
    assert "22889" not in html and "5883.86" not in html and "2369572.83" not in html


def test_office_filter_lists_the_same_rows_with_the_branch_that_cannot_match_left_out(client, db):
    """An office of first entry fixes the Member State of first entry, so one of a Member State's two scope
    branches cannot match and is left out (Postgres would read the office's whole index to prove it empty).
    Over every viewer x every office filed at (and one office without filings), the API lists exactly the
    scoped rows of that office, and a Member State viewer's list reads one branch, not two."""
    from crms.declarations import selectors
    from crms.reference.models import CustomsOffice

    fr_system = make_user("fr-sys", "FR", "national_system")
    nl_system = make_user("nl-sys", "NL", "national_system")
    de_system = make_user("de-sys", "DE", "national_system")
    file_declarations([body(f"U-{n}", place_of_unloading="NLRTM") for n in range(3)], user=fr_system)
    file_declarations([body(f"F-{n}") for n in range(2)], user=fr_system)
    file_declarations(
        [body(f"N-{n}", office_of_first_entry="NL000854", place_of_unloading="NLAMS") for n in range(3)],
        user=nl_system,
    )
    file_declarations(
        [body(f"D-{n}", office_of_first_entry="DE003150", place_of_unloading=unloading) for n, unloading in
         enumerate(["DEFRA", "NLRTM", "FRCDG"])],
        user=de_system,
    )  # fmt: skip
    unused = CustomsOffice.objects.filter(member_state="BE").values_list("code", flat=True).first()
    offices = sorted({*Declaration.objects.values_list("office_of_first_entry__code", flat=True), unused})
    assert len(offices) == 4 and None not in offices
    viewers = [make_user(f"{ms.lower()}1", ms, "analyst") for ms in ("NL", "FR", "DE", "BE")]
    viewers.append(make_user("eu1", "EU", "commission"))
    for viewer in viewers:
        token = Token.objects.create(user=viewer).key
        for code in offices:
            office = CustomsOffice.objects.get(code=code)
            expected = set(
                selectors.declarations_for(viewer).filter(office_of_first_entry=office).values_list("mrn", flat=True)
            )
            response = client.get(f"/api/v1/declarations/?office={office.pk}", HTTP_AUTHORIZATION=f"Token {token}")
            assert response.status_code == 200, (viewer.username, code)
            assert {row["mrn"] for row in response.json()["results"]} == expected, (viewer.username, code)
            client.force_login(viewer)
            html = client.get(f"/declarations/?office={office.pk}").content.decode()
            assert all(mrn in html for mrn in expected), (viewer.username, code)
            branches = selectors.declaration_branches_for(viewer, office.member_state_id)
            assert len(branches) == 1, (viewer.username, code)
        assert len(selectors.declaration_branches_for(viewer)) == (1 if viewer.username == "eu1" else 2)
    nl = viewers[0]
    nl_office = CustomsOffice.objects.get(code="NL000854")
    unloading_only = selectors.declaration_branches_for(nl, "FR")[0]
    assert set(unloading_only.values_list("lrn", flat=True)) == {"U-0", "U-1", "U-2", "D-1"}  # entry elsewhere
    assert set(selectors.declaration_branches_for(nl, nl_office.member_state_id)[0].values_list("lrn", flat=True)) == {
        "N-0",
        "N-1",
        "N-2",
    }


def test_a_declaration_whose_member_state_is_not_its_offices_is_refused_by_the_database(db):
    """The branch pruning above relies on "a declaration's Member State of first entry is its office's",
    which the filing service derives; the database holds it too (migration declarations 0009), for every
    other writer. Over every Member State that is not the office's, the row is refused under the key's name."""
    from django.db import IntegrityError, connection, transaction

    from crms.accounts.models import Organisation

    system = make_user("fr-sys-key", "FR", "national_system")
    (result,) = file_declarations([body("KEY-1")], user=system)
    declaration = Declaration.objects.select_related("office_of_first_entry").get(mrn=result.mrn)
    office = declaration.office_of_first_entry
    assert declaration.first_entry_member_state_id == office.member_state_id == "FR"
    others = list(Organisation.objects.exclude(code="FR").filter(offices__isnull=False).distinct())
    assert len(others) >= 5
    for other in others:
        with pytest.raises(IntegrityError, match="declaration_office_in_first_entry_state"), transaction.atomic():
            Declaration.objects.filter(pk=declaration.pk).update(first_entry_member_state=other)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elsewhere = other.offices.first()
        with pytest.raises(IntegrityError, match="declaration_office_in_first_entry_state"), transaction.atomic():
            Declaration.objects.filter(pk=declaration.pk).update(office_of_first_entry=elsewhere)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    declaration.refresh_from_db()
    assert (declaration.office_of_first_entry_id, declaration.first_entry_member_state_id) == (office.pk, "FR")


def test_reference_data_may_not_move_an_office_that_declarations_name_to_another_member_state(db, monkeypatch):
    """With the key above, moving an office in use would fail at commit (or re-scope filed declarations):
    the loader refuses it first, naming the office, and loads nothing; an office nobody filed at may move."""
    from django.core.management import CommandError, call_command

    from crms.reference import loader
    from crms.reference.models import Country, CustomsOffice

    (result,) = file_declarations([body("MOVE-1")], user=make_user("fr-sys-move", "FR", "national_system"))
    used = Declaration.objects.get(mrn=result.mrn).office_of_first_entry_id
    unused = CustomsOffice.objects.filter(member_state="FR").exclude(code=used).values_list("code", flat=True)[0]
    rows = loader._rows

    def moved(*codes: str):
        def read(filename: str):
            for row in rows(filename):
                yield (
                    {**row, "member_state": "DE"} if filename == "customs_offices.csv" and row["code"] in codes else row
                )

        return read

    Country.objects.filter(iso2="FR").update(name="Edited by hand")
    monkeypatch.setattr(loader, "_rows", moved(used, unused))
    with pytest.raises(CommandError, match=rf"customs offices: {used} \(FR -> DE\) would move"):
        call_command("load_reference_data", stdout=None)
    assert CustomsOffice.objects.get(code=used).member_state_id == "FR"
    assert CustomsOffice.objects.get(code=unused).member_state_id == "FR"  # nothing loaded...
    assert Country.objects.get(iso2="FR").name == "Edited by hand"  # ...not even the tables before offices
    monkeypatch.setattr(loader, "_rows", moved(unused))
    loader.load_reference_data()
    assert CustomsOffice.objects.get(code=unused).member_state_id == "DE"
