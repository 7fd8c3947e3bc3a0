"""Risk information pages: inbox and search, the RIF form, lifecycle, feedback, attachments,
turn-into-criterion, follow-up report, notifications and crisis alerts. Thin: services decide."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crms.accounts.models import Organisation
from crms.accounts.roles import member_state_of
from crms.audit.presenters import history_rows
from crms.core.access import area_required
from crms.core.client_input import whole_number
from crms.core.dates import QUERY, DateRefused, read_day
from crms.core.derived import derived
from crms.reference.models import RiskArea
from rif import downloads, forms, selectors, services
from rif.models import (
    CrisisStatus,
    HandlingMarking,
    Measure,
    RecommendedControl,
    Relevance,
    RifStatus,
    TransportMode,
)

PAGE = 50


def _rif(request, reference: str):
    rif = selectors.rif_for(request.user, reference)
    if rif is None:
        raise Http404
    return rif


def _flash_errors(request, error: services.RifError) -> None:
    for item in error.errors:
        messages.error(request, f"{item['field'] + ': ' if item['field'] else ''}{item['message']}")


def _filters(request) -> tuple[selectors.RifFilters, list[str]]:
    """The search filters, and the dates refused (not a date, or outside the query window): named on the
    page, the search runs without them."""
    get, refused = request.GET, []

    def day(name: str):
        try:
            return read_day(get.get(name), field=name, window=QUERY, european=True)
        except DateRefused as problem:
            refused.append(str(problem))
            return None

    return selectors.RifFilters(
        q=get.get("q", "")[:200],
        risk_area=get.get("risk_area", ""),
        country=get.get("country", "").strip()[:2],
        hs_code=get.get("hs_code", "").strip()[:10],
        date_from=day("date_from"),
        date_to=day("date_to"),
        status=get.get("status", "") if get.get("status", "") in RifStatus.values else "",
        organisation=get.get("organisation", "").strip()[:3],
    ), refused


@derived("RIFs, searched and filtered")
@require_safe
@area_required("rif")
def rif_list(request):
    """The inbox of the user's Member State, and search across every RIF the user may see."""
    filters, refused = _filters(request)
    searching = any(
        request.GET.get(key)
        for key in ("q", "risk_area", "country", "hs_code", "date_from", "date_to", "status", "organisation")
    )
    results = list(selectors.search_rifs(request.user, filters)[:PAGE])
    context = {
        "filters": filters,
        "searching": searching,
        "results": results,
        "inbox": list(selectors.inbox(request.user)[:PAGE]) if not searching else [],
        "risk_areas": RiskArea.objects.all(),
        "statuses": RifStatus.choices,
        "may_author": services.may_author(request.user),
        "member_state": member_state_of(request.user),
        "refused": refused,
    }
    if request.headers.get("HX-Request"):  # HTMX swaps only successful answers in
        return render(request, "rif/_results.html", context)
    return render(request, "rif/list.html", context, status=400 if refused else 200)


def _form_context(request, *, values: dict, errors: dict, rif=None) -> dict:
    from pca.selectors import pcas_for
    from rif.models import CrisisAlert

    return {
        "rif": rif,
        "values": values,
        "errors": errors,
        "risk_areas": RiskArea.objects.all(),
        "modes": TransportMode.choices,
        "controls": RecommendedControl.choices,
        "markings": HandlingMarking.choices,
        "states": Organisation.objects.filter(code__in=services.participants()).exclude(
            code=request.user.organisation_id
        ),
        "crises": CrisisAlert.objects.filter(status=CrisisStatus.OPEN),
        "pcas": pcas_for(request.user).exclude(status="closed"),
    }


@require_http_methods(["GET", "POST"])
@area_required("rif")
def rif_new(request):
    if not services.may_author(request.user):
        raise Http404
    if request.method == "POST":
        try:
            rif = services.create_rif(actor=request.user, data=forms.body_from_post(request.POST))
        except services.RifError as error:
            context = _form_context(
                request, values=forms.values_from_post(request.POST), errors=forms.errors_by_field(error.errors)
            )
            return render(request, "rif/form.html", context, status=error.status)
        messages.success(request, f"Draft {rif.reference} saved.")
        return redirect(rif)
    values = {"valid_from": dt.date.today().isoformat(), "handling": HandlingMarking.CRMS_RESTRICTED}
    return render(request, "rif/form.html", _form_context(request, values=values, errors={}))


