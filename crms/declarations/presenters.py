"""How a declaration reads back over the API: the version as filed plus derived fields."""

from __future__ import annotations

from typing import Any

from crms.declarations import selectors
from crms.declarations.models import Declaration, DeclarationVersion


def declaration_document(user, declaration: Declaration, version: DeclarationVersion) -> dict[str, Any]:
    versions = declaration.versions.order_by("version").values_list("version", "filed_at")
    base = f"/api/v1/declarations/{declaration.mrn}/"
    return {
        **version.body,
        "mrn": declaration.mrn,
        "version": version.version,
        "first_entry_member_state": version.first_entry_member_state_id,
        "unloading_member_state": version.unloading_member_state_id,
        "received_at": declaration.received_at.isoformat(),
        "versions": [
            {"version": number, "filed_at": filed_at.isoformat(), "url": f"{base}?version={number}"}
            for number, filed_at in versions
        ],
        "house_filings": list(
            selectors.house_filings_sharing_master(user, declaration).values_list("mrn", flat=True)[:200]
        ),
    }


def declaration_summary(declaration: Declaration) -> dict[str, Any]:
    """One row of the declarations list."""
    return {
        "mrn": declaration.mrn,
        "lrn": declaration.lrn,
        "version": declaration.current_version,
        "received_at": declaration.received_at.isoformat(),
        "transport_mode": declaration.transport_mode,
        "phase": declaration.phase,
        "filing_type": declaration.filing_type,
        "office_of_first_entry": declaration.office_of_first_entry_id,
        "first_entry_member_state": declaration.first_entry_member_state_id,
        "unloading_member_state": declaration.unloading_member_state_id,
        "expected_arrival": declaration.expected_arrival.isoformat(),
        "item_count": declaration.item_count,
        "screening_status": declaration.screening_status,
        "url": f"/api/v1/declarations/{declaration.mrn}/",
    }
