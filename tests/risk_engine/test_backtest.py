"""Backtests of a criterion version against stored history: figures, the Celery job, the pages, access."""

from __future__ import annotations

import copy
import datetime as dt
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import include, path

from crms.declarations.api_docs import EXAMPLE_ENS
from crms.declarations.models import Declaration
from crms.declarations.services import file_declarations
from crms.urls import urlpatterns as crms_urlpatterns
from risk_engine import backtest as backtests
from risk_engine import services
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models_backtest import Backtest
from risk_engine.screening import screen_versions
from tests.conftest import make_user

# Until the project's URLs include the backtest pages, these tests mount them themselves.
urlpatterns = [path("criteria/", include("risk_engine.urls_backtests")), *crms_urlpatterns]
pytestmark = pytest.mark.urls(__name__)

SINCE = "2026-01-01T00:00:00Z"
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-03", "member_states": [], "transport_modes": []}
OFFICES = {
    "FR-air": "FR004380",
    "FR-sea": "FR000690",
    "FR-postal": "FR007100",
    "NL-air": "NL000854",
    "NL-sea": "NL000851",
}

# (where, mode, received day, HS codes of the items): hand-checked figures in the tests below.
HISTORY = [
    ("FR-air", "air", "2026-03-01", ["930200"]),  # 1 draft hit, not hit today -> added
    ("FR-air", "air", "2026-03-01", ["930320", "950300"]),  # 2 draft (item 1), shotguns + toys today
    ("FR-sea", "sea", "2026-03-02", ["930200", "930320", "610910"]),  # 3 draft (items 1, 2), shotguns today
    ("FR-sea", "sea", "2026-03-02", ["610910"]),  # 4 nothing
    ("NL-sea", "sea", "2026-03-02", ["930200"]),  # 5 draft, added
    ("NL-air", "air", "2026-03-03", ["950300", "930200"]),  # 6 draft (item 2), toys today
    ("NL-air", "air", "2026-03-03", ["847130"]),  # 7 nothing
    ("FR-postal", "postal", "2026-03-03", ["930200", "930200"]),  # 8 draft (items 1, 2), added
    ("FR-air", "air", "2026-03-05", ["930200"]),  # 9 outside the period
    ("FR-air", "air", "2026-03-01", ["950300"]),  # 10 toys today only
]


def criterion_doc(code: str, prefixes: list[str], **overrides) -> dict:
    doc = {
        "code": code,
        "title": f"Test {code}",
        "scope": "eu",
        "risk_area": "security_safety",
        "condition": {"all": [{"field": "item.hs_code", "op": "starts_with", "value": prefixes}]},
        "weight": 60,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "valid_from": SINCE,
    }
    doc.update(overrides)
    return doc


def ens(office: str, mode: str, hs_codes: list[str]) -> dict:
    body = copy.deepcopy(EXAMPLE_ENS)
    body["lrn"] = f"BT-{uuid.uuid4().hex[:20]}"
    body["expected_arrival"] = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)).isoformat()
    body["transport_mode"] = mode
    body["filing_type"], body["phase"] = {"sea": ("F10", "pre_arrival"), "postal": ("F40", "pre_loading")}.get(
        mode, ("F26", "pre_loading")
    )
    body["office_of_first_entry"] = office
    body["place_of_unloading"] = {
        "FR000690": "FRLEH",
        "FR007100": "FRPAR",
        "NL000854": "NLAMS",
        "NL000851": "NLRTM",
    }.get(office, "FRCDG")
    body["countries_of_routing"] = ["CN", office[:2]]
    item = body["goods_items"][0]
    body["goods_items"] = [{**item, "item_number": n, "hs_code": hs} for n, hs in enumerate(hs_codes, start=1)]
    return body


def file_history() -> list[str]:
    systems = {ms: make_user(f"bt-{ms.lower()}-system", ms, "national_system") for ms in ("FR", "NL")}
    mrns = []
    for where, mode, day, hs_codes in HISTORY:
        (result,) = file_declarations([ens(OFFICES[where], mode, hs_codes)], user=systems[where[:2]])
        assert result.status == 201, result.errors
        received = dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)
        Declaration.objects.filter(mrn=result.mrn).update(received_at=received)
        mrns.append(result.mrn)
    versions = Declaration.objects.filter(mrn__in=mrns).values_list("versions__id", flat=True)
    screen_versions(list(versions))
    return mrns


