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
