"""REST for national dashboards: the dashboard's tables and the criteria evaluation, as JSON."""

from __future__ import annotations

import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.derived import derived
from indicators import evaluation
from indicators.figures import View
from indicators.tables import TABLES
from indicators.views import period_from


def records(frame) -> list[dict]:
    """JSON rows: NaN (an undefined share) becomes null."""
    return [
        {key: (None if isinstance(value, float) and math.isnan(value) else value) for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


READERS = {"national_system", "analyst", "risk_manager", "auditor", "commission", "commission_approver"}


def _require_reader(request) -> None:
    if request.user.role not in READERS and not request.user.is_superuser:
        raise exceptions.PermissionDenied("Your role may not read indicators.")


def _member_state(request) -> str | None:
    return request.query_params.get("member_state", "").strip().upper()[:3] or None


@derived("indicator tables as JSON")
class IndicatorsView(APIView):
    @extend_schema(
        summary="Indicator tables for a period (your Member State's rows and the EU totals)",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="First day; default 90 days before 'to'; 1970-01-01 to today + 10 years",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description="Last day; default today; 1970-01-01 to today + 10 years",
            ),
            OpenApiParameter("member_state", str, description="Commission only: one Member State's rows"),
        ],
        responses={200: {"type": "object"}},
    )
    def get(self, request):
        _require_reader(request)
        period, errors = period_from(request)
        if errors:
            raise exceptions.ValidationError({e.split(":")[0]: [e.split(": ", 1)[1]] for e in errors})
        view = View.for_user(request.user, period, _member_state(request))
        return Response(
            {
                "from": str(period.day_from),
                "to": str(period.day_to),
                "member_state": view.visible_state,
                "tables": {table.name: records(table.build(view)) for table in TABLES},
            }
        )


@derived("the criteria evaluation as JSON")
class EvaluationView(APIView):
    @extend_schema(
        summary="Criteria evaluation for a quarter (2026-Q4) or a year (2026), with recommendations",
        description=(
            "`recommendation` is `keep`, `amend` or `not_enough_data` (too few hits or controlled hits to judge: "
            "never a reason to deactivate); `thresholds` and `rule` give the thresholds in force."
        ),
        parameters=[OpenApiParameter("period", str, description="2026-Q4 or 2026", required=True)],
        responses={200: {"type": "object"}},
    )
    def get(self, request):
        _require_reader(request)
        parsed = evaluation.parse_period(request.query_params.get("period", ""))
        if parsed is None:
            raise exceptions.ValidationError({"period": ["A quarter like 2026-Q4 or a year like 2026."]})
        view = View.for_user(request.user, parsed[0], _member_state(request))
        return Response(
            {
                "period": parsed[1],
                "thresholds": evaluation.thresholds(),
                "rule": evaluation.thresholds_text(),
                "results": records(evaluation.evaluation(view)),
            }
        )
