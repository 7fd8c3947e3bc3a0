"""The global search (issue 14): prefixes, typos, limits, and each persona finding only what it may open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crms.declarations.models import Declaration
from crms.declarations.retention import run_housekeeping
from crms.declarations.services import amend_declaration
from crms.search import index, selectors
from crms.search.models import IndexedParty, PartyScope, PartyTrigram
from crms.search.selectors import PAGE, search
from tests.permissions import client_for
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, make_item, publish_criterion

pytestmark = pytest.mark.django_db

ACME = "ACME Trading GmbH"
ACME_EORI = "DE998877665544"
NL_ONLY = "Zaandam Tulpen Export BV"


def _fr(people, *, consignor: str = ACME, eori: str | None = ACME_EORI, container: str | None = "MSCU1234565", **extra):
    body = make_ens(goods_items=[make_item(1, container=container)], **extra)
    body["consignor"] = {**body["consignor"], "name": consignor, "eori": eori}
    (mrn,) = file_bodies(people["fr_system"], body)
    return mrn


def _nl_only(people) -> str:
    body = make_ens(office_of_first_entry="NL000854", place_of_unloading="NLAMS", countries_of_routing=["CN"],
                    goods_items=[make_item(1, container="TGHU7654321")])  # fmt: skip
    body["consignor"] = {**body["consignor"], "name": NL_ONLY, "eori": "NL111222333"}
    (mrn,) = file_bodies(make_system("nl_system", "NL"), body)
    return mrn


def make_system(name: str, org: str):
    from tests.conftest import make_user

    return make_user(name, org, "national_system")


def _titles(results, kind: str) -> list[str]:
    return [result.title for result in results.groups[kind]]


@pytest.fixture
def filed(personas):
    return {"fr": _fr(personas), "nl": _nl_only(personas)}


def test_mrn_prefix_finds_the_declarations_starting_so(personas, filed):
    prefix = filed["fr"][:4]  # e.g. 26FR: year and country of first entry
    found = search(personas["fr_analyst"], prefix)
    assert filed["fr"] in _titles(found, "declaration")
    assert found.groups["declaration"][0].matched == "MRN"
    assert search(personas["fr_analyst"], filed["fr"][:10].lower()).groups["declaration"][0].title == filed["fr"]
    assert filed["fr"] not in _titles(search(personas["fr_analyst"], "25XX"), "declaration")


def test_lrn_and_container_prefixes(personas, filed):
    declaration = Declaration.objects.get(mrn=filed["fr"])
    found = search(personas["fr_analyst"], declaration.lrn[:8])
    assert filed["fr"] in _titles(found, "declaration")
    by_container = search(personas["fr_analyst"], "mscu 1234")
    assert by_container.groups["declaration"][0].title == filed["fr"]
    assert by_container.groups["declaration"][0].matched == "Container"
    assert "MSCU1234565" in by_container.groups["declaration"][0].detail


def test_party_names_are_found_despite_typos(personas, filed):
    for typed in ("Acme Tradng", "acme", "ACME trading", "Akme Trading Gmbh"):
        found = search(personas["fr_analyst"], typed)
        assert ACME in _titles(found, "party"), typed
    result = search(personas["fr_analyst"], "Acme Tradng").groups["party"][0]
    assert result.url == f"/declarations/?party={ACME_EORI}"
    assert ACME not in _titles(search(personas["fr_analyst"], "Zebra Logistics"), "party")


def test_eori_exact_and_prefix(personas, filed):
    assert search(personas["fr_analyst"], ACME_EORI).groups["party"][0].title == ACME
    prefix = search(personas["fr_analyst"], ACME_EORI[:6].lower())
    assert prefix.groups["party"][0].matched == "EORI"
    assert ACME in _titles(prefix, "party")


def test_each_persona_finds_only_what_it_may_open(personas, filed):
    """FR filed ACME into France; NL_ONLY entered and was unloaded in the Netherlands."""
    fr_mrn, nl_mrn = filed["fr"], filed["nl"]
    cases = {
        "fr_analyst": (True, False),
        "fr_risk_manager": (True, False),
        "fr_auditor": (True, False),
        "fr_system": (True, False),
        "nl_analyst": (False, True),
        "de_analyst": (False, False),
        "commission": (True, True),
        "eu_auditor": (True, True),
    }
    for name, (sees_fr, sees_nl) in cases.items():
        user = personas[name]
        mrns = _titles(search(user, fr_mrn[:4]), "declaration") + _titles(search(user, nl_mrn[:4]), "declaration")
        parties = _titles(search(user, "Acme Tradng"), "party") + _titles(search(user, "Zaandam Tulpen"), "party")
        containers = _titles(search(user, "TGHU765"), "declaration")
        assert (fr_mrn in mrns, nl_mrn in mrns) == (sees_fr, sees_nl), name
        assert (ACME in parties, NL_ONLY in parties) == (sees_fr, sees_nl), name
        assert (nl_mrn in containers) == sees_nl, name
    assert search(personas["outsider"], fr_mrn[:4]).total_shown == 0


def test_unloading_member_state_finds_the_declaration_and_its_parties(personas):
    mrn = _fr(personas, consignor="Rotterdam Bound Ceramics", eori=None, container=None,
              place_of_unloading="NLRTM", countries_of_routing=["CN", "NL"])  # fmt: skip
    assert mrn in _titles(search(personas["nl_analyst"], mrn[:12]), "declaration")
    assert "Rotterdam Bound Ceramics" in _titles(search(personas["nl_analyst"], "rotterdam bound"), "party")
    assert "Rotterdam Bound Ceramics" not in _titles(search(personas["de_analyst"], "rotterdam bound"), "party")


def test_rifs_and_criteria_follow_their_selectors(personas):
    from risk_engine.models import Criterion
    from tests.conftest import make_user

    author, approver = make_user("s_author", "EU", "commission"), make_user("s_approver", "EU", "commission_approver")
    publish_criterion(make_criterion("CRC-SRCH-001", title="Counterfeit perfume"), author, approver)
    publish_criterion(
        make_criterion("FR-SRCH-NP", scope="national", title="French perfume profile"),
        personas["fr_analyst"],
        personas["fr_risk_manager"],
    )
    assert Criterion.objects.count() == 2
    assert _titles(search(personas["fr_analyst"], "crc-srch"), "criterion") == ["CRC-SRCH-001"]
    assert _titles(search(personas["fr_analyst"], "perfume"), "criterion") == ["CRC-SRCH-001", "FR-SRCH-NP"]
    assert _titles(search(personas["de_analyst"], "perfume"), "criterion") == ["CRC-SRCH-001"]
    assert _titles(search(personas["de_analyst"], "FR-SRCH"), "criterion") == []


def test_results_are_cut_at_a_page_with_more_flagged(personas):
    mrns = [_fr(personas, consignor=f"Page Test Company {n}", container=None) for n in range(PAGE + 2)]
    found = search(personas["fr_analyst"], mrns[0][:4])
    assert len(found.groups["declaration"]) == PAGE and found.more["declaration"]
    parties = search(personas["fr_analyst"], "Page Test Company")
    assert len(parties.groups["party"]) == PAGE and parties.more["party"]


def test_api_answers_grouped_json_and_400s_naming_q(personas, filed):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=personas['fr_system'])[0].key}")
    answer = client.get("/api/v1/search/", {"q": "Acme Tradng"})
    assert answer.status_code == 200
    groups = {group["kind"]: group for group in answer.json()["groups"]}
    assert [r["title"] for r in groups["party"]["results"]] == [ACME]
    assert groups["party"]["label"] == "Parties"
    for params, field in (
        ({"q": "a"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({}, "q"),
        ({"q": "acme", "limit": "5"}, "limit"),
    ):
        refused = client.get("/api/v1/search/", params)
        assert refused.status_code == 400, params
        assert refused.json()["errors"][0]["field"] == field
    nl = client_for(personas["nl_analyst"], api=True).get("/api/v1/search/", {"q": filed["fr"]})
    assert nl.status_code == 200
    assert all(not group["results"] for group in nl.json()["groups"] if group["kind"] == "declaration")


def test_page_groups_results_and_keeps_the_query(personas, filed):
    client = client_for(personas["fr_analyst"], api=False)
    page = client.get("/search/", {"q": "Acme Tradng"}).content.decode()
    assert 'id="search-party"' in page and "Parties" in page and ACME in page
    assert 'value="Acme Tradng"' in page
    short = client.get("/search/", {"q": "a"})
    assert short.status_code == 200 and "Type at least 2 characters" in short.content.decode()
    assert client_for(personas["fr_system"], api=False).get("/search/", {"q": "acme"}).status_code == 403


def test_amendments_index_the_new_parties(personas, filed):
    declaration = Declaration.objects.get(mrn=filed["fr"])
    body = dict(declaration.versions.get(version=1).body)
    body["consignee"] = {**body["consignee"], "name": "Quimper Faience Atelier"}
    result = amend_declaration(declaration, body, user=personas["fr_system"])
    assert result.status == 201, result.errors
    assert "Quimper Faience Atelier" in _titles(search(personas["fr_analyst"], "quimper faiense"), "party")


def test_rebuild_gives_the_index_filing_keeps(personas, filed):
    def snapshot():
        parties = {(p.name, p.eori, p.trigram_count) for p in IndexedParty.objects.all()}
        scopes = {(s.party.name, s.party.eori, s.member_state_id) for s in PartyScope.objects.select_related("party")}
        grams = {(t.party.name, t.party.eori, t.trigram) for t in PartyTrigram.objects.select_related("party")}
        return parties, scopes, grams

    kept = snapshot()
    assert kept[0] and kept[1] and kept[2]
    PartyTrigram.objects.all().delete()
    PartyScope.objects.all().delete()
    IndexedParty.objects.all().delete()
    index.rebuild()
    assert snapshot() == kept


def test_retention_forgets_parties_with_their_declarations(personas, filed, settings):
    assert search(personas["fr_analyst"], "Acme Tradng").groups["party"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS + 2)
    result = run_housekeeping(now=later)
    assert result.search_parties >= 2
    assert not search(personas["commission"], "Acme Tradng").groups["party"]
    assert not IndexedParty.objects.filter(name=ACME).exists()


# --- common trigrams: counted for candidates, not scanned (issue 17) ---------------------------------------------

NAMES = [
    "ACME Trading GmbH", "Acme Trade Services", "Sino Trading Co Ltd", "Shanghai Star Trading", "Sea Star Shipping",
    "Star Sea Logistics", "Smart Trade Solutions", "Stark Industries", "Trading House Sud", "Sud Trans SARL",
]  # fmt: skip
QUERIES = ["Acme Tradng", "star trading", "sea star", "Smart Trde", "trading", "Stark", "Sud Trading", "sino trade"]


@pytest.fixture
def register(personas):
    for name in NAMES:
        _fr(personas, consignor=name, eori=None)


def _postings() -> dict[str, float]:
    return {trigram: float(count) for trigram, count in PartyTrigram.objects.values_list("trigram").annotate(
        count=models.Count("party"))}  # fmt: skip


def test_at_most_least_minus_one_of_the_most_common_trigrams_are_left_out(monkeypatch):
    monkeypatch.setattr(selectors, "COMMON_POSTINGS", 10)
    postings = {"  s": 900, "tar": 50, " st": 20, "ing": 5}
    assert selectors.split_common(["  s", " st", "ing", "tar"], 3, postings) == ([" st", "ing"], ["  s", "tar"])
    assert selectors.split_common(["  s", " st", "ing", "tar"], 2, postings) == ([" st", "ing", "tar"], ["  s"])
    assert selectors.split_common(["  s", " st", "ing", "tar"], 1, postings) == (["  s", " st", "ing", "tar"], [])
    assert selectors.split_common(["abc", "ing"], 2, postings) == (["abc", "ing"], [])


@pytest.mark.parametrize("viewer", ["fr_analyst", "commission", "nl_analyst"])
def test_leaving_common_trigrams_out_of_the_scan_finds_the_same_parties_in_the_same_order(
    personas, register, monkeypatch, viewer
):
    plain = {}
    monkeypatch.setattr(selectors, "common_trigrams", dict)
    for typed in QUERIES:
        plain[typed] = _titles(search(personas[viewer], typed), "party")
    assert any(plain.values()) or viewer == "nl_analyst"
    monkeypatch.setattr(selectors, "common_trigrams", _postings)
    for threshold in (0, 1, 2, 4):  # every trigram common, down to the most common only
        monkeypatch.setattr(selectors, "COMMON_POSTINGS", threshold)
        for typed in QUERIES:
            assert _titles(search(personas[viewer], typed), "party") == plain[typed], (typed, threshold)


def test_common_trigrams_come_from_the_planners_statistics(personas, register, monkeypatch):
    monkeypatch.setattr(selectors, "_common_cache", {})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_partytrigram")
    estimated = selectors.common_trigrams()
    actual = _postings()
    most = max(actual, key=actual.get)
    assert estimated[most] == pytest.approx(actual[most], rel=0.01)
    assert selectors.common_trigrams() is estimated  # read again only after a few minutes
