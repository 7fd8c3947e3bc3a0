"""The Commission's analysis workspace in the browser: hits of EU criteria across Member States, one
declaration with its flags (and the flag form for experts), and one party's declarations everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from analysis import selectors, services
from analysis.forms import FlagForm, HitFilterForm, PartyForm
from crms.audit.services import record
from crms.core.access import area_required
from crms.declarations.selectors import declaration_for
from risk_engine.models import Hit, Scope


def _reader(request) -> None:
    if not selectors.may_analyse(request.user):  # the area admits auditors; only the Commission's read here
        raise PermissionDenied("The analysis workspace is the Commission's.")


@require_safe
@area_required("analysis")
def hits(request):
    _reader(request)
    form = HitFilterForm(request.GET or None)
    found = selectors.eu_hits(request.user, form.filters() if request.GET else {})
    # A refused filter: 400 naming it beside the form, the other filters applied.
    status = 400 if request.GET and form.errors else 200
    return render(
        request,
        "analysis/hits.html",
        {
            "form": form,
            "hits": list(found[: selectors.ROW_LIMIT]),
            "total": found.count(),
            "limit": selectors.ROW_LIMIT,
            "per_member_state": selectors.hits_per_member_state(found),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@area_required("analysis")
def declaration(request, mrn: str):
    """One declaration for the Commission: its EU hits and flags; experts add a flag (a 400 names the field)."""
    _reader(request)
    found = declaration_for(request.user, mrn)
    if found is None:
        raise Http404
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not selectors.may_flag(request.user):
            raise PermissionDenied("Only Commission experts flag declarations.")
        if form.is_valid():
            try:
                flag = services.raise_flag(
                    actor=request.user,
                    declaration=found,
                    note=form.cleaned_data["note"],
                    criterion_code=form.cleaned_data["criterion_code"],
                )
            except services.FlagRefused as refused:
                form.add_error(refused.field or None, refused.message)
            else:
                messages.success(
                    request,
                    _("Flagged for %(member_state_id)s: its analysts see the note.")
                    % {"member_state_id": flag.member_state_id},
                )
                return redirect("analysis-declaration", mrn=found.mrn)
        status = 400
    eu_hits = (
        Hit.objects.filter(assessment__declaration=found, scope=Scope.EU)
        .select_related("assessment__version")
        .order_by("-created_at")
    )
    context = {
        "declaration": found,
        "hits": eu_hits,
        "flags": selectors.flags_on(request.user, found),
        "responsible": selectors.responsible_member_state(found),
        "form": form,
        "may_flag": selectors.may_flag(request.user),
    }
    return render(request, "analysis/declaration.html", context, status=status)


@require_safe
@area_required("analysis")
def party(request):
    """One party's declarations across Member States (by EORI or name); every search is audited."""
    _reader(request)
    form = PartyForm(request.GET or None)
    rows, searched = [], False
    if request.GET and form.is_valid() and (form.cleaned_data["eori"] or form.cleaned_data["name"]):
        eori, name = form.cleaned_data["eori"], form.cleaned_data["name"].strip()
        found = selectors.party_declarations(request.user, eori=eori, name=name)
        rows, searched = list(found[: selectors.ROW_LIMIT]), True
        record(
            actor=request.user,
            action="analysis.party_searched",
            object_type="party",
            object_repr=f"EORI {eori}" if eori else f"name {name}",
            after={"eori": eori, "name": name, "declarations": len(rows)},
        )
    status = 400 if request.GET and form.errors else 200
    return render(
        request,
        "analysis/party.html",
        {"form": form, "rows": rows, "searched": searched, "limit": selectors.ROW_LIMIT},
        status=status,
    )
