"""The home page's worklist: what awaits this user, gathered from each app's selectors (their scoping
per organisation and role applies), each item linking to its page.

Approvals wait for someone who may approve (role and organisation) and did not write the version; items
"returned to me" are drafts I wrote whose last approval step was a return or a rejection."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from crms.audit.models import AuditEntry

LIMIT = 20


@dataclass(frozen=True)
class Item:
    label: str
    detail: str
    url: str


@dataclass
class Worklist:
    claimed_cases: list[Item] = field(default_factory=list)
    approvals: list[Item] = field(default_factory=list)
    returned: list[Item] = field(default_factory=list)
    overdue_follow_ups: list[Item] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.claimed_cases or self.approvals or self.returned or self.overdue_follow_ups)


def _claimed_cases(user) -> list[Item]:
    from workbench.models import CaseState
    from workbench.selectors import cases_for

    cases = cases_for(user).filter(claimed_by=user, state=CaseState.OPEN).select_related("declaration")
    return [
        Item(f"Case {case.pk}", case.declaration.mrn, reverse("workbench-case", args=[case.pk]))
        for case in cases.order_by("pk")[:LIMIT]
    ]


def _criteria_waiting(user) -> tuple[list[Item], list[Item]]:
    from risk_engine import services
    from risk_engine.models import Status
    from risk_engine.selectors import versions_readable

    versions = versions_readable(user).filter(status__in=[Status.SUBMITTED, Status.DRAFT]).select_related("criterion")
    approvals, returned = [], []
    for version in versions.order_by("criterion__code")[: LIMIT * 5]:
        criterion, url = version.criterion, reverse("criteria-detail", args=[version.criterion.code])
        wrote_it = services.is_editor(user, version)
        if version.status == Status.SUBMITTED and not wrote_it and services.may_approve(user, criterion):
            approvals.append(Item(f"Criterion {criterion.code} v{version.version}", version.title, url))
        elif version.status == Status.DRAFT and wrote_it:
            sent_back = (
                AuditEntry.objects.filter(
                    object_type="risk_engine.criterion",
                    object_id=str(criterion.pk),
                    action__in=list(services.SEND_BACK.values()),
                    after__version=version.version,
                )
                .order_by("-at", "-id")
                .first()
            )
            if sent_back is not None:
                returned.append(Item(f"Criterion {criterion.code} v{version.version}", sent_back.after["comment"], url))
    return approvals[:LIMIT], returned[:LIMIT]


def _rifs_waiting(user) -> tuple[list[Item], list[Item]]:
    from rif import services
    from rif.models import RifStatus
    from rif.selectors import rifs_for

    approvals, returned = [], []
    for rif in rifs_for(user).filter(status__in=[RifStatus.SUBMITTED, RifStatus.DRAFT]).order_by("reference")[:100]:
        url = reverse("rif-detail", args=[rif.reference])
        if rif.status == RifStatus.SUBMITTED:
            if services.may_approve(user, rif) and services.four_eyes_ok(user, rif):
                approvals.append(Item(f"RIF {rif.reference}", rif.title, url))
            continue
        if not services.is_editor(user, rif):
            continue
        last = (
            AuditEntry.objects.filter(
                object_type=rif._meta.label_lower, object_id=str(rif.pk), action__in=["rif.submitted", "rif.returned"]
            )
            .order_by("-at", "-id")
            .first()
        )
        if last is not None and last.action == "rif.returned":
            returned.append(Item(f"RIF {rif.reference}", (last.after or {}).get("comment", ""), url))
    return approvals[:LIMIT], returned[:LIMIT]


def _overdue_follow_ups(user) -> list[Item]:
    from crms.accounts.roles import member_state_of
    from rif.selectors import overdue_follow_ups

    rows = overdue_follow_ups(user)
    mine = member_state_of(user)
    if mine:  # what awaits me: the feedback my Member State owes
        rows = rows.filter(member_state_id=mine)
    return [
        Item(
            f"RIF {row.rif.reference}",
            f"feedback from {row.member_state_id} overdue",
            reverse("rif-detail", args=[row.rif.reference]),
        )
        for row in rows[:LIMIT]
    ]


def worklist_for(user) -> Worklist:
    """Everything that awaits ``user``, each list at most ``LIMIT`` items."""
    criteria_approvals, criteria_returned = _criteria_waiting(user)
    rif_approvals, rifs_returned = _rifs_waiting(user)
    return Worklist(
        claimed_cases=_claimed_cases(user),
        approvals=criteria_approvals + rif_approvals,
        returned=criteria_returned + rifs_returned,
        overdue_follow_ups=_overdue_follow_ups(user),
    )


def open_crises(user) -> list[Item]:
    """Open crisis alerts this user receives (the banner on every page)."""
    from rif.models import CrisisStatus
    from rif.selectors import crises_for

    crises = crises_for(user).filter(status=CrisisStatus.OPEN).order_by("-pk")[:5]
    return [Item(crisis.title, "", reverse("crisis-detail", args=[crisis.pk])) for crisis in crises]
