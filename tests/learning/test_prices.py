"""Price baselines (issue 16 point 5): robust value-per-kg baselines per HS6 x origin x Member State with broader
fallbacks, the criteria field ``item.price_deviation`` in both evaluators, the price-outlier warning, and the
``/prices/`` pages scoped to the declarations the viewer reads."""

from __future__ import annotations

import datetime as dt
import math
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from crms.declarations.models import Declaration
from crms.declarations.selectors import RowScope
from crms.declarations.services import amend_declaration
from crms.learning import price_pages, prices
from crms.learning.history import import_lines
from crms.learning.models import PriceBaseline
from crms.learning.price_outliers import Outliers
from crms.learning.prices import (
    MIN_SAMPLES,
    OUTLIER_ABOVE,
    OUTLIER_BELOW,
    Baselines,
    baseline_for,
    compute_price_baselines,
    current_baselines,
    keys_for,
    price_deviation,
)
from crms.learning.tasks import compute_price_baselines_task
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.dataquality import current_checks
from risk_engine.models import CriteriaChange, Hit
from risk_engine.models_revision import current_revision
from risk_engine.screening import load_batch, random_selection_rates
from tests.conftest import make_user
from tests.figures.html import tables
from tests.learning.conftest import history_line
from tests.learning.prices_support import add_baselines
from tests.risk_engine.conftest import (
    current_version_ids,
    file_bodies,
    make_criterion,
    make_ens,
    make_item,
    publish_criterion,
    read_assessment,
    screen_mrns,
)
from workbench.models import Case

pytestmark = pytest.mark.django_db

OFFICES = {"FR": ("FR004380", "FRCDG"), "NL": ("NL000854", "NLAMS"), "DE": ("DE004850", "DEHAM")}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    def forget():
        forget_compiled_criteria()
        current_checks.forget()
        random_selection_rates.forget()
        prices.baselines_at.forget()

    forget()
    yield
    forget()


@pytest.fixture
def people(personas):
    extra = {name: make_user(name, ms, "national_system") for name, ms in (("nl_system", "NL"), ("de_system", "DE"))}
    return {**personas, **extra, "de_risk_manager": make_user("de_risk_manager", "DE", "risk_manager")}


def item(number: int, per_kg: float | None, *, hs: str = "610910", origin: str = "BD", mass: float = 10.0) -> dict:
    value = None if per_kg is None else {"amount": round(per_kg * mass, 4), "currency": "EUR"}
    return make_item(
        number, hs_code=hs, country_of_origin=origin, gross_mass_kg=mass, value=value, description="cotton t-shirts"
    )


def ens(member_state: str, items: list[dict], **overrides) -> dict:
    office, unloading = OFFICES[member_state]
    numbered = [goods | {"item_number": n} for n, goods in enumerate(items, start=1)]
    fields = {"office_of_first_entry": office, "place_of_unloading": unloading, "goods_items": numbered}
    return make_ens(**(fields | overrides))


def file_items(user, member_state: str, items: list[dict], per_ens: int = 25) -> list[str]:
    bodies = [ens(member_state, items[start : start + per_ens]) for start in range(0, len(items), per_ens)]
    return file_bodies(user, *bodies)


FR_PRICES = [2.0 + 0.1 * n for n in range(25)]  # 2,0 .. 4,4 EUR per kg


@pytest.fixture
def market(people):
    """T-shirts (6109): enough FR items from BD for their own baseline, too few elsewhere (fallbacks)."""
    file_items(people["fr_system"], "FR", [item(1, p) for p in FR_PRICES])
    file_items(people["nl_system"], "NL", [item(1, 12.0) for _ in range(10)])  # NL alone: too few
    file_items(people["fr_system"], "FR", [item(1, 3.0, origin="CN") for _ in range(5)])  # CN: too few
    file_items(people["fr_system"], "FR", [item(1, 8.0, hs="610990") for _ in range(12)])  # 610990: too few
    file_items(people["fr_system"], "FR", [item(1, None) for _ in range(3)])  # no value: not counted
    file_items(people["fr_system"], "FR", [item(1, 1.0, hs="999999", origin="CN") for _ in range(25)])  # chapter 99
    result = compute_price_baselines()
    assert result.changed
    return people


def log_quantile(values: list[float], q: float) -> float:
    return float(np.exp(np.percentile(np.log(values), q * 100)))


