"""The criterion builder: edit a criterion without writing JSON, see it in plain language as you go.

The page is one small vanilla-JS component (static/js/criteria-builder.js) that keeps the
contract's document as its state. Validation and the plain-language text come from the
server (``preview``) so the browser shows exactly what the API would accept.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import APIException

from crms.accounts.roles import Role
from crms.audit.services import record
from crms.core.access import area_required
from crms.core.api.body import read_json
from crms.reference.models import Country, CustomsOffice, HsCode, RiskArea
from risk_engine import selectors, services
from risk_engine.catalogue import FIELDS, OPERATORS
from risk_engine.documents import document_of
from risk_engine.plain import describe, describe_scope

AUTHOR_ROLES = {Role.COMMISSION, Role.COMMISSION_APPROVER, Role.ANALYST, Role.RISK_MANAGER}


def catalogue_json() -> dict[str, Any]:
    return {
        "fields": [
            {"name": spec.name, "type": spec.type, "level": spec.level, "label": spec.label} for spec in FIELDS.values()
        ],
        "operators": [
            {"name": op.name, "types": sorted(op.types), "value": op.value, "label": op.label}
            for op in OPERATORS.values()
        ],
    }


def _blank_document(user) -> dict[str, Any]:
    commission = user.role in (Role.COMMISSION, Role.COMMISSION_APPROVER)
    return {
        "code": "",
        "title": "",
        "description": "",
        "scope": "eu" if commission else "national",
        "risk_area": "security_safety",
        "applies_to": {"phases": [], "transport_modes": []},
        "condition": {"all": [{"field": "item.hs_code", "op": "starts_with", "value": []}]},
        "weight": 50,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "valid_from": timezone.now().replace(microsecond=0).isoformat(),
        "valid_to": None,
        "allows_aeo_facilitation": False,
        "shadow": False,
        "restricted": False,
        "legal_act": None,
        "financial_subtype": None,
        "control_stage": None,
    }


@area_required("criteria")
def builder(request, code: str | None = None):
    if request.user.role not in AUTHOR_ROLES:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Your role does not author criteria.")
    criterion = None
    if code is not None:
        criterion = selectors.criterion_for(request.user, code)
        version = selectors.working_version_for(request.user, criterion) if criterion is not None else None
        if criterion is None or not services.logic_shown(
            actor=request.user, criterion=criterion, version=version, where="builder"
        ):
            raise Http404
        document = document_of(version)
    else:
        document = _blank_document(request.user)
    context = {
        "criterion": criterion,
        "initial": {
            "document": document,
            "catalogue": catalogue_json(),
            "risk_areas": list(RiskArea.objects.values_list("code", "name")),
            "watch_lists": list(selectors.watch_lists_for(request.user).values_list("code", "name")),
            "scopes": ["eu"] if request.user.role in (Role.COMMISSION, Role.COMMISSION_APPROVER) else ["national"],
            "editing": code is not None,
            "urls": {
                "preview": reverse("criteria-preview"),
                "save": reverse("criteria-save"),
                "lookup": reverse("criteria-lookup"),
            },
        },
    }
    return render(request, "criteria/builder.html", context)


def _check(request, data: Any) -> list[dict]:
    try:
        services.check_document(data, actor=request.user)
    except services.CriteriaError as error:
        return error.errors
    return []


def _body(request) -> tuple[Any, JsonResponse | None]:
    """The builder's JSON document, or the answer to a body that is not one (413 too large, 415 not JSON,
    400 unparsable) in the API's error format: raised from a plain view, these were 500s."""
    try:
        return read_json(request, limit=settings.MAX_REQUEST_BYTES), None
    except APIException as exc:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "invalid"
        problem = {"field": None, "code": code, "message": str(exc.detail)}
        return None, JsonResponse({"errors": [problem]}, status=exc.status_code)


