"""REST endpoints of contract 6: the history batch and reading a model version. Thin."""

from __future__ import annotations

import re

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.accounts.roles import Role
from crms.core.api.body import read_json
from crms.declarations.schema import DeclarationBatch
from crms.declarations.validation import pydantic_errors
from crms.learning import governance
from crms.learning.history import import_lines
from crms.learning.presenters import model_document
from crms.learning.selectors import model_for
from risk_engine.schema import TransitionBody

MODEL_ID = re.compile(r"[0-9]{1,9}")
HISTORY_IMPORTERS = {Role.NATIONAL_SYSTEM, Role.RISK_MANAGER}


class MayImportHistory(BasePermission):
    message = "Only a national customs system or a risk manager may import history."

    def has_permission(self, request, view):
        return request.user.role in HISTORY_IMPORTERS


class HistoryBatchView(APIView):
    permission_classes = [IsAuthenticated, MayImportHistory]

    @extend_schema(
        summary="Import up to 1,000 history lines (ENS body + received_at + control_result); each on its own",
        request={"application/json": {"type": "object", "properties": {"declarations": {"type": "array"}}}},
        responses={200: OpenApiResponse(description="The batch response of contract 2.2, one row per line")},
    )
    def post(self, request):
        payload = read_json(request, limit=settings.MAX_BATCH_REQUEST_BYTES, refuse_nul=False)
        try:
            batch = DeclarationBatch.model_validate(payload)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        results = import_lines(batch.declarations, user=request.user)
        return Response({"results": [result.batch_row() for result in results]})


def _model(request, model_id: str):
    model = model_for(request.user, int(model_id)) if MODEL_ID.fullmatch(model_id) else None
    if model is None:
        raise exceptions.NotFound("No model version with this id that you may see.")
    return model


def _comment(request) -> str:
    """The optional comment (kept in the audit log); unknown fields raise ValidationError."""
    if not request.body:
        return ""
    return TransitionBody.model_validate(read_json(request, limit=settings.MAX_REQUEST_BYTES)).comment


def _action_view(action: str, summary: str):
    class ModelActionView(APIView):
        @extend_schema(
            summary=summary,
            request={"application/json": TransitionBody},
            parameters=[OpenApiParameter("model_id", str, OpenApiParameter.PATH, description="The model version id")],
            responses={
                200: OpenApiResponse(description="The model version after the move"),
                400: OpenApiResponse(description="Unknown field or a comment too long"),
                403: OpenApiResponse(description="Not yours to move (or four-eyes)"),
                404: OpenApiResponse(),
                409: OpenApiResponse(description="Not in a state this move starts from"),
            },
        )
        def post(self, request, model_id: str):
            model = _model(request, model_id)
            if not governance.has_right(request.user, model, action):  # rights before the body
                refused = governance.refusal(action)
                return Response({"errors": refused.errors}, status=refused.status)
            try:
                comment = _comment(request)
            except ValidationError as exc:
                return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
            try:
                model = governance.move(actor=request.user, model=model, action=action, comment=comment)
            except governance.GovernanceError as refused:
                return Response({"errors": refused.errors}, status=refused.status)
            return Response(model_document(model))

    ModelActionView.__name__ = f"Model{action.title()}View"
    return ModelActionView


MODEL_ACTION_VIEWS = {
    "submit": _action_view("submit", "Submit a draft model for approval (its owners)"),
    "approve": _action_view("approve", "Approve a submitted model (four-eyes: not who trained or submitted it)"),
    "shadow": _action_view("shadow", "Run an approved model in shadow: scores recorded, nothing selected"),
    "live": _action_view("live", "Put a shadow model live (retires the live model of the same scope)"),
    "retire": _action_view("retire", "Retire a model"),
}


class ModelDetailView(APIView):
    @extend_schema(
        summary="A risk model version: periods, features, evaluation on its validation period, status",
        parameters=[OpenApiParameter("model_id", str, OpenApiParameter.PATH, description="The model version id")],
        responses={200: OpenApiResponse(description="The model version"), 404: OpenApiResponse()},
    )
    def get(self, request, model_id: str):
        return Response(model_document(_model(request, model_id)))
