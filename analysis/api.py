"""REST: the Commission's flags on one ENS, as its responsible Member State (or the Commission) reads them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from pydantic import BaseModel
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.selectors import flags_on
from analysis.services import flag_document
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from crms.declarations.selectors import declaration_for


class FlagRead(BaseModel):
    id: int
    mrn: str
    member_state: str  # the Member State the note is for (responsible when flagged)
    criterion: str | None  # the EU criterion that prompted it, if named
    note: str
    flagged_by: str
    flagged_at: str


class FlagList(BaseModel):
    results: list[FlagRead]


class FlagsView(APIView):
    @extend_schema(
        summary="Commission flags on this ENS: those for your Member State (the Commission reads all)",
        operation_id="declaration_flags_list",
        responses={200: ref(FlagList), 404: ref(ErrorBody)},
    )
    def get(self, request, mrn: str):
        declaration = declaration_for(request.user, mrn)
        if declaration is None:
            raise exceptions.NotFound("No declaration with this MRN that you may see.")
        flags = flags_on(request.user, declaration).select_related("declaration")
        return Response({"results": [flag_document(flag) for flag in flags]})
