"""Who may read which audit entries, and which entries' before/after a reader may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from crms.audit.models import AuditEntry

CRITERION_TYPE = "risk_engine.criterion"


def audit_entries_for(user) -> QuerySet[AuditEntry]:
    """The Commission reads the whole log; a Member State's risk managers and auditors read
    their own organisation's entries; everyone else reads nothing."""
    entries = AuditEntry.objects.all()
    if is_eu_wide_reader(user) or user.is_superuser:
        return entries
    if member_state_of(user) and user.role in (Role.RISK_MANAGER, Role.AUDITOR):
        return entries.filter(organisation_code=user.organisation_id)
    return entries.none()


def history_for(user, object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    """One object's entries, as far as the viewer may read the log (the per-object History tab)."""
    return audit_entries_for(user).filter(object_type=object_type, object_id=str(object_id))


def _carries_restricted_flag(snapshot) -> bool:
    return isinstance(snapshot, dict) and snapshot.get("restricted") is True


def withheld_entry_ids(user, entries: Iterable[AuditEntry]) -> set[int]:
    """Entries whose before/after would show restricted criteria logic to someone who may not read it
    (``risk_engine.selectors`` decides both who reads and which criteria are restricted): an entry on a
    criterion that is restricted now, or whose snapshot was of a restricted version."""
    from risk_engine.selectors import may_read_restricted_logic, restricted_criterion_ids

    entries = list(entries)
    if may_read_restricted_logic(user):
        return set()
    on_criteria = [e for e in entries if e.object_type == CRITERION_TYPE and e.object_id.isdigit()]
    restricted = restricted_criterion_ids(int(e.object_id) for e in on_criteria)
    return {
        e.pk
        for e in on_criteria
        if int(e.object_id) in restricted or _carries_restricted_flag(e.before) or _carries_restricted_flag(e.after)
    }
