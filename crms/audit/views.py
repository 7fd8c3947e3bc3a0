"""The audit log page: who did what to which object, as a readable change, filterable and paginated."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.views.decorators.http import require_safe

from crms.audit.models import AuditEntry
from crms.audit.presenters import entry_rows, object_type_label
from crms.audit.selectors import audit_entries_for
from crms.core.access import area_required
from crms.core.dates import QUERY, read_day

PAGE_SIZE = 50


def _filtered(entries: QuerySet[AuditEntry], params) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    """Apply the filters of the query string; a date outside the query window is a 400 naming the field."""
    shown = {name: params.get(name, "").strip() for name in ("user", "object_type", "object", "action", "from", "to")}
    first = read_day(shown["from"], field="from", window=QUERY, european=True)
    last = read_day(shown["to"], field="to", window=QUERY, european=True)
    if shown["user"]:
        entries = entries.filter(actor_username__iexact=shown["user"])
    if shown["object_type"]:
        entries = entries.filter(object_type=shown["object_type"])
    if shown["object"]:
        entries = entries.filter(Q(object_id=shown["object"]) | Q(object_repr__iexact=shown["object"]))
    if shown["action"]:
        entries = entries.filter(action__startswith=shown["action"])
    if first:
        entries = entries.filter(at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC))
    if last:
        entries = entries.filter(at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))
    return entries, shown


@require_safe
@area_required("audit")
def audit_log(request):
    readable = audit_entries_for(request.user)
    entries, shown = _filtered(readable, request.GET)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    object_types = sorted(readable.order_by().values_list("object_type", flat=True).distinct().exclude(object_type=""))
    context = {
        "page": page,
        "rows": entry_rows(request.user, list(page.object_list)),
        "filters": shown,
        "object_types": [(value, object_type_label(value)) for value in object_types],
    }
    return render(request, "audit/log.html", context)