# --- computing: robust statistics, the keys, the fallback on thin data ----------------------------------------


def test_baselines_per_key_with_at_least_the_minimum_sample(market):
    stored = {(b.level, b.hs_code, b.origin, b.member_state): b for b in PriceBaseline.objects.all()}
    assert set(stored) == {
        ("hs6_origin_ms", "610910", "BD", "FR"),  # 25 FR items
        ("hs6_origin", "610910", "BD"   , ""),  # 25 FR + 10 NL
        ("hs6", "610910", "", ""),  # + 5 from CN
        ("hs4_origin", "6109", "BD", ""),  # + 12 of 610990
        ("hs4", "6109", "", ""),
    }  # fmt: skip
    assert [stored[key].n for key in sorted(stored, key=lambda k: prices.LEVELS.index(k[0]))] == [25, 35, 40, 47, 52]
    own = stored[("hs6_origin_ms", "610910", "BD", "FR")]
    assert own.median == pytest.approx(3.2)
    assert own.low == pytest.approx(log_quantile(FR_PRICES, 0.1)) and own.high == pytest.approx(
        log_quantile(FR_PRICES, 0.9)
    )
    pooled = FR_PRICES + [12.0] * 10
    assert stored[("hs6_origin", "610910", "BD", "")].median == pytest.approx(float(np.median(pooled)))
    assert MIN_SAMPLES == 20


def test_lookup_falls_back_to_broader_keys(market):
    def level(*key):
        found = baseline_for(*key)
        return found and (found.level, found.n)

    assert level("6109100000", "BD", "FR") == ("hs6_origin_ms", 25)  # the filed 10 digits, first six used
    assert level("610910", "bd", "NL") == ("hs6_origin", 35)  # NL has too few of its own
    assert level("610910", "CN", "FR") == ("hs6", 40)  # CN too few
    assert level("610910", "", "FR") == ("hs6", 40)  # no origin: no origin keys
    assert level("610990", "BD", "FR") == ("hs4_origin", 47)  # 610990 too few
    assert level("610990", "CN", "DE") == ("hs4", 52)
    assert level("6109", "BD", "FR") == ("hs4_origin", 47)  # a heading only
    assert level("999999", "CN", "FR") is None  # chapter 99 is "not specified": no baseline
    assert level("950300", "CN", "FR") is None and level("", "CN", "FR") is None
    assert price_deviation(0.64, "610910", "BD", "FR") == pytest.approx(0.2)
    assert price_deviation(None, "610910", "BD", "FR") is None and price_deviation(0, "610910", "BD", "FR") is None
    assert price_deviation(1.0, "950300", "CN", "FR") is None


def test_keys_most_specific_first():
    assert keys_for("6109100010", "BD", "FR") == [
        ("hs6_origin_ms", "610910", "BD", "FR"),
        ("hs6_origin", "610910", "BD", ""),
        ("hs6", "610910", "", ""),
        ("hs4_origin", "6109", "BD", ""),
        ("hs4", "6109", "", ""),
    ]
    assert keys_for("6109", None, "FR") == [("hs4", "6109", "", "")]
    assert keys_for("99", "CN", "FR") == keys_for("990100", "CN", "FR") == keys_for(None, "CN", "FR") == []


def test_history_counts_and_only_current_versions(people):
    day = timezone.now().date() - dt.timedelta(days=100)
    results = import_lines([history_line(n, day=day) for n in range(MIN_SAMPLES)], user=people["fr_system"])
    assert {r.status for r in results} == {201}
    compute_price_baselines()
    history = PriceBaseline.objects.get(level="hs6_origin_ms", hs_code="950300", origin="CN", member_state="FR")
    assert history.n == MIN_SAMPLES  # history declarations are Declaration rows like any ENS

    body = ens("FR", [item(1, p) for p in FR_PRICES])
    (mrn,) = file_bodies(people["fr_system"], body)
    compute_price_baselines()
    assert PriceBaseline.objects.get(level="hs6", hs_code="610910").median == pytest.approx(3.2)
    amended = ens("FR", [item(1, 10 * p) for p in FR_PRICES]) | {"lrn": body["lrn"]}
    result = amend_declaration(Declaration.objects.get(mrn=mrn), amended, user=people["fr_system"])
    assert result.status == 201, result.errors
    compute_price_baselines()
    now = PriceBaseline.objects.get(level="hs6", hs_code="610910")
    assert (now.n, now.median) == (25, pytest.approx(32.0))  # the amended values only, counted once


