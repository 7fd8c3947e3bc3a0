"""Browsing the reference data."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from crms.core.access import area_required
from crms.reference import selectors
from crms.reference.models import CustomsOffice

TABS = (
    ("reference-participants", "Participants"),
    ("reference-offices", "Customs offices"),
    ("reference-countries", "Countries"),
    ("reference-hs", "HS nomenclature"),
    ("reference-risk-areas", "Risk areas"),
    ("reference-vague-terms", "Vague goods terms"),
)


def _render(request, template: str, context: dict):
    context["tabs"] = TABS
    # htmx requests (search-as-you-type) get only the results fragment.
    if request.headers.get("HX-Request") and "partial" in context:
        return render(request, context["partial"], context)
    return render(request, template, context)


@area_required("reference")
def participants(request):
    return _render(request, "reference/participants.html", {"participants": selectors.participants()})


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
