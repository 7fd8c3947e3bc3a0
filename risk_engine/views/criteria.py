"""Criteria list and detail pages: the lifecycle with comments, versions and the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crms.audit.models import AuditEntry
from crms.core.access import area_required
from risk_engine import selectors, services
from risk_engine.models import Status
from risk_engine.plain import describe, describe_scope
from risk_engine.views.builder import AUTHOR_ROLES

TRANSITIONS = {
    "submit": services.submit_criterion,
    "approve": services.approve_criterion,
    "retire": services.retire_criterion,
}


@area_required("criteria")
def criteria_list(request):
    criteria = selectors.criteria_for(request.user).prefetch_related("versions").order_by("code")
    scope = request.GET.get("scope", "")
    if scope in ("eu", "national"):
        criteria = criteria.filter(scope=scope)
    rows = []
    for criterion in criteria:
        versions = sorted(criterion.versions.all(), key=lambda v: v.version)
        rows.append(
            {
                "criterion": criterion,
                "current": versions[-1],
                "published": next((v for v in versions if v.status == Status.PUBLISHED), None),
            }
        )
    return render(
        request,
        "criteria/list.html",
        {
            "rows": rows,
            "scope": scope,
            "may_author": request.user.role in AUTHOR_ROLES,
        },
    )


@area_required("criteria")
def criterion_detail(request, code):
    criterion = selectors.criterion_for(request.user, code)
    if criterion is None:
        raise Http404
    versions = list(criterion.versions.select_related("author", "published_by").order_by("-version"))
    current = versions[0]
    logic = selectors.may_see_logic(request.user, criterion)
    audit = AuditEntry.objects.filter(object_type="risk_engine.criterion", object_id=str(criterion.pk))[:50]
    return render(
        request,
        "criteria/detail.html",
        {
            "criterion": criterion,
            "current": current,
            "versions": versions,
            "logic": logic,
            "plain": describe(current.condition) if logic else None,
            "scope_text": describe_scope(
                scope=criterion.scope, owner=criterion.owner_id, applies_to=current.applies_to
            ),
            "audit": audit,
            "may_author": request.user.role in AUTHOR_ROLES,
        },
    )


@require_POST
@area_required("criteria")
def transition(request, code, action):
    criterion = selectors.criterion_for(request.user, code)
    if criterion is None or action not in TRANSITIONS:
        raise Http404
    comment = request.POST.get("comment", "").strip()
    if not comment:
        messages.error(request, "Please give a comment for the record.")
        return redirect("criteria-detail", code=code)
    try:
        TRANSITIONS[action](actor=request.user, criterion=criterion, comment=comment)
    except services.CriteriaError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, {"submit": "Submitted for approval.", "approve": "Published.", "retire": "Retired."}[action]
        )
    return redirect("criteria-detail", code=code)
