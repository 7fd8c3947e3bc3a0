"""The analyst's side of the ICS2 referral loop in the browser: close a referral, or ask again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crms.core.access import area_required
from workbench import referrals, selectors
from workbench.case_forms import plain_errors
from workbench.views import cases


def _referral(request, pk: int):
    referral = selectors.referral_for(request.user, pk)
    if referral is None:
        raise Http404
    return referral


def _back(request, referral, action, **kwargs):
    """Run ``action``; refusals of rights answer 403; other refusals show the case page again with the
    referral's form as typed and the message beside the field (issue 14)."""
    try:
        action(actor=request.user, referral=referral, **kwargs)
    except referrals.ReferralError as error:
        if error.status == 403:
            raise PermissionDenied(error.errors[0]["message"]) from None
        case = selectors.case_for(request.user, referral.case_id)
        if case is None:  # the referral is readable but the case is another Member State's: say it plainly
            for item in error.errors:
                messages.error(request, item["message"])
            return redirect("workbench-queue")
        names = tuple(kwargs)
        state = plain_errors(error.errors, names)
        state.values = {name: request.POST.get(name, "") for name in names}
        context = cases._page(request, case) | {"referral_form": {"pk": referral.pk, "kind": names[0], "form": state}}
        return render(request, "workbench/case.html", context, status=error.status)
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
