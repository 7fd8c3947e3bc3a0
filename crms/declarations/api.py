"""REST endpoints of contract section 2. Thin: parse, check the role, call services/selectors."""

from __future__ import annotations

import re

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.accounts.roles import Role
from crms.core import keyset
from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.core.derived import derived
from crms.declarations import api_docs as docs
from crms.declarations import selectors
from crms.declarations.assessment import assessment_for, assessment_history
from crms.declarations.filters import DeclarationFilter
from crms.declarations.presenters import declaration_document, declaration_summary
from crms.declarations.schema import DeclarationBatch, EntrySummaryDeclaration
from crms.declarations.services import amend_declaration, file_declarations, may_amend
from crms.declarations.validation import pydantic_errors

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
ERRORS = {400: ref(docs.ErrorBody), 401: ref(docs.ErrorBody), 403: ref(docs.ErrorBody), 413: ref(docs.ErrorBody)}


class IsNationalSystem(BasePermission):
    message = "Only a national customs system may file or amend declarations."

    def has_permission(self, request, view):
        return request.method in ("GET", "HEAD", "OPTIONS") or request.user.role == Role.NATIONAL_SYSTEM


def _visible(request, mrn: str):
    declaration = selectors.declaration_for(request.user, mrn)
    if declaration is None:
        raise exceptions.NotFound("No declaration with this MRN that you may see.")
    return declaration


@derived("declarations, filtered, keyset pages")
class DeclarationCollectionView(APIView):
    permission_classes = [IsAuthenticated, IsNationalSystem]

    @extend_schema(
        summary="Declarations you may see, newest first (keyset pages: follow `next`)",
        operation_id="declarations_list",
        parameters=[
            OpenApiParameter("transport_mode", str),
            OpenApiParameter("phase", str),
            OpenApiParameter("screening_status", str),
            OpenApiParameter("office", str, description="Office of first entry code"),
            OpenApiParameter("member_state", str, description="Member State of first entry code, e.g. FR"),
            OpenApiParameter(
                "received_from",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD (UTC), 1970-01-01 to today + 10 years",
            ),
            OpenApiParameter(
                "received_to",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD (UTC), 1970-01-01 to today + 10 years",
            ),
            OpenApiParameter("reference", str, description="MRN, LRN, master or house document"),
            OpenApiParameter("after", str, description="Cursor from the previous page's `next`"),
            OpenApiParameter("limit", int, description="1-500, default 100"),
        ],
        responses={200: ref(docs.DeclarationList)},
    )
    def get(self, request):
        filterset = DeclarationFilter(request.query_params, queryset=selectors.declarations_for(request.user))
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        limit = request.query_params.get("limit", "100")
        if not WHOLE_NUMBER.fullmatch(limit) or not 1 <= int(limit) <= 500:
            raise exceptions.ValidationError({"limit": ["A whole number from 1 to 500."]})
        cursor = request.query_params.get("after")
        if cursor and keyset.decode(cursor) is None:  # like the other feeds: a bad cursor is named, not ignored
            raise exceptions.ValidationError({"after": ["Not a cursor: use the previous page's next link."]})
        branches = [
            DeclarationFilter(request.query_params, queryset=branch).qs
            for branch in selectors.declaration_branches_for(request.user, filterset.first_entry_member_state())
        ]
        result = keyset.page_union(branches, field="received_at", cursor=cursor, size=int(limit))
        query = request.query_params.copy()
        query["after"] = result.next_cursor or ""
        return Response(
            {
                "results": [declaration_summary(declaration) for declaration in result.rows],
                "next": f"{request.path}?{query.urlencode()}" if result.next_cursor else None,
            }
        )

    @extend_schema(
        summary="File one ENS",
        request={"application/json": ref(EntrySummaryDeclaration)},
        responses={201: ref(docs.FilingReceipt), 200: ref(docs.FilingReceipt), 409: ref(docs.ErrorBody), **ERRORS},
        examples=[*docs.ENS_EXAMPLES, docs.ERROR_EXAMPLE],
    )
    def post(self, request):
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES, refuse_nul=False)
        result = file_declarations([body], user=request.user)[0]
        return Response(result.response_body(), status=result.status)


class DeclarationBatchView(APIView):
    permission_classes = [IsAuthenticated, IsNationalSystem]

    @extend_schema(
        summary="File up to 1,000 ENS; each is accepted or rejected on its own",
        request={"application/json": ref(docs.BatchRequest)},
        responses={200: ref(docs.BatchResponse), **ERRORS},
        examples=docs.BATCH_EXAMPLES,
    )
    def post(self, request):
        payload = read_json(request, limit=settings.MAX_BATCH_REQUEST_BYTES, refuse_nul=False)
        try:
            batch = DeclarationBatch.model_validate(payload)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        results = file_declarations(batch.declarations, user=request.user)
        body = []
        for result in results:
            row = {"index": result.index, "status": result.status}
            if result.status in (200, 201):
                row |= {"mrn": result.mrn, "lrn": result.lrn, "version": result.version}
            else:
                row |= {"errors": result.errors} | ({"mrn": result.mrn} if result.mrn else {})
            body.append(row)
        return Response({"results": body})


class DeclarationDetailView(APIView):
    @extend_schema(
        summary="The current version as filed, with what the platform derived",
        operation_id="declarations_read",
        parameters=[OpenApiParameter("version", int, description="Read an earlier version")],
        responses={200: ref(docs.DeclarationRead), 404: ref(docs.ErrorBody)},
    )
    def get(self, request, mrn: str):
        declaration = _visible(request, mrn)
        number = request.query_params.get("version")
        if number is not None and not WHOLE_NUMBER.fullmatch(number):
            raise exceptions.ValidationError({"version": ["A whole number."]})
        version = selectors.version_of(declaration, int(number) if number is not None else None)
        if version is None:
            raise exceptions.NotFound("No such version.")
        return Response(declaration_document(request.user, declaration, version))


class AmendmentView(APIView):
    permission_classes = [IsAuthenticated, IsNationalSystem]

    @extend_schema(
        summary="Amend an ENS with a full new body (same LRN): creates version n+1",
        request={"application/json": ref(EntrySummaryDeclaration)},
        responses={201: ref(docs.FilingReceipt), 200: ref(docs.FilingReceipt), 404: ref(docs.ErrorBody), **ERRORS},
    )
    def post(self, request, mrn: str):
        declaration = _visible(request, mrn)
        if not may_amend(request.user, declaration):
            raise exceptions.PermissionDenied("Only the original filer or its Member State's system may amend.")
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES, refuse_nul=False)
        result = amend_declaration(declaration, body, user=request.user)
        return Response(result.response_body(), status=result.status)


class AssessmentView(APIView):
    @extend_schema(
        summary="The risk assessment of the current version",
        parameters=[
            OpenApiParameter(
                "history", bool, description="true: add every earlier result and the criteria changes that caused it"
            )
        ],
        responses={200: ref(docs.Assessment)},
    )
    def get(self, request, mrn: str):
        declaration = _visible(request, mrn)
        document = assessment_for(request.user, declaration)
        if request.query_params.get("history", "").lower() in ("true", "1", "yes"):
            document["history"] = assessment_history(request.user, declaration)
        return Response(document, status=status.HTTP_200_OK)
