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
from crms.learning.history import import_lines
from crms.learning.presenters import model_document
from crms.learning.selectors import model_for

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


class ModelDetailView(APIView):
    @extend_schema(
        summary="A risk model version: periods, features, evaluation on its validation period, status",
        parameters=[OpenApiParameter("model_id", str, OpenApiParameter.PATH, description="The model version id")],
        responses={200: OpenApiResponse(description="The model version"), 404: OpenApiResponse()},
    )
    def get(self, request, model_id: str):
        model = model_for(request.user, int(model_id)) if MODEL_ID.fullmatch(model_id) else None
        if model is None:
            raise exceptions.NotFound("No model version with this id that you may see.")
        return Response(model_document(model))
