"""What an information request's deadline means, in one place.

A deadline is a calendar day, UTC, included (like a PCA's last day): the requested Member State may
answer until 23:59:59 UTC that day. A request is **overdue** while it awaits its first answer
(state ``open``) after its deadline. Every request gets one: the asker's, or
``INFORMATION_REQUEST_ANSWER_DAYS`` after the day it was sent (``give_default_deadline``, for
requests made in the browser, by demo data or before deadlines existed).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from workbench.models import InformationRequest

LONGEST = 365  # days ahead a deadline may be set


def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def default_answer_by(sent_at: dt.datetime) -> dt.date:
    return sent_at.astimezone(dt.UTC).date() + dt.timedelta(days=settings.INFORMATION_REQUEST_ANSWER_DAYS)


def allowed(answer_by: dt.date, *, on: dt.date | None = None) -> bool:
    """From today to a year ahead: a deadline already past is no deadline."""
    on = on or today()
    return on <= answer_by <= on + dt.timedelta(days=LONGEST)


def with_deadline(requests: QuerySet[InformationRequest], *, on: dt.date | None = None) -> QuerySet:
    """Annotate ``answer_by`` and ``overdue`` (awaiting its first answer after its last day)."""
    on = on or today()
    late = Q(state=InformationRequest.State.OPEN, deadline__answer_by__lt=on)
    return requests.annotate(
        answer_by=F("deadline__answer_by"), overdue=ExpressionWrapper(late, output_field=BooleanField())
    )


def give_default_deadline(sender, instance: InformationRequest, created: bool, raw: bool = False, **kwargs) -> None:
    """Every new request has a deadline row; the REST and browser services then set the asker's day."""
    from exchange.models import RequestDeadline

    if created and not raw:
        RequestDeadline.objects.get_or_create(
            request=instance,
            defaults={"answer_by": default_answer_by(instance.created_at), "set_by": None, "set_at": timezone.now()},
        )
