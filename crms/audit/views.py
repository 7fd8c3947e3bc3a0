from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from crms.audit.selectors import audit_entries_for, entries_as_shown
from crms.core.access import area_required


@require_safe
@area_required("audit")
def audit_log(request):
    entries = audit_entries_for(request.user)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    page.object_list = entries_as_shown(request.user, page.object_list)
    return render(request, "audit/log.html", {"page": page, "action": action})
