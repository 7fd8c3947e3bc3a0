"""Demo users: the Commission and three Member States, one user per role, and a second risk manager
per Member State so that a national profile or model one of them submits can be approved by the
other (four-eyes) in the demo."""

from __future__ import annotations

from crms.accounts.roles import ROLES_FOR_COMMISSION_ORG, ROLES_FOR_MEMBER_STATE_ORG, Role
from crms.accounts.services import set_up_user

DEMO_MEMBER_STATES = ("FR", "NL", "DE")
# A former participant, to show that its users are refused at login.
DEMO_FORMER_PARTICIPANT = "GB"


def demo_usernames() -> list[tuple[str, str, str]]:
    """(username, organisation, role) for every demo account, in display order."""
    accounts = [(f"eu_{role}", "EU", role) for role in Role.values if role in ROLES_FOR_COMMISSION_ORG]
    for code in DEMO_MEMBER_STATES:
        accounts += [
            (f"{code.lower()}_{role}", code, role) for role in Role.values if role in ROLES_FOR_MEMBER_STATE_ORG
        ]
        accounts.append((f"{code.lower()}_risk_manager_2", code, Role.RISK_MANAGER))
    accounts.append((f"{DEMO_FORMER_PARTICIPANT.lower()}_analyst", DEMO_FORMER_PARTICIPANT, Role.ANALYST))
    return accounts


def load_demo_users(*, password: str) -> list[tuple[str, str, str, str | None]]:
    """Create or refresh every demo account; returns (username, org, role, token)."""
    created = []
    for username, org, role in demo_usernames():
        result = set_up_user(
            username=username, org_code=org, role=role, password=password, with_token=role == Role.NATIONAL_SYSTEM
        )
        created.append((username, org, role, result.token))
    return created
