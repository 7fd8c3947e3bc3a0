"""Reading the criteria change log for a viewer: only changes to things the viewer may see.

A re-screening's cause is shown with the assessment history, and a national profile's code
or another Member State's watch list or random-selection setting must not leak through it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from risk_engine.models_revision import CriteriaChange

CRITERION_KINDS = ("criterion.", "pca.linked", "pca.unlinked")
MEMBER_STATE_KINDS = ("random_selection.changed", "model.changed", "capacity.changed")

# Every kind the triggers write (migrations: risk_engine 0006, learning 0004 and 0005, selection 0002), and
# the two causes of a first result, in words. A kind missing here fails tests/risk_engine/test_change_log.py.
LABELS = {
    "declaration.filed": gettext_lazy("Filed"),
    "declaration.amended": gettext_lazy("Amended"),
    "criterion.published": gettext_lazy("Criterion published"),
    "criterion.superseded": gettext_lazy("Criterion superseded"),
    "criterion.retired": gettext_lazy("Criterion retired"),
    "criterion.edited": gettext_lazy("Criterion edited while published"),
    "criterion.deleted": gettext_lazy("Criterion deleted"),
    "watch_list.changed": gettext_lazy("Watch list edited"),
    "pca.changed": gettext_lazy("Priority control area changed"),
    "pca.linked": gettext_lazy("Criterion linked to a priority control area"),
    "pca.unlinked": gettext_lazy("Criterion unlinked from a priority control area"),
    "data_quality.bounds_changed": gettext_lazy("Credibility bounds relearned"),
    "price_baselines.changed": gettext_lazy("Price baselines recomputed"),
}
# Changes of one Member State's setting (or the EU-wide one): the scope is said in the label.
SCOPED_LABELS = {
    "random_selection.changed": gettext_lazy("Random-selection rate changed (%(scope)s)"),
    "model.changed": gettext_lazy("Risk model changed (%(scope)s)"),
    "capacity.changed": gettext_lazy("Control capacity changed (%(scope)s)"),
}


def label(change: dict[str, Any]) -> str:
    """What a change was, in words: "Risk model changed (EU-wide)", "Control capacity changed (FR)",
    "Criterion published"; a kind nobody labelled is shown as it is (a label never hides a value)."""
    kind, subject = change.get("kind", ""), change.get("subject") or ""
    if kind in SCOPED_LABELS:
        scope = _("EU-wide") if subject in ("", "EU") else subject
        return str(SCOPED_LABELS[kind]) % {"scope": scope}
    return str(LABELS.get(kind, kind))


def causes(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The changes as the screening history shows them: labelled, the subject only where the label does not
    already say it (a criterion's code, a watch list's), and each distinct cause once, in order."""
    shown, seen = [], set()
    for change in changes:
        kind = change.get("kind", "")
        subject = "" if kind in SCOPED_LABELS else change.get("subject") or ""
        row = {"label": label(change), "subject": subject, "version": change.get("version") or None}
        key = (row["label"], row["subject"], row["version"])
        if key not in seen:
            seen.add(key)
            shown.append(row)
    return shown


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
        if row.kind in MEMBER_STATE_KINDS:
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
