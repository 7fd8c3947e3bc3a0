"""Raising a flag: Commission experts only, a note required, audited in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from analysis.models import Flag
from analysis.selectors import may_flag, responsible_member_state
from crms.audit.services import record
from crms.declarations.models import Declaration

NOTE_MAX = 2000


class FlagRefused(ValueError):
    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


@transaction.atomic
def raise_flag(*, actor, declaration: Declaration, note: str, criterion_code: str = "") -> Flag:
    """Flag ``declaration`` for the Member State responsible for it, with ``note`` for its analysts."""
    if not may_flag(actor):
        raise FlagRefused(403, "", "Only Commission experts flag declarations.")
    note = (note or "").strip()
    if not note:
        raise FlagRefused(400, "note", "Write a note for the Member State: what should it look at?")
    if len(note) > NOTE_MAX:
        raise FlagRefused(400, "note", f"At most {NOTE_MAX} characters.")
    flag = Flag.objects.create(
        declaration=declaration,
        member_state_id=responsible_member_state(declaration),
        criterion_code=(criterion_code or "").strip()[:40],
        note=note,
        flagged_by=actor,
        flagged_at=timezone.now(),
    )
    record(
        actor=actor,
        action="analysis.flag_raised",
        obj=flag,
        object_repr=f"{declaration.mrn} for {flag.member_state_id}",
        after={"mrn": declaration.mrn, "member_state": flag.member_state_id, "note": note},
    )
    return flag


def flag_document(flag: Flag) -> dict:
    """A flag as REST shows it."""
    return {
        "id": flag.pk,
        "mrn": flag.declaration.mrn,
        "member_state": flag.member_state_id,
        "criterion": flag.criterion_code or None,
        "note": flag.note,
        "flagged_by": flag.flagged_by.username,
        "flagged_at": flag.flagged_at.isoformat(),
    }
