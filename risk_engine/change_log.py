"""Reading the criteria change log for a viewer: only changes to things the viewer may see.

A re-screening's cause is shown with the assessment history, and a national profile's code
or another Member State's watch list or random-selection setting must not leak through it.
"""

from __future__ import annotations

from typing import Any

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from risk_engine.models_revision import CriteriaChange

CRITERION_KINDS = ("criterion.", "pca.linked", "pca.unlinked")


def visible_changes(user, after: int | None, upto: int | None) -> list[dict[str, Any]]:
    """Changes with ``after < revision <= upto`` that ``user`` may see, oldest first."""
    from pca.selectors import pcas_for
    from risk_engine.selectors import criteria_for, watch_lists_for

    if upto is None:
        return []
    rows = CriteriaChange.objects.filter(revision__lte=upto)
    if after is not None:
        rows = rows.filter(revision__gt=after)
    rows = list(rows.order_by("revision", "id")[:200])
    subjects = {row.subject for row in rows}
    criteria = set(criteria_for(user).filter(code__in=subjects).values_list("code", flat=True))
    watch_lists = set(watch_lists_for(user).filter(code__in=subjects).values_list("code", flat=True))
    pcas = set(pcas_for(user).filter(reference__in=subjects).values_list("reference", flat=True))
    own = member_state_of(user)
    everything = is_eu_wide_reader(user) or user.is_superuser

    def visible(row: CriteriaChange) -> bool:
        if row.kind.startswith(CRITERION_KINDS):
            return row.subject in criteria
        if row.kind == "watch_list.changed":
            return row.subject in watch_lists
        if row.kind == "pca.changed":
            return row.subject in pcas
        if row.kind in ("random_selection.changed", "model.changed", "capacity.changed"):
            return everything or row.subject in (own, "EU")
        return True

    return [
        {
            "revision": row.revision,
            "kind": row.kind,
            "subject": row.subject,
            "version": row.version or None,
            "occurred_at": row.occurred_at.isoformat(),
        }
        for row in rows
        if visible(row)
    ]
