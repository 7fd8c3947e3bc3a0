"""Human labels for the codes records carry (outcomes, risk areas, transport modes), for the reader's eye."""

from __future__ import annotations

from django import template

from crms.declarations.models import TransportMode
from risk_engine.models import OutcomeChoice

register = template.Library()

OUTCOMES = dict(OutcomeChoice.choices)
MODES = dict(TransportMode.choices)


_RISK_AREA_NAMES: dict[str, str] = {}


def _risk_area_names() -> dict[str, str]:
    """Reference data, loaded once per process (it changes only with a release)."""
    if not _RISK_AREA_NAMES:
        from crms.reference.models import RiskArea

        _RISK_AREA_NAMES.update(RiskArea.objects.values_list("code", "name"))
    return _RISK_AREA_NAMES


@register.filter
def outcome_label(code: str) -> str:
    return OUTCOMES.get(code, code)


@register.filter
def mode_label(code: str) -> str:
    return MODES.get(code, code)


@register.filter
def risk_area_names(codes) -> str:
    names = _risk_area_names()
    return ", ".join(names.get(code, code) for code in codes or ())


@register.filter
def risk_area_name(code: str) -> str:
    return _risk_area_names().get(code, code)


CHANGE_KINDS = {
    "declaration.filed": "Filed",
    "declaration.amended": "Amended",
    "criterion.published": "Published",
    "criterion.superseded": "Superseded",
    "criterion.retired": "Retired",
    "criterion.edited": "Edited while published",
    "criterion.deleted": "Deleted",
    "watch_list.changed": "Watch list edited",
    "pca.changed": "Priority control area changed",
    "pca.linked": "Linked to a priority control area",
    "pca.unlinked": "Unlinked from a priority control area",
    "random_selection.changed": "Random-selection rate changed",
    "data_quality.bounds_changed": "Credibility bounds relearned",
}


@register.filter
def change_label(kind: str) -> str:
    """What a criteria change (``risk_engine.models_revision.CriteriaChange.kind``) was, in words."""
    return CHANGE_KINDS.get(kind, kind)


@register.filter
def iso_datetime(value: str) -> str:
    """An ISO 8601 time from a JSON document, shown the European way in UTC (28/02/2027 14:05 UTC)."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(value)
        shown = moment.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")
    except (TypeError, ValueError, OverflowError):  # OverflowError: year 1 with a positive offset
        return value or "—"
    return shown
