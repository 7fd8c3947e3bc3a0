"""REST: ``GET/PUT /api/v1/selection-settings/``, a Member State's random-selection rate and daily capacity.

Read by the Member State's users (staff, auditors, national system) and, with ``?member_state=``, by
the Commission and EU auditors; replaced by the Member State's risk managers.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE, is_eu_wide_reader, member_state_of
from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from selection import schema, services


def _member_state(request) -> str:
    own = member_state_of(request.user)
    asked = request.query_params.get("member_state", "").upper()
    if own:
        if asked and asked != own:
            raise exceptions.NotFound("You read your own Member State's settings.")
        return own
    if not is_eu_wide_reader(request.user):
        raise exceptions.PermissionDenied("Your account acts for no Member State.")
    if not asked:
        raise exceptions.ValidationError({"member_state": ["Name the Member State, e.g. ?member_state=FR."]})
    if asked == COMMISSION_CODE or not Organisation.objects.filter(code=asked).exists():
        raise exceptions.ValidationError({"member_state": [f"{asked[:3]!r} is not a participating Member State."]})
    return asked


class SelectionSettingsView(APIView):
    @extend_schema(
        summary="Your Member State's random-selection rate and daily control capacity per transport mode",
        operation_id="selection_settings_read",
        parameters=[OpenApiParameter("member_state", str, description="Commission and EU auditors: which one")],
        responses={200: ref(schema.SelectionRead), 400: ref(ErrorBody), 403: ref(ErrorBody), 404: ref(ErrorBody)},
    )
    def get(self, request):
        return Response(services.settings_of(_member_state(request)))

    @extend_schema(
        summary="Replace them (your Member State's risk managers; audited)",
        description="The rate is a share from 0 to 0.2; capacities whole numbers from 0 to 1,000,000 per mode; "
        "a mode left out or null is no longer stated.",
        operation_id="selection_settings_replace",
        request={"application/json": ref(schema.SelectionBody)},
        responses={200: ref(schema.SelectionRead), 400: ref(ErrorBody), 403: ref(ErrorBody), 413: ref(ErrorBody)},
    )
    def put(self, request):
        if not services.may_change(request.user):  # rights before the body
            raise exceptions.PermissionDenied("Only a risk manager of the Member State sets its selection.")
        try:
            body = schema.SelectionBody.model_validate(read_json(request, limit=settings.MAX_REQUEST_BYTES))
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            result = services.update_settings(
                actor=request.user, rate=body.random_selection_rate, capacity=body.daily_capacity.model_dump()
            )
        except services.SelectionError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(result)