def test_an_unchanged_rebuild_writes_nothing_and_a_change_is_a_criteria_change(market):
    """(That a rebuild moves the revision in its own transaction: tests/risk_engine/test_criteria_revision.py.)"""
    stored = set(PriceBaseline.objects.values_list("id", "computed_at"))
    again = compute_price_baselines()
    assert (again.changed, again.baselines) == (False, 5)
    assert set(PriceBaseline.objects.values_list("id", "computed_at")) == stored  # not rewritten
    assert CriteriaChange.objects.filter(revision=current_revision(), kind="price_baselines.changed").exists()
    file_items(market["fr_system"], "FR", [item(1, 50.0, origin="CN") for _ in range(20)])
    changed = compute_price_baselines()
    assert changed.changed and changed.baselines == 8  # 610910 from CN: 25 items, three keys more
    assert baseline_for("610910", "CN", "FR").level == "hs6_origin_ms"  # the cache was dropped


def test_the_window_in_days_and_the_minimum_sample(market):
    assert compute_price_baselines(min_samples=5).baselines > 5
    old = Declaration.objects.filter(mrn__in=file_items(market["fr_system"], "FR", [item(1, 1.0)] * 30))
    old.update(received_at=timezone.now() - dt.timedelta(days=prices.WINDOW_DAYS + 1))
    compute_price_baselines()
    assert PriceBaseline.objects.get(level="hs6_origin_ms", hs_code="610910").n == 25  # two years by default
    compute_price_baselines(days=None)
    assert PriceBaseline.objects.get(level="hs6_origin_ms", hs_code="610910").n == 55
    call_command("compute_price_baselines", "--days", str(prices.WINDOW_DAYS + 10), stdout=StringIO())
    assert PriceBaseline.objects.get(level="hs6_origin_ms", hs_code="610910").n == 55


def test_the_command_and_the_nightly_task(market):
    out = StringIO()
    call_command("compute_price_baselines", stdout=out)
    text = out.getvalue()
    assert "HS6, origin and Member State: 1" in text and text.rstrip().endswith("price baselines: 5 (unchanged)")
    call_command("compute_price_baselines", "--min-samples", "10", stdout=out)
    assert out.getvalue().rstrip().endswith("(updated)")
    with pytest.raises(CommandError, match="--days"):
        call_command("compute_price_baselines", "--days", "0")
    call_command("compute_price_baselines", "--all", stdout=out)
    assert out.getvalue().rstrip().endswith("price baselines: 5 (updated)")  # back to 20 items a key
    assert compute_price_baselines_task() == 5
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["learning-price-baselines"]["task"] == compute_price_baselines_task.name


def test_an_empty_history_stores_nothing(people):
    assert compute_price_baselines().baselines == 0
    assert len(current_baselines()) == 0 and baseline_for("610910", "BD", "FR") is None


# --- the criteria field and the warning, on both evaluators -----------------------------------------------------


UNDERVALUED = 0.32  # a tenth of the FR baseline of 3,20 EUR per kg


def _screened(people, *, batch: bool) -> list[str]:
    """Four FR ENS: one undervalued item among usual ones, the rest usual (a batch of four: columnar)."""
    bodies = [
        ens("FR", [item(1, 3.0), item(2, UNDERVALUED), item(3, 20.0, hs="610990")]),  # 3: 20 / 8 (hs4_origin)
        ens("FR", [item(1, 3.5)]),
        ens("FR", [item(1, 40.0, origin="CN")]),  # 40 / median of the pooled 610910 items: above five times
        ens("FR", [item(1, 3.2, hs="950300", origin="CN")]),  # toys: no baseline
    ]
    mrns = file_bodies(people["fr_system"], *bodies)
    if batch:
        screen_mrns(*mrns)
    else:
        for mrn in mrns:
            screen_mrns(mrn)
    return mrns


def test_price_deviation_in_the_loader(market):
    mrns = _screened(market, batch=True)
    batch = load_batch(current_version_ids(*mrns))
    frame = batch.frame.columns["item.price_deviation"]
    keys = zip(batch.frame.decl_of_item.tolist(), batch.frame.item_numbers.tolist(), strict=True)
    by_item = dict(zip(keys, frame.tolist(), strict=True))
    row = {vid: n for n, vid in enumerate(batch.version_ids)}[current_version_ids(mrns[0])[0]]
    assert by_item[(row, 1)] == pytest.approx(3.0 / 3.2)
    assert by_item[(row, 2)] == pytest.approx(0.1)
    assert by_item[(row, 3)] == pytest.approx(20.0 / PriceBaseline.objects.get(level="hs4_origin").median)
    toys = {vid: n for n, vid in enumerate(batch.version_ids)}[current_version_ids(mrns[3])[0]]
    assert math.isnan(by_item[(toys, 1)])


