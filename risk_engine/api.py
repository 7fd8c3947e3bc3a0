"""REST endpoints of contract section 3: criteria and their four-eyes lifecycle; watch lists."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from risk_engine import api_docs as docs
from risk_engine import selectors, services
from risk_engine.presenters import criterion_document
from risk_engine.schema import CriterionDocument
from risk_engine.watchlists import CSV_MAX_LINES

CRITERION = {"application/json": ref(CriterionDocument)}
ERRORS = {400: ref(ErrorBody), 403: ref(ErrorBody), 404: ref(ErrorBody), 409: ref(ErrorBody)}
COMMENT = inline_serializer("TransitionComment", {"comment": serializers.CharField(required=False)})


def _error_response(error: services.CriteriaError) -> Response:
    return Response({"errors": error.errors}, status=error.status)


def _criterion(request, code: str):
    criterion = selectors.criterion_for(request.user, code)
    if criterion is None:
        raise exceptions.NotFound("No criterion with this code that you may see.")
    return criterion


def _comment(request) -> str:
    if not request.body:
        return ""
    body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
    comment = body.get("comment", "") if isinstance(body, dict) else ""
    if not isinstance(comment, str) or len(comment) > 2000:
        raise exceptions.ValidationError({"comment": ["Text of at most 2,000 characters."]})
    return comment


class CriteriaView(APIView):
    @extend_schema(
        summary="Criteria you may see, with all versions",
        operation_id="criteria_list",
        parameters=[OpenApiParameter("scope", str, enum=["eu", "national"], description="Only this scope")],
        responses={200: ref(docs.CriterionList), 403: ref(ErrorBody)},
    )
    def get(self, request):
        criteria = selectors.criteria_for(request.user).order_by("code")
        scope = request.query_params.get("scope")
        if scope:
            criteria = criteria.filter(scope=scope)
        results = []
        for criterion in criteria[:1000]:  # the list shows logic too: a restricted read leaves its trace
            results.append(criterion_document(request.user, criterion, where="api list"))
        return Response({"results": results})

    @extend_schema(
        summary="Create a criterion (a draft)", request=CRITERION, responses={201: ref(docs.CriterionRead), **ERRORS}
    )
    def post(self, request):
        data = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            version = services.create_criterion(actor=request.user, data=data)
        except services.CriteriaError as error:
            return _error_response(error)
        return Response(criterion_document(request.user, version.criterion), status=status.HTTP_201_CREATED)


class CriterionView(APIView):
    @extend_schema(
        summary="One criterion with all its versions",
        operation_id="criteria_read",
        responses={200: ref(docs.CriterionRead), 404: ref(ErrorBody)},
    )
    def get(self, request, code: str):
        return Response(criterion_document(request.user, _criterion(request, code)))

    @extend_schema(
        summary="Edit the draft, or open a new draft version of a published criterion",
        request=CRITERION,
        responses={200: ref(docs.CriterionRead), **ERRORS},
    )
    def put(self, request, code: str):
        criterion = _criterion(request, code)
        data = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            services.update_criterion(actor=request.user, criterion=criterion, data=data)
        except services.CriteriaError as error:
            return _error_response(error)
        return Response(criterion_document(request.user, criterion))


def _transition(action, summary: str):
    class TransitionView(APIView):
        @extend_schema(summary=summary, request=COMMENT, responses={200: ref(docs.CriterionRead), **ERRORS})
        def post(self, request, code: str):
            criterion = _criterion(request, code)
            try:
                action(actor=request.user, criterion=criterion, comment=_comment(request))
            except services.CriteriaError as error:
                return _error_response(error)
            return Response(criterion_document(request.user, criterion))

    TransitionView.__name__ = f"{action.__name__.title().replace('_', '')}View"
    return TransitionView


SubmitView = _transition(services.submit_criterion, "Submit the draft for approval (its author)")
ApproveView = _transition(services.approve_criterion, "Publish the submitted version (four-eyes)")
RetireView = _transition(services.retire_criterion, "Retire the published version")


class WatchListsView(APIView):
    @extend_schema(
        summary="Watch lists you may use",
        operation_id="watch_lists_list",
        responses={200: ref(docs.WatchListList)},
    )
    def get(self, request):
        lists = selectors.watch_lists_for(request.user).prefetch_related("entries")
        return Response(
            {
                "results": [
                    {
                        "code": w.code,
                        "name": w.name,
                        "kind": w.kind,
                        "owner": w.owner_id,
                        "entries": [e.value for e in w.entries.all()],
                    }
                    for w in lists
                ]
            }
        )

    @extend_schema(
        summary="Create a watch list (entries optional)",
        request={"application/json": {"type": "object"}},
        responses={201: ref(docs.Created), **ERRORS},
    )
    def post(self, request):
        try:  # rights before the body: a read-only role learns nothing from validation
            services.require_watch_list_keeper(request.user)
        except services.CriteriaError as error:
            return _error_response(error)
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        if not isinstance(body, dict):
            raise exceptions.ValidationError({"body": ["A JSON object."]})
        missing = [name for name in ("code", "name", "kind") if not isinstance(body.get(name), str)]
        if missing:
            raise exceptions.ValidationError({name: ["Required text."] for name in missing})
        entries = body.get("entries") or []
        # The CSV import's limit; a number here was a 500, malformed entries were silently dropped.
        if not isinstance(entries, list) or len(entries) > CSV_MAX_LINES:
            raise exceptions.ValidationError({"entries": [f"A list of at most {CSV_MAX_LINES:,} entries."]})
        shapeless = [i for i, e in enumerate(entries) if not (isinstance(e, dict) and "value" in e)]
        if shapeless:
            raise exceptions.ValidationError({f"entries[{i}]": ['An object {"value", "reason"}.'] for i in shapeless})
        try:
            with transaction.atomic():  # the list and its entries, or nothing
                watch_list = services.create_watch_list(
                    actor=request.user,
                    code=body["code"],
                    name=body["name"],
                    kind=body["kind"],
                    description=str(body.get("description", "")),
                )
                if entries:
                    pairs = [(str(e["value"]), str(e.get("reason", ""))) for e in entries]
                    services.add_watch_list_entries(actor=request.user, watch_list=watch_list, entries=pairs)
        except services.CriteriaError as error:
            return _error_response(error)
        return Response({"code": watch_list.code}, status=status.HTTP_201_CREATED)
