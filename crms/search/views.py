"""The results page of the header's search box: results grouped by kind, each linking to its page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from crms.core.derived import derived
from crms.core.navigation import PEOPLE
from crms.search.selectors import KINDS, MAX_LENGTH, QueryError, clean_query, search


@derived("search results over declarations, parties, RIFs and criteria")
def search_page(request):
    if not (request.user.is_superuser or request.user.role in PEOPLE):
        raise PermissionDenied("National systems search through the API (/api/v1/search/).")
    raw = request.GET.get("q", "")
    context = {"q": raw[: MAX_LENGTH * 2], "kinds": KINDS, "error": "", "results": None}
    context["search_q"] = context["q"]  # the header box keeps what was typed
    if raw.strip():
        try:
            context["results"] = search(request.user, clean_query(raw))
        except QueryError as problem:
            context["error"] = str(problem)
    return render(request, "search/results.html", context)
