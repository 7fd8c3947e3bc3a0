"""Information requests between Member States: inbox, sent requests, a new request, the thread."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crms.accounts.models import Organisation
from crms.accounts.roles import member_state_of
from crms.core.access import area_required
from crms.core.dates import PLANNED, DateRefused, read_day
from crms.core.derived import derived
from exchange.deadlines import with_deadline
from exchange.services import open_request
from workbench import selectors, services
from workbench.case_forms import FormState, plain_errors
from workbench.models import InformationRequest, LegalBasis


@derived("information requests of the viewer, searchable")
@require_safe
@area_required("workbench")
def request_list(request):
    member_state = member_state_of(request.user)
    visible = with_deadline(
        selectors.information_requests_for(request.user).select_related("requesting_state", "requested_state")
    )
    inbox = visible.filter(requested_state_id=member_state) if member_state else visible.none()
    sent = visible.filter(requesting_state_id=member_state) if member_state else visible
    return render(
        request,
        "workbench/requests.html",
        {"inbox": inbox[:200], "sent": sent[:200], "may_write": request.user.role in services.WORKERS},
    )


@area_required("workbench")
def request_new(request):
    if request.user.role not in services.WORKERS:
        raise Http404
    values = {"requested_state": "", "subject": "party", "legal_basis": "", "purpose": "", "question": ""}
    values |= {"mrn": request.GET.get("mrn", ""), "party_name": request.GET.get("party_name", ""), "party_eori": ""}
    values["answer_by"] = ""
    errors: list[dict] = []
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        answer_by, errors = _day(values["answer_by"])
        if not errors:
            try:
                created = open_request(
                    actor=request.user,
                    requested_state=values["requested_state"],
                    subject=values["subject"],
                    legal_basis=values["legal_basis"],
                    purpose=values["purpose"],
                    question=values["question"],
                    mrn=values["mrn"] or None,
                    party_name=values["party_name"],
                    party_eori=values["party_eori"],
                    answer_by=answer_by,
                )
            except services.WorkbenchError as error:
                errors = error.errors
            else:
                messages.success(
                    request,
                    _("Request sent to %(requested_state_id)s.") % {"requested_state_id": created.requested_state_id},
                )
                return redirect("workbench-request", pk=created.pk)
    if values["mrn"] and not request.GET.get("subject") and request.method != "POST":
        values["subject"] = "consignment"
    states = Organisation.objects.exclude(code__in=["EU", member_state_of(request.user) or ""]).order_by("code")
    return render(
        request,
        "workbench/request_new.html",
        {
            "values": values,
            "errors": {e["field"]: e["message"] for e in errors},
            "states": [s for s in states if s.participates_on()],
            "legal_bases": LegalBasis.choices,
            "subjects": InformationRequest.Subject.choices,
            "default_days": settings.INFORMATION_REQUEST_ANSWER_DAYS,
        },
        status=400 if errors else 200,
    )


EUROPEAN_DAY = re.compile(r"\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\s*")


def _day(text: str) -> tuple[dt.date | None, list[dict]]:
    """The deadline as typed: a date field sends YYYY-MM-DD; people may type 28/02/2027. Within the planning
    window (``crms.core.dates``), else the error names ``answer_by``."""
    european = EUROPEAN_DAY.fullmatch(text or "")
    if european:
        day_, month, year = european.groups()
        text = f"{year}-{int(month):02d}-{int(day_):02d}"
    try:
        return read_day(text, field="answer_by", window=PLANNED, european=True), []
    except DateRefused as refused:
        return None, [refused.error()]


def _fail(request, error: services.WorkbenchError) -> None:
    if error.status == 403:  # a role that may only read the thread
        raise PermissionDenied(error.errors[0]["message"])
    for item in error.errors:
        messages.error(request, item["message"])


def _request(request, pk: int) -> InformationRequest:
    found = with_deadline(selectors.information_requests_for(request.user)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_safe
@area_required("workbench")
def request_detail(request, pk: int):
    return render(request, "workbench/request_detail.html", _detail(request, _request(request, pk)))


def _detail(request, found: InformationRequest, reply: FormState | None = None) -> dict:
    """The thread page; ``reply`` is the refused reply as typed, with its error."""
    return {
        "reply_form": reply or FormState(),
        "req": found,
        "thread": found.messages.select_related("author"),
        "may_reply": services.may_reply_to_request(request.user, found),  # the services ask the same
        "may_close": services.may_close_request(request.user, found),
    }


@require_POST
@area_required("workbench")
def request_reply(request, pk: int):
    found = _request(request, pk)
    try:
        services.post_information_message(actor=request.user, request=found, body=request.POST.get("body", ""))
    except services.WorkbenchError as error:
        if error.status == 403:
            raise PermissionDenied(error.errors[0]["message"]) from None
        state = plain_errors(error.errors, ("body",))
        state.values = {"body": request.POST.get("body", "")}  # what was typed comes back
        return render(request, "workbench/request_detail.html", _detail(request, found, state), status=error.status)
    return redirect("workbench-request", pk=found.pk)


@require_POST
@area_required("workbench")
def request_close(request, pk: int):
    found = _request(request, pk)
    try:
        services.close_information_request(actor=request.user, request=found)
    except services.WorkbenchError as error:
        _fail(request, error)
    return redirect("workbench-request", pk=found.pk)
