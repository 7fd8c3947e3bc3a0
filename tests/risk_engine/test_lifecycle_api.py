"""The criteria lifecycle over HTTP (contract section 3): draft -> submitted -> published -> retired.

Every request goes through DRF's APIClient with the persona's API token. Refusals carry the
contract's error body (section 4). Every transition is audited.
"""

from __future__ import annotations

import pytest

from crms.audit.models import AuditEntry
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models import Criterion, CriterionVersion
from tests.risk_engine.conftest import assert_error_body, make_criterion, make_ens

URL = "/api/v1/criteria/"


def create(api, user, doc: dict):
    return api(user).post(URL, doc, format="json")


def transition(api, user, code: str, action: str, body: dict | None = None):
    return (
        api(user).post(f"{URL}{code}/{action}/", body, format="json")
        if body
        else api(user).post(f"{URL}{code}/{action}/")
    )


def audit_actions(code: str) -> list[tuple[str, str]]:
    entries = AuditEntry.objects.filter(object_type="risk_engine.criterion", object_repr=code).order_by("id")
    return [(entry.action, entry.actor_username) for entry in entries]


@pytest.fixture
def eu_published(people, api):
    """CRC-LC-1: authored by commission, published by commission_approver, over the API."""
    assert create(api, people["commission"], make_criterion("CRC-LC-1")).status_code == 201
    assert transition(api, people["commission"], "CRC-LC-1", "submit").status_code == 200
    assert transition(api, people["commission_approver"], "CRC-LC-1", "approve").status_code == 200
    forget_compiled_criteria()
    return "CRC-LC-1"


@pytest.fixture
def fr_submitted(people, api):
    """FR-LC-1: a national profile by the FR analyst, submitted."""
    response = create(api, people["fr_analyst"], make_criterion("FR-LC-1", scope="national", risk_area="financial"))
    assert response.status_code == 201
    assert transition(api, people["fr_analyst"], "FR-LC-1", "submit").status_code == 200
    return "FR-LC-1"


# --- creation ---------------------------------------------------------------------------------------


def test_post_creates_a_draft(people, api):
    response = create(api, people["commission"], make_criterion("CRC-LC-NEW"))
    assert response.status_code == 201
    body = response.json()
    assert (body["code"], body["scope"], body["owner"], body["status"], body["published_version"]) == (
        "CRC-LC-NEW",
        "eu",
        "EU",
        "draft",
        None,
    )
    assert [(v["version"], v["status"], v["author"]) for v in body["versions"]] == [(1, "draft", "commission")]
    assert body["condition"] == make_criterion("CRC-LC-NEW")["condition"]
    assert audit_actions("CRC-LC-NEW") == [("criterion.draft_created", "commission")]


def test_national_profile_by_an_fr_analyst_is_owned_by_fr(people, api):
    response = create(api, people["fr_analyst"], make_criterion("FR-LC-OWN", scope="national"))
    assert response.status_code == 201
    assert (response.json()["scope"], response.json()["owner"]) == ("national", "FR")
    assert Criterion.objects.get(code="FR-LC-OWN").owner_id == "FR"


@pytest.mark.parametrize(
    "persona,scope",
    [
        ("fr_analyst", "eu"),
        ("fr_risk_manager", "eu"),
        ("commission", "national"),
        ("commission_approver", "national"),
        ("fr_system", "eu"),
        ("fr_system", "national"),
        ("eu_auditor", "eu"),
        ("fr_auditor", "national"),
    ],
)
def test_authoring_rights_by_scope(people, api, persona, scope):
    response = create(api, people[persona], make_criterion("CRC-LC-NO", scope=scope))
    assert_error_body(response, 403)
    assert not Criterion.objects.exists()


def test_anonymous_and_outsiders_cannot_create(people, api):
    for persona in ("anonymous", "outsider"):
        response = create(api, people[persona], make_criterion("CRC-LC-ANON"))
        assert_error_body(response, 401)
    assert not Criterion.objects.exists()


