"""The assessment document of contract 2.4, for the declaration's current version.

Until the risk engine has screened the current version the status is ``pending``.
"""

from __future__ import annotations

from typing import Any

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


def assessment_for(user, declaration: Declaration) -> dict[str, Any]:
    return pending_assessment(declaration)
