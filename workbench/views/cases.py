"""The case page and its actions: claim, release, decide, record a control result."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from analysis.selectors import flags_on
from crms.accounts.roles import member_state_of
from crms.audit.presenters import history_rows
from crms.core.access import area_required
from crms.core.dates import RECORDED, DateRefused, read_moment
from crms.core.derived import derived
from crms.core.formatting import number
from crms.declarations.assessment import assessment_for
from crms.declarations.current import current_version_of
from workbench import case_forms, notes, presenters, selectors, services
from workbench.case_forms import FormState, control_state, decision_state
from workbench.models import (
    CaseState,
    ControlKind,
    ControlOutcome,
    ControlPlace,
    DecisionAction,
    IrregularityType,
    LegalBasis,
    ReferralStatus,
)
from workbench.referrals import is_overdue


def _case(request, pk: int):
    case = selectors.case_for(request.user, pk)
    if case is None:
        raise Http404
    return case


def may_record_control(user, case) -> bool:
    """The case's Member State records what its control found once a control was decided or forwarded to it."""
    if user.role not in services.WORKERS or member_state_of(user) != case.member_state_id:
        return False
    decision = getattr(case, "decision", None)
    if case.state == CaseState.OPEN and case.origin == "forwarded":
        return True
    if decision is None or not decision.controls or decision.forwarded_to_id:
        return False  # dismissed, or the control was forwarded: the Member State of unloading records it
    return case.state in (CaseState.DECIDED, CaseState.CLOSED)


@derived("the case's hits, and earlier ENS of the same parties with their outcomes, decisions and controls")
@require_safe
@area_required("workbench")
def case_detail(request, pk: int):
    return render(request, "workbench/case.html", _page(request, _case(request, pk)))


def _default_forms(case) -> dict[str, FormState]:
    """The forms as a fresh page shows them: a control of the kind the engine recommended."""
    return {
        "decision_form": FormState(values={"action": "control", "control_type": case.control_type or ""}),
        "control_form": FormState(values={"based_on_risk_analysis": "yes"}),
        "note_form": FormState(),
    }


def _page(request, case, **forms: FormState) -> dict:
    """Everything the case page shows; ``forms`` replaces a form's blank state with what was typed."""
    declaration, version = case.declaration, case.version
    assessment = assessment_for(request.user, declaration)
    current_case = None
    if assessment.get("version") != version.version:
        assessment = {**assessment, "hits": [], "stale": True}
        # Where the work goes on: this Member State's case on the current version, if the viewer may open it.
        current = current_version_of(declaration)  # by its id: one month's partition
        current_case = (
            selectors.cases_for(request.user)
            .filter(declaration=declaration, member_state_id=case.member_state_id, version_id=current.pk)
            .values_list("pk", flat=True)
            .first()
            if current
            else None
        )
    fields, item_marks = presenters.highlights(assessment.get("hits", []))
    items = list(version.items.all())
    for item in items:
        item.marks = item_marks.get(item.item_number, set())
    parties = list(version.parties.select_related("operator").prefetch_related("operator__authorisations"))
    marks = presenters.party_fields(fields)
    for party in parties:
        party.marks = marks.get(party.role, set())
    decision = getattr(case, "decision", None)
    context = {
        "case": case,
        "current_case": current_case,
        "declaration": declaration,
        "version": version,
        "assessment": assessment,
        "fields": fields,
        "items": items,
        "parties": parties,
        "decision": decision,
        "forwarded_by": case.forwarded_by,
        "control_results": _with_quantities(selectors.control_results_on(request.user, declaration)),
        "decisions": selectors.decisions_on(request.user, declaration),
        "history": selectors.party_history(request.user, declaration, version),
        "requests": selectors.information_requests_for(request.user).filter(declaration=declaration),
        "referrals": referral_rows(request.user, declaration),
        "flags": flags_on(request.user, declaration),  # the Commission's notes for this Member State
        "linked_rifs": _linked_rifs(request.user, version),
        "may_work": request.user.role in services.WORKERS and member_state_of(request.user) == case.member_state_id,
        "may_record": may_record_control(request.user, case),
        "claim_held_by_other": services.held_by_other(case, request.user),
        "colleagues": selectors.colleagues_of(request.user).exclude(pk=case.claimed_by_id)
        if request.user.role in services.WORKERS
        else [],
        "actions": DecisionAction.choices,
        "places": ControlPlace.choices,
        "control_kinds": ControlKind.choices,
        "control_outcomes": ControlOutcome.choices,
        "irregularity_types": IrregularityType.choices,
        "legal_bases": LegalBasis.choices,
        "now": timezone.now(),
        # The History tab: this case's audit entries the viewer may read.
        "audit_history": history_rows(request.user, case._meta.label_lower, case.pk),
        "from_queue": request.GET.get("queue") if "queue" in request.GET else None,
        "notes": notes.notes_on(request.user, case),
        "may_annotate": notes.may_annotate(request.user, case),
        "attachment_limit": notes.size_limit(),
    }
    return context | _default_forms(case) | forms


