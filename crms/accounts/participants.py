"""What people type for a Member State ("France", "FR", "fra") read as its participant code.

Filters named ``member_state`` used to upper-case and cut the text, so "France" became "FRA" and showed an
empty dashboard; they read it here instead and name the field when nothing matches (issue 14).
"""

from __future__ import annotations

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE


class UnknownMemberState(ValueError):
    """The text names no participating Member State; the message says so in plain words."""

    def __init__(self, field: str, text: str):
        self.field = field
        super().__init__(
            f"Member State: “{text[:40]}” is not a participating Member State; type its name or code (France, FR)."
        )


def member_states() -> list[Organisation]:
    """Every participant but the Commission, for the choices offered next to the box."""
    return list(Organisation.objects.exclude(code=COMMISSION_CODE).order_by("name"))


def read_member_state(text: str | None, *, field: str = "member_state") -> str | None:
    """The participant code for a code, an ISO 3166 alpha-3 code or a name (any case); None when empty."""
    from crms.reference.models import Country

    typed = (text or "").strip()
    if not typed:
        return None
    participants = Organisation.objects.exclude(code=COMMISSION_CODE)
    found = participants.filter(code__iexact=typed).values_list("code", flat=True).first()
    if found is None:
        found = participants.filter(name__iexact=typed).values_list("code", flat=True).first()
    if found is None and len(typed) == 3:
        iso2 = Country.objects.filter(iso3__iexact=typed).values_list("iso2", flat=True).first()
        found = participants.filter(code=iso2).values_list("code", flat=True).first() if iso2 else None
    if found is None:
        iso2 = Country.objects.filter(name__iexact=typed).values_list("iso2", flat=True).first()
        found = participants.filter(code=iso2).values_list("code", flat=True).first() if iso2 else None
    if found is None:
        raise UnknownMemberState(field, typed)
    return found