@pytest.mark.parametrize("batch", [False, True], ids=["per-record", "columnar"])
def test_a_criterion_on_price_deviation_hits_the_undervalued_item(market, batch):
    condition = {"all": [{"field": "item.price_deviation", "op": "lt", "value": 0.2}]}
    publish_criterion(
        make_criterion("PRICE-LOW", condition=condition, outcome="control_recommended", control_type="documentary"),
        market["commission"],
        market["commission_approver"],
    )
    mrns = _screened(market, batch=batch)
    hits = {mrn: sorted(items) for mrn, items in Hit.objects.filter(criterion_code="PRICE-LOW").values_list(
        "assessment__declaration__mrn", "items")}  # fmt: skip
    assert hits == {mrns[0]: [2]}
    hit = Hit.objects.get(criterion_code="PRICE-LOW")
    assert hit.explanation == [
        {"field": "item.price_deviation", "op": "lt", "expected": 0.2, "actual": pytest.approx(0.1), "item": 2}
    ]
    from risk_engine.plain import explain_leaf

    assert explain_leaf(hit.explanation[0]) == "goods item 2 price is 0,10 x the baseline, below 0,20"


def test_both_evaluators_agree_on_price_deviation(market):
    from risk_engine import columnar, reference
    from risk_engine.conditions import parse_condition

    mrns = _screened(market, batch=False)
    batch = load_batch(current_version_ids(*mrns))
    for op, value in (("lt", 0.2), ("gt", 5), ("between", [0.5, 2]), ("is_empty", None), ("gte", 0.0)):
        node = parse_condition(
            {"field": "item.price_deviation", "op": op} | ({} if value is None else {"value": value})
        )
        by_reference = {
            row: sorted(found)
            for row in range(batch.n_decl)
            if (found := reference.matching_items(node, batch.record(row), {}))
        }
        by_columnar = {
            row: sorted(items)
            for hit in columnar.evaluate(batch.frame, [("c", node)], {})
            for row, items in columnar.group_by_declaration(batch.frame, hit.item_rows).items()
        }
        assert by_columnar == by_reference, (op, value)
        assert by_reference, (op, value)


def test_the_outlier_warning_on_the_assessment_and_the_pages(market):
    publish_criterion(
        make_criterion("PRICE-LOW", condition={"field": "item.price_deviation", "op": "lt", "value": 0.2}),
        market["commission"],
        market["commission_approver"],
    )
    mrns = _screened(market, batch=True)
    warnings = {
        mrn: [(w["code"], w["item"], w["field"]) for w in read_assessment(market["fr_analyst"], mrn)["data_quality"]]
        for mrn in mrns
    }
    assert warnings[mrns[0]] == [("price_outlier", 2, "item.value_eur")]
    assert warnings[mrns[1]] == [] and warnings[mrns[3]] == []
    assert warnings[mrns[2]] == [("price_outlier", 1, "item.value_eur")]  # far above the pooled 610910 baseline
    document = read_assessment(market["fr_analyst"], mrns[0])
    message = document["data_quality"][0]["message"]
    assert message == "value per kg 0,32 EUR is 0,10\u00a0x the baseline of 3,20 EUR per kg for 610910 from BD into FR."
    assert document["outcome"] == "control_recommended"  # the criterion did that; the warning never does

    client = Client()
    client.force_login(market["fr_analyst"])
    page = client.get(f"/declarations/{mrns[0]}/").content.decode()
    assert "Price outlier" in page and "0,10\u00a0x the baseline" in page and "price_outlier" not in page
    case = Case.objects.get(declaration__mrn=mrns[0])
    case_page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "Price outlier" in case_page and "for 610910 from BD into FR" in case_page


