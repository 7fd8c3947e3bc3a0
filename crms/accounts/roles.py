"""Roles of the contract (section 1) and what each may do, in one place.

Views, serializers and selectors ask these helpers instead of comparing role
strings, so the access model can be read (and changed) here alone.
"""

from __future__ import annotations

from django.db import models

COMMISSION_CODE = "EU"


class Role(models.TextChoices):
    NATIONAL_SYSTEM = "national_system", "National customs system"
    ANALYST = "analyst", "Risk analyst"
    RISK_MANAGER = "risk_manager", "Risk manager"
    COMMISSION = "commission", "Commission staff"
    COMMISSION_APPROVER = "commission_approver", "Commission approver"
    AUDITOR = "auditor", "Auditor"


MEMBER_STATE_ROLES = frozenset({Role.NATIONAL_SYSTEM, Role.ANALYST, Role.RISK_MANAGER})
COMMISSION_ROLES = frozenset({Role.COMMISSION, Role.COMMISSION_APPROVER})
# Auditors may sit at the Commission (EU-wide oversight) or in a Member State (national oversight).
ROLES_FOR_COMMISSION_ORG = COMMISSION_ROLES | {Role.AUDITOR}
ROLES_FOR_MEMBER_STATE_ORG = MEMBER_STATE_ROLES | {Role.AUDITOR}
RISK_STAFF_ROLES = frozenset({Role.ANALYST, Role.RISK_MANAGER}) | COMMISSION_ROLES


def roles_allowed_for(org_code: str) -> frozenset[str]:
    return ROLES_FOR_COMMISSION_ORG if org_code == COMMISSION_CODE else ROLES_FOR_MEMBER_STATE_ORG


def is_commission(user) -> bool:
    return bool(user.is_authenticated and user.organisation_id == COMMISSION_CODE)


def is_eu_wide_reader(user) -> bool:
    """Commission staff and Commission auditors read across all Member States."""
    return is_commission(user)


def member_state_of(user) -> str | None:
    """The Member State a user acts for, or None for the Commission and org-less accounts."""
    if not user.is_authenticated or user.organisation_id in (None, COMMISSION_CODE):
        return None
    return user.organisation_id


def is_read_only(user) -> bool:
    return user.role == Role.AUDITOR


def is_risk_staff(user) -> bool:
    return user.role in RISK_STAFF_ROLES