def test_duplicate_code_is_a_conflict(people, api):
    assert create(api, people["commission"], make_criterion("CRC-LC-DUP")).status_code == 201
    errors = assert_error_body(create(api, people["commission_approver"], make_criterion("CRC-LC-DUP")), 409)
    assert errors[0]["field"] == "code"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"outcome": "arrest"}, "outcome"),
        ({"control_type": "sniffing"}, "control_type"),
        ({"risk_area": "nope"}, "risk_area"),
        ({"scope": "global"}, "scope"),
        ({"code": "lower case"}, "code"),
        ({"colour": "red"}, "colour"),
        ({"applies_to": {"phases": ["after_arrival"]}}, "applies_to.phases[0]"),
        ({"valid_from": "yesterday"}, "valid_from"),
    ],
)
def test_invalid_documents_are_400_with_the_field(people, api, change, field):
    errors = assert_error_body(create(api, people["commission"], make_criterion("CRC-LC-BAD") | change), 400)
    assert any(e["field"] == field or (e["field"] or "").startswith(field) for e in errors), errors
    assert not Criterion.objects.exists()


def test_non_object_bodies_are_400_never_500(people, api):
    client = api(people["commission"])
    for raw in (b"[]", b'"x"', b"{", b"null"):
        response = client.post(URL, raw, content_type="application/json")
        assert_error_body(response, 400)


# --- submit and approve ---------------------------------------------------------------------------


def test_only_the_author_submits(people, api):
    assert create(api, people["commission"], make_criterion("CRC-LC-SUB")).status_code == 201
    for persona in ("commission_approver", "commission_approver_2"):
        assert_error_body(transition(api, people[persona], "CRC-LC-SUB", "submit"), 403)
    # An EU draft is the Commission's (contract v2 section 3): a Member State analyst does not even see it.
    assert_error_body(transition(api, people["fr_analyst"], "CRC-LC-SUB", "submit"), 404)
    response = transition(api, people["commission"], "CRC-LC-SUB", "submit", {"comment": "ready"})
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert_error_body(transition(api, people["commission"], "CRC-LC-SUB", "submit"), 409)  # nothing left to submit


def test_a_national_draft_is_submitted_by_its_author_only(people, api):
    assert create(api, people["fr_analyst"], make_criterion("FR-LC-SUB", scope="national")).status_code == 201
    assert_error_body(transition(api, people["fr_analyst_2"], "FR-LC-SUB", "submit"), 403)
    assert_error_body(transition(api, people["fr_risk_manager"], "FR-LC-SUB", "submit"), 403)
    assert_error_body(transition(api, people["nl_analyst"], "FR-LC-SUB", "submit"), 404)
    assert transition(api, people["fr_analyst"], "FR-LC-SUB", "submit").status_code == 200


def test_a_draft_cannot_be_approved_before_submission(people, api):
    assert create(api, people["commission"], make_criterion("CRC-LC-EARLY")).status_code == 201
    assert_error_body(transition(api, people["commission_approver"], "CRC-LC-EARLY", "approve"), 409)


def test_four_eyes_the_author_cannot_approve_even_as_an_approver(people, api):
    author, other = people["commission_approver"], people["commission_approver_2"]
    assert create(api, author, make_criterion("CRC-LC-4E")).status_code == 201
    assert transition(api, author, "CRC-LC-4E", "submit").status_code == 200
    errors = assert_error_body(transition(api, author, "CRC-LC-4E", "approve"), 403)
    assert errors[0]["code"] == "four_eyes"
    assert_error_body(transition(api, people["commission"], "CRC-LC-4E", "approve"), 403)  # no approval right
    assert_error_body(transition(api, people["fr_risk_manager"], "CRC-LC-4E", "approve"), 404)  # not published yet
    assert CriterionVersion.objects.get(criterion__code="CRC-LC-4E").status == "submitted"
    response = transition(api, other, "CRC-LC-4E", "approve")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["published_version"], body["versions"][0]["published_by"]) == (
        "published",
        1,
        "commission_approver_2",
    )


def test_national_approval_only_by_a_risk_manager_of_the_owning_member_state(people, api, fr_submitted):
    assert_error_body(transition(api, people["de_risk_manager"], fr_submitted, "approve"), 404)  # cannot see it
    assert_error_body(transition(api, people["nl_risk_manager"], fr_submitted, "approve"), 404)
    assert_error_body(transition(api, people["fr_analyst_2"], fr_submitted, "approve"), 403)
    assert_error_body(transition(api, people["commission_approver"], fr_submitted, "approve"), 403)
    assert_error_body(transition(api, people["fr_auditor"], fr_submitted, "approve"), 403)
    assert_error_body(transition(api, people["fr_system"], fr_submitted, "approve"), 403)  # reads it, may not approve
    response = transition(api, people["fr_risk_manager"], fr_submitted, "approve")
    assert response.status_code == 200 and response.json()["status"] == "published"


