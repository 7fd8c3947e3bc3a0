"""REST for crisis alerts (contract 5, "other exchanges"): read them and their posts, post where the role may.

Who reads: every participant's staff and national systems, within a participant's agreement
(``rif.selectors.crises_for``). Who posts: ``rif.services.may_post_to_crisis`` (Member State analysts
and risk managers, Commission staff) while the crisis is open.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.body import read_json
from crms.core.api.pages import choice, id_page
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from rif import schema_crises as schema
from rif import selectors, services
from rif.models import CrisisStatus

PAGE = 200


def _crisis(request, pk: int):
    crisis = selectors.crisis_for(request.user, pk)
    if crisis is None:
        raise exceptions.NotFound("No crisis alert with this id that you may see.")
    return crisis


def post_document(post) -> dict:
    return {
        "id": post.pk,
        "crisis": post.crisis_id,
        "organisation": post.organisation_id,
        "author": post.author.get_username(),
        "body": post.body,
        "created_at": post.created_at.isoformat(),
    }


def crisis_summary(crisis) -> dict:
    return {
        "id": crisis.pk,
        "reference": crisis.reference,
        "title": crisis.title,
        "risk_area": crisis.risk_area_id,
        "status": crisis.status,
        "opened_at": crisis.opened_at.isoformat(),
        "closed_at": crisis.closed_at.isoformat() if crisis.closed_at else None,
        "updated_at": crisis.updated_at.isoformat(),
        "post_count": crisis.post_count,
        "url": f"/api/v1/crises/{crisis.pk}/",
        "page_url": crisis.get_absolute_url(),
    }


def crisis_document(user, crisis) -> dict:
    from pca.selectors import pcas_for
    from risk_engine.selectors import criteria_for

    return crisis_summary(crisis) | {
        "guidance": crisis.guidance,
        "lessons": crisis.lessons,
        "criteria": sorted(criteria_for(user).filter(crises=crisis).values_list("code", flat=True)),
        "rifs": list(
            selectors.rifs_for(user)
            .filter(crisis=crisis)
            .order_by("published_at", "id")
            .values_list("reference", flat=True)
        ),
        "suspended_pcas": sorted(pcas_for(user).filter(suspended_by_crisis=crisis).values_list("reference", flat=True)),
        "posts": [post_document(p) for p in crisis.posts.select_related("author")],
    }


class CrisisCollectionView(APIView):
    @extend_schema(
        summary="Crisis alerts you may see, oldest first",
        operation_id="crises_list",
        parameters=[
            OpenApiParameter("status", str, enum=CrisisStatus.values, description="open or closed"),
            OpenApiParameter("after", int, description="Keyset cursor: the last id you received"),
        ],
        responses={200: ref(schema.CrisisList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        crises = selectors.crises_for(request.user)
        if wanted := choice(request, "status", CrisisStatus.values):
            crises = crises.filter(status=wanted)
        rows, next_url = id_page(request, crises, size=PAGE, what="crisis alert")
        return Response({"results": [crisis_summary(c) for c in rows], "next": next_url})


class CrisisDetailView(APIView):
    @extend_schema(
        summary="One crisis alert: guidance, linked criteria and RIFs you may see, suspended PCAs, posts",
        operation_id="crises_read",
        responses={200: ref(schema.CrisisRead), 404: ref(ErrorBody)},
    )
    def get(self, request, pk: int):
        return Response(crisis_document(request.user, _crisis(request, pk)))


class CrisisPostsView(APIView):
    @extend_schema(
        summary="Posts under a crisis, oldest first",
        operation_id="crises_posts_list",
        parameters=[OpenApiParameter("after", int, description="Keyset cursor: the last post id you received")],
        responses={200: ref(schema.CrisisPostList), 400: ref(ErrorBody), 404: ref(ErrorBody)},
    )
    def get(self, request, pk: int):
        crisis = _crisis(request, pk)
        rows, next_url = id_page(request, crisis.posts.select_related("author"), size=PAGE, what="post")
        return Response({"results": [post_document(p) for p in rows], "next": next_url})

    @extend_schema(
        summary="Post information under an open crisis (Member State risk staff and Commission staff)",
        operation_id="crises_posts_create",
        request={"application/json": ref(schema.CrisisPostBody)},
        responses={
            201: ref(schema.CrisisPostRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            404: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def post(self, request, pk: int):
        crisis = _crisis(request, pk)
        if not services.may_post_to_crisis(request.user, crisis):  # rights before the body
            raise exceptions.PermissionDenied(services.CRISIS_POST_REFUSAL)
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            parsed = schema.CrisisPostBody.model_validate(body)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            post = services.post_to_crisis(actor=request.user, crisis=crisis, body=parsed.body)
        except services.RifError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(post_document(post), status=status.HTTP_201_CREATED)