FORM_TEMPLATES = {
    "decision_form": ("workbench/_decision_form.html", "#decision-form"),
    "control_form": ("workbench/_control_form.html", "#control-form"),
    "note_form": ("workbench/_note_form.html", "#note-form"),
}


def _refused(request, case, name: str, state: FormState, status: int):
    """A refused form comes back as typed, each error beside its field, never blank.

    A plain post gets the whole case page (status 400/409). An HTMX post gets the form alone
    with HX-Retarget/HX-Reswap, so the form is swapped in place; HTMX swaps only 2xx answers,
    hence 200 there (the form itself says it was refused: aria-invalid and the messages).
    """
    if request.POST.get("queue") is not None:
        request.GET = request.GET.copy()
        request.GET["queue"] = request.POST["queue"]
    context = _page(request, case, **{name: state})
    if request.headers.get("HX-Request"):
        template, target = FORM_TEMPLATES[name]
        response = render(request, template, context | {"form": state})
        response["HX-Retarget"] = target
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "workbench/case.html", context, status=status)


def _with_quantities(results) -> list:
    """Seized quantities as people read them: "1 200", "2,5" (no ".0" for whole pieces)."""
    rows = list(results)
    for row in rows:
        quantity = row.seized_quantity
        row.quantity_text = None if quantity is None else number(quantity, 0 if float(quantity).is_integer() else 2)
    return rows


def _case_in_queue(case_pk: int, queue: str) -> str:
    """The case page's address opened from the queue whose query string is ``queue`` (for "next case")."""
    return f"{reverse('workbench-case', args=[case_pk])}?{urlencode({'queue': queue[:2000]})}"


def _next_in_queue(request, decided, queue: str, text: str):
    """After a decision taken from the queue: the next open case of the same filtered, sorted queue,
    or the queue itself once it is empty."""
    from workbench.views.queue import filters_from_query

    following = selectors.next_case(request.user, filters_from_query(QueryDict(queue)), after=decided.pk)
    if following is None:
        messages.success(request, _("%(text)s No other open case in this queue.") % {"text": text})
        return redirect(f"{reverse('workbench-queue')}?{queue}" if queue else reverse("workbench-queue"))
    messages.success(request, _("%(text)s Next case: %(mrn)s.") % {"text": text, "mrn": following.declaration.mrn})
    return redirect(_case_in_queue(following.pk, queue))


def referral_rows(user, declaration) -> list:
    """The ENS's referrals with their overdue flag and whether this user closes or re-asks them."""
    rows = selectors.referrals_on(user, declaration)
    now = timezone.now()
    for referral in rows:
        referral.overdue = is_overdue(referral, now)
        referral.may_follow_up = (
            user.role in services.WORKERS
            and member_state_of(user) == referral.requested_by_id
            and referral.status != ReferralStatus.CLOSED
        )
    return rows


def _linked_rifs(user, version) -> list:
    """RIFs whose goods, routes or parties match this ENS (filled by the risk information area, if present)."""
    try:
        from rif.selectors import rifs_matching_version
    except ImportError:
        return []
    return list(rifs_matching_version(user, version)[:10])


def _after_action(request, case, text: str | None = None):
    if text:
        messages.success(request, text)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("workbench-case", pk=case.pk)


def _fail(request, case, error: services.WorkbenchError):
    """Refusals of rights answer 403 (nobody is shown a button they may not press); the rest go back to the page."""
    if error.status == 403:
        raise PermissionDenied(error.errors[0]["message"])
    for item in error.errors:
        messages.error(request, f"{item['field'] + ': ' if item['field'] else ''}{item['message']}")
    return redirect("workbench-case", pk=case.pk)