@require_http_methods(["GET", "POST"])
@area_required("rif")
def rif_edit(request, reference: str):
    rif = _rif(request, reference)
    if not services.may_edit(request.user, rif):
        raise Http404
    if request.method == "POST":
        try:
            rif = services.update_rif(actor=request.user, rif=rif, data=forms.body_from_post(request.POST))
        except services.RifError as error:
            context = _form_context(
                request,
                values=forms.values_from_post(request.POST),
                errors=forms.errors_by_field(error.errors),
                rif=rif,
            )
            return render(request, "rif/form.html", context, status=error.status)
        messages.success(request, "Draft saved.")
        return redirect(rif)
    return render(
        request, "rif/form.html", _form_context(request, values=forms.values_from_rif(rif), errors={}, rif=rif)
    )


@require_safe
@area_required("rif")
def rif_detail(request, reference: str):
    from risk_engine.models import Scope
    from risk_engine.selectors import criteria_for

    rif = _rif(request, reference)
    user = request.user
    own_profiles = []
    if services.may_give_feedback(user, rif):
        own_profiles = list(
            criteria_for(user).filter(scope=Scope.NATIONAL, owner_id=member_state_of(user)).order_by("-created_at")[:50]
        )
    context = {
        "rif": rif,
        "recipients": selectors.recipients_of(user, rif),
        "feedback": selectors.feedback_on(user, rif),
        "criteria": selectors.criteria_linked(user, rif),
        "pcas": rif.pcas.all(),
        "attachments": rif.attachments.all(),
        "sees_all": selectors.sees_all_follow_up(user, rif),
        "recipient": services.recipient_row(user, rif),
        "may_mark_read": services.may_mark_read(user, rif),
        "may_edit": services.may_edit(user, rif),
        "may_submit": services.may_submit(user, rif),
        "may_approve": services.may_approve(user, rif),
        "four_eyes_ok": services.four_eyes_ok(user, rif),
        # What the approver reviews: the approve form sends it back (409 if the RIF changed since).
        "fingerprint": services.rif_fingerprint(rif) if services.may_approve(user, rif) else "",
        "may_withdraw": services.may_withdraw(user, rif),
        "may_feedback": services.may_give_feedback(user, rif),
        "may_turn": services.may_turn_into_criterion(user),
        "own_profiles": own_profiles,
        "relevances": Relevance.choices,
        "measures": Measure.choices,
        # The History tab: this RIF's audit entries the viewer may read.
        "audit_history": history_rows(user, rif._meta.label_lower, rif.pk),
    }
    return render(request, "rif/detail.html", context)


@require_POST
@area_required("rif")
def rif_transition(request, reference: str, action: str):
    rif = _rif(request, reference)
    try:
        if action == "submit":
            services.submit_rif(actor=request.user, rif=rif)
            messages.success(request, "Submitted for approval.")
        elif action == "approve":
            services.approve_rif(  # the page always sends the fingerprint of what it showed: required
                actor=request.user,
                rif=rif,
                comment=request.POST.get("comment", ""),
                fingerprint=request.POST.get("fingerprint", "").strip() or None,
                reviewed_required=True,
            )
            messages.success(request, "Approved and published to its recipients.")
        elif action == "return":
            services.return_rif(actor=request.user, rif=rif, comment=request.POST.get("comment", ""))
            messages.success(request, "Returned to the author as a draft.")
        elif action == "withdraw":
            services.withdraw_rif(actor=request.user, rif=rif, reason=request.POST.get("reason", ""))
            messages.success(request, "Withdrawn: recipients see it marked withdrawn, with your reason.")
        else:
            raise Http404
    except services.RifError as error:
        _flash_errors(request, error)
    return redirect(rif)


@require_POST
@area_required("rif")
def rif_read(request, reference: str):
    rif = _rif(request, reference)
    try:
        services.mark_read(actor=request.user, rif=rif)
    except services.RifError as error:
        _flash_errors(request, error)
    if request.POST.get("next") == "inbox":
        return redirect("rif-list")
    return redirect(rif)


@require_POST
@area_required("rif")
def rif_feedback(request, reference: str):
    rif = _rif(request, reference)
    post = request.POST
    planned = post.get("controls_planned", "").strip()
    data = {
        "relevance": post.get("relevance", ""),
        "measures": post.getlist("measures"),
        "criterion": post.get("criterion") or None,
        "controls_planned": whole_number(planned),
        "results": post.get("results", ""),
        "comment": post.get("comment", ""),
    }
    try:
        services.post_feedback(actor=request.user, rif=rif, data=data)
    except services.RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "Feedback posted.")
    return redirect(rif)


@require_POST
@area_required("rif")
def rif_to_criterion(request, reference: str):
    rif = _rif(request, reference)
    try:
        version = services.turn_into_criterion(actor=request.user, rif=rif)
    except services.RifError as error:
        _flash_errors(request, error)
        return redirect(rif)
    messages.success(request, f"Draft {version.criterion.code} pre-filled from {rif.reference}: review and save it.")
    return redirect("criteria-edit", code=version.criterion.code)


