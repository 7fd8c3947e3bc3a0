"""The assessment document of contract 2.4, for the declaration's current version.

Until the risk engine has screened the current version the status is ``pending``.
Hits of a national profile are shown only to users of the profile's Member State and
to the Commission; shadow-mode hits never appear in the contract's ``hits`` list.
"""

from __future__ import annotations

from typing import Any

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.declarations.models import Declaration


def pending_assessment(declaration: Declaration) -> dict[str, Any]:
    return {
        "mrn": declaration.mrn,
        "version": declaration.current_version,
        "status": "pending",
        "outcome": None,
        "score": None,
        "hits": [],
        "data_quality": [],
        "responsible_member_state": declaration.first_entry_member_state_id,
        "screened_at": None,
    }


def may_see_hit(user, hit) -> bool:
    if hit.scope == "eu":
        return True
    return is_eu_wide_reader(user) or user.is_superuser or member_state_of(user) == hit.owner_id


def hit_document(hit, *, logic_visible: bool = True) -> dict[str, Any]:
    """One hit as contract 2.4 shows it; a restricted criterion's explanation only to who may see its logic."""
    return {
        "criterion": hit.criterion_code,
        "criterion_version": hit.criterion_version.version,
        "scope": hit.scope,
        "risk_area": hit.risk_area,
        "outcome": hit.outcome,
        "control_type": hit.control_type,
        "items": list(hit.items),
        "explanation": hit.explanation if logic_visible else [],
        "explanation_restricted": not logic_visible,
        "weight": hit.weight,
        "aeo_facilitated": hit.facilitated,
    }


def assessment_for(user, declaration: Declaration) -> dict[str, Any]:
    from risk_engine.models import Assessment

    assessment = (
        Assessment.objects.filter(declaration=declaration, version__version=declaration.current_version)
        .prefetch_related("hits__criterion_version__criterion")
        .first()
    )
    if assessment is None or declaration.screening_status != "screened":
        document = pending_assessment(declaration)
        from risk_engine.models import ScreeningFailure

        if ScreeningFailure.objects.filter(
            version__declaration=declaration, version__version=declaration.current_version, resolved_at__isnull=True
        ).exists():
            document["screening_failed"] = True  # isolated as a poison declaration; an engineer is on it
        return document
    from risk_engine.selectors import may_see_logic

    visible = [hit for hit in assessment.hits.all() if may_see_hit(user, hit)]
    documents = {
        hit.pk: hit_document(hit, logic_visible=may_see_logic(user, hit.criterion_version.criterion)) for hit in visible
    }
    document = {
        "mrn": declaration.mrn,
        "version": declaration.current_version,
        "status": "screened",
        "outcome": assessment.outcome,
        "score": assessment.score,
        "hits": [documents[hit.pk] for hit in visible if not hit.shadow],
        "data_quality": assessment.data_quality,
        "responsible_member_state": assessment.responsible_member_state_id,
        "screened_at": assessment.screened_at.isoformat(),
        "control_type": assessment.control_type,
        "random_selection": assessment.random_selection,
    }
    shadow = [documents[hit.pk] for hit in visible if hit.shadow]
    if shadow and (is_eu_wide_reader(user) or user.role in ("analyst", "risk_manager")):
        document["shadow_hits"] = shadow
    return document
