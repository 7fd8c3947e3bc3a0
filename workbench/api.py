"""REST for national systems: decisions on their Member State's ENS, and control results (read and record)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.core.client_input import whole_number
from crms.core.dates import QUERY, read_moment
from crms.core.derived import derived
from crms.declarations.api_docs import ErrorBody
from crms.declarations.selectors import declaration_for
from crms.declarations.validation import pydantic_errors
from workbench import referrals, schema, selectors, services
from workbench.models import ReferralStatus
from workbench.referrals import referral_document

PAGE = 500


def _declaration(request, mrn: str):
    declaration = declaration_for(request.user, mrn)
    if declaration is None:
        raise exceptions.NotFound("No declaration with this MRN that you may see.")
    return declaration


def decision_document(decision) -> dict:
    return {"id": decision.pk, **services.decision_snapshot(decision)}


def control_document(result) -> dict:
    return {"id": result.pk, **services.control_snapshot(result)}


@derived("analysts' decisions concerning the caller's Member State")
class DecisionFeedView(APIView):
    @extend_schema(
        summary="Decisions concerning your Member State (taken by it or forwarded to it), oldest first",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Only decisions taken at or after this time (1970-01-01 to today + 10 years)",
            ),
            OpenApiParameter("after", int, description="Keyset cursor: the last id you received"),
        ],
        responses={200: ref(schema.DecisionList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        decisions = selectors.decisions_for(request.user).order_by("id")
        since = read_moment(request.query_params.get("since"), field="since", window=QUERY)
        if since:
            decisions = decisions.filter(decided_at__gte=since)
        after = request.query_params.get("after", "")
        if after:
            if whole_number(after) is None:  # "²".isdigit() is true, int("²") was a 500
                raise exceptions.ValidationError({"after": ["The id of the last decision received."]})
            decisions = decisions.filter(id__gt=whole_number(after))
        page = list(decisions[: PAGE + 1])
        more = len(page) > PAGE
        page = page[:PAGE]
        next_url = None
        if more:
            query = request.query_params.copy()
            query["after"] = str(page[-1].pk)
            next_url = f"{request.path}?{query.urlencode()}"
        return Response({"results": [decision_document(d) for d in page], "next": next_url})


class DeclarationDecisionsView(APIView):
    @extend_schema(summary="Decisions on this ENS", responses={200: ref(schema.DecisionList), 404: ref(ErrorBody)})
    def get(self, request, mrn: str):
        declaration = _declaration(request, mrn)
        decisions = selectors.decisions_on(request.user, declaration)
        return Response({"results": [decision_document(d) for d in decisions], "next": None})


class ControlResultsView(APIView):
    @extend_schema(
        summary="Control results recorded on this ENS",
        operation_id="control_results_list",
        responses={200: ref(schema.ControlResultList), 404: ref(ErrorBody)},
    )
    def get(self, request, mrn: str):
        declaration = _declaration(request, mrn)
        results = selectors.control_results_on(request.user, declaration)
        return Response({"results": [control_document(r) for r in results]})

    @extend_schema(
        summary="Record the control carried out on the current version and its result",
        request={"application/json": ref(schema.ControlResultBody)},
        responses={
            201: ref(schema.ControlResultRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            404: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def post(self, request, mrn: str):
        declaration = _declaration(request, mrn)
        try:  # rights before the body: a read-only role learns nothing from validation
            services.require_control_recorder(request.user, declaration)
        except services.WorkbenchError as error:
            return Response({"errors": error.errors}, status=error.status)
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            parsed = schema.ControlResultBody.model_validate(body)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        data = parsed.model_dump()
        try:
            result = services.record_control_result(actor=request.user, declaration=declaration, data=data)
        except services.WorkbenchError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(control_document(result), status=status.HTTP_201_CREATED)


# --- ICS2 referrals (contract 5) ---------------------------------------------------------------------------------


def _referral(request, pk: int):
    referral = selectors.referral_for(request.user, pk)
    if referral is None:
        raise exceptions.NotFound("No referral with this id that you may see.")
    return referral


class ReferralListView(APIView):
    @extend_schema(
        summary="ICS2 referrals on your Member State's ENS (made by it or for its national system to answer)",
        operation_id="referrals_list",
        parameters=[
            OpenApiParameter("status", str, enum=list(ReferralStatus.values), description="open, answered or closed"),
            OpenApiParameter("mrn", str, description="Only the referrals on this ENS"),
            OpenApiParameter("after", int, description="Keyset cursor: the last id you received"),
        ],
        responses={200: ref(schema.ReferralList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        referrals = selectors.referrals_for(request.user).order_by("id")
        wanted = request.query_params.get("status", "")
        if wanted:
            if wanted not in ReferralStatus.values:
                raise exceptions.ValidationError({"status": [f"One of {', '.join(ReferralStatus.values)}."]})
            referrals = referrals.filter(status=wanted)
        mrn = request.query_params.get("mrn", "")
        if mrn:
            referrals = referrals.filter(declaration__mrn=mrn[:40])
        after = request.query_params.get("after", "")
        if after:
            if whole_number(after) is None:
                raise exceptions.ValidationError({"after": ["The id of the last referral received."]})
            referrals = referrals.filter(id__gt=whole_number(after))
        page = list(referrals[: PAGE + 1])
        more = len(page) > PAGE
        page = page[:PAGE]
        next_url = None
        if more:
            query = request.query_params.copy()
            query["after"] = str(page[-1].pk)
            next_url = f"{request.path}?{query.urlencode()}"
        now = timezone.now()
        return Response({"results": [referral_document(r, now=now) for r in page], "next": next_url})


class ReferralDetailView(APIView):
    @extend_schema(summary="One referral, its questions and answers", responses={200: ref(schema.ReferralRead)})
    def get(self, request, pk: int):
        return Response(referral_document(_referral(request, pk)))


class ReferralAnswersView(APIView):
    @extend_schema(
        summary="Answer a referral (the national system of the Member State of first entry)",
        description=(
            "Request for information: `additional_information`; high-risk cargo screening: "
            "`screening_result`; do not load: `acknowledged`. Any other kind, or an unknown field, is a 400."
        ),
        request={
            "application/json": {
                "oneOf": [ref(schema.AdditionalInformation), ref(schema.ScreeningResult), ref(schema.Acknowledged)]
            }
        },
        responses={
            201: ref(schema.ReferralRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            404: ref(ErrorBody),
            409: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def post(self, request, pk: int):
        referral = _referral(request, pk)
        try:  # rights before the body
            referrals.require_answerer(request.user, referral)
        except referrals.ReferralError as error:
            return Response({"errors": error.errors}, status=error.status)
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        kind = body.get("kind") if isinstance(body, dict) else None
        model = schema.ANSWER_BODIES.get(kind) if isinstance(kind, str) else None
        if model is None:
            allowed = ", ".join(schema.ANSWER_BODIES)
            field = "kind" if isinstance(body, dict) else None
            return Response(
                {"errors": [{"field": field, "code": "invalid", "message": f"An object with kind one of {allowed}."}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            answer = model.model_validate(body)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            stored = referrals.answer_referral(actor=request.user, referral=referral, answer=answer)
        except referrals.ReferralError as error:
            return Response({"errors": error.errors}, status=error.status)
        # 200 for a retry of the same answer (stored once), as a resent ENS is; 201 for a new one.
        code = status.HTTP_200_OK if getattr(stored, "replayed", False) else status.HTTP_201_CREATED
        return Response(referral_document(_referral(request, pk)), status=code)
