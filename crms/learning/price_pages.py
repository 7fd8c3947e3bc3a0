"""The price pages (issue 16 point 5): current price outliers per Member State, and the baselines behind them.

``/prices/outliers/``: goods items of the last 30 days (or the period asked for) whose value per kg is below
a fifth or above five times their baseline, of the declarations the viewer reads
(``crms.learning.price_outliers``); EU-wide readers pick a Member State. ``/prices/baselines/``: the stored
baselines, searched by HS code; a Member State's people see the keys of no other Member State.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from crms.core.access import area_required
from crms.core.derived import derived
from crms.declarations.selectors import row_scope_for
from crms.learning.forms import BaselineSearchForm, OutlierFilterForm
from crms.learning.models import PriceBaseline
from crms.learning.price_outliers import PERIOD_DAYS, Outliers
from crms.learning.prices import MIN_SAMPLES, OUTLIER_ABOVE, OUTLIER_BELOW, WINDOW_DAYS
from crms.reference.models import HsCode

PER_PAGE = 50


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@require_safe
@area_required("prices")
@derived(
    "goods items of the declarations the viewer reads (row_scope_for) whose value per kg is far from its price "
    "baseline, and their counts per Member State; the baselines themselves are EU-wide statistics"
)
def outliers(request):
    rows = row_scope_for(request.user)
    today = timezone.now().date()
    default = {"since": today - dt.timedelta(days=PERIOD_DAYS - 1), "until": today}
    form = OutlierFilterForm(request.GET or None, member_states=rows.everything, initial=default)
    filters = form.filters() if request.GET else {}
    until = filters.get("until") or default["until"]
    since = filters.get("since") or until - dt.timedelta(days=PERIOD_DAYS - 1)
    found = Outliers(
        rows,
        start=_start_of(since),
        end=_start_of(until + dt.timedelta(days=1)),
        member_state=filters.get("member_state") or None,
        hs_prefix=filters.get("hs") or "",
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "since": since,
        "until": until,
        "per_member_state": found.per_member_state(),
        "below": OUTLIER_BELOW,
        "above": OUTLIER_ABOVE,
    }
    # A refused filter: 400 naming it beside the form, the other filters applied.
    return render(request, "learning/price_outliers.html", context, status=400 if form.errors else 200)


def baselines_for(user):
    """The baselines a viewer sees: every one for EU-wide readers; otherwise the pooled keys (EU-wide
    statistics) and the keys of the viewer's own Member State, never another Member State's."""
    rows = row_scope_for(user)
    baselines = PriceBaseline.objects.all()
    if rows.everything:
        return baselines
    return baselines.filter(Q(member_state="") | Q(member_state=rows.member_state or "-"))


@require_safe
@area_required("prices")
@derived(
    "price baselines: medians and spreads of value per kg over every Member State's declarations (EU-wide "
    "statistics, like the indicators' EU total); a Member State's people see no other Member State's keys"
)
def baselines(request):
    form = BaselineSearchForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    found = baselines_for(request.user)
    if filters.get("hs"):
        found = found.filter(hs_code__startswith=filters["hs"])
    page = Paginator(found.order_by("hs_code", "level", "origin", "member_state"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    descriptions = dict(
        HsCode.objects.filter(code__in={baseline.hs_code for baseline in page.object_list}).values_list(
            "code", "description"
        )
    )
    context = {
        "form": form,
        "page": page,
        "rows": [(baseline, descriptions.get(baseline.hs_code)) for baseline in page.object_list],
        "min_samples": MIN_SAMPLES,
        "window_days": WINDOW_DAYS,
        "computed_at": PriceBaseline.objects.order_by("-computed_at").values_list("computed_at", flat=True).first(),
    }
    return render(request, "learning/price_baselines.html", context, status=400 if form.errors else 200)
