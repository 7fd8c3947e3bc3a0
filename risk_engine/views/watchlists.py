"""Watch lists in the browser: the lists you may see, their entries, adding, removing and importing entries.

Who: everyone in the criteria area sees the watch lists ``selectors.watch_lists_for`` gives them
(others get 404). Only risk staff of the owner organisation edit a list (``services.may_edit_watch_list``);
for everyone else the edit controls are hidden and their POSTs get 403. Every change goes
through ``risk_engine.services`` and so into the audit log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from crms.accounts.roles import is_risk_staff
from crms.audit.models import AuditEntry
from crms.core.access import area_required
from risk_engine import selectors, services
from risk_engine.forms import EntryForm, ImportForm, RemoveEntryForm, WatchListForm
from risk_engine.models import WatchList
from risk_engine.watchlists import CSV_MAX_BYTES, CSV_MAX_LINES, read_csv

PAGE_SIZE = 100
SHOWN_IMPORT_ERRORS = 200


def _may_create(user) -> bool:
    return is_risk_staff(user)


def _watch_list(request, code: str) -> WatchList:
    watch_list = selectors.watch_list_for(request.user, code)
    if watch_list is None:
        raise Http404("No watch list with this code that you may see.")
    return watch_list


def _editable(request, code: str) -> WatchList:
    watch_list = _watch_list(request, code)
    if not services.may_edit_watch_list(request.user, watch_list):
        raise PermissionDenied("Only risk staff of the owner organisation edit this watch list.")
    return watch_list


def _form_errors(form, error: services.CriteriaError) -> None:
    for problem in error.errors:
        name = problem.get("field")
        form.add_error(name if name in form.fields else None, problem["message"])


@require_safe
@area_required("criteria")
def watch_list_index(request):
    lists = selectors.watch_lists_for(request.user).annotate(entry_count=Count("entries")).order_by("code")
    return render(
        request,
        "watchlists/list.html",
        {"lists": lists, "may_create": _may_create(request.user), "user_org": request.user.organisation_id},
    )


@area_required("criteria")
def watch_list_new(request):
    if not _may_create(request.user):
        raise PermissionDenied("Your role may not keep watch lists.")
    form = WatchListForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                watch_list = services.create_watch_list(actor=request.user, **form.cleaned_data)
            except services.CriteriaError as error:
                _form_errors(form, error)
                status = error.status if error.status in (400, 409) else 400
            else:
                messages.success(request, _("Watch list %(code)s created.") % {"code": watch_list.code})
                return redirect("watch-list-detail", code=watch_list.code)
    return render(request, "watchlists/new.html", {"form": form}, status=status)


def _detail(request, watch_list: WatchList, *, status: int = 200, **context):
    query = request.GET.get("q", "")[:200]
    page = Paginator(selectors.watch_list_entries(watch_list, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    audit = AuditEntry.objects.filter(object_type="risk_engine.watchlist", object_id=str(watch_list.pk))[:50]
    context = {
        "watch_list": watch_list,
        "page": page,
        "query": query,
        "total": watch_list.entries.count(),
        "may_edit": services.may_edit_watch_list(request.user, watch_list),
        "audit": audit,
        "entry_form": EntryForm(),
        "import_form": ImportForm(),
        "import_errors": [],
        "remove_error": None,
        "csv_limits": f"{CSV_MAX_BYTES / 1024 / 1024:g} MiB and {CSV_MAX_LINES:,} lines",
        **context,
    }
    return render(request, "watchlists/detail.html", context, status=status)


@require_safe
@area_required("criteria")
def watch_list_detail(request, code: str):
    return _detail(request, _watch_list(request, code))


@require_POST
@area_required("criteria")
def watch_list_add(request, code: str):
    watch_list = _editable(request, code)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            added = services.add_watch_list_entries(
                actor=request.user,
                watch_list=watch_list,
                entries=[(form.cleaned_data["value"], form.cleaned_data["reason"])],
            )
        except services.CriteriaError as error:
            for problem in error.errors:
                name = (problem.get("field") or "").rpartition(".")[2]
                form.add_error(name if name in form.fields else None, problem["message"])
        else:
            if added:
                messages.success(request, _("Added %(value)s.") % {"value": form.cleaned_data["value"].strip()})
            else:
                messages.info(request, _("That value is already on the list; nothing changed."))
            return redirect("watch-list-detail", code=watch_list.code)
    return _detail(request, watch_list, status=400, entry_form=form)


@require_POST
@area_required("criteria")
def watch_list_remove(request, code: str, entry_id: int):
    watch_list = _editable(request, code)
    form = RemoveEntryForm(request.POST)
    if not form.is_valid():
        message = "Reason for removal: please give one (at most 300 characters). Nothing was removed."
        messages.error(request, message)
        return _detail(request, watch_list, status=400, remove_error={"id": entry_id, "message": message})
    try:
        entry = services.remove_watch_list_entry(
            actor=request.user, watch_list=watch_list, entry_id=entry_id, reason=form.cleaned_data["reason"]
        )
    except services.CriteriaError as error:
        if error.status == 404:
            raise Http404(str(error)) from None
        messages.error(request, str(error))
        return _detail(request, watch_list, status=error.status, remove_error={"id": entry_id, "message": str(error)})
    messages.success(request, _("Removed %(value)s.") % {"value": entry.value})
    return redirect("watch-list-detail", code=watch_list.code)


@require_POST
@area_required("criteria")
def watch_list_import(request, code: str):
    """A ``value,reason`` CSV: every line is checked first; one bad line and nothing is stored."""
    watch_list = _editable(request, code)
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if not form.is_valid():
        errors = [f"file: {message}" for message in form.errors.get("file", ["Choose a CSV file."])]
    else:
        upload = form.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            errors = [f"file: larger than {CSV_MAX_BYTES // 1024} KiB ({upload.size // 1024} KiB)."]
        else:
            parsed = read_csv(upload.read(CSV_MAX_BYTES + 1), watch_list.kind)
            errors = parsed.errors
            if not errors:
                try:
                    added = services.add_watch_list_entries(
                        actor=request.user, watch_list=watch_list, entries=parsed.entries
                    )
                except services.CriteriaError as error:
                    errors = [f"{problem.get('field') or 'file'}: {problem['message']}" for problem in error.errors]
                else:
                    known = len(parsed.entries) - added
                    imported = ngettext(
                        "Imported %(added)s new entry from %(file)s",
                        "Imported %(added)s new entries from %(file)s",
                        added,
                    ) % {"added": added, "file": upload.name}
                    if known:
                        imported = _("%(imported)s; %(known)s already on the list.") % {
                            "imported": imported,
                            "known": known,
                        }
                    else:
                        imported = _("%(imported)s.") % {"imported": imported}
                    messages.success(request, imported)
                    return redirect("watch-list-detail", code=watch_list.code)
    shown = errors[:SHOWN_IMPORT_ERRORS]
    if len(errors) > len(shown):
        more = len(errors) - len(shown)
        shown.append(ngettext("… and %(n)s more problem.", "… and %(n)s more problems.", more) % {"n": more})
    return _detail(request, watch_list, status=400, import_errors=shown)