@require_POST
@area_required("criteria")
def preview(request):
    """Plain language and every validation problem of the document being edited."""
    data, refused = _body(request)
    if refused is not None:
        return refused
    if not isinstance(data, dict):
        return JsonResponse({"plain": "", "scope": "", "errors": [{"field": None, "message": "Not a JSON object."}]})
    scope_text = describe_scope(
        scope=data.get("scope", "eu"),
        owner=request.user.organisation_id or "",
        applies_to=data.get("applies_to") if isinstance(data.get("applies_to"), dict) else None,
    )
    return JsonResponse(
        {"plain": describe(data.get("condition")), "scope": scope_text, "errors": _check(request, data)}
    )


@require_POST
@area_required("criteria")
def save(request):
    """Create the criterion as a draft, or save the draft / open a new draft version of it."""
    data, refused = _body(request)
    if refused is not None:
        return refused
    code = data.get("code") if isinstance(data, dict) else None
    existing = selectors.criterion_for(request.user, code) if isinstance(code, str) and code else None
    try:
        if existing is None:
            version = services.create_criterion(actor=request.user, data=data)
        else:
            version = services.update_criterion(actor=request.user, criterion=existing, data=data)
    except services.CriteriaError as error:
        return JsonResponse({"errors": error.errors}, status=error.status)
    return JsonResponse({"url": reverse("criteria-detail", args=[version.criterion.code])}, status=201)


LOOKUPS = ("hs", "country", "office", "locode", "watch_list")


@require_GET
@area_required("criteria")
def lookup(request):
    """Autocomplete for value inputs: HS codes with descriptions, countries, offices, watch lists."""
    kind, query = request.GET.get("kind", ""), request.GET.get("q", "").strip()
    if kind not in LOOKUPS:
        return JsonResponse({"errors": [{"field": "kind", "message": f"One of {', '.join(LOOKUPS)}."}]}, status=400)
    items: list[dict[str, str]] = []
    if kind == "hs":
        codes = HsCode.objects.all()
        if query.isdigit():
            codes = codes.filter(code__startswith=query)
        elif query:
            codes = codes.filter(description__icontains=query)
        items = [{"value": c.code, "label": c.description[:90]} for c in codes.order_by("code")[:20]]
    elif kind in ("country", "locode"):
        countries = (
            Country.objects.filter(Q(iso2__istartswith=query) | Q(name__icontains=query))
            if query
            else Country.objects.all()
        )
        items = [{"value": c.iso2, "label": c.name} for c in countries.order_by("iso2")[:20]]
    elif kind == "office":
        offices = CustomsOffice.objects.filter(Q(code__istartswith=query) | Q(name__icontains=query))
        items = [{"value": o.code, "label": o.name} for o in offices.order_by("code")[:20]]
    else:
        lists = selectors.watch_lists_for(request.user).filter(Q(code__icontains=query) | Q(name__icontains=query))
        items = [{"value": w.code, "label": w.name} for w in lists[:20]]
    return JsonResponse({"results": items})


@require_GET
@area_required("criteria")
def export_document(request, code: str):
    """The contract's document of the working version the viewer reads (outside the Commission an EU
    criterion's newest published-once version), for exchange with national engines."""
    criterion = selectors.criterion_for(request.user, code)
    version = selectors.working_version_for(request.user, criterion) if criterion is not None else None
    if criterion is None or not services.logic_shown(
        actor=request.user, criterion=criterion, version=version, where="export"
    ):
        raise Http404
    response = JsonResponse(document_of(version), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{code}.json"'
    # Every export leaves the platform and the record (restricted ones were the only trace before).
    record(actor=request.user, action="criterion.exported", obj=criterion, after={"version": version.version})
    return response


@require_POST
@area_required("criteria")
def promote(request, code: str):
    """Shadow -> live in one click; the new version still needs a second person's approval."""
    from django.contrib import messages

    from risk_engine.views.criteria import render_detail

    criterion = selectors.criterion_for(request.user, code)
    if criterion is None:
        raise Http404
    try:
        services.promote_shadow(actor=request.user, criterion=criterion, comment=request.POST.get("comment", ""))
    except services.CriteriaError as error:
        messages.error(request, str(error))
        return render_detail(request, criterion, status=error.status)
    messages.success(request, "Promotion submitted: a second person must approve it.")
    return redirect("criteria-detail", code=code)
