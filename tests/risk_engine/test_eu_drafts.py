"""Drafts and submitted versions of EU criteria are the Commission's (contract v2 section 3), on every read path.

Enumerated: for each persona x each criteria read path x each version state (draft, submitted, returned,
published, retired, shadow), the version is visible iff the contract says so:

- the Commission organisation (its staff and its auditor, who reads everything but restricted logic)
  reads every version;
- Member State risk staff, Member State auditors and national systems read an EU criterion's versions
  that were published (published, superseded, retired; shadow versions are published ones), and an EU
  criterion only once a version of it was published;
- paths that show published versions only (the change feed, the change log) show a draft to nobody.

Two criteria per state: ``CRC-DR-NEW-<state>`` whose version 1 is in the state (is the criterion visible at
all?) and ``CRC-DR-OLD-<state>`` with a published version 1 and version 2 in the state (is the version
visible beside a published one?). Each version in the state carries a marker word in its title,
description and lifecycle comments; a path "shows" it when the marker (or, for paths without text, the
version or the criterion) is in the answer. ``PATHS`` has a row per read path; a new criteria URL that
reads must get one (``test_every_criteria_read_route_has_a_row``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from crms.audit.selectors import audit_entries_for
from crms.audit.services import record
from risk_engine import services
from risk_engine.change_log import visible_changes
from risk_engine.models_backtest import Backtest
from risk_engine.models_revision import current_revision
from risk_engine.selectors import visible_criterion_codes
from tests.conftest import make_user
from tests.permissions import client_for
from tests.risk_engine.conftest import make_criterion, publish_criterion
from tests.security.test_url_matrix import all_routes

STATES = ("draft", "submitted", "returned", "published", "retired", "shadow")
STATUS = {
    "draft": "draft",
    "submitted": "submitted",
    "returned": "draft",
    "published": "published",
    "retired": "retired",
    "shadow": "published",
}  # fmt: skip  (the version's status in each state)
PUBLISHED_ONCE = frozenset({"published", "retired", "shadow"})
COMMISSION_ORG = frozenset({"commission", "commission_approver", "eu_auditor"})
PERSONAS = ("commission", "commission_approver", "eu_auditor", "fr_analyst", "fr_risk_manager", "fr_auditor",
            "fr_system", "nl_analyst")  # fmt: skip
# Who reaches each kind of path at all (the others are refused, so they see nothing there).
PAGE_READERS = frozenset(PERSONAS) - {"fr_system"}  # the criteria pages: people, not machines
AUTHORS = frozenset({"commission", "commission_approver", "fr_analyst", "fr_risk_manager", "nl_analyst"})
AUDIT_READERS = COMMISSION_ORG | {"fr_risk_manager", "fr_auditor"}  # the audit log (Member States: their own)
ROWS = {"commission": "all", "commission_approver": "all", "eu_auditor": "all", "nl_analyst": "NL"}  # else "FR"


def marker(family: str, state: str) -> str:
    return f"zqdr{family}{state}mark"


@dataclass(frozen=True)
class Subject:
    """One criterion of the world: ``version`` is the version in ``state``."""

    family: str  # "new": version 1 in the state; "old": version 1 published, version 2 in the state
    state: str
    code: str
    pk: int
    version: int
    backtests: dict[str, int]  # rows ("all", "FR", "NL") -> a backtest of the version in the state

    @property
    def marker(self) -> str:
        return marker(self.family, self.state)


@pytest.fixture
def drafts(personas) -> dict[tuple[str, str], Subject]:
    author = make_user("dr-eu-author", "EU", "commission")
    approver = make_user("dr-eu-approver", "EU", "commission_approver")
    subjects = {}
    for family in ("new", "old"):
        for state in STATES:
            code, mark = f"CRC-DR-{family.upper()}-{state.upper()}", marker(family, state)
            doc = make_criterion(
                code,
                title=f"Version {mark}",
                description=f"Indicators {mark}.",
                weight=70,
                shadow=state == "shadow",
            )
            if family == "old":
                base = make_criterion(code, title="Published base", description="The base.")
                criterion = publish_criterion(base, author, approver)
                version = services.update_criterion(actor=author, criterion=criterion, data=doc)
            else:
                version = services.create_criterion(actor=author, data=doc)
                criterion = version.criterion
            if state != "draft":
                services.submit_criterion(actor=author, criterion=criterion, comment=f"ready {mark}")
            if state == "returned":
                services.return_criterion(actor=approver, criterion=criterion, comment=f"revise {mark}")
            if state in PUBLISHED_ONCE:
                services.approve_criterion(actor=approver, criterion=criterion, comment=f"approved {mark}")
            if state == "retired":
                services.retire_criterion(actor=approver, criterion=criterion, comment=f"retired {mark}")
            version.refresh_from_db()
            assert version.status == STATUS[state]
            backtests = {
                rows: Backtest.objects.create(
                    criterion_version=version,
                    requested_by=author,
                    params={"date_from": "2026-03-01", "date_to": "2026-03-03", "member_states": [],
                            "transport_modes": [], "rows": rows},
                ).pk
                for rows in ("all", "FR", "NL")
            }  # fmt: skip
            # A Member State's own entry naming the version (an export by France): its audit log holds it.
            record(actor=personas["fr_analyst"], action="criterion.exported", obj=criterion,
                   after={"version": version.version})  # fmt: skip
            subjects[family, state] = Subject(family, state, code, criterion.pk, version.version, backtests)
    return subjects


# --- the read paths ---------------------------------------------------------------------------------------------


class Reader:
    """One persona's answers, each URL fetched once (lists serve every subject)."""

    def __init__(self, name: str, user):
        self.name, self.user = name, user
        self._answers: dict[str, tuple[int, str]] = {}

    def get(self, url: str, *, api: bool = False) -> tuple[int, str]:
        key = f"{api}:{url}"
        if key not in self._answers:
            response = client_for(self.user, api=api).get(url)
            self._answers[key] = (response.status_code, response.content.decode("utf-8", "replace").lower())
        status, body = self._answers[key]
        assert status < 500, (self.name, url, status)
        return status, body

    def shows(self, url: str, subject: Subject, *, api: bool = False) -> bool:
        status, body = self.get(url, api=api)
        return status == 200 and subject.marker in body