@pytest.fixture
def world(db):
    people = {
        "author": make_user("bt-author", "EU", "commission"),
        "approver": make_user("bt-approver", "EU", "commission_approver"),
    }
    for code, prefixes in (("CRC-T-SHOT", ["9303"]), ("CRC-T-TOY", ["9503"])):
        version = services.create_criterion(actor=people["author"], data=criterion_doc(code, prefixes))
        services.submit_criterion(actor=people["author"], criterion=version.criterion)
        services.approve_criterion(actor=people["approver"], criterion=version.criterion)
    forget_compiled_criteria()
    people["mrns"] = file_history()
    draft = services.create_criterion(actor=people["author"], data=criterion_doc("CRC-T-ARMS", ["9302", "9303"]))
    people["criterion"] = draft.criterion
    return people


def run(world, **params) -> dict:
    backtest = backtests.start_backtest(actor=world["author"], criterion=world["criterion"], params=PERIOD | params)
    seen = []
    done = backtests.run_backtest(backtest.pk, progress=seen.append)
    assert done.status == "done" and done.progress == 100 and seen[-1] == 100
    return done.results


def test_figures_against_hand_checked_history(world):
    results = run(world)
    assert results["version"] == {"code": "CRC-T-ARMS", "version": 1, "status": "draft"}
    assert results["screened"] == {"ens": 9, "items": 14}
    assert (results["hits"]["ens"], results["hits"]["items"]) == (6, 8)
    assert results["per_member_state"] == [{"key": "FR", "ens": 4, "items": 6}, {"key": "NL", "ens": 2, "items": 2}]
    assert results["per_mode"] == [
        {"key": "air", "ens": 3, "items": 3},
        {"key": "postal", "ens": 1, "items": 2},
        {"key": "sea", "ens": 2, "items": 3},
    ]
    assert results["per_day"] == [
        {"day": "2026-03-01", "ens": 2, "items": 2, "screened": 3},
        {"day": "2026-03-02", "ens": 2, "items": 3, "screened": 3},
        {"day": "2026-03-03", "ens": 2, "items": 3, "screened": 3},
    ]
    assert results["today"] == {"criteria": 2, "ens": 4}
    assert results["added_load"] == {"ens": 3, "items": 4, "share_of_screened": 33.33, "share_of_today": 75.0}
    assert {(row["code"], row["ens"]) for row in results["overlap"]} == {("CRC-T-SHOT", 2), ("CRC-T-TOY", 2)}
    assert results["irregularities"] == {"controlled": 0, "positive": 0, "precision": None}  # nothing controlled


def test_sample_hits_carry_explanations(world):
    results = run(world)
    mrns = world["mrns"]
    samples = {sample["mrn"]: sample for sample in results["samples"]}
    assert set(samples) == {mrns[index] for index in (0, 1, 2, 4, 5, 7)}
    third = samples[mrns[2]]
    assert (third["items"], third["items_total"], third["also_hit_by"]) == ([1, 2], 3, ["CRC-T-SHOT"])
    assert [(e["field"], e["actual"], e["item"]) for e in third["explanation"]] == [
        ("item.hs_code", "930200", 1),
        ("item.hs_code", "930320", 2),
    ]
    assert samples[mrns[5]]["items"] == [2] and samples[mrns[5]]["also_hit_by"] == ["CRC-T-TOY"]
    assert samples[mrns[0]]["received"] == "2026-03-01" and samples[mrns[0]]["also_hit_by"] == []


def test_filters_on_member_states_and_modes(world):
    netherlands = run(world, member_states=["NL"])
    assert (netherlands["screened"]["ens"], netherlands["hits"]["ens"], netherlands["added_load"]["ens"]) == (3, 2, 1)
    sea = run(world, transport_modes=["sea"])
    assert (sea["screened"]["ens"], sea["hits"]["ens"], sea["hits"]["items"]) == (3, 2, 3)
    assert [row["key"] for row in sea["per_member_state"]] == ["FR", "NL"]


def test_small_chunks_give_the_same_figures(world, monkeypatch):
    whole = run(world)
    monkeypatch.setattr(backtests, "CHUNK_SIZE", 2)
    chunked = run(world)
    for key in ("screened", "hits", "per_member_state", "per_mode", "per_day", "today", "added_load", "overlap"):
        assert chunked[key] == whole[key], key


