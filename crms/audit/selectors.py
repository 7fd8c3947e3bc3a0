"""Who may read which audit entries, how they read them, and which entries' before/after a reader may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from crms.audit.models import AuditEntry

CRITERION = "risk_engine.criterion"
LOGIC_KEYS = ("condition", "description")  # a criterion snapshot's logic (risk_engine.services.snapshot)
NOT_SHOWN = "(restricted logic: not shown to you)"
CRITERION_TYPE = CRITERION


def audit_entries_for(user) -> QuerySet[AuditEntry]:
    """The Commission reads the whole log; a Member State's risk managers and auditors read
    their own organisation's entries, never the drafting record of an EU criterion (contract v2 section 3:
    EU drafts are the Commission's; ``risk_engine.selectors.eu_drafting_entries``); everyone else reads nothing."""
    from risk_engine.selectors import eu_drafting_entries

    entries = AuditEntry.objects.all()
    if is_eu_wide_reader(user) or user.is_superuser:
        return entries
    if member_state_of(user) and user.role in (Role.RISK_MANAGER, Role.AUDITOR):
        drafting = eu_drafting_entries(user)
        entries = entries.filter(organisation_code=user.organisation_id)
        return entries if drafting is None else entries.exclude(drafting)
    return entries.none()


def _has_logic(snapshot: Any) -> bool:
    return isinstance(snapshot, dict) and any(key in snapshot for key in LOGIC_KEYS)


def entries_as_shown(user, entries: Iterable[AuditEntry], *, record_reads: bool = True) -> list[AuditEntry]:
    """The entries with ``shown_before`` / ``shown_after``: a restricted criterion's logic in a snapshot only
    for who may read that version's logic (``risk_engine.selectors.may_see_restricted_logic``, contract v2 section 3),
    otherwise a notice; each restricted criterion whose logic is shown leaves one read in the log."""
    from risk_engine.models import Criterion, CriterionVersion
    from risk_engine.selectors import may_see_restricted_logic
    from risk_engine.services import record_logic_read

    entries = list(entries)
    ids = {
        int(entry.object_id)
        for entry in entries
        if entry.object_type == CRITERION
        and entry.object_id.isdigit()
        and (_has_logic(entry.before) or _has_logic(entry.after))
    }
    criteria = Criterion.objects.in_bulk(ids)
    versions = {(v.criterion_id, v.version): v for v in CriterionVersion.objects.filter(criterion_id__in=ids)}
    read: dict[int, Criterion] = {}

    def shown(entry: AuditEntry, snapshot: Any) -> Any:
        if not _has_logic(snapshot) or entry.object_type != CRITERION:
            return snapshot
        criterion = criteria.get(int(entry.object_id)) if entry.object_id.isdigit() else None
        if criterion is None:  # a criterion we cannot place: its logic is not shown
            return {**snapshot, **{key: NOT_SHOWN for key in LOGIC_KEYS if key in snapshot}}
        if not (criterion.restricted or snapshot.get("restricted") is True):
            return snapshot
        # Restricted then (the snapshot says so) or now: either way the rule for restricted logic applies.
        if may_see_restricted_logic(user, criterion, versions.get((criterion.pk, snapshot.get("version")))):
            read[criterion.pk] = criterion
            return snapshot
        return {**snapshot, **{key: NOT_SHOWN for key in LOGIC_KEYS if key in snapshot}}

    for entry in entries:
        entry.shown_before, entry.shown_after = shown(entry, entry.before), shown(entry, entry.after)
    for criterion in read.values() if record_reads else ():
        record_logic_read(actor=user, criterion=criterion, where="audit log")
    return entries


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
