"""Creating and changing users. Every change is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from crms.accounts.models import Organisation, User
from crms.accounts.roles import Role, roles_allowed_for
from crms.audit.services import record


@dataclass(frozen=True)
class UserSetUp:
    user: User
    created: bool
    token: str | None


def _snapshot(user: User) -> dict:
    return {"organisation": user.organisation_id, "role": user.role, "is_active": user.is_active}


@transaction.atomic
def set_up_user(
    *,
    username: str,
    org_code: str,
    role: str,
    password: str | None = None,
    with_token: bool = False,
    actor: User | None = None,
) -> UserSetUp:
    """Create the user, or update organisation, role and password of an existing one.

    The token, once made, stays the same on later calls so scripts can re-run safely.
    """
    org_code = org_code.upper()
    try:
        organisation = Organisation.objects.get(code=org_code)
    except Organisation.DoesNotExist:
        raise ValidationError(
            {"org": f"Unknown organisation {org_code!r}: use a participant code (FR, NL, ...) or EU."}
        ) from None
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}: one of {', '.join(Role.values)}."})
    if role not in roles_allowed_for(org_code):
        raise ValidationError(
            {
                "role": f"Role {role!r} does not exist in organisation {org_code}: "
                f"use one of {', '.join(sorted(roles_allowed_for(org_code)))}."
            }
        )

    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    before = None if created else _snapshot(user)
    if created:
        user = User(username=username)
        if password is None:
            user.set_unusable_password()  # machine accounts authenticate by token only
    user.organisation = organisation
    user.role = role
    if password is not None:
        user.set_password(password)
    user.save()

    token = Token.objects.get_or_create(user=user)[0].key if with_token else None
    record(
        actor=actor,
        action="user.created" if created else "user.updated",
        obj=user,
        object_repr=user.username,
        before=before,
        after=_snapshot(user),
    )
    return UserSetUp(user=user, created=created, token=token)


@transaction.atomic
def revoke_token(*, actor, user: User) -> bool:
    """Delete the user's API token (it answers 401 from now on). ``add_user --token`` issues a new one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        record(actor=actor, action="user.token_revoked", obj=user, after={"username": user.get_username()})
    return bool(deleted)