def test_published_version_replaced_by_the_draft(world):
    """Backtesting v2 of a published criterion: its v1 counts as today and what only v1 hit is reported."""
    shot = world["criterion"].__class__.objects.get(code="CRC-T-SHOT")
    services.update_criterion(actor=world["author"], criterion=shot, data=criterion_doc("CRC-T-SHOT", ["9302"]))
    forget_compiled_criteria()
    backtest = backtests.start_backtest(actor=world["author"], criterion=shot, params=PERIOD)
    results = backtests.run_backtest(backtest.pk).results
    assert results["version"]["version"] == 2
    assert results["hits"]["ens"] == 5  # ENS 1, 3, 5, 6, 8
    assert results["no_longer_hit"]["ens"] == 0  # ENS 2 keeps its toys hit; ENS 3 is hit by v2 too
    assert ("CRC-T-SHOT", 1, True) in {(r["code"], r["version"], r["replaced"]) for r in results["overlap"]}


@pytest.mark.parametrize(
    "params,field",
    [
        ({"date_from": "01/03/2026"}, "date_from"),
        ({"date_to": "2026-02-01"}, "date_to"),
        ({"date_from": "2025-01-01", "date_to": "2026-03-01"}, "date_to"),
        ({"member_states": ["XX"]}, "member_states"),
        ({"transport_modes": ["teleport"]}, "transport_modes"),
    ],
)
def test_parameters_are_checked(world, params, field):
    with pytest.raises(ValidationError) as raised:
        backtests.start_backtest(actor=world["author"], criterion=world["criterion"], params=PERIOD | params)
    assert field in raised.value.message_dict
    assert not Backtest.objects.exists()


