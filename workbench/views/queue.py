"""The hit queue: open cases of the analyst's Member State, most urgent first, refreshing itself."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crms.accounts.roles import is_eu_wide_reader
from crms.core.access import area_required
from crms.core.client_input import whole_number
from crms.core.derived import derived
from crms.declarations.models import TransportMode
from risk_engine.models import OutcomeChoice
from workbench import saved_filters, selectors
from workbench.models import CaseOrigin
from workbench.services import WorkbenchError

PAGE_SIZE = 50
MAX_PAGE = 200
HOURS_CHOICES = (2, 6, 12, 24, 48)


def _int(value: str | None, *, default: int | None = None, low: int = 0, high: int = 10_000) -> int | None:
    number = whole_number(value)
    return default if number is None else max(low, min(high, number))


def _office_example(user) -> str:
    """An office code of the analyst's own Member State, as the office filter's hint."""
    from crms.reference.models import CustomsOffice

    offices = CustomsOffice.objects.order_by("code")
    if user.organisation_id and user.organisation_id != "EU":
        offices = offices.filter(member_state_id=user.organisation_id)
    return offices.values_list("code", flat=True).first() or ""


def filters_from(request) -> selectors.QueueFilters:
    return filters_from_query(request.GET)


def filters_from_query(get: QueryDict) -> selectors.QueueFilters:
    """The queue's filters and sort from a query string (the page's, or the one a case page was opened from)."""
    return selectors.QueueFilters(
        member_state=get.get("member_state", "").upper()[:2] or None,
        outcome=get.get("outcome", "") if get.get("outcome") in OutcomeChoice.values else "",
        risk_area=get.get("risk_area", "")[:40],
        criterion=get.get("criterion", "").strip()[:40],
        mode=get.get("mode", "") if get.get("mode") in TransportMode.values else "",
        office=get.get("office", "").strip()[:120],
        aeo=get.get("aeo", "") if get.get("aeo") in ("yes", "no") else "",
        hours_left=_int(get.get("hours_left"), high=24 * 365),
        mine=get.get("mine") == "1",
        origin=get.get("origin", "") if get.get("origin") in CaseOrigin.values else "",
        sort=selectors.sort_key(get.get("sort", "")),
    )


COLUMNS = (
    ("mrn", "MRN"),
    ("outcome", "Outcome"),
    ("score", "Score"),
    ("arrival", "Arrival"),
    ("mode", "Mode"),
    ("office", "Office"),
    ("", "Risk areas / criteria"),
    ("", "Parties"),
    ("claimed", "Claimed"),
)


def column_headers(query: QueryDict, current: str) -> list[dict]:
    """The queue's column headers. A sortable one links to the query that sorts by it: ascending first,
    descending when already ascending, back to the urgency order when already descending; ``state`` is
    its aria-sort."""
    headers = []
    for key, label in COLUMNS:
        if not key:
            headers.append({"label": label, "query": None, "state": None})
            continue
        following = "" if current == f"-{key}" else f"-{key}" if current == key else key
        target = query.copy()
        target.pop("page", None)
        target.pop("sort", None)
        if following:
            target["sort"] = following
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        headers.append({"label": label, "query": target.urlencode(), "state": state})
    return headers


@derived("the open cases, their filters (criterion, risk area, office, ...) and the counts bar")
@require_safe
@area_required("workbench")
def queue(request):
    from crms.reference.models import RiskArea

    filters = filters_from(request)
    page = _int(request.GET.get("page"), default=1, low=1, high=MAX_PAGE)
    now = timezone.now()
    cases = selectors.queue_page(request.user, filters, start=(page - 1) * PAGE_SIZE, size=PAGE_SIZE + 1, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "cases": cases[:PAGE_SIZE],
        "has_next": len(cases) > PAGE_SIZE and page < MAX_PAGE,
        "page": page,
        "filters": filters,
        "counts": selectors.queue_counts(request.user, filters, now),
        "referrals": selectors.referrals_awaiting(request.user, now),
        "overdue_minutes": settings.REFERRAL_OVERDUE_MINUTES,
        "overdue_referrals": selectors.overdue_referral_count(request.user, now),
        "query": query.urlencode(),
        "headers": column_headers(request.GET, filters.sort),
        "refresh_seconds": settings.QUEUE_REFRESH_SECONDS,
        "eu_wide": is_eu_wide_reader(request.user),
        "outcomes": OutcomeChoice.choices,
        "modes": TransportMode.choices,
        "origins": CaseOrigin.choices,
        "risk_areas": RiskArea.objects.order_by("code").values_list("code", "name"),
        "hours_choices": HOURS_CHOICES,
        "office_example": _office_example(request.user),
        "may_work": request.user.role in ("analyst", "risk_manager"),
        "now": now,
        "saved_filters": saved_filters.saved_filters(request.user),
        "saved_query": saved_filters.normalised(request.GET.urlencode()),
    }
    template = "workbench/_queue.html" if request.headers.get("HX-Request") else "workbench/queue.html"
    return render(request, template, context)


@derived("decided controls still waiting for a result")
@require_safe
@area_required("workbench")
def awaiting_results(request):
    cases = list(selectors.awaiting_results(request.user).select_related("declaration", "decision")[:200])
    return render(request, "workbench/awaiting.html", {"cases": cases})


@require_POST
@area_required("workbench")
def save_filter(request):
    """Save the queue's current filters under a name; back to the queue, filtered as saved."""
    try:
        saved = saved_filters.save_filter(request.user, request.POST.get("name", ""), request.POST.get("query", ""))
    except WorkbenchError as error:
        messages.error(request, error.errors[0]["message"])
        query = saved_filters.normalised(request.POST.get("query", ""))
        return redirect(f"{reverse('workbench-queue')}?{query}" if query else reverse("workbench-queue"))
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(f"{reverse('workbench-queue')}?{saved.query}" if saved.query else reverse("workbench-queue"))


@require_POST
@area_required("workbench")
def delete_filter(request, pk: int):
    if not saved_filters.delete_filter(request.user, pk):
        raise Http404
    messages.success(request, _("Saved filter deleted."))
    return redirect("workbench-queue")
