"""A criterion version as the contract's exchange document (JSON export/import and the builder)."""

from __future__ import annotations

from typing import Any

from crms.core.fingerprint import fingerprint
from risk_engine.models import CriterionVersion


def document_of(version: CriterionVersion) -> dict[str, Any]:
    criterion = version.criterion
    return {
        "code": criterion.code,
        "title": version.title,
        "description": version.description,
        "scope": criterion.scope,
        "risk_area": version.risk_area_id,
        "applies_to": {
            "phases": list((version.applies_to or {}).get("phases", [])),
            "transport_modes": list((version.applies_to or {}).get("transport_modes", [])),
        },
        "condition": version.condition,
        "weight": version.weight,
        "outcome": version.outcome,
        "control_type": version.control_type,
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "allows_aeo_facilitation": version.allows_aeo_facilitation,
        "shadow": version.shadow,
        "restricted": version.restricted,
        "legal_act": version.legal_act,
        "financial_subtype": version.financial_subtype,
        "control_stage": version.control_stage,
    }


def content_fingerprint(version: CriterionVersion) -> str:
    """The digest of everything the version says (its exchange document): what an approver reviews.

    ``approve`` with a ``fingerprint`` is refused when the version no longer has it.
    """
    return fingerprint(document_of(version))