def test_failure_is_recorded(world, monkeypatch):
    backtest = backtests.start_backtest(actor=world["author"], criterion=world["criterion"], params=PERIOD)
    monkeypatch.setattr(backtests, "load_batch", lambda ids: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        backtests.run_backtest(backtest.pk)
    backtest.refresh_from_db()
    assert backtest.status == "failed" and "ZeroDivisionError" in backtest.error


# --- pages ---------------------------------------------------------------------------------------


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_page_with_charts_and_latest_partial(world):
    client = browser(world["author"])
    latest = client.get("/criteria/CRC-T-ARMS/backtests/latest/")
    assert latest.status_code == 200 and "No backtest yet" in latest.content.decode()
    results_backtest = backtests.start_backtest(actor=world["author"], criterion=world["criterion"], params=PERIOD)
    assert "A backtest is queued" in client.get("/criteria/CRC-T-ARMS/backtests/latest/").content.decode()
    queued = client.get(f"/criteria/CRC-T-ARMS/backtests/{results_backtest.pk}/").content.decode()
    assert "<progress" in queued and 'hx-trigger="every 1s"' in queued and "chart-4.6.1.umd.min.js" in queued
    backtests.run_backtest(results_backtest.pk)
    partial = client.get(f"/criteria/CRC-T-ARMS/backtests/{results_backtest.pk}/progress/").content.decode()
    assert "every 1s" not in partial and 'id="backtest-data"' in partial and "data-backtest-chart" in partial
    assert "None of the hit ENS was controlled." in partial and "CRC-T-SHOT" in partial
    latest = client.get("/criteria/CRC-T-ARMS/backtests/latest/").content.decode()
    assert "Full report with charts" in latest and "None of the hit ENS was controlled." in latest
    # European figures and days (adversarial probe: "33.33%", ISO dates): 3 of 9 screened, 75 % on today's 4.
    assert "33,33\u00a0% of screened" in partial and "+75,00\u00a0% on today" in partial
    assert "33,33\u00a0% of screened" in latest and "33.33" not in partial + latest
    assert "01/03/2026" in partial and "2026-03-01" not in partial.split('id="backtest-data"')[0]
    detail = client.get(f"/criteria/CRC-T-ARMS/backtests/{results_backtest.pk}/").content.decode()
    assert "01/03/2026" in detail and '"01/03/2026"' in detail  # the period and the chart's day axis


def test_start_through_the_form(world, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("risk_engine.backtest_tasks.run_backtest_task.delay", queued.append)
    client = browser(world["author"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/criteria/CRC-T-ARMS/backtests/",
            {"date_from": "2026-03-01", "date_to": "2026-03-03", "member_states": ["FR"], "transport_modes": ["air"]},
        )
    backtest = Backtest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/criteria/CRC-T-ARMS/backtests/{backtest.pk}/"
    assert queued == [backtest.pk]
    assert backtest.params == {
        "date_from": "2026-03-01",
        "date_to": "2026-03-03",
        "member_states": ["FR"],
        "transport_modes": ["air"],
        "rows": "all",  # the Commission reads every Member State's declarations
    }
    refused = client.post("/criteria/CRC-T-ARMS/backtests/", {"date_from": "2026-03-04", "date_to": "2026-03-01"})
    assert refused.status_code == 400 and "ends before it starts" in refused.content.decode()


def test_a_member_state_backtest_covers_the_declarations_it_may_read(world):
    """Issue 13: an NL analyst's backtest over every Member State reads NL's ENS only (5, 6, 7 of HISTORY).
    The criterion is published first: its draft was the Commission's (contract v2 section 3)."""
    nl_analyst = make_user("bt-nl-analyst", "NL", "analyst")
    with pytest.raises(ValidationError, match="no open or published version"):
        backtests.start_backtest(actor=nl_analyst, criterion=world["criterion"], params=PERIOD)
    services.submit_criterion(actor=world["author"], criterion=world["criterion"])
    services.approve_criterion(actor=world["approver"], criterion=world["criterion"])
    backtest = backtests.start_backtest(actor=nl_analyst, criterion=world["criterion"], params=PERIOD)
    assert backtest.params["rows"] == "NL"
    results = backtests.run_backtest(backtest.pk).results
    assert results["screened"]["ens"] == 3 and results["hits"]["ens"] == 2  # 5 and 6
    assert [row["key"] for row in results["per_member_state"]] == ["NL"]
    assert {sample["mrn"] for sample in results["samples"]} == {world["mrns"][4], world["mrns"][5]}
    # The same backtest by the Commission reads all of them.
    everything = backtests.start_backtest(actor=world["author"], criterion=world["criterion"], params=PERIOD)
    assert backtests.run_backtest(everything.pk).results["hits"]["ens"] == 6


def test_permissions(personas):
    draft = services.create_criterion(
        actor=personas["fr_analyst"], data=criterion_doc("FR-T-BT", ["9302"], scope="national")
    )
    backtest = backtests.start_backtest(actor=personas["fr_analyst"], criterion=draft.criterion, params=PERIOD)
    detail, start = f"/criteria/FR-T-BT/backtests/{backtest.pk}/", "/criteria/FR-T-BT/backtests/"
    form = {"date_from": "2026-03-01", "date_to": "2026-03-03"}
    assert browser(personas["fr_system"]).get(detail).status_code == 403
    assert browser(personas["fr_system"]).post(start, form).status_code == 403
    assert browser(personas["de_analyst"]).get(detail).status_code == 404
    assert browser(personas["de_analyst"]).post(start, form).status_code == 404
    assert browser(personas["de_analyst"]).get("/criteria/FR-T-BT/backtests/latest/").status_code == 404
    for auditor in ("fr_auditor", "eu_auditor"):
        client = browser(personas[auditor])
        assert client.get(detail).status_code == 200
        assert client.get(f"{detail}progress/").status_code == 200
        latest = client.get("/criteria/FR-T-BT/backtests/latest/")
        assert latest.status_code == 200 and "Run backtest" not in latest.content.decode()
        assert client.post(start, form).status_code == 403
    assert browser(personas["fr_risk_manager"]).get(detail).status_code == 200
    assert browser(personas["commission"]).get(detail).status_code == 200
    assert Client().get(detail).status_code in (302, 403)
    assert Backtest.objects.count() == 1


def test_restricted_logic_is_hidden_from_member_states(personas):
    draft = services.create_criterion(
        actor=personas["commission"], data=criterion_doc("CRC-T-FIN", ["9302"], risk_area="financial", restricted=True)
    )
    backtest = backtests.start_backtest(actor=personas["commission"], criterion=draft.criterion, params=PERIOD)
    assert browser(personas["fr_analyst"]).get(f"/criteria/CRC-T-FIN/backtests/{backtest.pk}/").status_code == 404
    assert (
        browser(personas["commission_approver"]).get(f"/criteria/CRC-T-FIN/backtests/{backtest.pk}/").status_code == 200
    )


# --- the real worker -------------------------------------------------------------------------------


@pytest.mark.worker
def test_started_in_the_browser_the_worker_finishes_it(reference_data, celery_worker_process):
    author = make_user("btw-author", "EU", "commission")
    services.create_criterion(actor=author, data=criterion_doc("CRC-T-BTW", ["9302"]))
    client = browser(author)
    response = client.post("/criteria/CRC-T-BTW/backtests/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 302
    backtest = Backtest.objects.get()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        backtest.refresh_from_db()
        if backtest.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert (backtest.status, backtest.progress, backtest.error) == ("done", 100, "")
    page = client.get(f"/criteria/CRC-T-BTW/backtests/{backtest.pk}/progress/").content.decode()
    assert 'id="backtest-data"' in page
