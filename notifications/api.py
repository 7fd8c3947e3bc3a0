"""REST of the notifications: the event feed and webhook subscriptions (contract 5)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crms.core.api.body import read_json
from crms.core.api.pydantic_schema import ref
from crms.core.client_input import whole_number
from crms.declarations.api_docs import ErrorBody
from crms.declarations.validation import pydantic_errors
from notifications import delivery, events, schema, selectors, subscriptions
from notifications.documents import event_document
from notifications.models import EventType, Subscription

PAGE = 500


def _whole(request, name: str, *, default: int | None = None, low: int = 0, high: int | None = None) -> int | None:
    text = request.query_params.get(name, "")
    if not text:
        return default
    number = whole_number(text)
    if number is None or number < low or (high is not None and number > high):
        bound = f" from {low} to {high}" if high is not None else ""
        raise exceptions.ValidationError({name: [f"A whole number{bound}."]})
    return number


class EventFeedView(APIView):
    @extend_schema(
        summary="Events concerning your Member State, oldest first (a durable, ordered feed)",
        description=(
            "Pass the `cursor` of the last page as `after`; `next` is null when you are up to date (a page "
            "may hold fewer events than `limit`, even none, when it passed over events you may not read). "
            "Each event has a unique `id` (de-duplicate by it), `type`, `occurred_at`, the "
            "resource's `url` and its key fields in `data`."
        ),
        parameters=[
            OpenApiParameter("after", str, description="Cursor: the `cursor` of the last event you received"),
            OpenApiParameter("types", str, description="Comma-separated event types (default: all)"),
            OpenApiParameter("limit", int, description=f"Events per page, 1 to {PAGE} (default {PAGE})"),
        ],
        responses={200: ref(schema.EventList), 400: ref(ErrorBody)},
    )
    def get(self, request):
        after = _whole(request, "after", default=0)
        limit = _whole(request, "limit", default=PAGE, low=1, high=PAGE)
        types = [t.strip() for t in request.query_params.get("types", "").split(",") if t.strip()]
        unknown = sorted(set(types) - set(EventType.values))
        if unknown:
            raise exceptions.ValidationError({"types": [f"Unknown event type {unknown[0]!r}."]})
        events.sequence()
        feed = selectors.events_for(request.user).filter(position__gt=after).order_by("position")
        if types:
            feed = feed.filter(type__in=types)
        page = list(feed[: limit + 1])
        more = len(page) > limit
        page = page[:limit]
        cursor = str(page[-1].position) if page else str(after)
        next_url = None
        if more:
            query = request.query_params.copy()
            query["after"] = cursor
            next_url = f"{request.path}?{query.urlencode()}"
        shown = selectors.readable(request.user, page)
        return Response({"results": [event_document(e, data) for e, data in shown], "cursor": cursor, "next": next_url})


def _subscription(request, pk: int) -> Subscription:
    subscription = Subscription.objects.filter(pk=pk, owner=request.user).first()
    if subscription is None:
        raise exceptions.NotFound("No subscription with this id of yours.")
    return subscription


def _document(subscription: Subscription) -> dict:
    return subscriptions.subscription_document(subscription, backlog=delivery.backlog(subscription))


class SubscriptionsView(APIView):
    @extend_schema(
        summary="Your webhook subscriptions",
        operation_id="subscriptions_list",
        responses={200: ref(schema.SubscriptionList), 403: ref(ErrorBody)},
    )
    def get(self, request):
        try:
            subscriptions.require_subscriber(request.user)
        except subscriptions.SubscriptionError as error:
            return Response({"errors": error.errors}, status=error.status)
        own = Subscription.objects.filter(owner=request.user).order_by("id")
        return Response({"results": [_document(s) for s in own]})

    @extend_schema(
        summary="Subscribe a webhook (national systems): each event POSTed with X-CRMS-Signature",
        request={"application/json": ref(schema.SubscriptionBody)},
        responses={
            201: ref(schema.SubscriptionRead),
            400: ref(ErrorBody),
            403: ref(ErrorBody),
            409: ref(ErrorBody),
            413: ref(ErrorBody),
        },
    )
    def post(self, request):
        try:  # rights before the body
            subscriptions.require_subscriber(request.user)
        except subscriptions.SubscriptionError as error:
            return Response({"errors": error.errors}, status=error.status)
        body = read_json(request, limit=settings.MAX_REQUEST_BYTES)
        try:
            parsed = schema.SubscriptionBody.model_validate(body)
        except ValidationError as exc:
            return Response({"errors": pydantic_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            subscription = subscriptions.subscribe(actor=request.user, body=parsed)
        except subscriptions.SubscriptionError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(_document(subscription), status=status.HTTP_201_CREATED)


class SubscriptionView(APIView):
    @extend_schema(
        summary="One subscription: deliveries, failures, dead letters and the backlog",
        responses={200: ref(schema.SubscriptionRead), 404: ref(ErrorBody)},
    )
    def get(self, request, pk: int):
        return Response(_document(_subscription(request, pk)))

    @extend_schema(summary="End a subscription (it stays readable)", responses={204: None, 404: ref(ErrorBody)})
    def delete(self, request, pk: int):
        subscription = _subscription(request, pk)
        if subscription.active:
            subscriptions.unsubscribe(actor=request.user, subscription=subscription)
        return Response(status=status.HTTP_204_NO_CONTENT)
