"""Who may see which criteria (contract section 3), in one place.

- EU criteria: Commission staff, Member State risk staff (analysts, risk managers) and auditors.
  The logic of a restricted EU criterion is shown to the Commission only.
- National profiles: the owning Member State's risk staff and auditors, and the Commission.
- National systems and anyone else: nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from risk_engine.models import Criterion, Scope, WatchList

READERS = {Role.ANALYST, Role.RISK_MANAGER, Role.COMMISSION, Role.COMMISSION_APPROVER, Role.AUDITOR}


def criteria_for(user) -> QuerySet[Criterion]:
    criteria = Criterion.objects.select_related("owner")
    if not user.is_authenticated or (user.role not in READERS and not user.is_superuser):
        return criteria.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return criteria
    return criteria.filter(Q(scope=Scope.EU) | Q(scope=Scope.NATIONAL, owner_id=member_state_of(user)))


def criterion_for(user, code: str) -> Criterion | None:
    return criteria_for(user).filter(code=code).first()


def may_see_logic(user, criterion: Criterion) -> bool:
    if criterion.restricted:
        return user.role in (Role.COMMISSION, Role.COMMISSION_APPROVER) or user.is_superuser
    return True


def watch_lists_for(user) -> QuerySet[WatchList]:
    lists = WatchList.objects.select_related("owner")
    if not user.is_authenticated or (user.role not in READERS and not user.is_superuser):
        return lists.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return lists
    return lists.filter(Q(owner_id="EU") | Q(owner_id=member_state_of(user)))
