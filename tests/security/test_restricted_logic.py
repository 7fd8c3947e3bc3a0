"""Issue 13 point 2: restricted criteria logic only for its readers (contract v2 section 3), every read audited.

Readers (``risk_engine.selectors.may_see_logic``): the Commission (every version), Member State risk
staff and national systems (versions that were published); auditors and anyone else never.

The restricted criterion of ``tests/security/world.py`` holds marker words in its condition and its
description; here the Commission also opens a draft v2 with one more marker (a draft is for the
Commission only). ``PLACES`` has a row for every place that shows criteria logic, one per entry of
``risk_engine.services.LOGIC_PLACES`` (``test_every_place_showing_logic_has_a_row`` fails when a place
is added without one; ``logic_shown`` refuses an unregistered place). For each row:
- auditors (EU, FR, NL) get no marker and leave no read;
- Member State staff and national systems never get the draft's marker;
- the entitled reader gets the logic and leaves a ``criterion.restricted_logic_read`` naming the place.
``test_no_page_or_endpoint_shows_restricted_logic_to_an_auditor`` sends every row of the URL permission
matrix (every URL pattern of the platform, with the world's objects) as each auditor and greps every
answer, so a new view that leaks is caught even if it forgets to go through ``logic_shown``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crms.audit.models import AuditEntry
from risk_engine import backtest as backtests
from risk_engine import services
from risk_engine.models import Criterion
from tests.conftest import make_user
from tests.permissions import client_for
from tests.security.scoping_world import SCOPING_PEOPLE, _backtest
from tests.security.test_url_matrix import api_rows, browser_rows
from tests.security.world import (
    RESTRICTED,
    RESTRICTED_DESCRIPTION_MARKER,
    RESTRICTED_MARKER,
    World,
    build_world,
    restricted_criterion,
)

pytestmark = pytest.mark.django_db

DRAFT_MARKER = "qzxdraftonlyword"  # only in the Commission's draft v2
MARKERS = (RESTRICTED_MARKER, RESTRICTED_DESCRIPTION_MARKER, DRAFT_MARKER)
AUDITORS = ("eu_auditor", "fr_auditor", "nl_auditor")


@dataclass(frozen=True)
class Read:
    url: str  # "api:" first: sent with the viewer's token
    reader: str  # who may read the logic shown there (and leaves a read)


@dataclass
class LogicWorld:
    world: World
    people: dict
    backtests: dict  # "fr_analyst" (v1, FR rows), "commission" (draft v2, all rows)

    @property
    def criterion(self) -> Criterion:
        return Criterion.objects.get(code=RESTRICTED)


def places(w: LogicWorld) -> dict[str, list[Read]]:
    mrn, case, code = w.world.mrn, w.world.open_case.pk, RESTRICTED
    fr_backtest, eu_backtest = w.backtests["fr_analyst"].pk, w.backtests["commission"].pk
    return {
        "criterion page": [Read(f"/criteria/{code}/", "commission")],
        "version diff": [Read(f"/criteria/{code}/diff/", "commission"),
                         Read(f"/criteria/{code}/diff/?a=1&b=1", "fr_analyst")],
        "builder": [Read(f"/criteria/{code}/edit/", "commission")],
        "export": [Read(f"/criteria/{code}/export.json", "commission")],
        "api": [Read(f"api:/api/v1/criteria/{code}/", "fr_analyst")],
        "api list": [Read("api:/api/v1/criteria/", "fr_risk_manager")],
        "api feed": [Read("api:/api/v1/criteria/?after=0", "fr_analyst")],
        "backtest": [Read(f"/criteria/{code}/backtests/{fr_backtest}/", "fr_analyst"),
                     Read(f"/criteria/{code}/backtests/{fr_backtest}/progress/", "fr_risk_manager"),
                     Read(f"/criteria/{code}/backtests/{eu_backtest}/", "commission")],
        "assessment": [Read(f"api:/api/v1/declarations/{mrn}/assessment/", "fr_system"),
                       Read(f"api:/api/v1/declarations/{mrn}/assessment/?history=true", "nl_analyst"),
                       Read(f"/declarations/{mrn}/", "fr_analyst"),
                       Read(f"/workbench/cases/{case}/", "fr_risk_manager")],
        "audit log": [Read("/audit/?action=criterion.", "commission")],
    }  # fmt: skip


@pytest.fixture
def logic(personas, settings, tmp_path) -> LogicWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(personas)
    people = {**world.people, **{name: make_user(name, *spec) for name, spec in SCOPING_PEOPLE.items()}}
    criterion = Criterion.objects.get(code=RESTRICTED)
    runs = {"fr_analyst": _backtest(people["fr_analyst"], criterion)}
    services.update_criterion(actor=people["sec_author"], criterion=criterion, data=restricted_criterion(DRAFT_MARKER))
    runs["commission"] = _backtest(people["commission"], criterion)
    assert runs["commission"].criterion_version.version == 2 and runs["fr_analyst"].results["samples"]
    return LogicWorld(world, people, runs)


def fetch(people: dict, viewer: str, url: str) -> tuple[int, str]:
    response = client_for(people[viewer], api=url.startswith("api:")).get(url.removeprefix("api:"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode("utf-8", "replace").lower()


def reads(viewer: str) -> list[str]:
    entries = AuditEntry.objects.filter(action="criterion.restricted_logic_read", actor_username=viewer)
    return [entry.after["where"] for entry in entries.order_by("id")]


def test_every_place_showing_logic_has_a_row(logic):
    assert set(places(logic)) == set(services.LOGIC_PLACES)
    with pytest.raises(ValueError, match="LOGIC_PLACES"):
        services.logic_shown(actor=logic.people["commission"], criterion=logic.criterion, where="somewhere new")


def test_auditors_never_see_restricted_logic_and_leave_no_read(logic):
    leaks = []
    for where, rows in places(logic).items():
        for row in rows:
            for auditor in AUDITORS:
                status, text = fetch(logic.people, auditor, row.url)
                assert status in (200, 403, 404), f"{row.url} as {auditor}: {status}"
                leaks += [f"{where}: {row.url} as {auditor}: {m}" for m in MARKERS if m in text]
    assert not leaks, "restricted logic shown to auditors:\n" + "\n".join(leaks)
    assert not [reads(auditor) for auditor in AUDITORS if reads(auditor)]
    # They do read the pages (an empty answer would prove nothing): the criterion, the assessment, the log.
    assert fetch(logic.people, "eu_auditor", f"/criteria/{RESTRICTED}/")[0] == 200
    assert fetch(logic.people, "fr_auditor", f"/declarations/{logic.world.mrn}/")[0] == 200
    assert RESTRICTED.lower() in fetch(logic.people, "eu_auditor", "/audit/?action=criterion.")[1]


def test_member_state_staff_and_national_systems_never_see_a_restricted_draft(logic):
    leaks = []
    for where, rows in places(logic).items():
        for row in rows:
            for viewer in ("fr_analyst", "fr_risk_manager", "nl_analyst", "fr_system"):
                _, text = fetch(logic.people, viewer, row.url)
                if DRAFT_MARKER in text:
                    leaks.append(f"{where}: {row.url} as {viewer}")
    assert not leaks, "a restricted draft's logic shown outside the Commission:\n" + "\n".join(leaks)


def test_each_entitled_read_shows_the_logic_and_is_audited(logic):
    problems = []
    for where, rows in places(logic).items():
        for row in rows:
            before = reads(row.reader)
            status, text = fetch(logic.people, row.reader, row.url)
            if status != 200 or RESTRICTED_MARKER not in text:
                problems.append(f"{where}: {row.url} as {row.reader}: {status}, logic not shown")
            if reads(row.reader)[len(before) :] != [where]:
                problems.append(f"{where}: {row.url} as {row.reader}: reads {reads(row.reader)[len(before) :]}")
    assert not problems, "\n".join(problems)


def test_reading_an_ordinary_criterion_leaves_no_read(logic):
    toy = logic.world.backtest.criterion_version.criterion.code
    for url in (f"/criteria/{toy}/", f"/criteria/{toy}/diff/", f"/criteria/{toy}/export.json"):
        assert fetch(logic.people, "commission", url)[0] == 200
    assert reads("commission") == []


def test_no_page_or_endpoint_shows_restricted_logic_to_an_auditor(logic):
    """Every row of the URL permission matrix (it has one per URL pattern), as each auditor."""
    rows = browser_rows(logic.world) + api_rows(logic.world)
    leaks = []
    for row in rows:
        for auditor in AUDITORS:
            client = client_for(logic.people[auditor], api=row.api)
            send = getattr(client, row.method.lower())
            kwargs = {"content_type": "application/json"} if row.data is not None else {}
            response = send(row.url, row.data, **kwargs) if row.data is not None else send(row.url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace").lower()
            leaks += [f"{row.method} {row.url} as {auditor}: {m}" for m in MARKERS if m in text]
    assert not leaks, "restricted logic in answers to auditors:\n" + "\n".join(leaks)
    assert not [reads(auditor) for auditor in AUDITORS if reads(auditor)]


def test_a_backtest_of_a_restricted_draft_is_for_the_commission(logic):
    draft = logic.backtests["commission"]
    url = f"/criteria/{RESTRICTED}/backtests/{draft.pk}/"
    assert fetch(logic.people, "fr_analyst", url)[0] == 404
    assert fetch(logic.people, "commission", url)[0] == 200
    # Risk staff never start one on the draft either (its samples would show the draft's logic): outside the
    # Commission a backtest covers the version the viewer reads, the published one (contract v2 section 3).
    response = client_for(logic.people["fr_analyst"], api=False).post(
        f"/criteria/{RESTRICTED}/backtests/", {"date_from": "2026-01-01", "date_to": "2026-01-02"}
    )
    assert response.status_code == 302
    started = backtests.Backtest.objects.latest("pk")
    assert (started.requested_by, started.criterion_version.version) == (logic.people["fr_analyst"], 1)
    assert backtests.Backtest.objects.count() == 4  # the world's, FR's, the Commission's and this one
