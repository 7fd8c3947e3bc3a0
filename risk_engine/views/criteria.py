"""Criteria list and detail pages: filters and hit figures, the lifecycle with comments, versions and their diff."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from crms.accounts.roles import member_state_of
from crms.audit.models import AuditEntry
from crms.audit.presenters import history_rows
from crms.core.access import area_required
from crms.core.client_input import whole_number
from crms.core.derived import derived
from pca.selectors import campaign_restriction
from risk_engine import selectors, services
from risk_engine.diff import condition_diff, field_changes
from risk_engine.documents import content_fingerprint
from risk_engine.forms import CriteriaFilterForm
from risk_engine.models import Status
from risk_engine.plain import describe, describe_scope
from risk_engine.views.builder import AUTHOR_ROLES

TRANSITIONS = {
    "submit": services.submit_criterion,
    "approve": services.approve_criterion,
    "retire": services.retire_criterion,
    "return": services.return_criterion,
    "reject": services.reject_criterion,
}


HIT_WINDOWS = selectors.HIT_WINDOWS


@derived("hit figures of every criterion over the assessments the viewer reads")
@require_safe
@area_required("criteria")
def criteria_list(request):
    """Current versions, filtered (scope, risk area, status, owner, validity), with hit figures."""
    user = request.user
    form = CriteriaFilterForm(request.GET, owners=selectors.criteria_owners_for(user))
    filters = form.filters()
    versions = list(selectors.current_versions_for(user, **filters))
    published = selectors.published_version_numbers(v.criterion_id for v in versions)
    figures = selectors.hit_counts_for(user, [v.criterion.code for v in versions], HIT_WINDOWS)
    restricted = selectors.restricted_criterion_ids(v.criterion_id for v in versions)
    rows = [
        {
            "criterion": version.criterion,
            "restricted": version.criterion_id in restricted,
            "current": version,
            "published": published.get(version.criterion_id),
            "figures": [figures[version.criterion.code][days] for days in HIT_WINDOWS],
        }
        for version in versions
    ]
    context = {
        "form": form,
        "rows": rows,
        "windows": HIT_WINDOWS,
        "screened": selectors.screened_counts_for(user, HIT_WINDOWS),
        "figures_over": "all Member States" if member_state_of(user) is None else member_state_of(user),
        "may_author": user.role in AUTHOR_ROLES,
    }
    template = "criteria/_rows.html" if request.headers.get("HX-Request") else "criteria/list.html"
    return render(request, template, context)


def _detail_context(request, criterion) -> dict:
    user = request.user
    # The versions the viewer reads (an EU draft is the Commission's): the newest of them is "current".
    versions = list(
        selectors.versions_for(user, criterion).select_related("author", "published_by").order_by("-version")
    )
    current = versions[0]
    logic = services.logic_shown(actor=user, criterion=criterion, version=current, where="criterion page")
    audit = selectors.criterion_entries_readable(
        user,
        criterion,
        AuditEntry.objects.filter(object_type="risk_engine.criterion", object_id=str(criterion.pk))[:50],
    )
    actions = services.criterion_actions(user, criterion)  # the transition view asks the same function
    wrote_it = services.is_editor(user, current)
    published = next((v for v in versions if v.status == Status.PUBLISHED), None)
    return {
        "criterion": criterion,
        "current": current,
        "versions": versions,
        "compare": {
            "a": versions[1].version if len(versions) > 1 else None,
            "b": current.version,
            "numbers": [v.version for v in reversed(versions)],
        },
        "logic": logic,
        "editors": sorted(editor.username for editor in current.editors.all()),
        "wrote_it": wrote_it,
        # What the approver reviews: the approve form sends both back (409 if the version changed since).
        "fingerprint": content_fingerprint(current),
        "plain": describe(current.condition) if logic else None,
        "scope_text": describe_scope(scope=criterion.scope, owner=criterion.owner_id, applies_to=current.applies_to),
        "audit": audit,
        # What the approver compares before approving: the last published version against the submitted one.
        "published_version": published.version if published and "approve" in actions else None,
        "sent_back": _sent_back(criterion, current),
        # The History tab: this criterion's audit entries the viewer may read, as readable changes.
        "history": history_rows(user, "risk_engine.criterion", criterion.pk),
        "actions": actions,
        "may_author": user.role in AUTHOR_ROLES,
        "may_promote": services.may_author(user, criterion),
        "campaign": campaign_restriction(criterion.code),  # linked to PCAs: runs only within their periods
    }


def _sent_back(criterion, current) -> AuditEntry | None:
    """The approver's return or rejection of the current draft (its comment is shown on the page)."""
    if current.status != Status.DRAFT:
        return None
    return (
        AuditEntry.objects.filter(
            object_type="risk_engine.criterion",
            object_id=str(criterion.pk),
            action__in=list(services.SEND_BACK.values()),
            after__version=current.version,
        )
        .order_by("-at", "-id")
        .first()
    )


