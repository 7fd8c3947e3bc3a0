"""Reads of the operator / AEO registry.

The registry itself is readable by everyone in the "operators" area; the ENS parties
shown next to an operator are limited to the declarations the user may read.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from crms.accounts.models import Organisation
from crms.declarations.models import Party
from crms.declarations.selectors import declarations_for
from crms.operators.models import AeoAuthorisation, Operator


def _authorisations() -> Prefetch:
    return Prefetch("authorisations", queryset=AeoAuthorisation.objects.select_related("issuing_country"))


def valid_authorisations(day: dt.date) -> QuerySet[AeoAuthorisation]:
    """Authorisations that make their holder an AEO on ``day`` (the query form of ``valid_on``)."""
    return AeoAuthorisation.objects.filter(status=AeoAuthorisation.Status.ACTIVE, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def operators(
    *, query: str = "", country: str | None = None, aeo: str | None = None, day: dt.date | None = None
) -> QuerySet[Operator]:
    """Search by EORI prefix or by words of the name; filter by country and by AEO status on ``day``.

    ``aeo`` is ``"yes"`` (holds a valid authorisation on ``day``), ``"no"`` (holds none) or None (both).
    """
    found = Operator.objects.select_related("country").prefetch_related(_authorisations())
    words = query.split()
    if len(words) == 1:
        found = found.filter(Q(eori__istartswith=words[0]) | Q(name__icontains=words[0]))
    else:
        for word in words:
            found = found.filter(name__icontains=word)
    if country:
        found = found.filter(country_id=country.upper())
    if aeo in ("yes", "no"):
        holds = Exists(valid_authorisations(day or timezone.localdate()).filter(operator=OuterRef("pk")))
        found = found.filter(holds if aeo == "yes" else ~holds)
    return found


def operator(eori: str) -> Operator | None:
    return Operator.objects.select_related("country").prefetch_related(_authorisations()).filter(eori=eori).first()


def recent_parties(user, operator: Operator, *, limit: int = 20) -> list[Party]:
    """The newest ENS parties naming ``operator``, in declarations ``user`` may read.

    Only each declaration's current version counts. A party filed before the operator
    was registered has no link yet; it is found by its EORI.
    """
    return list(
        Party.objects.filter(Q(operator=operator) | Q(operator__isnull=True, eori=operator.eori))
        .filter(
            version__declaration__in=declarations_for(user),
            version__version=F("version__declaration__current_version"),
        )
        .select_related("version__declaration")
        .order_by("-version__declaration__received_at", "-id")[:limit]
    )


def eu_member_states() -> set[str]:
    return set(Organisation.objects.filter(status=Organisation.Status.EU_MEMBER).values_list("code", flat=True))