def test_no_warning_within_the_thresholds():
    from risk_engine.dataquality import Checks, item_warnings

    checks = Checks(frozenset(), frozenset(), {})
    baseline = prices.Baseline("hs6", "610910", "", "", 10.0, 5.0, 20.0, 40)
    base = {"item_number": 1, "hs_code": "610910", "description": "cotton t-shirts", "gross_mass_kg": 1.0,
            "packages": 1, "price_baseline": baseline}  # fmt: skip
    for ratio, expected in ((OUTLIER_BELOW, []), (OUTLIER_BELOW * 0.99, ["price_outlier"]), (1.0, []),
                            (OUTLIER_ABOVE, []), (OUTLIER_ABOVE * 1.01, ["price_outlier"])):  # fmt: skip
        found = item_warnings(
            base | {"value_eur": 10.0 * ratio, "price_deviation": ratio}, phase="pre_arrival", checks=checks
        )
        assert [w["code"] for w in found] == expected, ratio


# --- the outliers page: scoped, filtered, paginated, the same judgement as the engine --------------------------


@pytest.fixture
def outliers_world(market):
    """FR-only, FR->NL (unloaded in NL) and DE-only ENS, each with one undervalued item; an FR history line."""
    p = market
    fr = file_bodies(p["fr_system"], ens("FR", [item(1, 3.0), item(2, UNDERVALUED)]))[0]
    fr_nl = file_bodies(p["fr_system"], ens("FR", [item(1, UNDERVALUED)], place_of_unloading="NLRTM"))[0]
    de = file_bodies(p["de_system"], ens("DE", [item(1, 0.05)], consignor={"name": "DEXONLY Kleider", "eori": None,
                                              "address": {"country": "BD"}}))[0]  # fmt: skip
    line = history_line(999, day=timezone.now().date() - dt.timedelta(days=1))
    line["goods_items"][0].update(hs_code="610910", country_of_origin="BD", gross_mass_kg=10.0,
                                  value={"amount": 1.0, "currency": "EUR"})  # fmt: skip
    (history,) = import_lines([line], user=p["fr_system"])
    assert history.status == 201
    return {"fr": fr, "fr_nl": fr_nl, "de": de, "history": history.mrn, "people": p}


def page_of(user, query: str = "") -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/prices/outliers/{query}")
    return response.status_code, response.content.decode()


def test_each_member_state_sees_its_own_outliers(outliers_world):
    w, p = outliers_world, outliers_world["people"]
    status, fr = page_of(p["fr_analyst"])
    assert status == 200
    assert w["fr"] in fr and w["fr_nl"] in fr and w["de"] not in fr and "DEXONLY" not in fr
    assert w["history"] not in fr  # history is not a current outlier
    assert f'href="/declarations/{w["fr"]}/"' in fr and "0,10\u00a0x" in fr and "610910 from BD into FR" in fr
    assert "Bangladesh" in fr and "HS6, origin and Member State" in fr
    _, nl = page_of(p["nl_analyst"])
    assert w["fr_nl"] in nl and w["fr"] not in nl and w["de"] not in nl  # NL reads what is unloaded in NL
    _, de = page_of(p["de_analyst"])
    assert w["de"] in de and w["fr"] not in de and w["fr_nl"] not in de
    assert 'name="member_state"' not in fr  # a Member State's people get no Member State picker
    _, eu = page_of(p["commission"])
    assert all(w[key] in eu for key in ("fr", "fr_nl", "de")) and 'name="member_state"' in eu
    counts = tables(eu)["outliers-per-member-state"]
    assert counts == [
        ["Member State", "Goods items", "Below the baseline", "Above the baseline", "Declarations"],
        ["Germany", "1", "1", "0", "1"],  # by Member State code
        ["France", "2", "2", "0", "2"],  # FR item 2 and the FR -> NL one
    ]
    rows = {row[0]: row for row in tables(eu)["price-outliers"][1:]}
    de_row = rows[w["de"]]
    assert de_row[4:] == ["BD (Bangladesh)", "0,05", "3,70 610910 from BD · HS6 and origin", "0,014\u00a0x", "Germany"]
    _, eu_de = page_of(p["commission"], "?member_state=DE")
    assert w["de"] in eu_de and w["fr"] not in eu_de
    _, fr_asks_de = page_of(p["fr_analyst"], "?member_state=DE")  # no such filter for FR: its own rows still
    assert w["de"] not in fr_asks_de and w["fr"] in fr_asks_de
    assert page_of(p["fr_system"])[0] == 403


