"""An action is offered exactly when it would be allowed (issue 14: the author saw "Approve and publish",
the Commission got "records" links into a workbench it may not open).

For every (persona, page, action) below: the page is opened as the persona, the action counts as shown when
the page holds a form or button posting to its URL (or, for an action page such as "New criterion", a link
to it); then the action is sent, with a plausible body, inside a savepoint that is rolled back, and counts as
allowed unless it is refused (403, 404, 409, or a redirect carrying an error message). Shown must equal
allowed, both ways. Each view and its template ask the same permission function of the area's services
(``risk_engine.services.criterion_actions``, ``rif.services.may_*``, ``pca.services.may_*``,
``workbench.services.may_reply_to_request`` / ``may_close_request``, ``indicators.views.may_refresh``), so this table guards that they keep agreeing.

A new action on these pages without a row is caught by ``test_every_action_on_these_pages_has_a_row``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.messages import constants
from django.db import transaction
from django.test import Client
from django.utils import timezone

from indicators.models import RefreshRun
from risk_engine import services as engine_services
from risk_engine.documents import content_fingerprint
from risk_engine.models import Criterion, Status
from tests.risk_engine.conftest import make_criterion
from tests.security.world import FR_PROFILE, TOY

pytestmark = pytest.mark.django_db

PERSONAS = [
    "commission",
    "commission_approver",
    "sec_author",
    "sec_approver",
    "eu_auditor",
    "fr_analyst",
    "fr_analyst_2",
    "fr_risk_manager",
    "fr_auditor",
    "nl_analyst",
    "nl_risk_manager",
    "de_analyst",
]
SUBMITTED = "CRC-SEC-SUBMITTED"  # written by ``commission``, submitted: only another approver may approve it
DRAFT = "CRC-SEC-DRAFT"  # written by ``commission``: only an author of it submits it
POST_TARGET = re.compile(r'(?:action|formaction)="([^"]+)"')
LINK = re.compile(r'href="([^"#?]+)')


@dataclass(frozen=True)
class Action:
    page: str
    url: str
    data: dict | None = None  # None: an action page (a GET link), not a POST


def _criterion_actions(code: str) -> list[Action]:
    criterion = Criterion.objects.get(code=code)
    current = criterion.versions.order_by("-version").first()
    body = {"comment": "For the record.", "version": current.version, "fingerprint": content_fingerprint(current)}
    page = f"/criteria/{code}/"
    actions = [Action(page, f"/criteria/{code}/transition/{name}/", body) for name in CRITERION_TRANSITIONS]
    return [*actions, Action(page, f"/criteria/{code}/edit/")]


def _rows(world) -> list[Action]:
    rif, draft, crisis, pca = world.rif.reference, world.draft_rif.reference, world.crisis.pk, world.pca.pk
    req, case = world.request.pk, world.open_case.pk
    reason = {"reason": "Superseded by a newer analysis.", "comment": "Checked: publish it."}
    rows = [*_criterion_actions(TOY), *_criterion_actions(FR_PROFILE)]
    rows += [*_criterion_actions(SUBMITTED), *_criterion_actions(DRAFT)]
    for reference in (rif, draft):
        page = f"/rif/{reference}/"
        rows += [Action(page, f"/rif/{reference}/transition/{name}/", reason) for name in RIF_TRANSITIONS]
        rows += [Action(page, f"/rif/{reference}/edit/"), Action(page, f"/rif/{reference}/read/", {})]
    crisis_page = f"/rif/crises/{crisis}/"
    rows += [
        Action(crisis_page, f"/rif/crises/{crisis}/posts/", {"body": "Seen at Le Havre as well."}),
        Action(crisis_page, f"/rif/crises/{crisis}/criteria/", {"criteria": TOY}),
        Action(crisis_page, f"/rif/crises/{crisis}/close/", {"lessons": "Share the manifests earlier next time."}),
        Action(f"/pca/{pca}/", f"/pca/{pca}/resume/", {}),
        Action(f"/pca/{pca}/", f"/pca/{pca}/suspend/", {"crisis": crisis, "reason": "The crisis needs the staff."}),
        Action(f"/pca/{pca}/", f"/pca/{pca}/results/", {"controls": "12", "detections": "2", "seizures": "1"}),
        Action(
            f"/pca/{pca}/",
            f"/pca/{pca}/close/",
            {"operational_results": "Forty controls, six seizures.", "lessons": "Start the campaign earlier."},
        ),
        Action("/indicators/", "/indicators/refresh/", {}),
        Action(f"/workbench/requests/{req}/", f"/workbench/requests/{req}/reply/", {"body": "Here is what we know."}),
        Action(f"/workbench/requests/{req}/", f"/workbench/requests/{req}/close/", {}),
        Action("/workbench/", f"/workbench/cases/{case}/claim/", {}),
        Action("/criteria/", "/criteria/new/"),
        Action("/rif/", "/rif/new/"),
        Action("/pca/", "/pca/new/"),
        Action("/rif/crises/", "/rif/crises/new/"),
    ]
    return rows


RIF_TRANSITIONS = ("submit", "approve", "return", "withdraw")
CRITERION_TRANSITIONS = ("submit", "approve", "return", "reject", "retire")


@pytest.fixture
def scene(world):
    """The shared world plus an EU criterion submitted by ``commission`` and another still its draft."""
    author = world.people["commission"]
    for code in (SUBMITTED, DRAFT):
        criterion = engine_services.create_criterion(actor=author, data=make_criterion(code)).criterion
        if code == SUBMITTED:
            engine_services.submit_criterion(actor=author, criterion=criterion, comment="Ready.")
    assert Criterion.objects.get(code=SUBMITTED).versions.get().status == Status.SUBMITTED
    # While a refresh runs the dashboard shows its progress instead of the button (asking again joins it):
    # the world's queued run is finished so that the button itself is what is checked.
    RefreshRun.objects.update(status=RefreshRun.Status.DONE, finished_at=timezone.now())
    return world


def _shown(html: str, url: str, *, link: bool) -> bool:
    targets = LINK.findall(html) if link else POST_TARGET.findall(html)
    return url in targets


def _allowed(client: Client, action: Action) -> tuple[bool, str]:
    """Whether the action goes through (or is refused only for its content: a 400), and what was said."""
    if action.data is None:
        status = client.get(action.url).status_code
        return status == 200, str(status)
    with transaction.atomic():
        response = client.post(action.url, action.data)
        queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])  # this request's
        errors = [str(m) for m in queued if m.level >= constants.ERROR]
        transaction.set_rollback(True)
    said = f"{response.status_code} {' '.join(errors)}".strip()
    if response.status_code in (403, 404, 405, 409):
        return False, said
    return response.status_code == 400 or not errors, said


def test_an_action_is_shown_exactly_when_it_is_allowed(scene):
    rows = _rows(scene)
    mismatches = []
    for name in PERSONAS:
        client = Client()
        client.force_login(scene.people[name])
        pages: dict[str, str] = {}
        for action in rows:
            if action.page not in pages:
                response = client.get(action.page)
                pages[action.page] = response.content.decode() if response.status_code == 200 else ""
            shown = _shown(pages[action.page], action.url, link=action.data is None)
            allowed, said = _allowed(client, action)
            if shown != allowed:
                what = "shown but refused" if shown else "allowed but not shown"
                mismatches.append(f"{name} on {action.page}: {action.url} {what} ({said})")
    assert not mismatches, "\n".join(mismatches)


def test_every_action_on_these_pages_has_a_row(scene):
    """Every form target on these pages, as the most entitled personas see them, is a row above."""
    rows = _rows(scene)
    known = {action.url for action in rows}
    # Not rows here: signing out; the header's search box (a GET form on every page); the backtest, feedback and attachment forms (their own matrices in
    # tests/security/test_url_matrix.py); the queue's saved filters (the user's own) and the claim of the
    # other cases in the queue (one claim is a row, the others are the same action).
    ignored = re.compile(
        r"^/(logout|search|workbench/feedback|workbench/filters|workbench/cases/\d+/claim"
        r"|criteria/[^/]+/backtests|rif/[^/]+/(feedback|attachments|criterion))/"
    )
    missing = set()
    for name in ("commission", "commission_approver", "sec_approver", "fr_risk_manager", "fr_analyst"):
        client = Client()
        client.force_login(scene.people[name])
        for page in {action.page for action in rows}:
            html = client.get(page).content.decode()
            for target in POST_TARGET.findall(html):
                path = target.split("?")[0]
                if path.startswith("/") and path not in known and not ignored.match(path) and path != page:
                    missing.add(f"{page}: {path}")
    assert not missing, "actions without a row:\n" + "\n".join(sorted(missing))
