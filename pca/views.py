"""Priority control area pages: list, designation form, the PCA page with progress charts, actions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from crms.accounts.models import Organisation
from crms.core.access import area_required
from crms.core.client_input import whole_number
from crms.core.dates import PLANNED, DateRefused, read_day
from crms.core.derived import derived
from crms.reference.models import RiskArea
from pca import periods, selectors, services
from rif.forms import codes, errors_by_field
from rif.models import CrisisAlert, CrisisStatus
from rif.services import RifError, participants


def _pca(request, pk: int):
    pca = selectors.pca_for(request.user, pk)
    if pca is None:
        raise Http404
    return pca


def _flash_errors(request, error: RifError) -> None:
    for item in error.errors:
        messages.error(request, f"{item['field'] + ': ' if item['field'] else ''}{item['message']}")


@require_safe
@area_required("pca")
def pca_list(request):
    pcas = selectors.pcas_for(request.user).order_by("status", "-starts_at")
    return render(request, "pca/list.html", {"pcas": pcas, "may_manage": services.may_manage(request.user)})


def _day(post, name: str, field: str) -> tuple[dt.date | None, list[dict]]:
    """A day typed in the form, within the planning window of ``crms.core.dates``, or an error naming the field
    (the calendar's last day overflowed into a 500 when the day after it was computed)."""
    try:
        return read_day(post.get(name), field=field, window=PLANNED, european=True), []
    except DateRefused as refused:
        return None, [refused.error()]


def _targets(text: str) -> tuple[dict[str, int], list[dict]]:
    """One "FR 200" per line or comma: Member State and controls."""
    targets, errors = {}, []
    for chunk in (text or "").replace(",", "\n").splitlines():
        parts = chunk.split()
        if not parts:
            continue
        if len(parts) != 2 or whole_number(parts[1]) is None:
            errors.append({"field": "targets", "code": "invalid", "message": f"{chunk.strip()!r}: write e.g. FR 200."})
            continue
        targets[parts[0].upper()] = whole_number(parts[1])
    return targets, errors


def _designation(post) -> tuple[dict, list[dict]]:
    """The service's keywords from the form, and the errors found reading it (targets, days)."""
    targets, errors = _targets(post.get("targets", ""))
    first, first_errors = _day(post, "starts_on", "starts_at")
    last, last_errors = _day(post, "ends_on", "ends_at")
    fields = {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "risk_area": post.get("risk_area", ""),
        "starts_at": periods.start_of(first) if first else None,
        "ends_at": periods.end_after(last) if last else None,
        "participants_codes": post.getlist("participants"),
        "hs_codes": codes(post.get("hs_codes", "")),
        "routes": codes(post.get("routes", "")),
        "criteria": codes(post.get("criteria", "")),
        "targets": targets,
    }
    return fields, errors + first_errors + last_errors


def _confirmation(checked: services.Designation) -> dict | None:
    """Linking published criteria restricts them to the period: what to confirm, or None when nothing is."""
    codes_linked = [c.code for c in checked.criteria]
    consequences = selectors.linking_consequences(codes_linked, checked.starts_at, checked.ends_at)
    if not any(c.published for c in consequences):
        return None
    first, last = periods.first_day(checked.starts_at), periods.last_day(checked.ends_at)
    # What was confirmed: the criteria and the period. Change either and the form asks again.
    token = f"{','.join(c.code for c in consequences)}|{first:%Y-%m-%d}|{last:%Y-%m-%d}"
    return {"consequences": consequences, "first_day": first, "last_day": last, "token": token}


@require_http_methods(["GET", "POST"])
@area_required("pca")
def pca_new(request):
    """Designate a PCA. Linking a published criterion asks for confirmation first: it then runs only
    within the period (and not while the PCA is suspended or closed)."""
    if not services.may_manage(request.user):
        raise Http404
    values, errors, confirm = {"participants": []}, {}, None
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "") for key in post}
        values["participants"] = post.getlist("participants")
        fields, read_errors = _designation(post)
        found = list(read_errors)
        try:
            checked = services.check_designation(actor=request.user, **fields)
        except RifError as error:
            unreadable_days = {e["field"] for e in read_errors} & {"starts_at", "ends_at"}
            found += [e for e in error.errors if e["field"] not in unreadable_days]
        if found:
            errors = errors_by_field(found)
        else:
            confirm = _confirmation(checked)
            if confirm is None or post.get("confirm") == confirm["token"]:
                pca = services.designate_pca(actor=request.user, **fields)
                messages.success(request, _("%(reference)s designated.") % {"reference": pca.reference})
                return redirect(pca)
    context = {
        "values": values,
        "errors": errors,
        "confirm": confirm,
        "risk_areas": RiskArea.objects.all(),
        "states": Organisation.objects.filter(code__in=participants()),
    }
    return render(request, "pca/form.html", context, status=400 if errors else 200)


@derived("a PCA's results per participant and their chart")
@require_safe
@area_required("pca")
def pca_detail(request, pk: int):
    pca = _pca(request, pk)
    results = selectors.results_of(pca, request.user)
    # Named apart from the banner's open_crises (a context processor), which this page used to replace.
    suspending = CrisisAlert.objects.filter(status=CrisisStatus.OPEN, risk_area_id=pca.risk_area_id)
    context = {
        "pca": pca,
        "results": results,
        "chart_data": selectors.chart_data(results),
        "criteria": pca.criteria.all(),
        "rifs": pca.rifs.filter(pk__in=_visible_rifs(request.user)),
        "reports": pca.reports.select_related("author"),
        "suspending_crises": suspending,
        "may_manage": services.may_manage(request.user),
        "may_report": services.may_report(request.user, pca),
        "running": pca.running_at(timezone.now()),
    }
    return render(request, "pca/detail.html", context)


def _visible_rifs(user):
    from rif.selectors import rifs_for

    return rifs_for(user).values("pk")


@require_POST
@area_required("pca")
def pca_report(request, pk: int):
    pca = _pca(request, pk)
    post = request.POST

    def number(name: str):
        value = whole_number(post.get(name, "0").strip() or "0")
        return -1 if value is None else value

    try:
        services.report_results(
            actor=request.user,
            pca=pca,
            controls=number("controls"),
            detections=number("detections"),
            seizures=number("seizures"),
            notes=post.get("notes", ""),
        )
    except RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Results reported."))
    return redirect(pca)


@require_POST
@area_required("pca")
def pca_suspend(request, pk: int):
    pca = _pca(request, pk)
    crisis = (
        CrisisAlert.objects.filter(pk=whole_number(request.POST.get("crisis"))).first()
        if whole_number(request.POST.get("crisis")) is not None
        else None
    )
    if crisis is None:
        messages.error(request, _("crisis: choose the open crisis that replaces this PCA."))
        return redirect(pca)
    try:
        services.suspend_pca(actor=request.user, pca=pca, crisis=crisis, reason=request.POST.get("reason", ""))
    except RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(
            request, _("Suspended during %(reference)s: its criteria do not run.") % {"reference": crisis.reference}
        )
    return redirect(pca)


@require_POST
@area_required("pca")
def pca_resume(request, pk: int):
    pca = _pca(request, pk)
    try:
        services.resume_pca(actor=request.user, pca=pca)
    except RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Resumed."))
    return redirect(pca)


@require_POST
@area_required("pca")
def pca_close(request, pk: int):
    pca = _pca(request, pk)
    try:
        services.close_pca(
            actor=request.user,
            pca=pca,
            operational_results=request.POST.get("operational_results", ""),
            lessons=request.POST.get("lessons", ""),
        )
    except RifError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Closed; results and lessons recorded."))
    return redirect(pca)