def _history_section(reader: Reader, subject: Subject) -> bool:
    status, body = reader.get(f"/criteria/{subject.code}/")
    section = body.partition('<section id="history"')[2].partition("</section>")[0]
    return status == 200 and subject.marker in section


def _diff(reader: Reader, subject: Subject) -> bool:
    """Version 1 against the version in the state: the title changed (the marker shows) unless it is version 1
    itself, which compares with itself (nothing changed: the page answers, or is a 404)."""
    url = f"/criteria/{subject.code}/diff/?a=1&b={subject.version}"
    return reader.shows(url, subject) if subject.version > 1 else reader.get(url)[0] == 200


def _api_versions(reader: Reader, subject: Subject) -> bool:
    status, body = reader.get(f"/api/v1/criteria/{subject.code}/", api=True)
    return status == 200 and subject.version in [v["version"] for v in json.loads(body)["versions"]]


def _feed(reader: Reader, subject: Subject) -> bool:
    status, body = reader.get("/api/v1/criteria/?after=0&limit=1000", api=True)
    items = json.loads(body)["results"] if status == 200 else []
    return any(item["code"].upper() == subject.code and item["version"] == subject.version for item in items)


def _change_log(reader: Reader, subject: Subject) -> bool:
    changes = visible_changes(reader.user, None, current_revision())
    return any(change["subject"] == subject.code and change["version"] == subject.version for change in changes)


def _audit_log(reader: Reader, subject: Subject) -> bool:
    entries = audit_entries_for(reader.user).filter(object_type="risk_engine.criterion", object_id=str(subject.pk))
    return entries.filter(after__version=subject.version).exists()


def _backtest(reader: Reader, subject: Subject, suffix: str = "") -> bool:
    pk = subject.backtests[ROWS.get(reader.name, "FR")]
    status, _body = reader.get(f"/criteria/{subject.code}/backtests/{pk}/{suffix}")
    return status == 200


def _latest_backtest(reader: Reader, subject: Subject) -> bool:
    status, body = reader.get(f"/criteria/{subject.code}/backtests/latest/")
    return status == 200 and f"backtest of v{subject.version} " in body


def _criterion_status(url: str) -> Callable[[Reader, Subject], bool]:
    def visible(reader: Reader, subject: Subject) -> bool:
        return reader.get(url.format(code=subject.code))[0] == 200

    return visible


@dataclass(frozen=True)
class Path:
    name: str
    shows: Callable[[Reader, Subject], bool]
    routes: tuple[str, ...]  # the URL patterns it reads (empty: a selector behind several pages)
    readers: frozenset[str] = frozenset(PERSONAS)
    states: frozenset[str] = frozenset(STATES)  # the states in which the path shows the version at all
    criterion_level: bool = False  # shows criteria, not versions: only the "new" family says anything
    families: tuple[str, ...] = field(default=("new", "old"))


