"""How criteria read back over the API (contract section 3: "list and show, with all versions")."""

from __future__ import annotations

from typing import Any

from risk_engine.documents import document_of
from risk_engine.models import Criterion, CriterionVersion, Status
from risk_engine.selectors import may_see_logic
from risk_engine.services import record_logic_read


def version_document(version: CriterionVersion, *, logic: bool) -> dict[str, Any]:
    """The exchange document's version fields plus the lifecycle; the logic (condition, description) only
    for who may see it."""
    content = {key: value for key, value in document_of(version).items() if key not in ("code", "scope", "restricted")}
    if not logic:
        content["description"] = None
    return {
        "version": version.version,
        "status": version.status,
        **content,
        "author": version.author.username,
        "submitted_at": version.submitted_at.isoformat() if version.submitted_at else None,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "published_by": version.published_by.username if version.published_by else None,
        "retired_at": version.retired_at.isoformat() if version.retired_at else None,
        "condition": version.condition if logic else None,
    }


def criterion_document(user, criterion: Criterion, *, where: str = "api") -> dict[str, Any]:
    """The criterion with all its versions, each version's logic only for who may read it (a restricted
    criterion's drafts for the Commission, its published versions for risk staff and national systems too);
    a restricted read is audited once per document."""
    versions = list(criterion.versions.select_related("author", "published_by").order_by("version"))
    logic_of = {version.pk: may_see_logic(user, criterion, version) for version in versions}
    if any(logic_of.values()):
        record_logic_read(actor=user, criterion=criterion, where=where)
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
            for key, value in version_document(current, logic=logic_of[current.pk]).items()
            if key not in ("version", "status")
        },
        "versions": [version_document(version, logic=logic_of[version.pk]) for version in versions],
    }
