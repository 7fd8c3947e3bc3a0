"""The model version document of ``GET /api/v1/models/<id>/`` (contract 6)."""

from __future__ import annotations

from typing import Any

from crms.learning.models import ModelVersion


def model_document(model: ModelVersion) -> dict[str, Any]:
    features = model.features
    return {
        "id": model.pk,
        "name": model.name,
        "version": model.number,
        "member_state": model.member_state_id,
        "scope": "member_state" if model.member_state_id else "eu",
        "status": model.status,
        "training_period": {"from": model.train_from.isoformat(), "to": model.train_to.isoformat()},
        "validation_period": (
            {"from": model.validate_from.isoformat(), "to": model.validate_to.isoformat()}
            if model.validate_from and model.validate_to
            else None
        ),
        "features": features["names"],
        "categorical_features": sorted(features["categorical"]),
        "library": model.library,
        "library_version": model.library_version,
        "params": model.params,
        "training": model.training,
        "evaluation": model.evaluation,
        "created_at": model.created_at.isoformat(),
        "governance": {
            "submitted_by": _name(model.submitted_by),
            "submitted_at": _when(model.submitted_at),
            "approved_by": _name(model.approved_by),
            "approved_at": _when(model.approved_at),
            "shadow_at": _when(model.shadow_at),
            "live_at": _when(model.live_at),
            "retired_at": _when(model.retired_at),
        },
    }


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _when(moment) -> str | None:
    return moment.isoformat() if moment is not None else None
