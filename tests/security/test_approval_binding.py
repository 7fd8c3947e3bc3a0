"""Approval binds to content (issue 13 point 3, contract v2 section 3).

Invariant: every attribute that changes what runs or who reads it belongs to the version and changes
only through approval; approval names the version (and the content) its approver reviewed; everyone
who edited counts as an author for the four-eyes rule; the same holds for RIFs.

Enumerated, so that growth fails here first:
- ``ATTRIBUTES``: every content attribute of a criterion version (a new model field on
  ``CriterionVersion`` or ``Criterion`` without a row fails ``test_every_version_attribute_has_a_row``);
- ``EDIT_PATHS``: every way to edit a criterion (REST PUT, the builder's save, shadow promotion), each
  tried on every attribute of a published criterion by a ``commission`` user (no approval right);
- ``ROUTES``: every URL of the criteria and RIF areas, classified (a new one without a row fails).
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from rif import forms as rif_forms
from rif import services as rif_services
from rif.models import Rif, RifStatus
from risk_engine import services
from risk_engine.compiler import forget_compiled_criteria, published_criteria
from risk_engine.models import Criterion, CriterionVersion, Status
from tests.conftest import make_user
from tests.rif.conftest import rif_body
from tests.risk_engine.conftest import api_client, make_criterion

CODE = "CRC-AB-001"

# Model field -> (document key, base value, edited value). The base document is make_criterion's.
ATTRIBUTES: dict[str, tuple[str, object, object]] = {
    "title": ("title", "Toys", "Toys and games"),
    "description": ("description", "Plain words.", "Other plain words."),
    # Financial at first, so that a financial risk type may be added by an edit (it is refused elsewhere).
    "risk_area": ("risk_area", "financial", "product_safety"),
    "applies_to": (
        "applies_to",
        {"phases": [], "transport_modes": []},
        {"phases": ["pre_arrival"], "transport_modes": ["sea"]},
    ),
    "condition": (
        "condition",
        {"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9503"]}]},
        {"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9504"]}]},
    ),
    "weight": ("weight", 60, 95),
    "outcome": ("outcome", "control_recommended", "do_not_load"),
    "control_type": ("control_type", "documentary", "physical"),
    "valid_from": ("valid_from", "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
    "valid_to": ("valid_to", None, "2031-01-01T00:00:00+00:00"),
    "allows_aeo_facilitation": ("allows_aeo_facilitation", False, True),
    "shadow": ("shadow", False, True),
    # The probe's finding: a commission user lifted the restriction of a published criterion with one PUT.
    "restricted": ("restricted", True, False),
    "legal_act": ("legal_act", "C(2018)3293 final", "C(2021)0001 final"),
    "financial_subtype": ("financial_subtype", None, "undervaluation"),
    "control_stage": ("control_stage", "entry", "post_clearance"),
}
# Lifecycle and identity: who wrote it, where it stands. Never content.
LIFECYCLE = {
    "id",
    "criterion",
    "version",
    "status",
    "author",
    "editors",
    "created_at",
    "submitted_at",
    "published_at",
    "published_by",
    "retired_at",
    "retired_by",
    "hits",
    "backtests",
}
CRITERION_IDENTITY = {"id", "code", "scope", "owner", "created_at", "created_by", "versions"}


def _base_document(**overrides) -> dict:
    doc = make_criterion(CODE, **{key: base for key, base, _ in ATTRIBUTES.values()})
    doc.update(overrides)
    return doc


def _edited_document(attribute: str, **overrides) -> dict:
    key, _, edited = ATTRIBUTES[attribute]
    return _base_document(**overrides) | {key: edited}


def _content(version: CriterionVersion) -> dict:
    return {name: getattr(version, name if name != "risk_area" else "risk_area_id") for name in ATTRIBUTES}


def _rest_put(author, doc) -> None:
    response = api_client(author).put(f"/api/v1/criteria/{doc['code']}/", doc, format="json")
    assert response.status_code == 200, response.content


def _builder_save(author, doc) -> None:
    client = Client()
    client.force_login(author)
    response = client.post("/criteria/builder/save/", json.dumps(doc), content_type="application/json")
    assert response.status_code == 201, response.content


EDIT_PATHS = {"rest_put": _rest_put, "builder_save": _builder_save}


@pytest.fixture
def cast(personas) -> dict:
    return {
        **personas,
        "commission_approver_2": make_user("commission_approver_2", "EU", "commission_approver"),
        "fr_risk_manager_2": make_user("fr_risk_manager_2", "FR", "risk_manager"),
        "nl_risk_manager": make_user("nl_risk_manager", "NL", "risk_manager"),
        "nl_risk_manager_2": make_user("nl_risk_manager_2", "NL", "risk_manager"),
    }


def _publish(doc, author, approver) -> Criterion:
    version = services.create_criterion(actor=author, data=doc)
    services.submit_criterion(actor=author, criterion=version.criterion)
    services.approve_criterion(actor=approver, criterion=version.criterion)
    forget_compiled_criteria()
    return version.criterion


def _document(user, code: str = CODE) -> dict:
    response = api_client(user).get(f"/api/v1/criteria/{code}/")
    assert response.status_code == 200, response.content
    return response.json()


def _approve(user, code: str = CODE, **body):
    return api_client(user).post(f"/api/v1/criteria/{code}/approve/", body, format="json")


# --- the enumerations are complete --------------------------------------------------------------------------------


def test_every_version_attribute_has_a_row():
    """A new field on a version is content (a row here) or lifecycle; a criterion holds identity only."""
    version_fields = {field.name for field in CriterionVersion._meta.get_fields()}
    assert version_fields - LIFECYCLE == set(ATTRIBUTES), "classify the new version field"
    criterion_fields = {field.name for field in Criterion._meta.get_fields()}
    # Links from other areas (RIFs, crises, PCAs, feedback) point at the criterion; they are not its content.
    links = {f.name for f in Criterion._meta.get_fields() if f.is_relation and f.auto_created and f.name != "versions"}
    assert criterion_fields - links == CRITERION_IDENTITY, (
        "content on the criterion would change without approval: put it on the version"
    )
    # Each kind of edit has a test below trying it on reviewed content.
    assert {kind for kind in ROUTES.values() if kind in EDIT_KINDS} == EDIT_KINDS
    assert set(EDIT_PATHS) | {"promote"} | set(RIF_EDIT_PATHS) == EDIT_KINDS


# Every URL of the criteria and RIF areas: what it may do to reviewed content.
EDIT_KINDS = {"rest_put", "builder_save", "promote", "rif_form", "rif_attach"}
ROUTES = {
    "api/v1/criteria/<str:code>/": "rest_put",
    "criteria/builder/save/": "builder_save",  # creates, or edits the open / a new version
    "criteria/<str:code>/promote/": "promote",
    "rif/<str:reference>/edit/": "rif_form",
    "rif/<str:reference>/attachments/": "rif_attach",
    "api/v1/criteria/": "creates a draft",
    "api/v1/rifs/": "creates a draft",
    "rif/new/": "creates a draft",
    "rif/<str:reference>/criterion/": "creates a draft criterion",
    "api/v1/criteria/<str:code>/approve/": "approval (bound)",
    "criteria/<str:code>/transition/<str:action>/": "approval (bound), submit, retire",
    "rif/<str:reference>/transition/<str:action>/": "approval (bound), submit, return, withdraw",
    "api/v1/criteria/<str:code>/submit/": "lifecycle",
    "api/v1/criteria/<str:code>/retire/": "lifecycle",
    "criteria/": "read",
    "criteria/new/": "read (the builder page)",
    "criteria/<str:code>/edit/": "read (the builder page)",
    "criteria/builder/preview/": "read",
    "criteria/builder/lookup/": "read",
    "criteria/<str:code>/": "read",
    "criteria/<str:code>/diff/": "read",
    "criteria/<str:code>/export.json": "read",
    "criteria/<str:code>/backtests/": "backtest (no content)",
    "criteria/<str:code>/backtests/latest/": "read",
    "criteria/<str:code>/backtests/<int:pk>/": "read",
    "criteria/<str:code>/backtests/<int:pk>/progress/": "read",
    "criteria/watch-lists/": "watch lists (data, revision-tracked)",
    "criteria/watch-lists/new/": "watch lists (data, revision-tracked)",
    "criteria/watch-lists/<str:code>/": "watch lists (data, revision-tracked)",
    "criteria/watch-lists/<str:code>/entries/": "watch lists (data, revision-tracked)",
    "criteria/watch-lists/<str:code>/entries/<int:entry_id>/remove/": "watch lists (data, revision-tracked)",
    "criteria/watch-lists/<str:code>/import/": "watch lists (data, revision-tracked)",
    "api/v1/watch-lists/": "watch lists (data, revision-tracked)",
    "rif/": "read",
    "rif/follow-up/": "read",
    "rif/notifications/": "read",
    "rif/<str:reference>/": "read",
    "rif/<str:reference>/read/": "recipient marks read",
    "rif/<str:reference>/feedback/": "recipient feedback",
    "rif/<str:reference>/attachments/<int:pk>/": "read",
    "api/v1/rifs/<str:reference>/": "read",
    "api/v1/rifs/<str:reference>/feedback/": "recipient feedback",
    "rif/crises/": "crisis alerts",
    "rif/crises/new/": "crisis alerts",
    "rif/crises/<int:pk>/": "crisis alerts",
    "rif/crises/<int:pk>/posts/": "crisis alerts",
    "rif/crises/<int:pk>/criteria/": "crisis alerts",
    "rif/crises/<int:pk>/close/": "crisis alerts",
    "api/v1/crises/": "crisis alerts",
    "api/v1/crises/<int:pk>/": "crisis alerts",
    "api/v1/crises/<int:pk>/posts/": "crisis alerts",
    "api/v1/rifs/<str:reference>/read/": "recipient marks read",
    "api/v1/rifs/<str:reference>/attachments/<int:pk>/": "read",
    "api/v1/criteria/<str:code>/return/": "lifecycle (back to draft, with the approver's comment)",
    "api/v1/criteria/<str:code>/reject/": "lifecycle (back to draft, with the approver's comment)",
}


def _area_routes(resolver=None, prefix: str = "") -> set[str]:
    routes = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "admin/":
                routes |= _area_routes(pattern, route)
            continue
        view = getattr(pattern.callback, "view_class", pattern.callback)
        if view.__module__.startswith(("risk_engine", "rif")):
            routes.add(route)
    return routes


def test_every_route_of_the_criteria_and_rif_areas_has_a_row():
    missing = _area_routes() - set(ROUTES)
    assert not missing, "say what these do to reviewed content:\n" + "\n".join(sorted(missing))


# --- no edit path changes a published version -----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(EDIT_PATHS))
@pytest.mark.parametrize("attribute", sorted(ATTRIBUTES))
def test_an_edit_never_changes_the_published_version_before_approval(cast, attribute, path):
    commission, approver, auditor = cast["commission"], cast["commission_approver"], cast["eu_auditor"]
    criterion = _publish(_base_document(), commission, approver)
    published = criterion.versions.get(status=Status.PUBLISHED)
    before, revision_ids = _content(published), {c.version_id for c in published_criteria()[0]}
    assert services.may_approve(commission, criterion) is False  # the probe's persona: no approval right

    EDIT_PATHS[path](commission, _edited_document(attribute))

    published.refresh_from_db()
    assert published.status == Status.PUBLISHED and _content(published) == before
    draft = criterion.versions.get(status=Status.DRAFT)
    key, base, _ = ATTRIBUTES[attribute]
    assert _content(draft)[attribute] != before[attribute]
    forget_compiled_criteria()
    assert {c.version_id for c in published_criteria()[0]} == revision_ids  # what runs is unchanged
    document = _document(approver)
    assert document["published_version"] == published.version and document["restricted"] == before["restricted"]
    assert document["versions"][published.version - 1][key] == base  # as published, over the API too
    assert _document(auditor)["condition"] is None  # still restricted for an auditor: nothing widened

    services.submit_criterion(actor=commission, criterion=criterion)
    shown = _document(approver)["versions"][-1]
    response = _approve(approver, version=shown["version"], fingerprint=shown["fingerprint"])
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.published_by == approver
    if attribute == "restricted":  # lifted by approval: the new version's logic is readable, the old one's not
        versions = _document(auditor)["versions"]
        assert versions[-1]["condition"] is not None and versions[0]["condition"] is None


def test_promoting_a_shadow_criterion_changes_nothing_until_approved(cast):
    commission, approver = cast["commission"], cast["commission_approver"]
    criterion = _publish(_base_document(shadow=True, restricted=False), commission, approver)
    client = Client()
    client.force_login(commission)
    assert client.post(f"/criteria/{CODE}/promote/").status_code == 302
    published = criterion.versions.get(status=Status.PUBLISHED)
    assert published.shadow is True and criterion.versions.get(status=Status.SUBMITTED).shadow is False


def test_a_published_version_never_changes_even_outside_the_services(cast):
    """The database refuses it (the admin, a shell, a future import): every attribute, and a move back to draft."""
    criterion = _publish(_base_document(), cast["commission"], cast["commission_approver"])
    published = criterion.versions.get(status=Status.PUBLISHED)
    changes = {name: edited for name, (_, _, edited) in ATTRIBUTES.items()} | {"status": Status.DRAFT}
    for attribute, value in changes.items():
        column = "risk_area_id" if attribute == "risk_area" else attribute
        with pytest.raises(IntegrityError, match="never changes"), transaction.atomic():
            CriterionVersion.objects.filter(pk=published.pk).update(**{column: value})
    # Its lifecycle still moves on (retire, supersede).
    services.retire_criterion(actor=cast["commission_approver_2"], criterion=criterion)


# --- approval names what was reviewed ---------------------------------------------------------------------------


def test_an_edit_after_the_approver_opened_it_refuses_the_approval(cast):
    author, approver = cast["commission"], cast["commission_approver"]
    version = services.create_criterion(actor=author, data=_base_document(restricted=False))
    services.submit_criterion(actor=author, criterion=version.criterion)
    opened = _document(approver)["versions"][-1]  # what the approver reviews

    _rest_put(author, _edited_document("weight", restricted=False))  # the author changes it meanwhile
    assert CriterionVersion.objects.get(pk=version.pk).status == Status.DRAFT  # back to draft
    response = _approve(approver, version=opened["version"], fingerprint=opened["fingerprint"])
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "version"

    services.submit_criterion(actor=author, criterion=version.criterion)  # same version number, new content
    response = _approve(approver, version=opened["version"], fingerprint=opened["fingerprint"])
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "fingerprint"
    assert CriterionVersion.objects.get(pk=version.pk).status == Status.SUBMITTED

    assert _approve(approver, version=opened["version"] + 1).status_code == 409  # not the version submitted
    reviewed = _document(approver)["versions"][-1]
    assert reviewed["weight"] == 95
    assert _approve(approver, version=reviewed["version"], fingerprint=reviewed["fingerprint"]).status_code == 200


def test_a_body_less_approval_approves_the_version_as_it_stands(cast):
    """Contract v1 clients send no body: they approve the submitted version as it is."""
    author = cast["commission"]
    version = services.create_criterion(actor=author, data=_base_document(restricted=False))
    services.submit_criterion(actor=author, criterion=version.criterion)
    response = api_client(cast["commission_approver"]).post(f"/api/v1/criteria/{CODE}/approve/")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "field"),
    [({"version": "2"}, "version"), ({"version": 0}, "version"), ({"version": True}, "version"),
     ({"fingerprint": "abc"}, "fingerprint"), ({"fingerprint": 7}, "fingerprint")],
)  # fmt: skip
def test_a_malformed_reviewed_version_is_a_400_naming_the_field(cast, body, field):
    author = cast["commission"]
    version = services.create_criterion(actor=author, data=_base_document(restricted=False))
    services.submit_criterion(actor=author, criterion=version.criterion)
    response = _approve(cast["commission_approver"], **body)
    assert response.status_code == 400 and field in json.dumps(response.json())
    assert CriterionVersion.objects.get(pk=version.pk).status == Status.SUBMITTED


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_approval_page_sends_the_version_it_showed(cast):
    author, approver = cast["commission"], cast["commission_approver"]
    version = services.create_criterion(actor=author, data=_base_document(restricted=False))
    services.submit_criterion(actor=author, criterion=version.criterion)
    browser = Client()
    browser.force_login(approver)
    page = browser.get(f"/criteria/{CODE}/").content.decode()
    shown = {"version": _hidden(page, "version"), "fingerprint": _hidden(page, "fingerprint")}
    assert shown["version"] == "1"

    _builder_save(author, _edited_document("condition", restricted=False))
    services.submit_criterion(actor=author, criterion=version.criterion)
    url = f"/criteria/{CODE}/transition/approve/"
    refused = browser.post(url, {"comment": "looks fine", **shown})
    assert refused.status_code == 409 and "changed after you opened it" in refused.content.decode()
    assert browser.post(url, {"comment": "looks fine"}).status_code == 400  # the page always sends it
    assert CriterionVersion.objects.get(pk=version.pk).status == Status.SUBMITTED

    page = browser.get(f"/criteria/{CODE}/").content.decode()
    fresh = {"version": _hidden(page, "version"), "fingerprint": _hidden(page, "fingerprint")}
    assert browser.post(url, {"comment": "reviewed again", **fresh}).status_code == 302
    assert CriterionVersion.objects.get(pk=version.pk).status == Status.PUBLISHED


# --- four-eyes counts every editor ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(EDIT_PATHS))
@pytest.mark.parametrize(
    ("scope", "author", "co_editor", "other_approver"),
    [("eu", "commission", "commission_approver", "commission_approver_2"),
     ("national", "fr_analyst", "fr_risk_manager", "fr_risk_manager_2")],
)  # fmt: skip
def test_whoever_edited_a_version_may_not_approve_it(cast, path, scope, author, co_editor, other_approver):
    author, co_editor, other = cast[author], cast[co_editor], cast[other_approver]
    code = "CRC-AB-EYES" if scope == "eu" else "FR-AB-EYES"
    doc = _base_document(code=code, scope=scope, restricted=False)
    version = services.create_criterion(actor=author, data=doc)
    EDIT_PATHS[path](co_editor, doc | {"weight": 80})  # the approver rewrites a colleague's draft
    services.submit_criterion(actor=author, criterion=version.criterion)

    response = _approve(co_editor, code=code)
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "four_eyes"
    page = Client()
    page.force_login(co_editor)
    assert "Approve and publish" not in page.get(f"/criteria/{code}/").content.decode()
    assert sorted(_document(other, code)["versions"][-1]["editors"]) == sorted([author.username, co_editor.username])

    assert _approve(other, code=code).status_code == 200
    retire = api_client(co_editor).post(f"/api/v1/criteria/{code}/retire/")
    assert retire.status_code == 403 and retire.json()["errors"][0]["code"] == "four_eyes"


def test_a_co_editor_may_submit_the_draft(cast):
    author, co_editor = cast["fr_analyst"], cast["fr_risk_manager"]
    doc = _base_document(code="FR-AB-SUB", scope="national", restricted=False)
    version = services.create_criterion(actor=author, data=doc)
    _rest_put(co_editor, doc | {"weight": 70})
    services.submit_criterion(actor=co_editor, criterion=version.criterion)
    with pytest.raises(services.CriteriaError) as refused:
        services.approve_criterion(actor=co_editor, criterion=version.criterion)
    assert refused.value.status == 403
    services.approve_criterion(actor=cast["fr_risk_manager_2"], criterion=version.criterion)


# --- RIFs -------------------------------------------------------------------------------------------------------


def _rif_form_edit(user, rif: Rif, **changes) -> None:
    values = rif_forms.values_from_rif(rif) | changes
    values["all_participants"] = "yes" if values["all_participants"] else ""
    client = Client()
    client.force_login(user)
    response = client.post(f"/rif/{rif.reference}/edit/", {k: v for k, v in values.items() if v is not None})
    assert response.status_code == 302, response.content.decode()[:2000]


def _rif_attach(user, rif: Rif) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(user)
    upload = SimpleUploadedFile("note.txt", b"what the approver reads", content_type="text/plain")
    assert client.post(f"/rif/{rif.reference}/attachments/", {"file": upload}).status_code == 302


RIF_EDIT_PATHS = {"rif_form": lambda user, rif: _rif_form_edit(user, rif, title="Rewritten by the manager"),
                  "rif_attach": _rif_attach}  # fmt: skip


@pytest.mark.parametrize("path", sorted(RIF_EDIT_PATHS))
def test_a_risk_manager_who_rewrote_a_colleagues_rif_may_not_approve_it(cast, path):
    analyst, manager, other = cast["nl_analyst"], cast["nl_risk_manager"], cast["nl_risk_manager_2"]
    rif = rif_services.create_rif(actor=analyst, data=rif_body())
    RIF_EDIT_PATHS[path](manager, rif)
    rif_services.submit_rif(actor=analyst, rif=rif)
    assert rif_services.four_eyes_ok(manager, rif) is False

    browser = Client()
    browser.force_login(manager)
    page = browser.get(f"/rif/{rif.reference}/").content.decode()
    assert "Approve and publish" not in page and 'id="four-eyes-note"' in page
    browser.post(f"/rif/{rif.reference}/transition/approve/", {"fingerprint": rif_services.rif_fingerprint(rif)})
    assert Rif.objects.get(pk=rif.pk).status == RifStatus.SUBMITTED
    with pytest.raises(rif_services.RifError) as refused:
        rif_services.approve_rif(actor=manager, rif=rif)
    assert refused.value.status == 403 and refused.value.errors[0]["code"] == "four_eyes"

    assert rif_services.approve_rif(actor=other, rif=rif).status == RifStatus.PUBLISHED


def test_a_rif_changed_after_its_approver_opened_it_is_not_approved(cast):
    analyst, first, second = cast["nl_analyst"], cast["nl_risk_manager"], cast["nl_risk_manager_2"]
    rif = rif_services.create_rif(actor=analyst, data=rif_body())
    rif_services.submit_rif(actor=analyst, rif=rif)
    browser = Client()
    browser.force_login(second)
    opened = _hidden(browser.get(f"/rif/{rif.reference}/").content.decode(), "fingerprint")

    rif_services.return_rif(actor=first, rif=rif, comment="Name the route, please.")
    _rif_form_edit(analyst, Rif.objects.get(pk=rif.pk), routing="CN, TR")
    rif_services.submit_rif(actor=analyst, rif=rif)

    browser.post(f"/rif/{rif.reference}/transition/approve/", {"fingerprint": opened})
    assert Rif.objects.get(pk=rif.pk).status == RifStatus.SUBMITTED
    with pytest.raises(rif_services.RifError) as refused:
        rif_services.approve_rif(actor=second, rif=rif, fingerprint=opened)
    assert refused.value.status == 409
    browser.post(f"/rif/{rif.reference}/transition/approve/", {})  # the page always sends it
    assert Rif.objects.get(pk=rif.pk).status == RifStatus.SUBMITTED

    fresh = _hidden(browser.get(f"/rif/{rif.reference}/").content.decode(), "fingerprint")
    assert fresh != opened
    browser.post(f"/rif/{rif.reference}/transition/approve/", {"fingerprint": fresh})
    assert Rif.objects.get(pk=rif.pk).status == RifStatus.PUBLISHED
