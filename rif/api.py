"""REST for national systems (and risk staff): RIFs addressed to their Member State, feedback, drafts."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.accounts.roles import member_state_of
from crms.core.api.body import optional_json, read_json
from crms.core.api.pydantic_schema import ref
from crms.core.client_input import whole_number
from crms.core.dates import QUERY, read_moment
from crms.core.derived import derived
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from rif import downloads, schema, selectors, services
from rif.models import RifRecipient

PAGE = 200


def _rif(request, reference: str):
    rif = selectors.rif_for(request.user, reference)
    if rif is None:
        if selectors.people_only_for(request.user, reference):
            raise exceptions.PermissionDenied(
                "This RIF is marked for people only: a person of your Member State reads it in the browser.",
                code="people_only",
            )
        raise exceptions.NotFound("No RIF with this reference that you may see.")
    return rif


def attachment_document(rif, attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at.isoformat(),
        "url": f"/api/v1/rifs/{rif.reference}/attachments/{attachment.pk}/",
    }


def feedback_document(feedback) -> dict:
    return {
        "member_state": feedback.member_state_id,
        "relevance": feedback.relevance,
        "measures": feedback.measures,
        "criterion": feedback.criterion.code if feedback.criterion_id else None,
        "controls_planned": feedback.controls_planned,
        "results": feedback.results,
        "comment": feedback.comment,
        "author": feedback.author.get_username(),
        "created_at": feedback.created_at.isoformat(),
    }


def rif_document(user, rif) -> dict:
    return {
        "reference": rif.reference,
        "status": rif.status,
        "organisation": rif.organisation_id,
        "handling": rif.handling,
        "risk_area": rif.risk_area_id,
        "title": rif.title,
        "summary": rif.summary,
        "modus_operandi": rif.modus_operandi,
        "goods": rif.goods,
        "countries_of_origin": rif.countries_of_origin,
        "routing": rif.routing,
        "parties": rif.parties,
        "transport_mode": rif.transport_mode or None,
        "concealment": rif.concealment,
        "detection_method": rif.detection_method,
        "seizure": rif.seizure,
        "recommended_action": rif.recommended_action,
        "recommended_control": rif.recommended_control or None,
        "valid_from": rif.valid_from.isoformat(),
        "valid_until": rif.valid_until.isoformat() if rif.valid_until else None,
        "all_participants": rif.all_participants,
        "recipients": [
            {
                "member_state": row.member_state_id,
                "read_at": row.read_at.isoformat() if row.read_at else None,
                "responded_at": row.responded_at.isoformat() if row.responded_at else None,
            }
            for row in selectors.recipients_of(user, rif)
        ]
        or [{"member_state": code, "read_at": None, "responded_at": None} for code in rif.recipient_codes],
        "crisis": rif.crisis_id,
        "criteria": list(selectors.criteria_linked(user, rif).values_list("code", flat=True)),
        "attachments": [a.name for a in rif.attachments.all()],
        "attachment_files": [attachment_document(rif, a) for a in rif.attachments.all()],
        "feedback": [feedback_document(f) for f in selectors.feedback_on(user, rif)],
        "created_at": rif.created_at.isoformat(),
        "published_at": rif.published_at.isoformat() if rif.published_at else None,
        "withdrawn_at": rif.withdrawn_at.isoformat() if rif.withdrawn_at else None,
        "withdrawn_reason": rif.withdrawn_reason,
        "url": rif.get_absolute_url(),
    }


@derived("RIFs addressed to the caller, filtered")
class RifCollectionView(APIView):
    @extend_schema(
        summary="RIFs you may see: those addressed to your Member State and your own drafts, oldest first",
        description="A national system's list also names the RIFs marked for people only, flagged people_only, "
        "with no title and no REST url (their detail answers 403 people_only).",
        operation_id="rifs_list",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Only RIFs published at or after this time (1970-01-01 to today + 10 years)",
            ),
            OpenApiParameter("unread", bool, description="true: only those your Member State has not marked read"),
            OpenApiParameter("after", int, description="Keyset cursor: the last id you received"),
        ],
        responses={200: ref(schema.RifList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        rifs = selectors.feed_for(request.user).order_by("id")
        since = read_moment(request.query_params.get("since"), field="since", window=QUERY)
        if since:
            rifs = rifs.filter(published_at__gte=since)
        member_state = member_state_of(request.user)
        if request.query_params.get("unread") == "true" and member_state:
            rifs = rifs.filter(
                pk__in=RifRecipient.objects.filter(member_state_id=member_state, read_at=None).values("rif_id")
            )
        after = request.query_params.get("after", "")
        if after:
            if whole_number(after) is None:  # "²".isdigit() is true, int("²") was a 500
                raise exceptions.ValidationError({"after": ["The id of the last RIF received."]})
            rifs = rifs.filter(id__gt=whole_number(after))
        page = list(rifs[: PAGE + 1])
        more = len(page) > PAGE
        page = page[:PAGE]
        read = {}
        if member_state:
            read = dict(
                RifRecipient.objects.filter(member_state_id=member_state, rif_id__in=[r.pk for r in page]).values_list(
                    "rif_id", "read_at"
                )
            )
        next_url = None
        if more:
            query = request.query_params.copy()
            query["after"] = str(page[-1].pk)
            next_url = f"{request.path}?{query.urlencode()}"
        results = [
            {
                "reference": r.reference,
                "status": r.status,
                "organisation": r.organisation_id,
                "handling": r.handling,
                "risk_area": r.risk_area_id,
                "title": None if r.people_only else r.title,
                "published_at": r.published_at.isoformat() if r.published_at else None,
                "read_at": read[r.pk].isoformat() if read.get(r.pk) else None,
                "people_only": r.people_only,
                "url": None if r.people_only else f"/api/v1/rifs/{r.reference}/",
                "page_url": r.get_absolute_url(),
            }
            for r in page
        ]
        return Response({"results": results, "next": next_url})

    @extend_schema(
        summary="Create a RIF as a draft of your organisation (a person submits it, a risk manager approves it)",
        operation_id="rifs_create",
        request={"application/json": ref(schema.RifBody)},
        responses={201: ref(schema.RifRead), 400: ref(ErrorBody), 403: ref(ErrorBody), 413: ref(ErrorBody)},
    )
    def post(self, request):
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            rif = services.create_rif(actor=request.user, data=body)
        except services.RifError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(rif_document(request.user, rif), status=status.HTTP_201_CREATED)


class RifDetailView(APIView):
    @extend_schema(
        summary="One RIF, with recipients' follow-up as you may see it",
        operation_id="rifs_read",
        responses={200: ref(schema.RifRead), 404: ref(ErrorBody)},
    )
    def get(self, request, reference: str):
        return Response(rif_document(request.user, _rif(request, reference)))


class RifFeedbackView(APIView):
    @extend_schema(
        summary="Post your Member State's feedback on a RIF addressed to it",
        operation_id="rifs_feedback_create",
        request={"application/json": ref(schema.FeedbackBody)},
        responses={
            201: ref(schema.FeedbackRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            404: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def post(self, request, reference: str):
        rif = _rif(request, reference)
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            feedback = services.post_feedback(actor=request.user, rif=rif, data=body)
        except services.RifError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(feedback_document(feedback), status=status.HTTP_201_CREATED)


class RifAttachmentView(APIView):
    @extend_schema(
        summary="Download an attachment of a RIF you may read (audited, like the browser download)",
        operation_id="rifs_attachment_download",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            403: ref(ErrorBody),
            404: ref(ErrorBody),
        },
    )
    def get(self, request, reference: str, pk: int):
        rif = _rif(request, reference)
        attachment = downloads.attachment_of(rif, pk)
        if attachment is None:
            raise exceptions.NotFound("No attachment with this id on this RIF.")
        return downloads.attachment_response(actor=request.user, rif=rif, attachment=attachment, via="api")


class RifReadView(APIView):
    @extend_schema(
        summary="Mark a RIF addressed to your Member State read (the first time is kept and audited)",
        operation_id="rifs_mark_read",
        request={"application/json": ref(schema.ReadBody)},
        responses={200: ref(schema.ReadReceipt), 400: ref(ErrorBody), 403: ref(ErrorBody), 404: ref(ErrorBody)},
    )
    def post(self, request, reference: str):
        rif = _rif(request, reference)
        body = optional_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            schema.ReadBody.model_validate(body)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            row = services.mark_read(actor=request.user, rif=rif)
        except services.RifError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(
            {
                "reference": rif.reference,
                "member_state": row.member_state_id,
                "read_at": row.read_at.isoformat(),
                "read_by": row.read_by.get_username() if row.read_by_id else None,
            }
        )
