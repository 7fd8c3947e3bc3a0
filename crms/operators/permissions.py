"""Who may change the operator / AEO registry, in one place.

Everyone who may enter the "operators" area reads the whole registry. Changing it:

* Commission staff (``commission``, ``commission_approver``) change everything,
  including the third-country authorisations recognised under an MRA;
* a risk manager changes, for their Member State, the operators established there
  (country = their Member State) and the authorisations it issued;
* analysts, auditors and national systems never change it.
"""

from __future__ import annotations

from crms.accounts.roles import COMMISSION_ROLES, Role, member_state_of
from crms.core.navigation import AREAS_BY_KEY
from crms.operators.models import AeoAuthorisation, Operator


def may_edit(user, target: Operator | AeoAuthorisation | None = None) -> bool:
    """May ``user`` change ``target``? With no target: may the user change anything at all.

    For an authorisation (saved or about to be), what counts is its issuing country;
    for an operator, its country.
    """
    if user is None or not AREAS_BY_KEY["operators"].allows(user):
        return False
    if user.is_superuser or user.role in COMMISSION_ROLES:
        return True
    if user.role != Role.RISK_MANAGER:
        return False
    member_state = member_state_of(user)
    if member_state is None:
        return False
    if target is None:
        return True
    if isinstance(target, AeoAuthorisation):
        return target.issuing_country_id == member_state
    return target.country_id == member_state


def editable_country(user) -> str | None:
    """The only country a user's edits may name, or None when any country is allowed."""
    if user.is_superuser or user.role in COMMISSION_ROLES:
        return None
    return member_state_of(user)
