"""The risk-model pages (issue 16 point 3): the list, and one model with its evaluation as charts and the
governance moves the viewer may make. Reading follows ``selectors.models_for``; moving goes through
``governance.move`` (the buttons shown are exactly ``governance.may``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crms.core import formatting
from crms.core.access import area_required
from crms.learning import governance
from crms.learning.evaluation import PERCENTS
from crms.learning.features import BEHAVIOUR
from crms.learning.models import ModelVersion
from crms.learning.selectors import model_for, models_for

ACTION_LABELS = {
    "submit": gettext_lazy("Submit for approval"),
    "approve": gettext_lazy("Approve"),
    "shadow": gettext_lazy("Run in shadow"),
    "live": gettext_lazy("Put live"),
    "retire": gettext_lazy("Retire"),
}
PLAIN = {
    "mode": "Transport mode",
    "office": "Office of first entry",
    "loading_country": "Country of loading",
    "origin": "Origin of the main item",
    "hs2": "HS chapter of the main item",
    "item_count": "Number of goods items",
    "routing_count": "Countries of routing",
    "mass_kg": "Gross mass (kg)",
    "value_eur": "Value (EUR)",
    "value_per_kg": "Value per kg (EUR)",
}
KEYS = {
    "filer": "filer",
    "consignor": "consignor",
    "consignee": "consignee",
    "carrier": "carrier",
    "filer_consignee": "filer and consignee together",
    "filer_hs2": "filer in this HS chapter",
    "consignee_hs2": "consignee in this HS chapter",
    "filer_origin": "filer with this origin",
    "hs6": "HS subheading",
    "hs4": "HS heading",
    "hs2": "HS chapter",
    "origin": "origin",
    "loading_country": "country of loading",
    "office": "office of first entry",
    "origin_hs2": "origin and HS chapter",
    "origin_hs6": "origin and HS subheading",
    "loading_hs2": "country of loading and HS chapter",
}
KINDS = {"controls": "past controls", "irregular": "past irregularities", "rate": "irregularity rate"}


def feature_label(name: str) -> str:
    """``consignee_rate`` -> "Consignee: irregularity rate" (the behaviour keys of ``features.py``)."""
    if name in PLAIN:
        return PLAIN[name]
    key, _, kind = name.rpartition("_")
    if key in BEHAVIOUR and kind in KINDS:
        label = KEYS.get(key, key.replace("_", " "))
        return f"{label[0].upper()}{label[1:]}: {KINDS[kind]}"
    return name.replace("_", " ")


def _day(micros: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)).strftime("%d/%m/%Y")


def operational_weekly(model: ModelVersion, member_state: str | None) -> list[dict[str, Any]]:
    """Weekly percentiles of the scores the model gave in shadow or live (drift in operation), of one
    Member State's declarations or, for EU-wide readers (None), of all; same shape as the validation's."""
    from django.db import connection

    scope, params = "", [model.pk]
    if member_state is not None:
        scope, params = " AND member_state_id = %s", [model.pk, member_state]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('week', scored_at AT TIME ZONE 'UTC') AS week, count(*), "
            "percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY score) "
            "FROM learning_modelscore WHERE model_id = %s" + scope + " GROUP BY week ORDER BY week",
            params,
        )
        rows = cursor.fetchall()
    epoch = dt.datetime(1970, 1, 1)
    return [
        {"week_micros": (week - epoch) // dt.timedelta(microseconds=1), "n": n, "p10": p[0], "p50": p[1], "p90": p[2]}
        for week, n, p in rows
    ]


def charts(model: ModelVersion, viewer=None) -> dict[str, Any]:
    """What the model page's charts draw (labels ready to print). Scores per week: those given in operation
    when the model has scored filings (scoped to the viewer's Member State), else the validation period's."""
    insights = model.insights or {}
    curve = insights.get("precision_curve") or []
    calibration = insights.get("calibration") or []
    weekly = insights.get("weekly_scores") or []
    operational = []
    if viewer is not None:
        from crms.accounts.roles import is_eu_wide_reader, member_state_of

        everything = is_eu_wide_reader(viewer) or viewer.is_superuser
        operational = operational_weekly(model, None if everything else member_state_of(viewer))
    weekly = operational or weekly
    importance = insights.get("importance") or []
    return {
        "curve": {
            "labels": [f"{formatting.number(point['percent'], 1 if point['percent'] % 1 else 0)} %" for point in curve],
            "precision": [round(point["precision"] * 100, 1) for point in curve],
            "recall": [round(point["recall"] * 100, 1) for point in curve],
        },
        "calibration": {
            "labels": [formatting.percent(row["mean_score"]) for row in calibration],
            "mean_score": [round(row["mean_score"] * 100, 1) for row in calibration],
            "irregular_share": [round(row["irregular_share"] * 100, 1) for row in calibration],
        },
        "weekly": {
            "labels": [_day(row["week_micros"]) for row in weekly],
            "p10": [round(row["p10"], 4) for row in weekly],
            "p50": [round(row["p50"], 4) for row in weekly],
            "p90": [round(row["p90"], 4) for row in weekly],
            "n": [row["n"] for row in weekly],
            "operational": bool(operational),
        },
        "importance": {
            "labels": [feature_label(row["feature"]) for row in importance],
            "share": [round(row["share"] * 100, 1) for row in importance],
        },
        "text": {  # the charts' words (legends, axis titles), in the reader's language
            "precision": _("Precision"),
            "recall": _("Recall"),
            "irregular_share": _("Found irregular"),
            "mean_score": _("Mean score"),
            "share": _("Share of the total gain (%)"),
            "p90": _("90th percentile"),
            "p50": _("Median"),
            "p10": _("10th percentile"),
        },
    }


def evaluation_rows(model: ModelVersion) -> list[dict[str, str]]:
    evaluation = model.evaluation or {}
    rows = {row["percent"]: row for row in evaluation.get("at", [])}
    return [
        {
            "percent": f"{percent} %",
            "declarations": formatting.count(rows[percent]["declarations"]),
            "precision": formatting.percent(rows[percent]["precision"]),
            "recall": formatting.percent(rows[percent]["recall"]),
            "lift": formatting.number(rows[percent]["lift"], 1) if rows[percent]["lift"] is not None else "—",
        }
        for percent in PERCENTS
        if percent in rows
    ]


def rules_row(model: ModelVersion) -> dict[str, str] | None:
    """The rules alone on the validation declarations, against the model on as many (training.py)."""
    rules = (model.evaluation or {}).get("rules")
    if not rules:
        return None
    return {
        "declarations": formatting.count(rules["declarations"]),
        "precision": formatting.percent(rules["precision"]),
        "model_precision": formatting.percent(rules["model_precision"]),
        "lift": formatting.number(rules["lift"], 2) if rules["lift"] is not None else "—",
        "selects": bool(rules["declarations"]),
    }


def forecast_rows(user, model: ModelVersion) -> list[dict[str, str]]:
    """The control load and detections this model would give today, per Member State and mode with a stated
    capacity that the viewer may see (selection/learned.py plans it exactly as screening does)."""
    from django.utils import timezone

    from crms.accounts.models import Organisation
    from crms.accounts.roles import is_eu_wide_reader, member_state_of
    from crms.core import labels
    from selection.learned import forecast

    if model.member_state_id:
        states = [model.member_state_id]
    elif is_eu_wide_reader(user) or user.is_superuser:
        states = list(Organisation.objects.values_list("code", flat=True))
    else:
        states = [member_state_of(user)]
    rows = []
    for row in forecast(model, states, timezone.now().date()):
        rows.append(
            {
                "member_state": labels.member_state(row["member_state"]),
                "mode": labels.mode(row["mode"]),
                "capacity": formatting.count(row["capacity"]),
                "volume": formatting.number(row["volume"], 1),
                "rule_controls": formatting.number(row["rule_controls"], 1),
                "model_controls": formatting.number(row["model_controls"], 1),
                "exploration": formatting.number(row["exploration"], 1),
                "precision": formatting.percent(row["precision"]),
                "detections": formatting.number(row["detections"], 1),
            }
        )
    return rows


@area_required("models")
def model_list(request):
    models = models_for(request.user).select_related("member_state")
    rows = [{"model": model, "precision5": formatting.percent(_precision_at_5(model))} for model in models]
    return render(request, "learning/list.html", {"rows": rows})


def _precision_at_5(model: ModelVersion) -> float | None:
    return ((model.evaluation or {}).get("precision_at") or {}).get("5")


def _visible(request, model_id: int) -> ModelVersion:
    model = model_for(request.user, model_id)
    if model is None:
        raise Http404("No model version with this id that you may see.")
    return model


@area_required("models")
def model_detail(request, model_id: int):
    model = _visible(request, model_id)
    actions = [
        (action, ACTION_LABELS[action]) for action in governance.ACTIONS if governance.may(request.user, model, action)
    ]
    context = {
        "model": model,
        "charts": charts(model, request.user),
        "evaluation": evaluation_rows(model),
        "auc": formatting.number(model.evaluation["auc"], 3)
        if model.evaluation and model.evaluation.get("auc")
        else "—",
        "actions": actions,
        "training": model.training,
        "forecast": forecast_rows(request.user, model),
        "rules": rules_row(model),
    }
    return render(request, "learning/detail.html", context)


@require_POST
@area_required("models")
def model_move(request, model_id: int, action: str):
    model = _visible(request, model_id)
    if action not in governance.NEXT:
        raise Http404("No such action.")
    comment = request.POST.get("comment", "")[:2000]
    try:
        governance.move(actor=request.user, model=model, action=action, comment=comment)
    except governance.GovernanceError as refused:
        messages.error(request, refused.errors[0]["message"])
    else:
        messages.success(
            request,
            _("%(model)s: %(action)s done.")
            % {"model": f"{model.name} v{model.number}", "action": ACTION_LABELS[action]},
        )
    return redirect("model-detail", model_id=model.pk)
