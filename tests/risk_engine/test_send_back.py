"""Criteria approval like RIFs (issue 14): an approver returns a submitted version to its authors or
rejects it, with a comment; the version is a draft again, the comment is audited and shown to the
authors; approvers get a link to what changed since the published version."""

from __future__ import annotations

import pytest
from django.test import Client

from crms.audit.models import AuditEntry
from risk_engine import services
from risk_engine.models import Criterion
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, assert_error_body, make_criterion, publish_criterion


@pytest.fixture
def cast(db):
    return {
        "author": make_user("sb_author", "EU", "commission"),
        "approver": make_user("sb_approver", "EU", "commission_approver"),
    }


@pytest.fixture
def submitted(cast):
    version = services.create_criterion(actor=cast["author"], data=make_criterion("CRC-SB-1"))
    services.submit_criterion(actor=cast["author"], criterion=version.criterion)
    return version.criterion


def _status(code: str) -> str:
    return Criterion.objects.get(code=code).versions.order_by("-version").first().status


@pytest.mark.parametrize(("action", "audited"), [("return", "criterion.returned"), ("reject", "criterion.rejected")])
def test_approver_sends_back_with_a_comment(cast, submitted, action, audited):
    response = api_client(cast["approver"]).post(
        f"/api/v1/criteria/CRC-SB-1/{action}/", {"comment": "Tighten the HS code"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert _status("CRC-SB-1") == "draft"
    entry = AuditEntry.objects.filter(object_id=str(submitted.pk), action=audited).get()
    assert entry.after["comment"] == "Tighten the HS code" and entry.actor_username == "sb_approver"
    # The authors read the comment on the criterion page, and can submit again.
    client = Client()
    client.force_login(cast["author"])
    page = client.get("/criteria/CRC-SB-1/").content.decode()
    assert 'id="sent-back"' in page and "Tighten the HS code" in page
    services.submit_criterion(actor=cast["author"], criterion=submitted)
    assert 'id="sent-back"' not in client.get("/criteria/CRC-SB-1/").content.decode()


@pytest.mark.parametrize("action", ["return", "reject"])
def test_a_comment_is_required(cast, submitted, action):
    response = api_client(cast["approver"]).post(
        f"/api/v1/criteria/CRC-SB-1/{action}/", {"comment": " "}, format="json"
    )
    assert ("comment", "required") in [(e["field"], e["code"]) for e in assert_error_body(response, 400)]
    assert _status("CRC-SB-1") == "submitted"


def test_the_author_cannot_send_back_their_own_version(cast, submitted):
    response = api_client(cast["author"]).post("/api/v1/criteria/CRC-SB-1/return/", {"comment": "x"}, format="json")
    assert response.status_code == 403
    assert _status("CRC-SB-1") == "submitted"


def test_only_a_submitted_version_is_sent_back(cast):
    services.create_criterion(actor=cast["author"], data=make_criterion("CRC-SB-2"))
    response = api_client(cast["approver"]).post("/api/v1/criteria/CRC-SB-2/reject/", {"comment": "x"}, format="json")
    assert_error_body(response, 409)


def test_unknown_field_is_400(cast, submitted):
    response = api_client(cast["approver"]).post(
        "/api/v1/criteria/CRC-SB-1/return/", {"comment": "x", "reason": "y"}, format="json"
    )
    assert ("reason", "unknown_field") in [(e["field"], e["code"]) for e in assert_error_body(response, 400)]


def test_browser_form_returns_and_approvers_see_the_diff_link(cast):
    criterion = publish_criterion(make_criterion("CRC-SB-3"), cast["author"], cast["approver"])
    services.update_criterion(actor=cast["author"], criterion=criterion, data=make_criterion("CRC-SB-3", weight=70))
    services.submit_criterion(actor=cast["author"], criterion=criterion)
    client = Client()
    client.force_login(cast["approver"])
    page = client.get("/criteria/CRC-SB-3/").content.decode()
    assert "/criteria/CRC-SB-3/diff/?a=1&amp;b=2" in page and "Return to the authors" in page
    # The author is never offered return or reject on their own version.
    author = Client()
    author.force_login(cast["author"])
    assert "Return to the authors" not in author.get("/criteria/CRC-SB-3/").content.decode()
    response = client.post("/criteria/CRC-SB-3/transition/return/", {"comment": "Weight too high"})
    assert response.status_code == 302
    assert _status("CRC-SB-3") == "draft"
