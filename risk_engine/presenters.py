"""How criteria read back over the API (contract section 3: "list and show, with all versions")."""

from __future__ import annotations

from typing import Any

from risk_engine.documents import content_fingerprint, document_of
from risk_engine.models import Criterion, CriterionVersion, Status
from risk_engine.selectors import may_see_logic, versions_shown
from risk_engine.services import record_logic_read


def version_document(version: CriterionVersion, *, logic: bool) -> dict[str, Any]:
    """The exchange document's version fields plus the lifecycle; the logic (condition, description) only
    for who may see it.

    ``editors`` are everyone who wrote the version (none of them may approve it); ``fingerprint`` is
    the digest of its content, which ``approve`` may send back to bind the approval to it.
    """
    content = {key: value for key, value in document_of(version).items() if key not in ("code", "scope")}
    if not logic:
        content["description"] = None
    return {
        "version": version.version,
        "status": version.status,
        **content,
        "author": version.author.username,
        "editors": sorted(editor.username for editor in version.editors.all()),
        "fingerprint": content_fingerprint(version),
        "submitted_at": version.submitted_at.isoformat() if version.submitted_at else None,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "published_by": version.published_by.username if version.published_by else None,
        "retired_at": version.retired_at.isoformat() if version.retired_at else None,
        "condition": version.condition if logic else None,
    }


def criterion_document(user, criterion: Criterion, *, where: str = "api") -> dict[str, Any]:
    """The criterion with all its versions, each version's logic only for who may read it (a restricted
    version's logic: drafts for the Commission, published ones for risk staff and national systems too);
    a restricted read is audited once per document."""
    versions = versions_shown(
        user,
        criterion,
        list(
            criterion.versions.select_related("author", "published_by", "criterion")
            .prefetch_related("editors")
            .order_by("version")
        ),
    )
    # A version's own restriction, and the criterion's while it is restricted: lifting a restriction takes
    # effect only once approved, so a draft that lifts it stays hidden where the criterion is.
    criterion_logic = may_see_logic(user, criterion)
    logic_of = {version.pk: criterion_logic and may_see_logic(user, criterion, version) for version in versions}
    if any(logic_of[version.pk] and version.restricted for version in versions):
        record_logic_read(actor=user, criterion=criterion, where=where)
    published = next((v for v in versions if v.status == Status.PUBLISHED), None)
    current = versions[-1]
    documents = [version_document(version, logic=logic_of[version.pk]) for version in versions]
    return {
        "code": criterion.code,
        "scope": criterion.scope,
        "owner": criterion.owner_id,
        # The flag in force: the published version's (the newest's while none is published).
        "restricted": (published or current).restricted,
        "status": current.status,
        "published_version": published.version if published else None,
        **{key: value for key, value in documents[-1].items() if key not in ("version", "status", "restricted")},
        "versions": documents,
    }
