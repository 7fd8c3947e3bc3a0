"""REST for priority control areas (contract 5, "other exchanges"): read only.

Periods are calendar days (``first_day``, ``last_day``, both included, UTC: ``pca.periods``), never
the stored exclusive bound. Who reads: ``pca.selectors.pcas_for`` (every participant's staff and
national system, within a participant's agreement); linked criteria only as ``criteria_for`` allows.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.pages import choice, id_page
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from pca import schema, selectors
from pca.models import PcaStatus

PAGE = 200


def pca_summary(pca) -> dict:
    return {
        "id": pca.pk,
        "reference": pca.reference,
        "title": pca.title,
        "risk_area": pca.risk_area_id,
        "first_day": pca.first_day.isoformat(),
        "last_day": pca.last_day.isoformat(),
        "status": pca.status,
        "phase": pca.phase,
        "participants": sorted(pca.participants),
        "url": f"/api/v1/pcas/{pca.pk}/",
        "page_url": pca.get_absolute_url(),
    }


def result_document(result: selectors.MemberStateResult) -> dict:
    return {
        "member_state": result.member_state,
        "target": result.target,
        "controls": result.controls,
        "detections": result.detections,
        "seizures": result.seizures,
        "seized_value_eur": round(result.seized_value_eur, 2),
        "reported_controls": result.reported_controls,
        "reported_detections": result.reported_detections,
        "reported_seizures": result.reported_seizures,
        "total_controls": result.total_controls,
        "total_detections": result.total_detections,
        "total_seizures": result.total_seizures,
        "progress": result.progress,
        "detection_rate": result.detection_rate,
    }


def pca_document(user, pca) -> dict:
    from risk_engine.selectors import criteria_for

    return pca_summary(pca) | {
        "description": pca.description,
        "hs_codes": pca.hs_codes,
        "routes": pca.routes,
        "criteria": sorted(criteria_for(user).filter(pcas=pca).values_list("code", flat=True)),
        "targets": {t.member_state_id: t.controls for t in pca.targets.all()},
        "results": [result_document(r) for r in selectors.results_of(pca)],
        "suspended_by_crisis": pca.suspended_by_crisis_id,
        "suspended_at": pca.suspended_at.isoformat() if pca.suspended_at else None,
        "operational_results": pca.operational_results,
        "lessons": pca.lessons,
        "closed_at": pca.closed_at.isoformat() if pca.closed_at else None,
    }


class PcaCollectionView(APIView):
    @extend_schema(
        summary="Priority control areas you may see, oldest first",
        operation_id="pcas_list",
        parameters=[
            OpenApiParameter("status", str, enum=PcaStatus.values, description="designated, suspended or closed"),
            OpenApiParameter("participant", str, description="Only PCAs this Member State takes part in (e.g. FR)"),
            OpenApiParameter("after", int, description="Keyset cursor: the last id you received"),
        ],
        responses={200: ref(schema.PcaList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        pcas = selectors.pcas_for(request.user)
        if wanted := choice(request, "status", PcaStatus.values):
            pcas = pcas.filter(status=wanted)
        participant = request.query_params.get("participant", "")
        if participant:
            if not (participant.isascii() and participant.isalpha() and 2 <= len(participant) <= 3):
                raise exceptions.ValidationError({"participant": ["A participant code, e.g. FR."]})
            pcas = pcas.filter(participants__contains=[participant.upper()])
        rows, next_url = id_page(request, pcas, size=PAGE, what="PCA")
        return Response({"results": [pca_summary(p) for p in rows], "next": next_url})


class PcaDetailView(APIView):
    @extend_schema(
        summary="One PCA: period in calendar days, scope, linked criteria you may see, targets and results",
        operation_id="pcas_read",
        responses={200: ref(schema.PcaRead), 404: ref(ErrorBody)},
    )
    def get(self, request, pk: int):
        pca = selectors.pca_for(request.user, pk)
        if pca is None:
            raise exceptions.NotFound("No priority control area with this id that you may see.")
        return Response(pca_document(request.user, pca))