@require_POST
@area_required("workbench")
def claim(request, pk: int):
    case = _case(request, pk)
    try:
        services.claim_case(actor=request.user, case=case)
    except services.WorkbenchError as error:
        if request.headers.get("HX-Request"):
            return HttpResponse(error.errors[0]["message"], status=error.status)
        return _fail(request, case, error)
    if request.POST.get("next") == "queue":
        messages.success(request, _("You hold this case."))
        return redirect(_case_in_queue(case.pk, request.POST.get("queue", "")))
    return _after_action(request, case, "You hold this case.")


@require_POST
@area_required("workbench")
def assign(request, pk: int):
    case = _case(request, pk)
    try:
        case = services.assign_case(actor=request.user, case=case, assignee=request.POST.get("assignee", ""))
    except services.WorkbenchError as error:
        return _fail(request, case, error)
    return _after_action(request, case, f"Assigned to {case.claimed_by.get_username()}.")


@require_POST
@area_required("workbench")
def release(request, pk: int):
    case = _case(request, pk)
    try:
        services.release_case(actor=request.user, case=case)
    except services.WorkbenchError as error:
        return _fail(request, case, error)
    return _after_action(request, case, "Released.")


@require_POST
@area_required("workbench")
def decide(request, pk: int):
    case = _case(request, pk)
    post = request.POST
    try:
        decision = services.decide(
            actor=request.user,
            case=case,
            action=post.get("action", ""),
            control_type=post.get("control_type", ""),
            control_place=post.get("control_place", ""),
            reason=post.get("reason", ""),
            question=post.get("question", ""),
        )
    except services.WorkbenchError as error:
        if error.status == 403:
            raise PermissionDenied(error.errors[0]["message"]) from None
        return _refused(request, case, "decision_form", decision_state(post, error.errors), error.status)
    text = _("Decision recorded: %(action)s.") % {"action": decision.get_action_display().lower()}
    if decision.forwarded_to_id:
        text += " " + _("Forwarded to %(member_state)s for the control at the place of unloading.") % {
            "member_state": decision.forwarded_to_id
        }
    if "queue" in post and not request.headers.get("HX-Request"):
        return _next_in_queue(request, case, post["queue"], text)
    return _after_action(request, case, text)


@require_POST
@area_required("workbench")
def record_control(request, pk: int):
    case = _case(request, pk)
    if request.user.role not in services.WORKERS:
        raise PermissionDenied("Your role reads cases; it does not record controls.")
    if not may_record_control(request.user, case):
        raise Http404
    post = request.POST
    amounts, number_errors = case_forms.read_amounts(post)
    date_errors: list[dict] = []
    try:  # the form's datetime-local has no offset: UTC
        controlled_at = read_moment(
            post.get("controlled_at"), field="controlled_at", window=RECORDED, assume_utc=True, european=True
        )
    except DateRefused as refused:
        controlled_at, date_errors = None, [refused.error()]
    data = {
        "control_type": post.get("control_type", ""),
        "based_on_risk_analysis": post.get("based_on_risk_analysis", "yes") == "yes",
        "result": post.get("result", ""),
        "irregularity_type": post.get("irregularity_type", ""),
        "notes": post.get("notes", ""),
        "controlled_at": controlled_at,
    }
    if data["result"] == ControlOutcome.SEIZURE:
        data["seizure"] = {
            "goods": post.get("seized_goods", ""),
            "quantity": amounts["seized_quantity"],
            "unit": post.get("seized_unit", ""),
            "estimated_value_eur": amounts["estimated_value_eur"],
        }
    if number_errors or date_errors:  # nothing is recorded; show every other mistake at once too
        others = date_errors + services.control_errors(data)
        return _refused(request, case, "control_form", control_state(post, others, number_errors), 400)
    try:
        services.record_control_result(actor=request.user, declaration=case.declaration, data=data)
    except services.WorkbenchError as error:
        if error.status == 403:
            raise PermissionDenied(error.errors[0]["message"]) from None
        return _refused(request, case, "control_form", control_state(post, error.errors), error.status)
    return _after_action(request, case, "Control result recorded.")
