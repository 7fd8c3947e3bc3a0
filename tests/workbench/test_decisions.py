"""Decisions: one per version, amendments, re-screening after a retirement, and validation that writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from crms.audit.models import AuditEntry
from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration
from risk_engine import services as engine_services
from risk_engine.compiler import forget_compiled_criteria
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_ens, screen_mrns
from workbench import services
from workbench.models import Case, CaseState, Decision

pytestmark = pytest.mark.django_db

NL_UNLOADING = {"place_of_unloading": "NLRTM", "countries_of_routing": ["CN", "NL"]}
PRE_ARRIVAL = {"phase": "pre_arrival", "filing_type": "F20"}


def refusal(**kwargs) -> services.WorkbenchError:
    with pytest.raises(services.WorkbenchError) as caught:
        services.decide(**kwargs)
    return caught.value


def fields(error: services.WorkbenchError) -> set[str]:
    return {e["field"] for e in error.errors}


def file_screened(user, **overrides) -> tuple[str, dict]:
    body = make_ens(**(NL_UNLOADING | overrides))
    (mrn,) = file_bodies(user, body)
    screen_mrns(mrn)
    return mrn, body


def amend(user, mrn: str, body: dict, **changes) -> None:
    declaration = Declaration.objects.get(mrn=mrn)
    result = amend_declaration(declaration, body | changes, user=user)
    assert result.status == 201, result.errors


def fr_case(mrn: str, version: int) -> Case:
    return Case.objects.get(declaration__mrn=mrn, version__version=version, member_state_id="FR")


# --- one decision per version --------------------------------------------------------------------------------------


def test_one_decision_per_version(people, referred):
    case = referred()
    decision = services.decide(
        actor=people["fr_analyst"], case=case, action="control", control_type="physical", control_place="border"
    )
    assert (decision.version_id, decision.member_state_id, decision.decided_by) == (
        case.version_id,
        "FR",
        people["fr_analyst"],
    )
    assert decision.engine_outcome == "control_recommended" and decision.decided_at is not None
    for actor in (people["fr_analyst"], people["fr_analyst_2"]):
        error = refusal(actor=actor, case=case, action="dismiss", reason="Second thoughts, nothing there.")
        assert error.status == 409 and error.errors[0]["code"] == "already_decided"
    assert Decision.objects.filter(version=case.version).count() == 1
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    entry = AuditEntry.objects.get(action="decision.recorded")
    assert entry.after["action"] == "control" and entry.after["decided_by"] == "fr_analyst"


def test_an_amendment_supersedes_the_open_case_and_the_new_version_gets_its_own(people, toy_criterion):
    system = people["fr_system"]
    mrn, body = file_screened(system)
    old = fr_case(mrn, 1)
    amend(system, mrn, body, expected_arrival=body["expected_arrival"].replace("+00:00", "+01:00"))
    screen_mrns(mrn)
    old.refresh_from_db()
    assert old.state == CaseState.SUPERSEDED
    new = fr_case(mrn, 2)
    assert new.state == CaseState.OPEN and new.criteria == ["CRC-WB-TOY"]
    error = refusal(actor=people["fr_analyst"], case=old, action="dismiss", reason="Old version, nothing there.")
    assert error.status == 409
    decision = services.decide(actor=people["fr_analyst"], case=new, action="dismiss", reason="Known consignee.")
    assert decision.version.version == 2


def test_a_decided_version_keeps_its_decision_and_the_amendment_gets_a_new_one(people, toy_criterion):
    system = people["fr_system"]
    mrn, body = file_screened(system)
    old = fr_case(mrn, 1)
    services.decide(actor=people["fr_analyst"], case=old, action="control", control_type="physical",
                    control_place="border")  # fmt: skip
    amend(system, mrn, body, goods_items=[body["goods_items"][0] | {"description": "plastic toy trucks"}])
    screen_mrns(mrn)
    old.refresh_from_db()
    assert old.state == CaseState.DECIDED
    new = fr_case(mrn, 2)
    assert new.state == CaseState.OPEN
    services.decide(actor=people["fr_analyst"], case=new, action="dismiss", reason="Amendment explains it.")
    assert list(Decision.objects.filter(declaration__mrn=mrn).order_by("version__version").values_list(
        "version__version", "action")) == [(1, "control"), (2, "dismiss")]  # fmt: skip


def test_an_amended_but_not_yet_screened_version_cannot_be_decided_on_the_old_case(people, toy_criterion):
    system = people["fr_system"]
    mrn, body = file_screened(system)
    old = fr_case(mrn, 1)
    amend(system, mrn, body, goods_items=[body["goods_items"][0] | {"description": "plastic toy trucks"}])
    error = refusal(actor=people["fr_analyst"], case=old, action="control", control_type="physical",
                    control_place="border")  # fmt: skip
    assert error.status == 409 and not Decision.objects.exists()


def test_rescreening_after_retirement_clears_undecided_cases_and_keeps_decided_ones(people, toy_criterion):
    system = people["fr_system"]
    open_mrn, _ = file_screened(system)
    decided_mrn, _ = file_screened(system)
    decided = fr_case(decided_mrn, 1)
    services.decide(actor=people["fr_analyst"], case=decided, action="dismiss", reason="Known consignee.")
    engine_services.retire_criterion(
        actor=make_user("wb-retirer", "EU", "commission_approver"), criterion=toy_criterion
    )
    forget_compiled_criteria()
    screen_mrns(open_mrn, decided_mrn)
    assert fr_case(open_mrn, 1).state == CaseState.CLEARED
    decided.refresh_from_db()
    assert decided.state == CaseState.DECIDED and decided.decision.action == "dismiss"
    error = refusal(actor=people["fr_analyst"], case=fr_case(open_mrn, 1), action="dismiss", reason="Nothing there.")
    assert error.status == 409


def test_rescreening_never_takes_away_a_decided_hit(people, toy_criterion):
    """Retiring a criterion removes its undecided hits, but a hit an analyst acted on stays (and keeps
    counting in the assessment and every figure built on hits), so the control it led to is credited."""
    from risk_engine.models import Assessment, Hit

    system = people["fr_system"]
    open_mrn, _ = file_screened(system)
    decided_mrn, _ = file_screened(system)
    before = Assessment.objects.get(declaration__mrn=decided_mrn)
    services.decide(
        actor=people["fr_analyst"], case=fr_case(decided_mrn, 1), action="control", control_type="physical",
        control_place="border",
    )  # fmt: skip
    engine_services.retire_criterion(
        actor=make_user("wb-retirer-2", "EU", "commission_approver"), criterion=toy_criterion
    )
    forget_compiled_criteria()
    screen_mrns(open_mrn, decided_mrn)

    def codes(mrn):
        return list(Hit.objects.filter(assessment__declaration__mrn=mrn).values_list("criterion_code", flat=True))

    assert codes(open_mrn) == []
    assert codes(decided_mrn) == [toy_criterion.code]
    after = Assessment.objects.get(declaration__mrn=decided_mrn)
    assert (after.outcome, after.score) == (before.outcome, before.score)


# --- validation: the field is named, nothing is written -------------------------------------------------------------


def assert_nothing_written(case: Case) -> None:
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert not Decision.objects.filter(case=case).exists()
    assert not AuditEntry.objects.filter(action="decision.recorded").exists()
    assert not Case.objects.filter(version=case.version).exclude(pk=case.pk).exists()


@pytest.mark.parametrize("action", ["request_for_information", "high_risk_cargo_screening", "do_not_load"])
def test_pre_loading_actions_are_refused_in_pre_arrival(people, referred, action):
    case = referred(**PRE_ARRIVAL)
    assert not case.pre_loading
    error = refusal(actor=people["fr_analyst"], case=case, action=action)
    assert error.status == 400 and fields(error) == {"action"}
    assert_nothing_written(case)


@pytest.mark.parametrize("action", ["request_for_information", "high_risk_cargo_screening", "do_not_load"])
def test_pre_loading_actions_are_accepted_in_pre_loading(people, referred, action):
    case = referred()
    assert case.pre_loading
    decision = services.decide(actor=people["fr_analyst"], case=case, action=action)
    assert decision.control_place == "" and decision.forwarded_to is None
    assert decision.control_type == ("scanning" if action == "high_risk_cargo_screening" else "")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"action": "control"}, {"control_type", "control_place"}),
        ({"action": "control", "control_type": "physical"}, {"control_place"}),
        ({"action": "control", "control_place": "border"}, {"control_type"}),
        ({"action": "control", "control_type": "x-ray", "control_place": "border"}, {"control_type"}),
        ({"action": "control", "control_type": "physical", "control_place": "the moon"}, {"control_place"}),
        ({"action": "dismiss"}, {"reason"}),
        ({"action": "dismiss", "reason": "   no  "}, {"reason"}),
        ({"action": "dismiss", "reason": "x" * 4001}, {"reason"}),
        ({"action": "dismiss", "reason": "Known trader.", "control_place": "border"}, {"control_place"}),
        ({"action": "release"}, {"action"}),
        ({"action": ""}, {"action"}),
    ],
)
def test_invalid_decisions_name_the_field_and_write_nothing(people, referred, arguments, expected):
    case = referred(**PRE_ARRIVAL)
    error = refusal(actor=people["fr_analyst"], case=case, **arguments)
    assert error.status == 400 and fields(error) == expected, error.errors
    assert_nothing_written(case)


def test_no_place_of_unloading_control_when_unloading_is_outside_the_participants(people, referred):
    case = referred(place_of_unloading="USNYC", countries_of_routing=["CN", "US"])
    assert case.version.unloading_member_state_id is None
    error = refusal(actor=people["fr_analyst"], case=case, action="control", control_type="physical",
                    control_place="place_of_unloading")  # fmt: skip
    assert error.status == 400 and fields(error) == {"control_place"}
    assert_nothing_written(case)
    # The decision form does not offer it either.
    client = Client()
    client.force_login(people["fr_analyst"])
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'value="place_of_unloading"' not in page and 'value="border"' in page


def test_control_at_the_place_of_unloading_in_ones_own_member_state_forwards_nothing(people, referred):
    case = referred(place_of_unloading="FRLEH", countries_of_routing=["CN", "FR"])
    decision = services.decide(actor=people["fr_analyst"], case=case, action="control", control_type="physical",
                               control_place="place_of_unloading")  # fmt: skip
    assert decision.forwarded_to is None
    assert list(Case.objects.filter(version=case.version).values_list("member_state_id", flat=True)) == ["FR"]


def test_the_browser_form_reports_the_field_and_writes_nothing(people, referred):
    case = referred(**PRE_ARRIVAL)
    client = Client()
    client.force_login(people["fr_analyst"])
    response = client.post(f"/workbench/cases/{case.pk}/decide/", {"action": "dismiss", "reason": "no"})
    assert response.status_code == 400  # the page again, the form as typed, the message beside the field
    html = response.content.decode()
    assert 'id="decision-reason-error">Say why you dismiss the hit (at least 5 characters).<' in html
    assert '<option value="dismiss" selected>' in html and ">no</textarea>" in html
    assert_nothing_written(case)
    response = client.post(f"/workbench/cases/{case.pk}/decide/", {"action": "do_not_load"})
    assert (
        'id="decision-action-error">This referral exists only in the pre-loading phase.<' in response.content.decode()
    )
    assert_nothing_written(case)
    response = client.post(
        f"/workbench/cases/{case.pk}/decide/",
        {"action": "control", "control_type": "scanning", "control_place": "border", "reason": "x-ray the pallets"},
        follow=True,
    )
    assert "Decision recorded: control recommended." in response.content.decode()
    assert Decision.objects.get(case=case).reason == "x-ray the pallets"


def test_decisions_are_for_the_queues_own_workers(people, referred):
    case = referred()
    for name in ("nl_analyst", "de_analyst", "fr_auditor", "fr_system", "commission", "eu_auditor"):
        error = refusal(actor=people[name], case=case, action="dismiss", reason="Not my call at all.")
        assert error.status == 403, name
    assert_nothing_written(case)


def _decided_elsewhere(people, case, who):
    services.decide(actor=people[who], case=case, action="dismiss", reason="Known trader, first tab.")


def _claimed_by_colleague(people, case):
    services.claim_case(actor=people["fr_analyst_2"], case=case)


def _amended(people, case):
    declaration = Declaration.objects.get(pk=case.declaration_id)
    body = make_ens(lrn=declaration.lrn, **NL_UNLOADING)
    assert amend_declaration(declaration, body, user=people["fr_system"]).status == 201


# Every reason the page hides the decision form after the analyst opened it: the refusal must still show.
MEANWHILE = {
    "decided in another tab": (
        lambda people, case: _decided_elsewhere(people, case, "fr_analyst"),
        "already has a decision",
    ),
    "decided by a colleague": (
        lambda people, case: _decided_elsewhere(people, case, "fr_analyst_2"),
        "already has a decision",
    ),
    "claimed by a colleague": (_claimed_by_colleague, "is working on this case"),
    "amended by the filer": (_amended, "was amended"),
}


@pytest.mark.parametrize("meanwhile", list(MEANWHILE))
def test_a_decision_refused_because_of_a_change_meanwhile_says_so_on_the_page(people, referred, meanwhile):
    """Act-out, two tabs: the second "Record decision" on a case decided meanwhile came back as the case page
    with the decision and no word that the second one was refused (its form, with the error, is hidden)."""
    case = referred()
    second = Client()
    second.force_login(people["fr_analyst"])
    change, reason = MEANWHILE[meanwhile]
    change(people, case)
    decisions_before = Decision.objects.filter(case=case).count()
    page = second.post(f"/workbench/cases/{case.pk}/decide/", {"action": "dismiss", "reason": "Second tab."})
    assert page.status_code == 409
    html = page.content.decode()
    assert 'id="decision-refused"' in html and "Your decision was not recorded." in html
    assert reason in html
    assert Decision.objects.filter(case=case).count() == decisions_before


def test_a_superseded_case_leads_to_the_current_one_and_takes_no_note(people, referred):
    """Adversarial probe, 7 December: a stale tab's note landed on the superseded case, and nothing led from it
    to the case of the new version. The page now links there and a note is refused with the reason."""
    from workbench import notes

    case = referred()
    _amended(people, case)
    declaration = Declaration.objects.get(pk=case.declaration_id)
    screen_mrns(declaration.mrn)
    case.refresh_from_db()
    assert case.state == CaseState.SUPERSEDED
    current = Case.objects.get(declaration=declaration, version__version=2, member_state_id=case.member_state_id)
    client = Client()
    client.force_login(people["fr_analyst"])
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert f'href="/workbench/cases/{current.pk}/">open the case of version 2</a>' in page
    with pytest.raises(services.WorkbenchError) as refused:
        notes.add_note(actor=people["fr_analyst"], case=case, text="From a stale tab.", uploads=[])
    assert refused.value.status == 409 and "superseded" in refused.value.errors[0]["message"]
    assert not case.notes.exists()
