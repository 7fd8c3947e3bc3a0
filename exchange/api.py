"""REST for information requests between Member States (contract 5, "other exchanges"): create, answer,
close, with a deadline and an overdue flag.

Who: the two Member States of a thread (analysts, risk managers, national systems write; their
auditors read) and EU auditors (``workbench.selectors.information_requests_for``); a bilateral
exchange, so Commission staff and other Member States get 404.
The rules are the workbench's services; ``exchange.services`` adds the deadline.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import BaseModel, ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.accounts.roles import member_state_of
from crms.core.api.body import optional_json, read_json
from crms.core.api.pages import choice, id_page
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from exchange import deadlines, schema, services
from workbench import selectors
from workbench import services as workbench
from workbench.models import InformationRequest

PAGE = 200


def _visible(request):
    rows = selectors.information_requests_for(request.user).select_related("deadline")
    return deadlines.with_deadline(rows)


def _request(request, pk: int):
    found = _visible(request).filter(pk=pk).first()
    if found is None:
        raise exceptions.NotFound("No information request with this id that you may see.")
    return found


def _parse(model: type[BaseModel], body):
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _Invalid(pydantic_errors(exc)) from None


class _Invalid(Exception):
    def __init__(self, errors: list[dict]):
        self.errors = errors


def _refused(errors: list[dict], status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": errors}, status=status_code)


def message_document(message) -> dict:
    return {
        "id": message.pk,
        "organisation": message.organisation_id,
        "author": message.author.get_username(),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def request_summary(found) -> dict:
    return {
        "id": found.pk,
        "requesting_state": found.requesting_state_id,
        "requested_state": found.requested_state_id,
        "subject": found.subject,
        "mrn": found.declaration.mrn if found.declaration_id else None,
        "party_name": found.party_name,
        "party_eori": found.party_eori,
        "legal_basis": found.legal_basis,
        "state": found.state,
        "created_at": found.created_at.isoformat(),
        "first_answer_at": found.first_answer_at.isoformat() if found.first_answer_at else None,
        "closed_at": found.closed_at.isoformat() if found.closed_at else None,
        "answer_by": found.answer_by.isoformat() if found.answer_by else None,
        "overdue": bool(found.overdue),
        "url": f"/api/v1/information-requests/{found.pk}/",
        "page_url": f"/workbench/requests/{found.pk}/",
    }


def request_document(found) -> dict:
    return request_summary(found) | {
        "purpose": found.purpose,
        "question": found.question,
        "created_by": found.created_by.get_username(),
        "messages": [message_document(m) for m in found.messages.select_related("author")],
    }


class RequestCollectionView(APIView):
    @extend_schema(
        summary="Information requests your Member State sent or received, oldest first",
        operation_id="information_requests_list",
        parameters=[
            OpenApiParameter("box", str, enum=["inbox", "sent"], description="inbox: asked of you; sent: by you"),
            OpenApiParameter("state", str, enum=InformationRequest.State.values),
            OpenApiParameter("overdue", bool, description="true: only those awaiting an answer past answer_by"),
            OpenApiParameter("after", int, description="Keyset cursor: the last id you received"),
        ],
        responses={200: ref(schema.RequestList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        rows = _visible(request)
        member_state = member_state_of(request.user)
        box = choice(request, "box", ["inbox", "sent"])
        if box == "inbox":
            rows = rows.filter(requested_state_id=member_state)
        elif box == "sent":
            rows = rows.filter(requesting_state_id=member_state)
        if wanted := choice(request, "state", InformationRequest.State.values):
            rows = rows.filter(state=wanted)
        if (overdue := choice(request, "overdue", ["true", "false"])) is not None:
            rows = rows.filter(overdue=overdue == "true")
        page, next_url = id_page(request, rows.select_related("declaration"), size=PAGE, what="request")
        return Response({"results": [request_summary(r) for r in page], "next": next_url})

    @extend_schema(
        summary="Ask another participating Member State about a party or a consignment, with a deadline",
        operation_id="information_requests_create",
        request={"application/json": ref(schema.RequestBody)},
        responses={201: ref(schema.RequestRead), 400: ref(ErrorBody), 403: ref(ErrorBody), 413: ref(ErrorBody)},
    )
    def post(self, request):
        try:  # rights before the body: a read-only role learns nothing from validation
            workbench.require_exchange_staff(request.user)
            body = _parse(schema.RequestBody, read_json(request, limit=settings.MAX_REQUEST_BYTES))
            created = services.open_request(actor=request.user, **body.model_dump())
        except workbench.WorkbenchError as error:
            return _refused(error.errors, error.status)
        except _Invalid as invalid:
            return _refused(invalid.errors)
        return Response(request_document(_request(request, created.pk)), status=status.HTTP_201_CREATED)


class RequestDetailView(APIView):
    @extend_schema(
        summary="One information request with its thread, deadline and overdue flag",
        operation_id="information_requests_read",
        responses={200: ref(schema.RequestRead), 404: ref(ErrorBody)},
    )
    def get(self, request, pk: int):
        return Response(request_document(_request(request, pk)))


class RequestMessagesView(APIView):
    @extend_schema(
        summary="Post in the thread; the requested Member State's first message answers the request",
        operation_id="information_requests_message",
        request={"application/json": ref(schema.MessageBody)},
        responses={
            201: ref(schema.RequestRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            404: ref(ErrorBody),
            409: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def post(self, request, pk: int):
        found = _request(request, pk)
        try:
            workbench.require_exchange_staff(request.user)
            body = _parse(schema.MessageBody, read_json(request, limit=settings.MAX_REQUEST_BYTES))
            workbench.post_information_message(actor=request.user, request=found, body=body.body)
        except workbench.WorkbenchError as error:
            return _refused(error.errors, error.status)
        except _Invalid as invalid:
            return _refused(invalid.errors)
        return Response(request_document(_request(request, pk)), status=status.HTTP_201_CREATED)


class RequestCloseView(APIView):
    @extend_schema(
        summary="Close a request your Member State sent (no more messages)",
        operation_id="information_requests_close",
        request={"application/json": ref(schema.CloseBody)},
        responses={200: ref(schema.RequestRead), 400: ref(ErrorBody), 403: ref(ErrorBody), 404: ref(ErrorBody)},
    )
    def post(self, request, pk: int):
        found = _request(request, pk)
        try:  # rights before the body
            if workbench.require_exchange_staff(request.user) != found.requesting_state_id:
                raise exceptions.PermissionDenied("Only the requesting Member State closes its request.")
            _parse(schema.CloseBody, optional_json(request, limit=settings.MAX_REQUEST_BYTES))
            if found.state == InformationRequest.State.CLOSED:
                raise workbench.WorkbenchError(
                    409, [{"field": None, "code": "conflict", "message": "The request is already closed."}]
                )
            workbench.close_information_request(actor=request.user, request=found)
        except workbench.WorkbenchError as error:
            return _refused(error.errors, error.status)
        except _Invalid as invalid:
            return _refused(invalid.errors)
        return Response(request_document(_request(request, pk)))
