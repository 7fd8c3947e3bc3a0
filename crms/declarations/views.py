"""Declarations in the browser: a filtered list and a declaration page (reads through selectors only)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from crms.core import keyset
from crms.core.access import area_required
from crms.core.client_input import whole_number
from crms.core.derived import derived
from crms.declarations import selectors, version_diff
from crms.declarations.assessment import assessment_for, assessment_history
from crms.declarations.filters import DeclarationFilter

PAGE_SIZE = 50
LIST_FIELDS = (
    "mrn", "lrn", "received_at", "transport_mode", "phase", "filing_type", "office_of_first_entry__name",
    "office_of_first_entry__code", "first_entry_member_state_id", "unloading_member_state_id",
    "expected_arrival", "consignor_name", "consignee_name", "item_count", "current_version", "screening_status",
)  # fmt: skip


@derived("declarations, searched and filtered")
@require_safe
@area_required("declarations")
def declaration_list(request):
    filterset = DeclarationFilter(request.GET or None, queryset=selectors.declarations_for(request.user))
    valid = filterset.is_bound and filterset.is_valid()
    branches = [
        (DeclarationFilter(request.GET, queryset=branch).qs if valid else branch)
        .select_related("office_of_first_entry")
        .only(*LIST_FIELDS)
        for branch in selectors.declaration_branches_for(request.user, filterset.first_entry_member_state())
    ]
    result = keyset.page_union(branches, field="received_at", cursor=request.GET.get("after"), size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    context = {"filter": filterset, "page": result, "query": query.urlencode()}
    template = "declarations/_rows.html" if request.headers.get("HX-Request") else "declarations/list.html"
    # A refused filter (a date outside its window) is named above the rows: 400 for the page, 200 for HTMX,
    # which swaps only successful answers in.
    refused = filterset.is_bound and not valid and not request.headers.get("HX-Request")
    return render(request, template, context, status=400 if refused else 200)


@derived("house filings under the same master document, the screening history")
@require_safe
@area_required("declarations")
def declaration_detail(request, mrn: str):
    declaration = selectors.declaration_for(request.user, mrn)
    if declaration is None:
        raise Http404
    requested = request.GET.get("version", "")
    version = selectors.version_of(declaration, whole_number(requested))
    if version is None:
        raise Http404
    comparison, status = None, 200
    if "compare" in request.GET:
        comparison = _comparison(declaration, request.GET["compare"])
        status = 400 if comparison.get("error") else 200
    context = {
        "comparison": comparison,
        "declaration": declaration,
        "version": version,
        "body": version.body,
        "parties": version.parties.select_related("operator").prefetch_related("operator__authorisations"),
        "items": version.items.all(),
        "versions": declaration.versions.order_by("-version").values("version", "filed_at", "filed_by__username"),
        "house_filings": selectors.house_filings_sharing_master(request.user, declaration)[:50],
        "assessment": assessment_for(request.user, declaration),
        "history": assessment_history(request.user, declaration),
        "history_label": _history_label(declaration, version),
    }
    return render(request, "declarations/detail.html", context, status=status)


def _history_label(declaration, version):
    """The imported control result of a history declaration's version (None for live ones or without one)."""
    if not declaration.is_history:
        return None
    from crms.learning.models import HistoryLabel

    return HistoryLabel.objects.filter(version=version).first()


def _comparison(declaration, typed: str) -> dict:
    """``?compare=1..2``: the changes from one version to another, or an error naming the parameter."""
    pair = version_diff.parse_compare(typed)
    if pair is None:
        return {"error": "compare: two version numbers as 1..2."}
    first, second = (selectors.version_of(declaration, number) for number in pair)
    if first is None or second is None:
        return {"error": f"compare: this ENS has versions 1 to {declaration.current_version}."}
    return {"first": first, "second": second, "changes": version_diff.body_diff(first.body, second.body)}