@require_POST
@area_required("rif")
def rif_attach(request, reference: str):
    rif = _rif(request, reference)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "file: choose a file to attach.")
        return redirect(rif)
    try:
        services.add_attachment(actor=request.user, rif=rif, upload=upload)
    except services.RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "File attached.")
    return redirect(rif)


@require_safe
@area_required("rif")
def rif_attachment(request, reference: str, pk: int):
    """Downloads go through here: the RIF's visibility rule decides, the file is never served directly."""
    rif = _rif(request, reference)
    attachment = downloads.attachment_of(rif, pk)
    if attachment is None:
        raise Http404
    return downloads.attachment_response(actor=request.user, rif=rif, attachment=attachment, via="browser")


@derived("recipients' follow-up of RIFs, who is late")
@require_safe
@area_required("rif")
def overdue(request):
    from django.conf import settings

    rows = list(selectors.overdue_follow_ups(request.user)[:500])
    return render(request, "rif/overdue.html", {"rows": rows, "days": settings.RIF_FOLLOW_UP_DAYS})


@derived("what is new for the viewer")
@require_safe
@area_required("rif")
def notifications(request):
    user = request.user
    context = {
        "unread": list(selectors.inbox(user).filter(read_at=None)[:50]),
        "overdue": list(selectors.overdue_follow_ups(user)[:50]),
        "posts": list(selectors.recent_crisis_posts(user)[:30]),
        "crises": list(selectors.crises_for(user).filter(status=CrisisStatus.OPEN)),
    }
    return render(request, "rif/notifications.html", context)


# --- crisis alerts -----------------------------------------------------------------------------


def _crisis(request, pk: int):
    crisis = selectors.crisis_for(request.user, pk)
    if crisis is None:
        raise Http404
    return crisis


@require_safe
@area_required("rif")
def crisis_list(request):
    crises = selectors.crises_for(request.user).order_by("status", "-opened_at")
    return render(
        request, "rif/crisis_list.html", {"crises": crises, "may_manage": services.may_manage_crisis(request.user)}
    )


@require_http_methods(["GET", "POST"])
@area_required("rif")
def crisis_new(request):
    if not services.may_manage_crisis(request.user):
        raise Http404
    values, errors = {}, {}
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "") for key in ("title", "risk_area", "guidance", "criteria")}
        try:
            crisis = services.open_crisis(
                actor=request.user,
                title=values["title"],
                risk_area=values["risk_area"],
                guidance=values["guidance"],
                criteria=forms.codes(values["criteria"]),
            )
        except services.RifError as error:
            errors = forms.errors_by_field(error.errors)
        else:
            messages.success(request, f"Crisis alert {crisis.reference} opened.")
            return redirect(crisis)
    context = {"values": values, "errors": errors, "risk_areas": RiskArea.objects.all()}
    return render(request, "rif/crisis_form.html", context, status=400 if errors else 200)


@require_safe
@area_required("rif")
def crisis_detail(request, pk: int):
    from pca.selectors import pcas_for
    from risk_engine.selectors import criteria_for

    crisis = _crisis(request, pk)
    context = {
        "crisis": crisis,
        "posts": crisis.posts.select_related("author", "organisation"),
        "rifs": selectors.rifs_for(request.user).filter(crisis=crisis).order_by("-published_at"),
        "criteria": criteria_for(request.user).filter(crises=crisis),
        "pcas": pcas_for(request.user).filter(risk_area_id=crisis.risk_area_id).exclude(status="closed"),
        "suspended": pcas_for(request.user).filter(suspended_by_crisis=crisis),
        "may_manage": services.may_manage_crisis(request.user),
        "may_post": services.may_post_to_crisis(request.user, crisis),
    }
    return render(request, "rif/crisis_detail.html", context)


@require_POST
@area_required("rif")
def crisis_post(request, pk: int):
    crisis = _crisis(request, pk)
    try:
        services.post_to_crisis(actor=request.user, crisis=crisis, body=request.POST.get("body", ""))
    except services.RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "Posted.")
    return redirect(crisis)


@require_POST
@area_required("rif")
def crisis_link(request, pk: int):
    crisis = _crisis(request, pk)
    try:
        services.link_crisis_criteria(
            actor=request.user, crisis=crisis, criteria=forms.codes(request.POST.get("criteria", ""))
        )
    except services.RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "Criteria linked.")
    return redirect(crisis)


@require_POST
@area_required("rif")
def crisis_close(request, pk: int):
    crisis = _crisis(request, pk)
    try:
        services.close_crisis(actor=request.user, crisis=crisis, lessons=request.POST.get("lessons", ""))
    except services.RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "Crisis closed; lessons recorded.")
    return redirect(crisis)
