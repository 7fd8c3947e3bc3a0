"""Who may read which declarations (contract 2.4), in one place.

Users of the Member State of first entry and of the Member State of unloading, the
Commission and EU auditors. A Member State auditor reads what its Member State reads.
Everyone else gets nothing (the API answers 404, never 403, so existence does not leak).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.declarations.current import current_version_of
from crms.declarations.models import Declaration, DeclarationVersion

ALL_MEMBER_STATES = "all"


@dataclass(frozen=True)
class RowScope:
    """The declarations a viewer reads, as a value a stored result can keep (``key``): every one
    (``ALL_MEMBER_STATES``), those of one Member State (first entry or unloading), or none (``""``)."""

    key: str

    @property
    def everything(self) -> bool:
        return self.key == ALL_MEMBER_STATES

    @property
    def member_state(self) -> str | None:
        return None if self.everything or not self.key else self.key

    def covers(self, other: RowScope) -> bool:
        """Whoever reads ``self`` reads every row of ``other`` (a result computed over ``other``)."""
        return self.everything or (bool(self.key) and self.key == other.key)

    def q(self, prefix: str = "") -> Q:
        """The rows as a filter on ``Declaration`` (``prefix`` for a relation, e.g. ``"declaration__"``)."""
        if self.everything:
            return Q()
        if not self.key:
            return Q(pk__in=[])
        return Q(**{f"{prefix}first_entry_member_state_id": self.key}) | Q(
            **{f"{prefix}unloading_member_state_id": self.key}
        )

    def sql(self, alias: str, name: str = "rows") -> tuple[str, dict[str, str]]:
        """The same rows as a SQL condition on a ``declarations_declaration`` alias, with its named parameter."""
        if self.everything:
            return "TRUE", {}
        if not self.key:
            return "FALSE", {}
        condition = (
            f"({alias}.first_entry_member_state_id = %({name})s OR {alias}.unloading_member_state_id = %({name})s)"
        )
        return condition, {name: self.key}


def row_scope_for(user) -> RowScope:
    if not user.is_authenticated:
        return RowScope("")
    if is_eu_wide_reader(user) or user.is_superuser:
        return RowScope(ALL_MEMBER_STATES)
    return RowScope(member_state_of(user) or "")


def declarations_for(user) -> QuerySet[Declaration]:
    return Declaration.objects.filter(row_scope_for(user).q())


def declaration_branches_for(user, first_entry_in: str | None = None) -> list[QuerySet[Declaration]]:
    """``declarations_for`` as disjoint parts that each follow one index (for fast lists).

    ``first_entry_in``: the Member State of first entry a filter already fixes (an office of first entry
    names one). A branch that cannot match it is left out rather than handed to Postgres, which would read
    the office's whole index to prove it empty (650 ms on a year of one office's declarations).
    """
    if not user.is_authenticated:
        return []
    if is_eu_wide_reader(user) or user.is_superuser:
        return [Declaration.objects.all()]
    member_state = member_state_of(user)
    if member_state is None:
        return []
    branches = []
    if first_entry_in in (None, member_state):
        branches.append(Declaration.objects.filter(first_entry_member_state_id=member_state))
    if first_entry_in != member_state:
        branches.append(
            Declaration.objects.filter(unloading_member_state_id=member_state).exclude(
                first_entry_member_state_id=member_state
            )
        )
    return branches


def declaration_for(user, mrn: str) -> Declaration | None:
    return declarations_for(user).select_related("office_of_first_entry").filter(mrn=mrn).first()


def version_of(declaration: Declaration, number: int | None = None) -> DeclarationVersion | None:
    if number is None or number == declaration.current_version:
        return current_version_of(declaration)
    return declaration.versions.filter(version=number).first()


def house_filings_sharing_master(user, declaration: Declaration) -> QuerySet[Declaration]:
    """Multiple filing: the other house-level ENS under the same master transport document."""
    if not declaration.master_document:
        return Declaration.objects.none()
    return (
        declarations_for(user)
        .filter(master_document=declaration.master_document, is_history=declaration.is_history)
        .exclude(pk=declaration.pk)  # imported history is the past, not another filing of this consignment
        .order_by("received_at")
    )
