"""How criteria read back over the API (contract section 3: "list and show, with all versions")."""

from __future__ import annotations

from typing import Any

from risk_engine.models import Criterion, CriterionVersion, Status
from risk_engine.selectors import may_see_logic


def version_document(version: CriterionVersion, *, logic: bool) -> dict[str, Any]:
    document = {
        "version": version.version,
        "status": version.status,
        "title": version.title,
        "description": version.description,
        "risk_area": version.risk_area_id,
        "applies_to": version.applies_to or {"phases": [], "transport_modes": []},
        "weight": version.weight,
        "outcome": version.outcome,
        "control_type": version.control_type,
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "allows_aeo_facilitation": version.allows_aeo_facilitation,
        "shadow": version.shadow,
        "author": version.author.username,
        "submitted_at": version.submitted_at.isoformat() if version.submitted_at else None,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "published_by": version.published_by.username if version.published_by else None,
        "retired_at": version.retired_at.isoformat() if version.retired_at else None,
    }
    document["condition"] = version.condition if logic else None
    return document


def criterion_document(user, criterion: Criterion) -> dict[str, Any]:
    logic = may_see_logic(user, criterion)
    versions = list(criterion.versions.select_related("author", "published_by").order_by("version"))
    published = next((v for v in versions if v.status == Status.PUBLISHED), None)
    current = versions[-1]
    return {
        "code": criterion.code,
        "scope": criterion.scope,
        "owner": criterion.owner_id,
        "restricted": criterion.restricted,
        "status": current.status,
        "published_version": published.version if published else None,
        **{
            key: value
            for key, value in version_document(current, logic=logic).items()
            if key not in ("version", "status")
        },
        "versions": [version_document(version, logic=logic) for version in versions],
    }
