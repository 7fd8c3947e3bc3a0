"""Who may read which audit entries."""

from __future__ import annotations

from django.db.models import QuerySet

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from crms.audit.models import AuditEntry


def audit_entries_for(user) -> QuerySet[AuditEntry]:
    """The Commission reads the whole log; a Member State's risk managers and auditors read
    their own organisation's entries; everyone else reads nothing."""
    entries = AuditEntry.objects.all()
    if is_eu_wide_reader(user) or user.is_superuser:
        return entries
    if member_state_of(user) and user.role in (Role.RISK_MANAGER, Role.AUDITOR):
        return entries.filter(organisation_code=user.organisation_id)
    return entries.none()
