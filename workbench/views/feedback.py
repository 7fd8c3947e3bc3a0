"""The feedback panel of a criterion page (loaded by HTMX): hits, decisions, controls, precision."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from crms.core.access import area_required
from crms.core.derived import derived
from risk_engine.selectors import criterion_for
from workbench.feedback import criterion_feedback


@derived("hits, decisions, controls and precision of a criterion per Member State")
@require_safe
@area_required("criteria")
def criterion_feedback_panel(request, code: str):
    criterion = criterion_for(request.user, code)
    if criterion is None:
        raise Http404
    return render(
        request,
        "workbench/_feedback.html",
        {"criterion": criterion, **criterion_feedback(request.user, criterion.code)},
    )
