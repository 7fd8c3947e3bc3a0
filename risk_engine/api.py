"""REST endpoints of contract section 3: criteria and their four-eyes lifecycle; watch lists."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError as PydanticError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from risk_engine import api_docs as docs
from risk_engine import feed, selectors, services
from risk_engine.presenters import criterion_document
from risk_engine.schema import ApprovalBody, CriterionDocument, TransitionBody, WatchListBody

CRITERION = {"application/json": ref(CriterionDocument)}
ERRORS = {400: ref(ErrorBody), 403: ref(ErrorBody), 404: ref(ErrorBody), 409: ref(ErrorBody)}
TRANSITION = {"application/json": ref(TransitionBody)}
NAMESPACE = (
    "Codes name their owner: a Member State's national profiles and watch lists start with its code and a "
    "hyphen (`FR-NP-001`, `FR-WL-SHIPPERS`); the Commission's codes do not start with a participant's code and "
    "a hyphen. Another namespace is a 400 naming `code` (whether the code exists or not), so a 409 only ever "
    "names a code of your own organisation. Unknown fields are a 400."
)


def _error_response(error: services.CriteriaError) -> Response:
    return Response({"errors": error.errors}, status=error.status)


def _criterion(request, code: str):
    criterion = selectors.criterion_for(request.user, code)
    if criterion is None:
        raise exceptions.NotFound("No criterion with this code that you may see.")
    return criterion


def _validated(model, body):
    """``body`` as ``model`` (unknown fields refused, contract section 4), or a 400 naming every problem."""
    try:
        return model.model_validate(body)
    except PydanticError as exc:
        raise services.CriteriaError(400, pydantic_errors(exc)) from None


def _comment(request) -> str:
    if not request.body:
        return ""
    return _validated(TransitionBody, read_json(request, limit=settings.MAX_REQUEST_BYTES)).comment


def _approval(request) -> ApprovalBody:
    """The approve body: comment, and the ``version`` and ``fingerprint`` reviewed (unknown fields refused)."""
    if not request.body:
        return ApprovalBody()
    return _validated(ApprovalBody, read_json(request, limit=settings.MAX_REQUEST_BYTES))


class CriteriaView(APIView):
    @extend_schema(
        summary="Criteria you may see, with all versions",
        operation_id="criteria_list",
        description=(
            "Without changed_since/after: the criteria you may see, each with the versions you read (drafts and "
            "submitted versions of EU criteria are the Commission's: elsewhere an EU criterion is listed once "
            "published, with its published versions). With either: the change feed, oldest first, "
            "of published versions (published, superseded, retired), each with its criteria_revision and the "
            "version's document; follow `next` as `after` until it is null."
        ),
        parameters=[
            OpenApiParameter("scope", str, enum=["eu", "national"], description="Only this scope"),
            OpenApiParameter(
                "changed_since",
                OpenApiTypes.DATETIME,
                description="Feed: changes at or after this time (1970-01-01 to today + 10 years)",
            ),
            OpenApiParameter("after", str, description="Feed: the `next` cursor of the previous page"),
            OpenApiParameter("limit", int, description="Feed: changes per page, 1-1000 (default 500)"),
        ],
        responses={200: ref(docs.CriteriaListOrFeed), 400: ref(ErrorBody), 403: ref(ErrorBody)},
    )
    def get(self, request):
        if feed.is_feed_request(request.query_params):
            return self._feed(request)
        criteria = selectors.criteria_for(request.user).order_by("code")
        scope = request.query_params.get("scope")
        if scope:
            criteria = criteria.filter(scope=scope)
        results = []
        for criterion in criteria[:1000]:  # the list shows logic too: a restricted read leaves its trace
            results.append(criterion_document(request.user, criterion, where="api list"))
        return Response({"results": results})

    def _feed(self, request):
        shown: dict[int, bool] = {}

        def logic_read(criterion) -> bool:  # one audited read per criterion and page
            if criterion.pk not in shown:
                shown[criterion.pk] = services.logic_shown(actor=request.user, criterion=criterion, where="api feed")
            return shown[criterion.pk]

        try:
            page = feed.criteria_feed(request.user, request.query_params, on_logic_read=logic_read)
        except feed.FeedError as error:
            return Response(
                {"errors": [{"field": error.field, "code": "invalid", "message": str(error)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(page)

    @extend_schema(
        summary="Create a criterion (a draft)",
        description=NAMESPACE,
        request=CRITERION,
        responses={201: ref(docs.CriterionRead), **ERRORS},
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
        description=(
            "Every version you read: the Commission reads all; elsewhere an EU criterion's published, superseded "
            "and retired versions (its drafts and submitted versions are the Commission's, contract v2 section 3: "
            "an EU criterion never published is a 404)."
        ),
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
        @extend_schema(summary=summary, request=TRANSITION, responses={200: ref(docs.CriterionRead), **ERRORS})
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
RetireView = _transition(services.retire_criterion, "Retire the published version")
ReturnView = _transition(services.return_criterion, "Return the submitted version to its authors (comment required)")
RejectView = _transition(services.reject_criterion, "Reject the submitted version (comment required; back to draft)")
APPROVAL = {"application/json": ref(ApprovalBody)}


class ApproveView(APIView):
    @extend_schema(
        summary="Publish the submitted version (four-eyes; 409 if it is not the version you reviewed)",
        request=APPROVAL,
        responses={200: ref(docs.CriterionRead), **ERRORS},
    )
    def post(self, request, code: str):
        criterion = _criterion(request, code)
        if not services.may_approve(request.user, criterion):  # rights before the body
            return _error_response(services.CriteriaError(403, [services.NOT_AN_APPROVER]))
        try:
            body = _approval(request)
            services.approve_criterion(
                actor=request.user,
                criterion=criterion,
                comment=body.comment,
                version=body.version,
                fingerprint=body.fingerprint,
            )
        except services.CriteriaError as error:
            return _error_response(error)
        return Response(criterion_document(request.user, criterion))


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
        description=NAMESPACE,
        request={"application/json": ref(WatchListBody)},
        responses={201: ref(docs.Created), **ERRORS},
    )
    def post(self, request):
        try:  # rights before the body: a read-only role learns nothing from validation
            services.require_watch_list_keeper(request.user)
            # Unknown fields are refused (they were ignored); at most the CSV import's number of entries.
            body = _validated(WatchListBody, read_json(request, limit=settings.MAX_REQUEST_BYTES))
            with transaction.atomic():  # the list and its entries, or nothing
                watch_list = services.create_watch_list(
                    actor=request.user, code=body.code, name=body.name, kind=body.kind, description=body.description
                )
                if body.entries:
                    pairs = [(str(e.value), e.reason) for e in body.entries]
                    services.add_watch_list_entries(actor=request.user, watch_list=watch_list, entries=pairs)
        except services.CriteriaError as error:
            return _error_response(error)
        return Response({"code": watch_list.code}, status=status.HTTP_201_CREATED)
