"""Backtests in the browser: start one, watch its progress bar, read the report with charts.

Who: anyone who may see the criterion's logic (``selectors.criterion_for`` + ``may_see_logic``;
others get 404) may read backtests, auditors included, but only those computed over rows they read
(``selectors.backtests_for``: a Member State's users read their own Member State's backtests, EU-wide
readers all; anyone else gets 404). Only risk staff (Commission roles, analysts, risk managers) may
start one (403 otherwise); it covers the declarations they may read. A restricted criterion's backtest
shows its logic (the samples' expected values): each read is audited. The approval page includes
``backtest_latest_partial`` with ``hx-get``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crms.accounts.roles import is_risk_staff
from crms.core import formatting
from crms.core.access import area_required
from crms.core.derived import derived
from crms.declarations.models import TransportMode
from risk_engine import selectors, services
from risk_engine.backtest import TooManyBacktests, backtested_version, participant_codes, start_backtest
from risk_engine.backtest_forecast import forecast_rows
from risk_engine.models_backtest import Backtest


def _criterion(request, code: str):
    criterion = selectors.criterion_for(request.user, code)
    if criterion is None or not selectors.may_see_logic(request.user, criterion):
        raise Http404
    return criterion


def _may_start(user) -> bool:
    return user.is_superuser or is_risk_staff(user)


def _form_context(request, criterion, *, values=None, errors=None) -> dict:
    today = timezone.localdate()
    values = values or {
        "date_from": (today - dt.timedelta(days=30)).isoformat(),
        "date_to": today.isoformat(),
        "member_states": [],
        "transport_modes": [],
    }
    return {
        "criterion": criterion,
        "may_start": _may_start(request.user),
        "values": values,
        "errors": errors or {},
        "member_state_choices": participant_codes(),
        "mode_choices": TransportMode.choices,
    }


def _chart_data(results: dict) -> dict:
    return {
        "per_day": {
            "labels": [formatting.day(row["day"]) for row in results["per_day"]],
            "ens": [row["ens"] for row in results["per_day"]],
            "items": [row["items"] for row in results["per_day"]],
        },
        "per_member_state": {
            "labels": [row["key"] for row in results["per_member_state"]],
            "ens": [row["ens"] for row in results["per_member_state"]],
        },
        "per_mode": {
            "labels": [row["key"] for row in results["per_mode"]],
            "ens": [row["ens"] for row in results["per_mode"]],
        },
        "load": {
            "labels": ["Hit today (published criteria)", "Hit by this version", "Added by this version"],
            "ens": [results["today"]["ens"], results["hits"]["ens"], results["added_load"]["ens"]],
        },
    }


def _shown_results(user, results: dict) -> dict:
    """The stored results without what the viewer may not read: overlaps with restricted criteria for
    whoever may not read restricted logic (auditors)."""
    if selectors.reads_restricted_logic(user):
        return results
    hidden = {row["code"] for row in results.get("overlap", []) if row.get("restricted")}
    if not hidden:
        return results
    samples = [{**s, "also_hit_by": [c for c in s["also_hit_by"] if c not in hidden]} for s in results["samples"]]
    overlap = [row for row in results["overlap"] if row["code"] not in hidden]
    return {**results, "overlap": overlap, "samples": samples}


def _backtest_context(request, backtest: Backtest) -> dict:
    context = {"backtest": backtest, "criterion": backtest.criterion_version.criterion}
    if backtest.status == Backtest.State.DONE and backtest.results:
        results = _shown_results(request.user, backtest.results)
        context["results"] = results
        context["chart_data"] = _chart_data(results)
        context["forecast"] = forecast_rows(results)
    return context


@area_required("criteria")
@require_POST
def backtest_start(request, code: str):
    criterion = _criterion(request, code)
    if not _may_start(request.user):
        raise PermissionDenied("Only risk staff may start a backtest.")
    version = backtested_version(criterion, request.user)
    if version is not None and not selectors.may_see_logic(request.user, criterion, version):
        raise Http404  # a restricted draft: for the Commission only
    values = {
        "date_from": request.POST.get("date_from", ""),
        "date_to": request.POST.get("date_to", ""),
        "member_states": request.POST.getlist("member_states"),
        "transport_modes": request.POST.getlist("transport_modes"),
    }
    try:
        backtest = start_backtest(actor=request.user, criterion=criterion, params=values)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        context = _form_context(request, criterion, values=values, errors=errors)
        return render(request, "backtests/start.html", context, status=400)
    except TooManyBacktests as refused:  # one user, one backtest at a time: the worker is shared
        context = _form_context(request, criterion, values=values, errors={"limit": [str(refused)]})
        return render(request, "backtests/start.html", context, status=429)
    url = reverse("backtest-detail", args=[criterion.code, backtest.pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _backtest(request, code: str, pk: int, *, where: str) -> Backtest:
    """A backtest the viewer reads every row of, with the logic of its version (404 otherwise)."""
    criterion = _criterion(request, code)
    backtest = get_object_or_404(
        selectors.backtests_for(request.user, criterion).select_related("criterion_version__criterion", "requested_by"),
        pk=pk,
    )
    if not services.logic_shown(
        actor=request.user, criterion=criterion, version=backtest.criterion_version, where=where
    ):
        raise Http404
    return backtest


@derived("a backtest's figures, per-Member-State counts, overlaps and sample declarations")
@area_required("criteria")
@require_GET
def backtest_detail(request, code: str, pk: int):
    backtest = _backtest(request, code, pk, where="backtest")
    context = _backtest_context(request, backtest) | _form_context(request, backtest.criterion_version.criterion)
    return render(request, "backtests/detail.html", context)


@derived("a backtest's progress, then its report")
@area_required("criteria")
@require_GET
def backtest_progress(request, code: str, pk: int):
    """The progress bar (polled every second while queued or running), then the report."""
    backtest = _backtest(request, code, pk, where="backtest")
    return render(request, "backtests/_progress.html", _backtest_context(request, backtest))


@derived("the latest backtest of the version under approval")
@area_required("criteria")
@require_GET
def backtest_latest_partial(request, code: str):
    """The latest finished backtest of the version under approval the viewer may read, for the approval page."""
    criterion = _criterion(request, code)
    version = backtested_version(criterion, request.user)
    if version is not None and not selectors.may_see_logic(request.user, criterion, version):
        version = None  # a restricted draft: its logic (and so its backtests) is for the Commission
    backtests = selectors.backtests_for(request.user, criterion).filter(criterion_version=version)
    backtests = backtests.select_related("requested_by")
    context = _form_context(request, criterion) | {  # figures only: no logic shown, no read recorded
        "version": version,
        "latest": backtests.filter(status=Backtest.State.DONE).first() if version else None,
        "running": backtests.filter(status__in=[Backtest.State.QUEUED, Backtest.State.RUNNING]).first()
        if version
        else None,
    }
    return render(request, "backtests/_latest.html", context)
