"""REST for national systems: the decisions feed and the decisions on one ENS, scoped to the Member State concerned."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, assert_error_body
from workbench import services
from workbench.models import Decision
from workbench.schema import DecisionList

pytestmark = pytest.mark.django_db


@pytest.fixture
def decisions(people, referred) -> dict[str, Decision]:
    """FR: a border control (unloading NL, not forwarded), a forwarded control to NL, a dismissal (unloading FR)."""
    fr = people["fr_analyst"]
    border, forwarded = referred(), referred()
    dismissed = referred(place_of_unloading="FRLEH", countries_of_routing=["CN", "FR"])
    return {
        "border": services.decide(actor=fr, case=border, action="control", control_type="documentary",
                                  control_place="border"),
        "forwarded": services.decide(actor=fr, case=forwarded, action="control", control_type="physical",
                                     control_place="place_of_unloading", reason="Open the container in Rotterdam"),
        "dismissed": services.decide(actor=fr, case=dismissed, action="dismiss", reason="Known consignee."),
    }  # fmt: skip


def feed(user, **params):
    return api_client(user).get(f"/api/v1/decisions/?{urlencode(params)}" if params else "/api/v1/decisions/")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [d["id"] for d in response.json()["results"]]


def test_each_national_system_reads_the_decisions_concerning_its_member_state(people, decisions):
    fr, nl = people["fr_system"], people["nl_system"]
    de = make_user("de_system", "DE", "national_system")
    assert ids(feed(fr)) == [decisions[name].pk for name in ("border", "forwarded", "dismissed")]
    assert ids(feed(nl)) == [decisions["forwarded"].pk]
    assert ids(feed(de)) == []
    assert ids(feed(people["commission"])) == ids(feed(fr))
    assert ids(feed(people["nl_analyst"])) == [decisions["forwarded"].pk]


def test_the_decision_document(people, decisions):
    body = feed(people["nl_system"]).json()
    DecisionList.model_validate(body)  # the documented schema, unknown fields refused
    (document,) = body["results"]
    decision = decisions["forwarded"]
    assert document == {
        "id": decision.pk,
        "mrn": decision.declaration.mrn,
        "version": 1,
        "member_state": "FR",
        "action": "control",
        "control_type": "physical",
        "control_place": "place_of_unloading",
        "reason": "Open the container in Rotterdam",
        "engine_outcome": "control_recommended",
        "forwarded_to": "NL",
        "decided_by": "fr_analyst",
        "decided_at": document["decided_at"],
    }
    assert dt.datetime.fromisoformat(document["decided_at"]) == decision.decided_at
    assert body["next"] is None


def test_since_and_after(people, decisions):
    fr = people["fr_system"]
    border, forwarded, dismissed = (decisions[name] for name in ("border", "forwarded", "dismissed"))
    Decision.objects.filter(pk=border.pk).update(decided_at=timezone.now() - dt.timedelta(days=2))
    Decision.objects.filter(pk=forwarded.pk).update(decided_at=timezone.now() - dt.timedelta(hours=5))
    day_ago = timezone.now() - dt.timedelta(days=1)
    assert ids(feed(fr, since=day_ago.isoformat())) == [forwarded.pk, dismissed.pk]
    assert ids(feed(fr, since=day_ago.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat())) == [
        forwarded.pk,
        dismissed.pk,
    ]
    assert ids(feed(fr, since=(timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))) == []
    assert ids(feed(fr, after=border.pk)) == [forwarded.pk, dismissed.pk]
    assert ids(feed(fr, after=dismissed.pk)) == []
    assert ids(feed(fr, after=0, since=day_ago.isoformat())) == [forwarded.pk, dismissed.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-01T10:00:00"}, "since"),  # no time zone
        ({"since": "2026-13-01T10:00:00Z"}, "since"),
        ({"after": "abc"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "1.5"}, "after"),
    ],
)
def test_bad_parameters_are_400_naming_them(people, decisions, params, field):
    errors = assert_error_body(feed(people["fr_system"], **params), 400)
    assert [e["field"] for e in errors] == [field]


def test_keyset_pages(people, decisions, monkeypatch):
    monkeypatch.setattr("workbench.api.PAGE", 2)
    first = feed(people["fr_system"]).json()
    assert [d["id"] for d in first["results"]] == [decisions["border"].pk, decisions["forwarded"].pk]
    assert first["next"] == f"/api/v1/decisions/?after={decisions['forwarded'].pk}"
    second = api_client(people["fr_system"]).get(first["next"]).json()
    assert [d["id"] for d in second["results"]] == [decisions["dismissed"].pk] and second["next"] is None


def test_decisions_on_one_declaration(people, decisions):
    forwarded, border = decisions["forwarded"].declaration.mrn, decisions["border"].declaration.mrn
    de = make_user("de_system", "DE", "national_system")

    def on(user, mrn):
        return api_client(user).get(f"/api/v1/declarations/{mrn}/decisions/")

    assert ids(on(people["fr_system"], forwarded)) == [decisions["forwarded"].pk]
    assert ids(on(people["nl_system"], forwarded)) == [decisions["forwarded"].pk]
    # NL reads the ENS (it unloads there) but FR's border control is FR's business.
    assert ids(on(people["nl_system"], border)) == []
    assert_error_body(on(de, forwarded), 404)
    assert_error_body(on(people["nl_system"], decisions["dismissed"].declaration.mrn), 404)
    assert_error_body(on(people["fr_system"], "26FR00000000000000"), 404)
    assert on(None, forwarded).status_code == 401
    assert feed(None).status_code == 401
