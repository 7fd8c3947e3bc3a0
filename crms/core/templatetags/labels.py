"""Human labels for the codes records carry (outcomes, risk areas, transport modes), for the reader's eye."""

from __future__ import annotations

from django import template

from crms.core import labels

register = template.Library()


@register.filter
def outcome_label(code: str) -> str:
    return labels.outcome(code)


@register.filter
def mode_label(code: str) -> str:
    return labels.mode(code)


@register.filter
def phase_label(code: str) -> str:
    return labels.phase(code)


@register.filter
def choice_label(code: str, kind: str) -> str:
    """Any enumeration of ``crms.core.labels`` by its kind: ``{{ r.result|choice_label:"control_result" }}``."""
    return labels.choice(kind, code)


@register.filter
def risk_area_names(codes) -> str:
    return ", ".join(labels.risk_area(code) for code in codes or ())


@register.filter
def risk_area_name(code: str) -> str:
    return labels.risk_area(code)


@register.filter
def office_label(code: str) -> str:
    """ "FR000690 (Le Havre port)"."""
    return labels.office(code) if code else "—"


@register.filter
def country_label(code: str) -> str:
    return labels.country(code) if code else "—"


@register.filter
def member_state_name(code: str) -> str:
    return labels.member_state(code)


@register.filter
def column_label(name: str) -> str:
    return labels.column(name)


@register.filter
def cell_label(value, column: str):
    return labels.cell(value, column)


@register.filter
def readable(value) -> str:
    """A stored value as words, never a Python repr: lists joined, mappings as "key: value", None as a dash."""
    return labels.readable(value)


@register.filter
def explained(leaves) -> list:
    """Explanation leaves in words (``risk_engine.plain.explain_parts``), for ``risk_engine/_explanation.html``."""
    from risk_engine.plain import explain_parts

    return [explain_parts(leaf) for leaf in leaves or () if isinstance(leaf, dict)]


@register.filter
def change_causes(changes) -> list:
    """A result's causes in words (``risk_engine.change_log.causes``): label, subject code, version."""
    from risk_engine.change_log import causes

    return causes(changes or [])


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


@register.filter
def as_json(value) -> str:
    """A JSON document as JSON (double quotes, indented), never Python's repr of the dict."""
    import json

    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@register.filter
def warning_label(code: str) -> str:
    """A data-quality warning's code in words ("vague_description" -> "Vague description")."""
    return labels.data_quality(code)


@register.filter
def action_label(action: str) -> str:
    """An audit action as the audit log writes it: ``criterion.draft_created`` -> "Criterion: draft created"."""
    from crms.audit.presenters import action_label as label

    return label(str(action or ""))
