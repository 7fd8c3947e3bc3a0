"""Browsing the reference data."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crms.core.access import area_required
from crms.reference import selectors, services
from crms.reference.models import Country, CustomsOffice

TABS = (
    ("reference-participants", "Participants"),
    ("reference-offices", "Customs offices"),
    ("reference-countries", "Countries"),
    ("reference-hs", "HS nomenclature"),
    ("reference-risk-areas", "Risk areas"),
    ("reference-vague-terms", "Vague goods terms"),
    ("reference-high-interest-countries", "High-interest countries"),
)


def _render(request, template: str, context: dict):
    context["tabs"] = TABS
    # htmx requests (search-as-you-type) get only the results fragment.
    if request.headers.get("HX-Request") and "partial" in context:
        return render(request, context["partial"], context)
    return render(request, template, context)


@area_required("reference")
def participants(request):
    """Participants, and for those taking part through an agreement what its record says they receive."""
    rows = list(selectors.participants())
    receives = selectors.agreement_scopes()
    for org in rows:
        org.receives = receives.get(org.code, "")
    return _render(request, "reference/participants.html", {"participants": rows})


@area_required("reference")
def offices(request):
    member_state = request.GET.get("member_state", "").upper()
    border_type = request.GET.get("border_type", "")
    context = {
        "offices": selectors.customs_offices(member_state=member_state or None, border_type=border_type or None),
        "member_state": member_state,
        "border_type": border_type,
        "border_types": CustomsOffice.BorderType.choices,
        "participants": selectors.participants(),
    }
    return _render(request, "reference/offices.html", context)


@area_required("reference")
def countries(request):
    query = request.GET.get("q", "").strip()
    context = {"countries": selectors.countries(query=query), "q": query, "partial": "reference/_countries.html"}
    return _render(request, "reference/countries.html", context)


@area_required("reference")
def hs(request):
    query = request.GET.get("q", "").strip()
    parent_code = request.GET.get("parent", "").strip()
    parent = selectors.hs_code(parent_code) if parent_code else None
    page = Paginator(selectors.hs_codes(query=query, parent=parent_code or None), 100).get_page(request.GET.get("page"))
    breadcrumb = []
    node = parent
    while node is not None:
        breadcrumb.insert(0, node)
        node = node.parent
    context = {"page": page, "q": query, "parent": parent, "breadcrumb": breadcrumb, "partial": "reference/_hs.html"}
    return _render(request, "reference/hs.html", context)


@area_required("reference")
def risk_areas(request):
    return _render(request, "reference/risk_areas.html", {"risk_areas": selectors.risk_areas()})


@area_required("reference")
def vague_terms(request):
    return _render(request, "reference/vague_terms.html", {"terms": selectors.vague_terms()})


@area_required("reference")
def home(request):
    return participants(request)


@require_http_methods(["GET", "POST"])
@area_required("reference")
def high_interest_countries(request):
    """Everyone reads the list; Commission staff replace it (codes separated by commas or spaces)."""
    errors: list[dict] = []
    typed = ""
    if request.method == "POST":
        if not services.may_maintain(request.user):
            return render(request, "errors/403.html", status=403)
        typed = request.POST.get("countries")
        codes = [code.upper() for code in re.split(r"[\s,;]+", typed or "") if code]
        try:
            if typed is None:  # a form without the field (an empty field is an empty list)
                raise services.ReferenceDataError(
                    400, [{"field": "countries", "code": "required", "message": "Send the list."}]
                )
            services.set_high_interest_countries(actor=request.user, codes=codes)
        except services.ReferenceDataError as error:
            errors = error.errors
            typed = typed or ""
        else:
            messages.success(request, _("High-interest countries saved."))
            return redirect("reference-high-interest-countries")
    listed = selectors.high_interest_countries()
    context = {
        "countries": Country.objects.filter(iso2__in=listed).order_by("name"),
        "typed": typed or ", ".join(listed),
        "errors": errors,
        "may_maintain": services.may_maintain(request.user),
        "last": services.last_change(),
    }
    response = _render(request, "reference/high_interest_countries.html", context)
    if errors:
        response.status_code = 400
    return response
