"""Writes of reference data the Commission maintains on the platform: the high-interest countries.

Everything else under ``crms/reference/data`` ships with a release; this list changes with the threat
picture, so Commission staff edit it in the browser or over REST, audited with before and after.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from crms.accounts.roles import COMMISSION_ROLES
from crms.audit.services import record
from crms.reference.models import Country, HighInterestCountry
from crms.reference.selectors import high_interest_countries

MAX_COUNTRIES = 100


class ReferenceDataError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.status = status
        self.errors = errors


def may_maintain(user) -> bool:
    return user.is_authenticated and user.role in COMMISSION_ROLES


@transaction.atomic
def set_high_interest_countries(*, actor, codes: list[str]) -> list[str]:
    """Replace the list (ISO alpha-2 codes of the reference data); returns it, sorted."""
    if not may_maintain(actor):
        raise ReferenceDataError(
            403, [{"field": None, "code": "not_allowed", "message": "Commission staff maintain this list."}]
        )
    known = set(Country.objects.values_list("iso2", flat=True))
    errors = [
        {"field": f"countries[{index}]", "code": "unknown", "message": f"{code!r} is not a country code (ISO 3166)."}
        for index, code in enumerate(codes)
        if code not in known
    ]
    if len(codes) > MAX_COUNTRIES:
        errors.append({"field": "countries", "code": "too_long", "message": f"At most {MAX_COUNTRIES} countries."})
    if errors:
        raise ReferenceDataError(400, errors)
    wanted = sorted(set(codes))
    before = high_interest_countries()
    if wanted == before:
        return before
    now = timezone.now()
    rows = list(HighInterestCountry.objects.select_for_update().all())
    HighInterestCountry.objects.filter(listed=True).exclude(country_id__in=wanted).update(
        listed=False, changed_at=now, changed_by=actor
    )
    HighInterestCountry.objects.filter(listed=False, country_id__in=wanted).update(
        listed=True, changed_at=now, changed_by=actor
    )
    new = set(wanted) - {row.country_id for row in rows}
    HighInterestCountry.objects.bulk_create(
        [HighInterestCountry(country_id=code, listed=True, changed_at=now, changed_by=actor) for code in sorted(new)]
    )
    after = high_interest_countries()
    record(
        actor=actor,
        action="reference.high_interest_countries_changed",
        object_type="reference.highinterestcountry",
        object_repr="High-interest countries",
        before={"countries": before},
        after={"countries": after},
    )
    return after


def last_change() -> HighInterestCountry | None:
    return (
        HighInterestCountry.objects.exclude(changed_at=None)
        .select_related("changed_by")
        .order_by("-changed_at")
        .first()
    )