def test_a_risk_manager_cannot_approve_their_own_national_profile(people, api):
    manager = people["fr_risk_manager"]
    assert create(api, manager, make_criterion("FR-LC-OWN4E", scope="national")).status_code == 201
    assert transition(api, manager, "FR-LC-OWN4E", "submit").status_code == 200
    assert assert_error_body(transition(api, manager, "FR-LC-OWN4E", "approve"), 403)[0]["code"] == "four_eyes"


# --- versions -------------------------------------------------------------------------------------------


def hits_of(assessment, user, mrn) -> list[tuple[str, int, float]]:
    return [(h["criterion"], h["criterion_version"], h["weight"]) for h in assessment(user, mrn)["hits"]]


def test_put_on_published_opens_version_2_and_version_1_runs_until_approved(
    people, api, eu_published, file_ens, screen, assessment
):
    reader, system = people["fr_analyst"], people["fr_system"]
    (before,) = file_ens(system, make_ens())
    screen(before)
    assert hits_of(assessment, reader, before) == [("CRC-LC-1", 1, 60.0)]

    v2 = make_criterion(eu_published, weight=80, title="Toys, heavier")
    response = api(people["commission"]).put(f"{URL}{eu_published}/", v2, format="json")
    assert response.status_code == 200
    body = response.json()
    assert [(v["version"], v["status"]) for v in body["versions"]] == [(1, "published"), (2, "draft")]
    assert (body["status"], body["published_version"], body["weight"]) == ("draft", 1, 80)
    assert body["versions"][0]["weight"] == 60  # a published version never changes

    forget_compiled_criteria()
    (during,) = file_ens(system, make_ens())
    screen(during)
    assert hits_of(assessment, reader, during) == [("CRC-LC-1", 1, 60.0)]  # the draft does not run

    # Editing the open draft again changes it in place (no version 3).
    v2b = make_criterion(eu_published, weight=70, title="Toys, heavier")
    assert api(people["commission"]).put(f"{URL}{eu_published}/", v2b, format="json").status_code == 200
    assert transition(api, people["commission"], eu_published, "submit").status_code == 200
    forget_compiled_criteria()
    (submitted,) = file_ens(system, make_ens())
    screen(submitted)
    assert hits_of(assessment, reader, submitted) == [("CRC-LC-1", 1, 60.0)]  # submitted does not run either

    assert transition(api, people["commission_approver"], eu_published, "approve").status_code == 200
    forget_compiled_criteria()
    (after,) = file_ens(system, make_ens())
    screen(after)
    assert hits_of(assessment, reader, after) == [("CRC-LC-1", 2, 70.0)]
    assert hits_of(assessment, reader, before) == [("CRC-LC-1", 1, 60.0)]  # the hit keeps the version that fired

    detail = api(reader).get(f"{URL}{eu_published}/").json()
    assert [(v["version"], v["status"], v["weight"]) for v in detail["versions"]] == [
        (1, "superseded", 60),
        (2, "published", 70),
    ]
    assert (detail["status"], detail["published_version"]) == ("published", 2)
    listed = {c["code"]: c for c in api(reader).get(URL).json()["results"]}
    assert [v["version"] for v in listed[eu_published]["versions"]] == [1, 2]


def test_put_cannot_change_code_or_scope(people, api, eu_published):
    client = api(people["commission"])
    assert_error_body(client.put(f"{URL}{eu_published}/", make_criterion("CRC-LC-OTHER"), format="json"), 400)
    rescoped = client.put(f"{URL}{eu_published}/", make_criterion(eu_published, scope="national"), format="json")
    assert rescoped.status_code in (400, 403)  # a commission user may not author national profiles anyway
    assert_error_body(rescoped, rescoped.status_code)
    assert_error_body(
        api(people["fr_analyst"]).put(f"{URL}{eu_published}/", make_criterion(eu_published), format="json"), 403
    )
    assert_error_body(
        api(people["fr_system"]).put(f"{URL}{eu_published}/", make_criterion(eu_published), format="json"), 403
    )
    assert CriterionVersion.objects.filter(criterion__code=eu_published).count() == 1


