"""Who may read which declarations (contract 2.4), in one place.

Users of the Member State of first entry and of the Member State of unloading, the
Commission and EU auditors. A Member State auditor reads what its Member State reads.
Everyone else gets nothing (the API answers 404, never 403, so existence does not leak).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crms.accounts.roles import is_eu_wide_reader, member_state_of
from crms.declarations.models import Declaration, DeclarationVersion


def declarations_for(user) -> QuerySet[Declaration]:
    declarations = Declaration.objects.all()
    if not user.is_authenticated:
        return declarations.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return declarations
    member_state = member_state_of(user)
    if member_state is None:
        return declarations.none()
    return declarations.filter(Q(first_entry_member_state_id=member_state) | Q(unloading_member_state_id=member_state))


def declaration_branches_for(user) -> list[QuerySet[Declaration]]:
    """``declarations_for`` as disjoint parts that each follow one index (for fast lists)."""
    if not user.is_authenticated:
        return []
    if is_eu_wide_reader(user) or user.is_superuser:
        return [Declaration.objects.all()]
    member_state = member_state_of(user)
    if member_state is None:
        return []
    return [
        Declaration.objects.filter(first_entry_member_state_id=member_state),
        Declaration.objects.filter(unloading_member_state_id=member_state).exclude(
            first_entry_member_state_id=member_state
        ),
    ]


def declaration_for(user, mrn: str) -> Declaration | None:
    return declarations_for(user).select_related("office_of_first_entry").filter(mrn=mrn).first()


def version_of(declaration: Declaration, number: int | None = None) -> DeclarationVersion | None:
    return declaration.versions.filter(version=declaration.current_version if number is None else number).first()


def house_filings_sharing_master(user, declaration: Declaration) -> QuerySet[Declaration]:
    """Multiple filing: the other house-level ENS under the same master transport document."""
    if not declaration.master_document:
        return Declaration.objects.none()
    return (
        declarations_for(user)
        .filter(master_document=declaration.master_document)
        .exclude(pk=declaration.pk)
        .order_by("received_at")
    )
