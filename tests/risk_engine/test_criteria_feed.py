"""The criteria change feed (contract section 3, v2): a national engine keeps an exact copy by following it.

Replaying the feed from the start (page by page, following ``next``) into a dict must give exactly
the published versions the caller may see; another Member State's national profile never appears;
each change carries the revision it belongs to, in order; bad parameters are 400s naming the field.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from risk_engine import services
from risk_engine.models import CriterionVersion, Status
from risk_engine.models_revision import current_revision
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, make_criterion, publish_criterion

URL = "/api/v1/criteria/"


@pytest.fixture
def cast(reference_data):
    return {
        "author": make_user("fd_author", "EU", "commission"),
        "approver": make_user("fd_approver", "EU", "commission_approver"),
        "fr_analyst": make_user("fd_fr_analyst", "FR", "analyst"),
        "fr_manager": make_user("fd_fr_manager", "FR", "risk_manager"),
        "de_analyst": make_user("fd_de_analyst", "DE", "analyst"),
    }


def _national(cast, code: str):
    version = services.create_criterion(actor=cast["fr_analyst"], data=make_criterion(code, scope="national"))
    services.submit_criterion(actor=cast["fr_analyst"], criterion=version.criterion)
    services.approve_criterion(actor=cast["fr_manager"], criterion=version.criterion)
    return version.criterion


@pytest.fixture
def history(cast):
    """EU A v1; FR profile B; A v2 (supersedes v1); B retired; EU C published then retired."""
    a = publish_criterion(make_criterion("FD-A"), cast["author"], cast["approver"])
    b = _national(cast, "FR-FD-B")
    services.update_criterion(actor=cast["author"], criterion=a, data=make_criterion("FD-A", weight=77))
    services.submit_criterion(actor=cast["author"], criterion=a)
    services.approve_criterion(actor=cast["approver"], criterion=a)
    services.retire_criterion(actor=cast["fr_manager"], criterion=b)
    c = publish_criterion(make_criterion("FD-C"), cast["author"], cast["approver"])
    services.retire_criterion(actor=cast["approver"], criterion=c)
    return {"a": a, "b": b, "c": c}


def follow(user, **params) -> list[dict]:
    client = api_client(user)
    items, after = [], None
    for _page in range(100):
        query = {**params, **({"after": after} if after else {})}
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["results"]
        after = body["next"]
        if after is None:
            return items
    raise AssertionError("the feed never ended")


def replay(items: list[dict]) -> dict[str, dict]:
    copy: dict[str, dict] = {}
    for item in items:
        if item["change"] == "published":
            copy[item["code"]] = {"version": item["version"], **item["document"]}
        elif copy.get(item["code"], {}).get("version") == item["version"]:
            copy.pop(item["code"])  # superseded, retired, deleted: that version no longer runs
    return copy


def published_for(codes: set[str]) -> dict[str, int]:
    versions = CriterionVersion.objects.filter(status=Status.PUBLISHED, criterion__code__in=codes)
    return {v.criterion.code: v.version for v in versions.select_related("criterion")}


def test_replaying_the_feed_gives_an_exact_copy(cast, history):
    items = follow(cast["fr_analyst"], changed_since="2000-01-01T00:00:00Z")
    copy = replay(items)
    assert {code: doc["version"] for code, doc in copy.items()} == published_for({"FD-A", "FR-FD-B", "FD-C"})
    assert copy["FD-A"]["weight"] == 77 and copy["FD-A"]["condition"]
    revisions = [item["criteria_revision"] for item in items]
    assert revisions == sorted(revisions) and revisions[-1] <= current_revision()
    kinds = [(item["code"], item["change"], item["version"]) for item in items]
    assert kinds.index(("FD-A", "published", 1)) < kinds.index(("FD-A", "superseded", 1))
    assert ("FD-C", "retired", 1) in kinds


def test_paging_gives_the_same_feed(cast, history):
    whole = follow(cast["fr_analyst"], after="0")
    paged = follow(cast["fr_analyst"], after="0", limit="2")
    assert [item["cursor"] for item in paged] == [item["cursor"] for item in whole]


def test_another_member_states_profile_never_appears(cast, history):
    items = follow(cast["de_analyst"], after="0")
    assert "FR-FD-B" not in {item["code"] for item in items}
    assert "FD-A" in {item["code"] for item in items}


def test_changed_since_in_the_future_is_empty(cast, history):
    next_year = (timezone.now() + dt.timedelta(days=365)).strftime("%Y-%m-%dT00:00:00Z")
    assert follow(cast["fr_analyst"], changed_since=next_year) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"changed_since": "yesterday"}, "changed_since"),
        ({"changed_since": "2999-01-01T00:00:00Z"}, "changed_since"),  # outside the query window (crms.core.dates)
        ({"changed_since": "0001-01-01T00:00:00+01:00"}, "changed_since"),
        ({"after": "-1"}, "after"),
        ({"after": "abc"}, "after"),
        ({"after": "0", "limit": "0"}, "limit"),
        ({"after": "0", "limit": "5000"}, "limit"),
    ],
)
def test_bad_feed_parameters_are_400_naming_the_field(cast, params, field):
    response = api_client(cast["fr_analyst"]).get(URL, params)
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_national_system_keeps_its_copy_too(cast, history):
    """Contract v2 section 3: national engines implement the common criteria, so national systems read them."""
    system = make_user("fd_fr_system", "FR", "national_system")
    copy = replay(follow(system, after="0"))
    assert {code: doc["version"] for code, doc in copy.items()} == published_for({"FD-A", "FR-FD-B", "FD-C"})
    assert copy["FD-A"]["condition"]
    assert api_client(system).get(f"{URL}FD-A/").status_code == 200
    de_system = make_user("fd_de_system", "DE", "national_system")
    assert "FR-FD-B" not in {item["code"] for item in follow(de_system, after="0")}


def test_national_systems_read_no_eu_draft(cast, history):
    """A national engine implements what runs: no EU criterion before publication, no draft version after."""
    system = make_user("fd_fr_system_2", "FR", "national_system")
    services.create_criterion(actor=cast["author"], data=make_criterion("FD-DRAFT"))
    services.update_criterion(actor=cast["author"], criterion=history["a"], data=make_criterion("FD-A", weight=12))
    assert api_client(system).get(f"{URL}FD-DRAFT/").status_code == 404
    versions = api_client(system).get(f"{URL}FD-A/").json()["versions"]
    assert [v["status"] for v in versions] == ["superseded", "published"]
    commission = api_client(cast["author"]).get(f"{URL}FD-A/").json()["versions"]
    assert [v["status"] for v in commission] == ["superseded", "published", "draft"]