def test_retire_stops_hits(people, api, eu_published, file_ens, screen, assessment):
    (mrn,) = file_ens(people["fr_system"], make_ens())
    screen(mrn)
    assert hits_of(assessment, people["fr_analyst"], mrn) == [("CRC-LC-1", 1, 60.0)]
    assert_error_body(transition(api, people["commission"], eu_published, "retire"), 403)
    assert_error_body(transition(api, people["fr_risk_manager"], eu_published, "retire"), 403)
    response = transition(api, people["commission_approver_2"], eu_published, "retire", {"comment": "obsolete"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["published_version"]) == ("retired", None)
    forget_compiled_criteria()
    screen(mrn)
    assert hits_of(assessment, people["fr_analyst"], mrn) == []
    (fresh,) = file_ens(people["fr_system"], make_ens())
    screen(fresh)
    assert assessment(people["fr_analyst"], fresh)["hits"] == []
    assert_error_body(transition(api, people["commission_approver"], eu_published, "retire"), 409)  # already retired


def test_the_author_of_the_published_version_cannot_retire_it_alone(people, api):
    author = people["commission_approver"]
    assert create(api, author, make_criterion("CRC-LC-RET4E")).status_code == 201
    assert transition(api, author, "CRC-LC-RET4E", "submit").status_code == 200
    assert transition(api, people["commission_approver_2"], "CRC-LC-RET4E", "approve").status_code == 200
    assert_error_body(transition(api, author, "CRC-LC-RET4E", "retire"), 403)


# --- reading -----------------------------------------------------------------------------------------------


def test_restricted_eu_criterion_logic_for_its_readers_never_auditors(people, api, criterion):
    """Contract v2 section 3: the Commission and Member State risk staff read published restricted logic."""
    doc = criterion("CRC-LC-FIN", restricted=True, risk_area="financial")
    assert create(api, people["commission"], doc).status_code == 201
    assert transition(api, people["commission"], "CRC-LC-FIN", "submit").status_code == 200
    assert transition(api, people["commission_approver"], "CRC-LC-FIN", "approve").status_code == 200
    visible = dict.fromkeys(("commission", "commission_approver", "fr_analyst", "fr_risk_manager", "nl_analyst"), True)
    for persona in (
        "commission",
        "commission_approver",
        "fr_analyst",
        "fr_risk_manager",
        "nl_analyst",
        "eu_auditor",
        "fr_auditor",
    ):
        client = api(people[persona])
        detail = client.get(f"{URL}CRC-LC-FIN/").json()
        listed = next(c for c in client.get(URL).json()["results"] if c["code"] == "CRC-LC-FIN")
        for document in (detail, listed):
            assert document["restricted"] is True
            conditions = [document["condition"], *(v["condition"] for v in document["versions"])]
            if visible.get(persona):
                assert conditions == [doc["condition"]] * 2, persona
            else:
                assert conditions == [None, None], persona
                assert document["description"] is None, persona  # the plain-language logic too
            assert document["title"] == doc["title"]  # the rest stays readable


def test_a_new_eu_draft_stays_the_commissions_while_the_published_version_runs(people, api, eu_published):
    """Contract v2 section 3: the PUT opens draft version 2; outside the Commission the criterion reads as
    version 1, published, until version 2 is approved."""
    edited = api(people["commission"]).put(
        f"{URL}{eu_published}/", make_criterion(eu_published, weight=91), format="json"
    )
    assert edited.status_code == 200 and edited.json()["status"] == "draft"
    for persona in ("eu_auditor", "commission_approver"):
        assert [v["status"] for v in api(people[persona]).get(f"{URL}{eu_published}/").json()["versions"]] == [
            "published",
            "draft",
        ]
    for persona in ("fr_analyst", "fr_risk_manager", "fr_auditor", "fr_system"):
        document = api(people[persona]).get(f"{URL}{eu_published}/").json()
        assert ([v["version"] for v in document["versions"]], document["status"], document["weight"]) == (
            [1],
            "published",
            60,
        ), persona
    assert transition(api, people["commission"], eu_published, "submit").status_code == 200
    assert transition(api, people["commission_approver"], eu_published, "approve").status_code == 200
    document = api(people["fr_analyst"]).get(f"{URL}{eu_published}/").json()
    assert ([v["status"] for v in document["versions"]], document["weight"]) == (["superseded", "published"], 91)


def test_national_systems_read_criteria_but_change_none(people, api, eu_published, fr_submitted):
    """Contract v2 section 3: national engines implement the criteria (published EU ones, their own
    Member State's profiles); a national system changes none of them."""
    client = api(people["fr_system"])
    listed = client.get(URL)
    assert listed.status_code == 200
    assert {eu_published, fr_submitted} <= {c["code"] for c in listed.json()["results"]}
    for code in (eu_published, fr_submitted):
        assert client.get(f"{URL}{code}/").status_code == 200
        assert_error_body(client.post(f"{URL}{code}/submit/"), 409)  # nothing in draft: the state comes first
        assert_error_body(client.post(f"{URL}{code}/retire/"), 403)


def test_list_and_scope_filter(people, api, eu_published, fr_submitted):
    def codes(user, query=""):
        response = api(user).get(URL + query)
        assert response.status_code == 200
        return [c["code"] for c in response.json()["results"]]

    assert codes(people["fr_analyst"]) == [eu_published, fr_submitted]
    assert codes(people["fr_analyst"], "?scope=national") == [fr_submitted]
    assert codes(people["nl_analyst"]) == [eu_published]
    assert codes(people["commission"], "?scope=eu") == [eu_published]
    assert codes(people["eu_auditor"]) == [eu_published, fr_submitted]
    assert codes(people["fr_auditor"]) == [eu_published, fr_submitted]
    assert codes(people["de_analyst"]) == [eu_published]


# --- audit ------------------------------------------------------------------------------------------------------


def test_every_transition_is_audited(people, api, eu_published):
    client = api(people["commission"])
    assert (
        client.put(f"{URL}{eu_published}/", make_criterion(eu_published, weight=10), format="json").status_code == 200
    )
    assert (
        client.put(f"{URL}{eu_published}/", make_criterion(eu_published, weight=20), format="json").status_code == 200
    )
    assert transition(api, people["commission"], eu_published, "submit", {"comment": "v2 please"}).status_code == 200
    assert (
        transition(api, people["commission_approver_2"], eu_published, "approve", {"comment": "ok"}).status_code == 200
    )
    assert (
        transition(api, people["commission_approver"], eu_published, "retire", {"comment": "done"}).status_code == 200
    )
    assert audit_actions(eu_published) == [
        ("criterion.draft_created", "commission"),
        ("criterion.submitted", "commission"),
        ("criterion.published", "commission_approver"),
        ("criterion.draft_updated", "commission"),
        ("criterion.draft_updated", "commission"),
        ("criterion.submitted", "commission"),
        ("criterion.published", "commission_approver_2"),
        ("criterion.retired", "commission_approver"),
    ]
    entries = list(AuditEntry.objects.filter(object_repr=eu_published).order_by("id"))
    assert all(entry.action.startswith("criterion.") for entry in entries)
    published_v2 = entries[6]
    assert (published_v2.before["version"], published_v2.after["version"], published_v2.after["comment"]) == (
        1,
        2,
        "ok",
    )
    assert entries[4].before["weight"] == 10 and entries[4].after["weight"] == 20
    assert entries[7].after["comment"] == "done" and entries[7].organisation_code == "EU"


def test_refused_transitions_change_nothing_and_audit_nothing(people, api, fr_submitted):
    before = audit_actions(fr_submitted)
    assert_error_body(transition(api, people["fr_analyst"], fr_submitted, "approve"), 403)
    assert_error_body(transition(api, people["fr_analyst"], fr_submitted, "retire"), 403)
    assert_error_body(transition(api, people["fr_risk_manager"], fr_submitted, "retire"), 409)
    assert (
        audit_actions(fr_submitted)
        == before
        == [
            ("criterion.draft_created", "fr_analyst"),
            ("criterion.submitted", "fr_analyst"),
        ]
    )
    assert CriterionVersion.objects.get(criterion__code=fr_submitted).status == "submitted"
