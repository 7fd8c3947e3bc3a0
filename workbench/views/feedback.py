"""The feedback panel of a criterion page (loaded by HTMX): hits, decisions, controls, precision; shadow hits."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.core.access import area_required
from crms.core.derived import derived
from risk_engine.selectors import HIT_WINDOWS, criterion_for, hit_counts_for
from workbench.feedback import criterion_feedback


@derived("hits, decisions, controls and precision of a criterion per Member State")
@require_safe
@area_required("criteria")
def criterion_feedback_panel(request, code: str):
    user = request.user
    criterion = criterion_for(user, code)
    if criterion is None:
        raise Http404
    eu_wide = is_eu_wide_reader(user) or user.is_superuser
    recent = hit_counts_for(user, [criterion.code], HIT_WINDOWS)[criterion.code]  # the criteria list's figures
    return render(
        request,
        "workbench/_feedback.html",
        {
            "criterion": criterion,
            "recent": list(recent.items()),
            "recent_over": "all Member States" if eu_wide else f"the declarations {member_state_of(user)} screens",
            "eu_wide": eu_wide,
            **criterion_feedback(user, criterion.code),
        },
    )
