"""Who may read which model version (issue 16), in one place.

A Member State's model: that Member State's staff (analysts, risk managers, auditors) and the
Commission (its staff and auditors). An EU-wide model: the Commission and the staff of every
Member State (analysts, risk managers, auditors: it scores their declarations, so they audit it).
National systems read no model. Anyone else: 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crms.accounts.roles import Role, is_commission, member_state_of
from crms.learning.models import ModelVersion

MEMBER_STATE_READERS = {Role.ANALYST, Role.RISK_MANAGER, Role.AUDITOR}
EU_MODEL_READERS = {Role.ANALYST, Role.RISK_MANAGER, Role.AUDITOR}


def models_for(user) -> QuerySet[ModelVersion]:
    models = ModelVersion.objects.all()
    if not user.is_authenticated:
        return models.none()
    if is_commission(user) or user.is_superuser:
        return models
    member_state = member_state_of(user)
    if member_state is None or user.role not in MEMBER_STATE_READERS:
        return models.none()
    visible = Q(member_state_id=member_state)
    if user.role in EU_MODEL_READERS:
        visible |= Q(member_state__isnull=True)
    return models.filter(visible)


def model_for(user, pk: int) -> ModelVersion | None:
    return models_for(user).filter(pk=pk).first()
