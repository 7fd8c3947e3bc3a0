"""The assessment document of contract 2.4, for the declaration's current version.

Until the risk engine has screened the current version the status is ``pending``.
Hits of a national profile are shown only to users of the profile's Member State and
to the Commission; shadow-mode hits never appear in the contract's ``hits`` list.
"""

from __future__ import annotations

from typing import Any

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.declarations.current import current_version_of
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
        "criteria_revision": None,
    }


NO_LEARNED_SCORE = {
    "learned_score": None,
    "learned_percentile": None,
    "learned_reasons": [],
    "learned_model": None,
    "learned_selection": False,
    "exploration": False,
}


def may_see_learned(user, model) -> bool:
    """A Member State's model speaks for that Member State: its score and reasons (which quote the Member State's
    control results) are shown to its own people and the Commission, left out for another Member State reading
    the same ENS, as a national profile's hit is (adversarial probe, 7 December). An EU-wide model's, to all."""
    if model.member_state_id is None:
        return True
    return is_eu_wide_reader(user) or user.is_superuser or member_state_of(user) == model.member_state_id


def learned_document(assessment, user) -> dict[str, Any]:
    """The live risk model's score of contract 6: score 0-1, percentile 0-100, main reasons in words."""
    model = assessment.learned_model
    if model is None or assessment.learned_score is None:
        return dict(NO_LEARNED_SCORE)
    if not may_see_learned(user, model):
        return dict(NO_LEARNED_SCORE)
    return {
        "learned_score": round(assessment.learned_score, 6),
        "learned_percentile": assessment.learned_percentile,
        "learned_reasons": [reason["text"] for reason in assessment.learned_reasons or []],
        "learned_model": {"id": model.pk, "name": model.name, "version": model.number},
        "learned_selection": assessment.learned_selection,
        "exploration": assessment.exploration,
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


def _explanation_shown(user, hit) -> bool:
    """A hit's explanation carries its criterion's logic (the expected values): shown only to who may read
    the version that fired, and each read of a restricted criterion's is audited."""
    from risk_engine.services import logic_shown

    version = hit.criterion_version
    return logic_shown(actor=user, criterion=version.criterion, version=version, where="assessment")


def assessment_for(user, declaration: Declaration) -> dict[str, Any]:
    from risk_engine.models import Assessment

    version = current_version_of(declaration)
    assessment = (
        # By id (an assessment's id is its version's): one month's partition.
        Assessment.objects.filter(pk=version.pk if version else None)
        .select_related("learned_model")
        .prefetch_related("hits__criterion_version__criterion")
        .first()
    )
    if assessment is None or declaration.screening_status != "screened":
        document = pending_assessment(declaration)
        from risk_engine.models import ScreeningFailure

        if version and ScreeningFailure.objects.filter(version_id=version.pk, resolved_at__isnull=True).exists():
            document["screening_failed"] = True  # isolated as a poison declaration; an engineer is on it
        return document
    visible = [hit for hit in assessment.hits.all() if may_see_hit(user, hit)]
    documents = {hit.pk: hit_document(hit, logic_visible=_explanation_shown(user, hit)) for hit in visible}
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
        "criteria_revision": assessment.criteria_revision,
        **learned_document(assessment, user),
    }
    shadow = [documents[hit.pk] for hit in visible if hit.shadow]
    if shadow and (is_eu_wide_reader(user) or user.role in ("analyst", "risk_manager")):
        document["shadow_hits"] = shadow
    return document


def _entry(user, *, revision, outcome, score, control_type, random_selection, hits, screened_at, changes) -> dict:
    return {
        "criteria_revision": revision,
        "outcome": outcome,
        "score": score,
        "control_type": control_type,
        "random_selection": random_selection,
        "hits": [hit for hit in hits if not hit["shadow"] and may_see_compact_hit(user, hit)],
        "screened_at": screened_at.isoformat(),
        "changes": changes,
    }


def may_see_compact_hit(user, hit: dict) -> bool:
    if hit["scope"] == "eu":
        return True
    return is_eu_wide_reader(user) or user.is_superuser or member_state_of(user) == hit["owner"]


def assessment_history(user, declaration: Declaration) -> list[dict[str, Any]]:
    """Every result the current version has had, oldest first, each with the changes that caused it.

    The first entry's cause is the filing (or amendment) itself; later ones list the criteria changes
    committed between the previous result's revision and theirs that the viewer may see.
    """
    from risk_engine.change_log import visible_changes
    from risk_engine.history import compact_hit
    from risk_engine.models import Assessment, AssessmentRecord

    version = current_version_of(declaration)
    if version is None:
        return []
    results = [
        {
            "revision": record.criteria_revision,
            "outcome": record.outcome,
            "score": record.score,
            "control_type": record.control_type,
            "random_selection": record.random_selection,
            "hits": record.hits,
            "screened_at": record.screened_at,
        }
        for record in AssessmentRecord.objects.filter(version=version).order_by("screened_at", "id")
    ]
    current = Assessment.objects.filter(pk=version.pk).prefetch_related("hits__criterion_version").first()
    if current is not None and declaration.screening_status == "screened":
        hits = [
            compact_hit(
                {
                    "criterion_code": h.criterion_code,
                    "scope": h.scope,
                    "owner_id": h.owner_id,
                    "risk_area": h.risk_area,
                    "outcome": h.outcome,
                    "control_type": h.control_type,
                    "shadow": h.shadow,
                    "items": h.items,
                },
                h.criterion_version.version,
            )
            for h in current.hits.all()
        ]
        results.append(
            {
                "revision": current.criteria_revision,
                "outcome": current.outcome,
                "score": current.score,
                "control_type": current.control_type,
                "random_selection": current.random_selection,
                "hits": hits,
                "screened_at": current.screened_at,
            }
        )
    entries, previous = [], None
    for index, result in enumerate(results):
        if index == 0:
            changes = [{"kind": "declaration.amended" if version.version > 1 else "declaration.filed"}]
        else:
            changes = visible_changes(user, previous, result["revision"])
        entries.append(_entry(user, changes=changes, **result))
        previous = result["revision"]
    return entries