def render_detail(request, criterion, *, status: int = 200, **extra):
    return render(request, "criteria/detail.html", _detail_context(request, criterion) | extra, status=status)


def _visible(request, code: str):
    criterion = selectors.criterion_for(request.user, code)
    if criterion is None:
        raise Http404("No criterion with this code that you may see.")
    return criterion


@require_safe
@area_required("criteria")
def criterion_detail(request, code):
    return render_detail(request, _visible(request, code))


VERSION_NUMBER = re.compile(r"v?(\d{1,9})", re.ASCII | re.IGNORECASE)


@require_safe
@area_required("criteria")
def criterion_diff(request, code):
    """Two versions side by side: changed fields, the condition in plain language and as a JSON line diff."""
    criterion = _visible(request, code)
    versions = {v.version: v for v in selectors.versions_for(request.user, criterion).select_related("author")}
    numbers = sorted(versions)
    defaults = {"a": numbers[-2] if len(numbers) > 1 else numbers[-1], "b": numbers[-1]}
    chosen, errors = {}, {}
    for name in ("a", "b"):
        raw = request.GET.get(name, "").strip()
        match = VERSION_NUMBER.fullmatch(raw)
        if not raw:
            chosen[name] = defaults[name]
        elif match is None:
            errors[name] = f"“{raw[:20]}” is not a version number (e.g. 2)."
        else:
            chosen[name] = int(match.group(1))
    context = {"criterion": criterion, "numbers": numbers, "errors": errors, "selected": chosen}
    if errors:
        return render(request, "criteria/diff.html", context | {"selected": defaults | chosen}, status=400)
    missing = [chosen[name] for name in ("a", "b") if chosen[name] not in versions]
    if missing:
        raise Http404(f"{criterion.code} has no version {missing[0]}.")
    a, b = versions[chosen["a"]], versions[chosen["b"]]
    logic = selectors.may_see_logic(request.user, criterion, a) and selectors.may_see_logic(request.user, criterion, b)
    if logic:
        services.record_logic_read(actor=request.user, criterion=criterion, where="version diff")
    changes = field_changes(a, b, logic=logic)
    context |= {
        "a": a,
        "b": b,
        "changed": [change for change in changes if change.changed],
        "unchanged": [change for change in changes if not change.changed],
        "logic": logic,
    }
    if logic:
        context |= {
            "plain_a": describe(a.condition),
            "plain_b": describe(b.condition),
            "condition_lines": condition_diff(a.condition, b.condition),
        }
    return render(request, "criteria/diff.html", context)


TRANSITION_DONE = {
    "submit": "Submitted for approval.",
    "approve": "Published.",
    "retire": "Retired.",
    "return": "Returned to the authors as a draft.",
    "reject": "Rejected: the version is a draft again.",
}


@require_POST
@area_required("criteria")
def transition(request, code, action):
    """Submit, approve or retire with a comment for the record; a refusal re-renders the page with its status."""
    criterion = _visible(request, code)
    if action not in TRANSITIONS:
        raise Http404
    refusal = services.transition_refusal(request.user, criterion, action)
    if refusal is not None and refusal.status == 403:  # a state conflict is the service's (409, with details)
        messages.error(request, refusal.message)
        return render_detail(request, criterion, status=403)
    comment = request.POST.get("comment", "").strip()
    if not comment:
        messages.error(request, "Comment for the record: please give one.")
        return render_detail(request, criterion, status=400)
    reviewed = {}
    if action == "approve":  # the page always sends the version it showed and its fingerprint: both required
        reviewed = {
            "version": whole_number(request.POST.get("version", "").strip()),
            "fingerprint": request.POST.get("fingerprint", "").strip() or None,
            "reviewed_required": True,
        }
    try:
        TRANSITIONS[action](actor=request.user, criterion=criterion, comment=comment, **reviewed)
    except services.CriteriaError as error:
        messages.error(request, str(error))
        return render_detail(request, criterion, status=error.status)
    messages.success(request, TRANSITION_DONE[action])
    return redirect("criteria-detail", code=code)