PATHS = [
    Path("criteria list", lambda r, s: r.shows("/criteria/", s), ("criteria/",), PAGE_READERS),
    Path("criteria list filtered by status", lambda r, s: r.shows(f"/criteria/?status={STATUS[s.state]}", s),
         ("criteria/",), PAGE_READERS),
    Path("criterion page", lambda r, s: r.shows(f"/criteria/{s.code}/", s), ("criteria/<str:code>/",),
         PAGE_READERS),
    # Member State risk managers and auditors get their audit log's entries there (their own organisation's:
    # France's export, which names no marker), so the Commission's entries reach them on no state.
    Path("history", _history_section, ("criteria/<str:code>/",), PAGE_READERS - {"fr_risk_manager", "fr_auditor"}),
    Path("version diff", _diff, ("criteria/<str:code>/diff/",), PAGE_READERS),
    Path("builder", lambda r, s: r.shows(f"/criteria/{s.code}/edit/", s), ("criteria/<str:code>/edit/",), AUTHORS),
    Path("JSON export", lambda r, s: r.shows(f"/criteria/{s.code}/export.json", s),
         ("criteria/<str:code>/export.json",), PAGE_READERS),
    Path("backtest report", _backtest, ("criteria/<str:code>/backtests/<int:pk>/",), PAGE_READERS),
    Path("backtest progress", lambda r, s: _backtest(r, s, "progress/"),
         ("criteria/<str:code>/backtests/<int:pk>/progress/",), PAGE_READERS),
    # The version under approval (open, else published): a retired version is under approval for nobody.
    Path("latest backtest", _latest_backtest, ("criteria/<str:code>/backtests/latest/",), PAGE_READERS,
         frozenset(STATES) - {"retired"}),
    Path("REST list", lambda r, s: r.shows("/api/v1/criteria/", s, api=True), ("api/v1/criteria/",)),
    Path("REST detail", lambda r, s: r.shows(f"/api/v1/criteria/{s.code}/", s, api=True),
         ("api/v1/criteria/<str:code>/",)),
    Path("REST versions", _api_versions, ("api/v1/criteria/<str:code>/",)),
    # Published versions only, by design: a draft is in neither, for anyone.
    Path("change feed", _feed, ("api/v1/criteria/",), states=PUBLISHED_ONCE),
    Path("change log (assessment history)", _change_log, (), states=PUBLISHED_ONCE),
    Path("audit log", _audit_log, ("audit/",), AUDIT_READERS),
    # Criterion-level: the code of a criterion never published is the Commission's too.
    Path("criterion code look-up", lambda r, s: s.code in visible_criterion_codes(r.user, [s.code]), (),
         criterion_level=True),
    Path("workbench feedback panel", _criterion_status("/workbench/feedback/{code}/"),
         ("workbench/feedback/<str:code>/",), PAGE_READERS, criterion_level=True),
    Path("indicators evaluation panel", _criterion_status("/indicators/criteria/{code}/"),
         ("indicators/criteria/<str:code>/",), PAGE_READERS, criterion_level=True),
]  # fmt: skip


def expected(persona: str, path: Path, subject: Subject) -> bool:
    """Contract v2 section 3 for this cell."""
    if persona not in path.readers or subject.state not in path.states:
        return False
    return persona in COMMISSION_ORG or subject.state in PUBLISHED_ONCE


def test_eu_drafts_are_the_commissions_on_every_read_path(personas, drafts):
    mismatches, cells = [], 0
    for persona in PERSONAS:
        reader = Reader(persona, personas[persona])
        for path in PATHS:
            for subject in drafts.values():
                if path.criterion_level and subject.family != "new":
                    continue
                cells += 1
                want, got = expected(persona, path, subject), path.shows(reader, subject)
                if want != got:
                    mismatches.append(
                        f"{path.name} / {subject.code} (v{subject.version} {subject.state}) as {persona}: "
                        f"{'expected visible, hidden' if want else 'expected hidden, shown'}"
                    )
    assert cells > 700
    assert not mismatches, f"{len(mismatches)} of {cells} cells differ from the contract:\n" + "\n".join(mismatches)


# Criteria URLs that read no criterion content (writes and the builder's helpers) or read watch lists.
NOT_READ_PATHS = {
    "criteria/new/": "a blank builder",
    "criteria/builder/preview/": "previews the document posted",
    "criteria/builder/save/": "a write",
    "criteria/builder/lookup/": "reference data and watch lists",
    "criteria/<str:code>/promote/": "a write (authors only)",
    "criteria/<str:code>/transition/<str:action>/": "a write (authors and approvers only)",
    "criteria/<str:code>/backtests/": "starts a backtest of the version the viewer reads (test_restricted_logic)",
    "api/v1/criteria/<str:code>/submit/": "a write",
    "api/v1/criteria/<str:code>/approve/": "a write",
    "api/v1/criteria/<str:code>/retire/": "a write",
    "api/v1/criteria/<str:code>/return/": "a write",
    "api/v1/criteria/<str:code>/reject/": "a write",
}


def test_every_criteria_read_route_has_a_row():
    """A new page or endpoint under /criteria/ or /api/v1/criteria/ needs a row in ``PATHS`` (or a reason)."""
    routes = {r for r in all_routes() if r.startswith(("criteria/", "api/v1/criteria/"))}
    routes -= {r for r in routes if r.startswith("criteria/watch-lists/")}  # watch lists, not criteria
    covered = {route for path in PATHS for route in path.routes}
    assert not routes - covered - set(NOT_READ_PATHS), sorted(routes - covered - set(NOT_READ_PATHS))
    assert covered <= routes | {"audit/", "workbench/feedback/<str:code>/", "indicators/criteria/<str:code>/"}
