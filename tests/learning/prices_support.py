"""Price baselines for tests that need some without computing them from declarations."""

from __future__ import annotations

from django.utils import timezone

from crms.learning.models import PriceBaseline
from crms.learning.prices import baselines_at


def add_baselines(rows: list[tuple]) -> list[PriceBaseline]:
    """``(level, hs_code, origin, member_state, median[, n])`` rows, low and high a third and three times the
    median. The cache is dropped: inside one test transaction the criteria revision does not move again."""
    now = timezone.now()
    created = PriceBaseline.objects.bulk_create(
        PriceBaseline(
            level=level,
            hs_code=hs_code,
            origin=origin,
            member_state=member_state,
            median=median,
            low=median / 3,
            high=median * 3,
            n=rest[0] if rest else 40,
            computed_at=now,
        )
        for level, hs_code, origin, member_state, median, *rest in rows
    )
    baselines_at.forget()
    return created
