"""The analyst's side of the ICS2 referral loop in the browser: close a referral, or ask again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crms.core.access import area_required
from workbench import referrals, selectors


def _referral(request, pk: int):
    referral = selectors.referral_for(request.user, pk)
    if referral is None:
        raise Http404
    return referral


def _back(request, referral, action, **kwargs):
    """Run ``action``; refusals of rights answer 403, the rest go back to the case page with the message."""
    try:
        action(actor=request.user, referral=referral, **kwargs)
    except referrals.ReferralError as error:
        if error.status == 403:
            raise PermissionDenied(error.errors[0]["message"]) from None
        for item in error.errors:
            messages.error(request, f"{item['field'] + ': ' if item['field'] else ''}{item['message']}")
        return redirect("workbench-case", pk=referral.case_id)
    return None


@require_POST
@area_required("workbench")
def close(request, pk: int):
    referral = _referral(request, pk)
    failed = _back(request, referral, referrals.close_referral, reason=request.POST.get("reason", ""))
    if failed is None:
        messages.success(request, _("Referral closed."))
    return failed or redirect("workbench-case", pk=referral.case_id)


@require_POST
@area_required("workbench")
def ask_again(request, pk: int):
    referral = _referral(request, pk)
    failed = _back(request, referral, referrals.ask_again, question=request.POST.get("question", ""))
    if failed is None:
        messages.success(request, _("Asked again: the referral is open for the filer's answer."))
    return failed or redirect("workbench-case", pk=referral.case_id)
