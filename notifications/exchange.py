"""Events of the information exchange (RIFs, criteria, crises, PCAs), one function per event type, called
by each area's service inside its transaction, so the areas need not know the event format."""

from __future__ import annotations

from typing import Any

from notifications.events import emit
from notifications.models import EventType


def rif_published(rif: Any, recipients: list[str]) -> None:
    """To the author organisation and each recipient; content for people only unless ``crms_restricted``."""
    emit(
        EventType.RIF_PUBLISHED,
        member_states=[rif.organisation_id, *recipients],
        url=f"/api/v1/rifs/{rif.reference}/",
        subject=rif.reference,
        people_only=rif.handling != "crms_restricted",
        occurred_at=rif.published_at,
        data={
            "reference": rif.reference,
            "title": rif.title,
            "handling": rif.handling,
            "organisation": rif.organisation_id,
            "risk_area": rif.risk_area_id,
            "published_at": rif.published_at.isoformat(),
        },
    )


def criterion_changed(criterion: Any, version: Any, *, status: str, superseded: int | None = None) -> None:
    """An EU criterion concerns every participant; a national profile its owner only."""
    from rif.services import participants
    from risk_engine.models_revision import current_revision

    member_states = participants() if criterion.scope == "eu" else [criterion.owner_id]
    emit(
        EventType.CRITERION_CHANGED,
        member_states=member_states,
        url=f"/api/v1/criteria/{criterion.code}/",
        subject=criterion.code,
        data={
            "code": criterion.code,
            "scope": criterion.scope,
            "version": version.version,
            "status": status,
            "superseded_version": superseded,
            "criteria_revision": current_revision(),
        },
    )


def crisis_opened(crisis: Any) -> None:
    from rif.services import participants

    emit(
        EventType.CRISIS_OPENED,
        member_states=participants(),
        url=f"/api/v1/crises/{crisis.pk}/",
        subject=crisis.reference,
        occurred_at=crisis.opened_at,
        data={
            "reference": crisis.reference,
            "title": crisis.title,
            "risk_area": crisis.risk_area_id,
            "opened_at": crisis.opened_at.isoformat(),
        },
    )


def pca_designated(pca: Any) -> None:
    emit(
        EventType.PCA_DESIGNATED,
        member_states=pca.participants,
        url=f"/api/v1/pcas/{pca.pk}/",
        subject=pca.reference,
        data={
            "reference": pca.reference,
            "title": pca.title,
            "risk_area": pca.risk_area_id,
            "participants": pca.participants,
            "starts_at": pca.starts_at.isoformat(),
            "ends_at": pca.ends_at.isoformat(),
        },
    )
