"""REST: ``GET/PUT /api/v1/reference/high-interest-countries/``, the list the Commission maintains.

Everyone signed in reads it (the criteria evaluation and the indicators break figures out by it);
Commission staff replace it (audited).
"""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from drf_spectacular.utils import extend_schema
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from crms.reference import services
from crms.reference.selectors import high_interest_countries


class HighInterestCountriesBody(BaseModel):
    """The whole list (PUT replaces it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    countries: Annotated[
        list[Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}$")]], Field(max_length=services.MAX_COUNTRIES)
    ] = Field(description='ISO 3166 alpha-2 codes, e.g. ["AE", "CN"]')


class HighInterestCountriesRead(BaseModel):
    countries: list[str]
    changed_at: str | None = Field(description="When Commission staff last changed it (ISO 8601), or null")
    changed_by: str | None


def _document() -> dict:
    last = services.last_change()
    return {
        "countries": high_interest_countries(),
        "changed_at": last.changed_at.isoformat() if last else None,
        "changed_by": last.changed_by.get_username() if last and last.changed_by_id else None,
    }


class HighInterestCountriesView(APIView):
    @extend_schema(
        summary="The high-interest countries (broken out in the criteria evaluation and indicators)",
        operation_id="high_interest_countries_read",
        responses={200: ref(HighInterestCountriesRead)},
    )
    def get(self, request):
        return Response(_document())

    @extend_schema(
        summary="Replace the list (Commission staff; audited)",
        operation_id="high_interest_countries_replace",
        request={"application/json": ref(HighInterestCountriesBody)},
        responses={
            200: ref(HighInterestCountriesRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def put(self, request):
        if not services.may_maintain(request.user):  # rights before the body
            raise exceptions.PermissionDenied("Commission staff maintain this list.")
        try:
            body = HighInterestCountriesBody.model_validate(read_json(request, limit=settings.MAX_REQUEST_BYTES))
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            services.set_high_interest_countries(actor=request.user, codes=body.countries)
        except services.ReferenceDataError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(_document())