def test_the_period_and_hs_filters(outliers_world):
    w, p = outliers_world, outliers_world["people"]
    Declaration.objects.filter(mrn=w["fr"]).update(received_at=timezone.now() - dt.timedelta(days=40))
    _, recent = page_of(p["fr_analyst"])
    assert w["fr"] not in recent and w["fr_nl"] in recent  # the last 30 days by default
    day = (timezone.now() - dt.timedelta(days=40)).date()
    _, then = page_of(p["fr_analyst"], f"?since={day:%d/%m/%Y}&until={day:%d/%m/%Y}")
    assert w["fr"] in then and w["fr_nl"] not in then and f"{day:%d/%m/%Y}" in then
    _, shirts = page_of(p["fr_analyst"], f"?since={day:%d/%m/%Y}&hs=6109")
    assert w["fr"] in shirts
    _, toys = page_of(p["fr_analyst"], f"?since={day:%d/%m/%Y}&hs=9503")
    assert w["fr"] not in toys and w["fr_nl"] not in toys
    status, refused = page_of(p["fr_analyst"], "?since=31/12/9999")
    assert status == 400 and "A date from" in refused
    status, backwards = page_of(p["fr_analyst"], f"?since={timezone.now().date():%d/%m/%Y}&until={day:%d/%m/%Y}")
    assert status == 400 and "ends before it starts" in backwards


def test_the_page_is_paginated(outliers_world, monkeypatch):
    w, p = outliers_world, outliers_world["people"]
    monkeypatch.setattr(price_pages, "PER_PAGE", 1)
    _, first = page_of(p["commission"])
    _, second = page_of(p["commission"], "?page=2")
    shown = [[mrn for mrn in (w["fr"], w["fr_nl"], w["de"]) if mrn in html.split('id="price-outliers"')[1]]
             for html in (first, second)]  # fmt: skip
    assert len(shown[0]) == 1 and len(shown[1]) == 1 and shown[0] != shown[1]
    assert "Page 1 of 3" in first and 'rel="next"' in first


def test_the_page_judges_items_as_the_engine_does(outliers_world):
    """The SQL fallback of the page and ``Baselines.lookup`` of the loader agree on every item."""
    now = timezone.now()
    found = Outliers(RowScope("all"), start=now - dt.timedelta(days=30), end=now + dt.timedelta(days=1))
    on_page = {(o.mrn, o.item_number): (o.level, o.median, o.ratio) for o in found[0:1000]}
    assert found.count() == len(on_page)
    baselines = current_baselines()
    by_engine = {}
    operational = Declaration.objects.filter(is_history=False)
    for declaration in operational:
        version = declaration.versions.get(version=declaration.current_version)
        for goods in version.items.all():
            ratio, baseline = baselines.deviation(goods.value_eur, goods.gross_mass_kg, goods.hs_code,
                                                  goods.country_of_origin, declaration.first_entry_member_state_id)  # fmt: skip
            if prices.is_outlier(ratio):
                by_engine[(declaration.mrn, goods.item_number)] = (baseline.level, baseline.median, ratio)
    assert set(on_page) == set(by_engine)
    for key, (level, median, ratio) in by_engine.items():
        assert on_page[key][0] == level and on_page[key][1] == pytest.approx(median)
        assert on_page[key][2] == pytest.approx(ratio)
    per_ms = {row.member_state: (row.items, row.below) for row in found.per_member_state()}
    assert per_ms["DE"] == (1, 1)


def test_baselines_page_hides_other_member_states_keys(market):
    add_baselines([("hs6_origin_ms", "610910", "BD", "DE", 99.0)])
    client = Client()
    client.force_login(market["fr_analyst"])
    fr = client.get("/prices/baselines/?hs=6109").content.decode()
    assert "99,00" not in fr and "3,20" in fr and "Bangladesh" in fr and "T-shirts" in fr
    client.force_login(market["commission"])
    eu = client.get("/prices/baselines/?hs=6109").content.decode()
    assert "99,00" in eu and "3,20" in eu
    assert "No price baselines match." in client.get("/prices/baselines/?hs=01").content.decode()
    assert client.get("/prices/baselines/?hs=abc").status_code == 400


def test_the_cache_follows_the_revision(market):
    cached = current_baselines()
    assert current_baselines() is cached  # the same revision: no reload
    assert prices.baselines_at(current_revision() + 1) is not cached  # another revision: loaded again
    assert Baselines.load().lookup("610910", "CN", "FR").level == "hs6"
