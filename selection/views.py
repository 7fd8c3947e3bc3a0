"""The selection settings page: a Member State's risk managers set the random-selection rate (as a
percentage, typed the European way: "0,5") and the daily control capacity per transport mode."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE, member_state_of
from crms.core.access import area_required
from crms.core.formatting import number
from crms.declarations.models import TransportMode
from selection import services
from selection.rules import MAX_RATE

SPACES = re.compile(r"[\s\u00a0\u202f]")


def _percent(text: str) -> tuple[float | None, list[dict]]:
    """ "0,5" or "0.5" (percent) -> 0.005; a 400 naming the field otherwise."""
    compact = SPACES.sub("", text).rstrip("%").replace(",", ".")
    try:
        value = Decimal(compact or "0")
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        return None, [{"field": "random_selection_rate", "code": "invalid", "message": f"{text!r} is not a number."}]
    return float(value / 100), []


def _controls(mode: str, text: str) -> tuple[int | str | None, list[dict]]:
    compact = SPACES.sub("", text)
    if not compact:
        return None, []
    if compact.isascii() and compact.isdigit():
        return int(compact), []
    field = f"daily_capacity.{mode}"
    return compact, [{"field": field, "code": "invalid", "message": f"{text!r} is not a whole number of controls."}]


def _rows(settings: dict, values: dict, errors: dict) -> list[dict]:
    return [
        {
            "mode": mode,
            "label": label,
            "controls": settings["daily_capacity"].get(mode),
            "value": values.get(mode, ""),
            "error": errors.get(f"daily_capacity.{mode}"),
        }
        for mode, label in TransportMode.choices
    ]


@require_http_methods(["GET", "POST"])
@area_required("selection")
def selection_settings(request):
    member_state = member_state_of(request.user)
    if member_state is None:  # EU auditors: every Member State, read only
        if request.method == "POST":
            return render(request, "errors/403.html", status=403)
        states = Organisation.objects.exclude(code=COMMISSION_CODE).order_by("code")
        overview = [services.settings_of(s.code) | {"name": s.name} for s in states if s.participates_on()]
        return render(request, "selection/overview.html", {"overview": overview, "modes": TransportMode.choices})
    errors: list[dict] = []
    current = services.settings_of(member_state)
    values = {
        "rate": number(current["random_selection_rate"] * 100, 2),
        **{mode: "" if v is None else str(v) for mode, v in current["daily_capacity"].items()},
    }
    if request.method == "POST":
        if not services.may_change(request.user):
            return render(request, "errors/403.html", status=403)
        values = {"rate": request.POST.get("rate", "").strip()} | {
            mode: request.POST.get(mode, "").strip() for mode in services.MODES
        }
        rate, errors = _percent(values["rate"])
        capacity = {}
        for mode in services.MODES:
            capacity[mode], problems = _controls(mode, values[mode])
            errors += problems
        if rate is not None:  # every problem at once: the bounds too, not only what could not be read
            numbers = {mode: value for mode, value in capacity.items() if not isinstance(value, str)}
            errors += services.check(rate, numbers)
        if not errors:
            try:
                services.update_settings(actor=request.user, rate=rate, capacity=capacity)
            except services.SelectionError as error:
                errors = error.errors
            else:
                messages.success(request, _("Selection settings saved."))
                return redirect("selection-settings")
    by_field = {e["field"]: e["message"] for e in errors}
    context = {
        "settings": current,
        "values": values,
        "rows": _rows(current, values, by_field),
        "errors": by_field,
        "may_change": services.may_change(request.user),
        "max_percent": number(MAX_RATE * 100),
    }
    return render(request, "selection/settings.html", context, status=400 if errors else 200)
