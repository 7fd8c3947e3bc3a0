"""``GET /api/v1/search/?q=``: the header's search as JSON, grouped by kind (contract style errors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.derived import derived
from crms.search.selectors import KINDS, MAX_LENGTH, MIN_LENGTH, QueryError, clean_query, search

KNOWN_PARAMETERS = {"q"}

_RESULTS = inline_serializer(
    "SearchResult",
    many=True,
    fields={
        "title": serializers.CharField(),
        "detail": serializers.CharField(),
        "matched": serializers.CharField(help_text="What the query matched: MRN, LRN, Container, EORI, Name, ..."),
        "url": serializers.CharField(help_text="The page in the browser"),
        "api_url": serializers.CharField(help_text="The same object in this API"),
    },
)


@derived("search results over declarations, parties, RIFs and criteria")
class SearchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Search what you may read: MRN/LRN/container/EORI prefixes, party names with typos, RIFs, criteria",
        operation_id="search",
        parameters=[
            OpenApiParameter("q", str, required=True, description=f"{MIN_LENGTH} to {MAX_LENGTH} characters"),
        ],
        responses={
            200: inline_serializer(
                "SearchResults",
                {
                    "q": serializers.CharField(),
                    "groups": inline_serializer(
                        "SearchGroup",
                        {
                            "kind": serializers.ChoiceField(choices=list(KINDS)),
                            "label": serializers.CharField(),
                            "more": serializers.BooleanField(help_text="More matches than shown"),
                            "results": _RESULTS,
                        },
                        many=True,
                    ),
                },
            )
        },
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - KNOWN_PARAMETERS)
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown parameter: only q is read."] for name in unknown})
        try:
            query = clean_query(request.query_params.get("q"))
        except QueryError as problem:
            raise exceptions.ValidationError({"q": [str(problem)]}) from None
        results = search(request.user, query)
        return Response(
            {
                "q": query,
                "groups": [
                    {
                        "kind": kind,
                        "label": KINDS[kind],
                        "more": results.more[kind],
                        "results": [
                            {
                                "title": r.title,
                                "detail": r.detail,
                                "matched": r.matched,
                                "url": r.url,
                                "api_url": r.api_url,
                            }
                            for r in found
                        ],
                    }
                    for kind, found in results.groups.items()
                ],
            }
        )
