"""Reads of the workbench, scoped by organisation and role in one place.

- A case is seen by the users of its queue's Member State (analysts, risk managers,
  auditors) and by EU auditors. The Commission works no queue.
- Decisions and control results of an ENS are read by whoever may read the ENS
  (``declarations_for``): the Member States of first entry and of unloading, the Commission,
  auditors; national systems read those of their own Member State's ENS.
- Information requests are seen by the two Member States in the thread (their staff, auditors and,
  over REST, national systems).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case as Case_
from django.db.models import Count, Q, QuerySet, When
from django.utils import timezone

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from crms.declarations.current import current_version_ids
from crms.declarations.models import Declaration
from crms.declarations.selectors import declarations_for, row_scope_for
from workbench.models import (
    Case,
    CaseState,
    ControlOutcome,
    ControlResult,
    Decision,
    DecisionAction,
    InformationRequest,
    Referral,
    ReferralStatus,
)

QUEUE_READERS = {Role.ANALYST, Role.RISK_MANAGER, Role.AUDITOR}
EXCHANGE_READERS = {Role.ANALYST, Role.RISK_MANAGER, Role.AUDITOR, Role.NATIONAL_SYSTEM}  # systems: REST only


def cases_for(user) -> QuerySet[Case]:
    cases = Case.objects.all()
    if not user.is_authenticated or (user.role not in QUEUE_READERS and not user.is_superuser):
        return cases.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return cases
    return cases.filter(member_state_id=member_state_of(user))


def case_for(user, pk: int) -> Case | None:
    return (
        cases_for(user)
        # Not the version: read by id when used, one month's partition (joined, every month's is planned).
        .select_related("declaration", "office", "claimed_by", "member_state", "forwarded_by__decided_by")
        .filter(pk=pk)
        .first()
    )


def colleagues_of(user) -> QuerySet:
    """The active analysts and risk managers of the user's Member State: who a case may be assigned to."""
    from django.contrib.auth import get_user_model

    member_state = member_state_of(user)
    users = get_user_model().objects.filter(is_active=True, role__in=[Role.ANALYST, Role.RISK_MANAGER])
    if member_state is None:
        return users.none()
    return users.filter(organisation_id=member_state).order_by("username")


@dataclass(frozen=True)
class QueueFilters:
    member_state: str | None = None
    outcome: str = ""
    risk_area: str = ""
    criterion: str = ""
    mode: str = ""
    office: str = ""
    aeo: str = ""  # "yes" / "no" / ""
    hours_left: int | None = None
    mine: bool = False
    origin: str = ""
    sort: str = ""  # a key of SORTS, "-" in front for the other direction; "" is the urgency order


# The columns the queue sorts by (server-side, whitelisted): each key's ascending order, ``id`` last so
# pages never overlap. No key ("") keeps the urgency order of ``queue_tiers``.
SORTS: dict[str, tuple[str, ...]] = {
    "mrn": ("declaration__mrn",),
    "outcome": ("outcome",),
    "score": ("score",),
    "arrival": ("expected_arrival",),
    "mode": ("transport_mode",),
    "office": ("office_id",),
    "claimed": ("claimed_by__username",),
}


def sort_key(typed: str) -> str:
    """The sort the request asks for if it is one of ``SORTS`` (optionally "-" for descending), else ""."""
    return typed if typed.removeprefix("-") in SORTS else ""


def _ordering(sort: str) -> list[str]:
    descending = sort.startswith("-")
    fields = SORTS[sort.removeprefix("-")]
    return [f"-{field}" if descending else field for field in fields] + ["-id" if descending else "id"]


def _criterion_codes(user, typed: str) -> list[str]:
    """Criterion codes the filter's text stands for: case-insensitive prefix of the code of a criterion the
    user may see (another Member State's national profile, carried by a forwarded case, matches nothing)."""
    from risk_engine.selectors import criteria_for

    typed = typed.strip()
    return sorted(criteria_for(user).filter(code__istartswith=typed).values_list("code", flat=True))


def _office_codes(typed: str) -> list[str]:
    """Offices the filter's text stands for: case-insensitive prefix of the code, the name or a word of it."""
    from crms.reference.models import CustomsOffice

    typed = typed.strip()
    match = Q(code__istartswith=typed) | Q(name__istartswith=typed)
    match |= Q(name__icontains=f" {typed}") | Q(name__icontains=f"-{typed}")
    return list(CustomsOffice.objects.filter(match).values_list("code", flat=True))


def filtered_queue(user, filters: QueueFilters, now: dt.datetime) -> QuerySet[Case]:
    """The open cases the filters leave: the rows of the queue and what its counts bar counts."""
    cases = cases_for(user).filter(state=CaseState.OPEN)
    if filters.member_state and (is_eu_wide_reader(user) or user.is_superuser):
        cases = cases.filter(member_state_id=filters.member_state)
    if filters.outcome:
        cases = cases.filter(outcome=filters.outcome)
    if filters.risk_area:
        cases = cases.filter(risk_areas__contains=[filters.risk_area])
    if filters.criterion:
        codes = _criterion_codes(user, filters.criterion)
        cases = cases.filter(criteria__overlap=codes) if codes else cases.none()
    if filters.mode:
        cases = cases.filter(transport_mode=filters.mode)
    if filters.office:
        cases = cases.filter(office_id__in=_office_codes(filters.office))
    if filters.aeo in ("yes", "no"):
        cases = cases.filter(aeo=filters.aeo == "yes")
    if filters.hours_left is not None:
        within = now + dt.timedelta(hours=filters.hours_left)
        cases = cases.filter(expected_arrival__gt=now, expected_arrival__lte=within)
    if filters.mine:
        cases = cases.filter(claimed_by_id=user.pk)
    if filters.origin:
        cases = cases.filter(origin=filters.origin)
    return cases


def urgent_referral(now: dt.datetime) -> Q:
    """A pre-loading referral (request for information, screening, do not load) whose ENS has not arrived."""
    return Q(referral_severity__gt=0, pre_loading=True, expected_arrival__gt=now)


def queue_tiers(cases: QuerySet[Case], now: dt.datetime) -> tuple[QuerySet[Case], ...]:
    """The queue's order, most urgent first, as three ordered tiers (each one index scan, see ``Case``):

    1. pre-loading referrals not yet arrived: by severity (do not load, screening, request for
       information), then expected arrival, then score;
    2. the other cases not yet arrived: by expected arrival, then score;
    3. cases whose ENS has arrived (nothing left to prevent before loading or arrival): the most
       recently arrived first, then score.
    """
    urgent = urgent_referral(now)
    return (
        cases.filter(urgent).order_by("-referral_severity", "expected_arrival", "-score", "id"),
        cases.filter(expected_arrival__gt=now).exclude(urgent).order_by("expected_arrival", "-score", "id"),
        cases.filter(expected_arrival__lte=now).order_by("-expected_arrival", "-score", "id"),
    )


def queue_page(
    user, filters: QueueFilters, *, start: int = 0, size: int = 50, now: dt.datetime | None = None
) -> list[Case]:
    """Rows ``start`` to ``start + size`` of the open queue, most urgent first (``queue_tiers``).

    Reads ids tier by tier, each stopping at the page's end, then the page's cases in one query.
    """
    now = now or timezone.now()
    end, ids = start + size, []
    if filters.sort:
        ordered = filtered_queue(user, filters, now).order_by(*_ordering(filters.sort))
        ids = list(ordered.values_list("id", flat=True)[start:end])
        cases = Case.objects.select_related("declaration", "claimed_by").in_bulk(ids)
        return [cases[pk] for pk in ids if pk in cases]
    for tier in queue_tiers(filtered_queue(user, filters, now), now):
        if len(ids) >= end:
            break
        ids += tier.values_list("id", flat=True)[: end - len(ids)]
    page = ids[start:end]
    cases = Case.objects.select_related("declaration", "claimed_by").in_bulk(page)
    return with_shown_criteria(user, [cases[pk] for pk in page if pk in cases])


def with_shown_criteria(user, cases: list[Case]) -> list[Case]:
    """Each case with ``shown_criteria``: its criteria the user may see (``visible_criterion_codes``)."""
    from risk_engine.selectors import visible_criterion_codes

    visible = set(visible_criterion_codes(user, {code for case in cases for code in case.criteria}))
    for case in cases:
        case.shown_criteria = [code for code in case.criteria if code in visible]
    return cases


def next_case(user, filters: QueueFilters, *, after: int | None = None) -> Case | None:
    """The first open case of the filtered queue, in its order, that the user may take up next:
    not ``after`` (the case just decided) and not held by a colleague."""
    for case in queue_page(user, filters, start=0, size=50):
        if case.pk != after and case.claimed_by_id in (None, user.pk):
            return case
    return None


def queue_counts(user, filters: QueueFilters | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """The counts bar: open cases per outcome, urgent pre-loading referrals, arrivals, forwarded and
    claimed cases, over the cases the active filters leave (the rows below it).

    One pass over the filtered queue (every page and every live refresh reads it): the counts are
    taken per outcome and the totals summed here.
    """
    now = now or timezone.now()
    cases = filtered_queue(user, filters or QueueFilters(), now)
    groups = (
        cases.order_by()
        .values("outcome")
        .annotate(
            total=Count("id"),
            pre_loading=Count("id", filter=urgent_referral(now)),
            forwarded=Count("id", filter=Q(origin="forwarded")),
            claimed=Count("id", filter=Q(claimed_by__isnull=False)),
            arriving_6h=Count(
                "id", filter=Q(expected_arrival__gt=now, expected_arrival__lte=now + dt.timedelta(hours=6))
            ),
            arrived=Count("id", filter=Q(expected_arrival__lte=now)),
        )
    )
    totals = dict.fromkeys(("total", "pre_loading", "forwarded", "claimed", "arriving_6h", "arrived"), 0)
    by_outcome = {}
    for group in groups:
        by_outcome[group["outcome"]] = group["total"]
        for key in totals:
            totals[key] += group[key]
    return {**totals, **{f"outcome_{key}": value for key, value in by_outcome.items()}}


def awaiting_results(user) -> QuerySet[Case]:
    """Decided controls of this Member State with no control result yet (the officers' list)."""
    return (
        cases_for(user)
        .filter(state=CaseState.DECIDED, decision__forwarded_to__isnull=True)
        .exclude(decision__action="dismiss")
        .order_by("expected_arrival", "id")
    )


DECISION_JOINS = ("declaration", "decided_by", "member_state")


def decisions_for(user) -> QuerySet[Decision]:
    """Decisions on ENS the user may read, of the Member State concerned (decider or forwarded to)."""
    decisions = Decision.objects.select_related(*DECISION_JOINS, "version")
    if not user.is_authenticated:
        return decisions.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return decisions
    member_state = member_state_of(user)
    if member_state is None:
        return decisions.none()
    return decisions.filter(Q(member_state_id=member_state) | Q(forwarded_to_id=member_state))


def decisions_on(user, declaration: Declaration) -> QuerySet[Decision]:
    # One declaration's few decisions: their versions read by id (one month's partition), not joined.
    decisions = decisions_for(user).select_related(None).select_related(*DECISION_JOINS).prefetch_related("version")
    return decisions.filter(declaration=declaration).order_by("decided_at", "id")


def control_results_for(user) -> QuerySet[ControlResult]:
    """Control results a user reads: those of its own Member State (it recorded them) and those on the
    declarations it may read; all for EU-wide readers. Figures over control results count these only."""
    results = ControlResult.objects.all()
    rows = row_scope_for(user)
    if rows.everything:
        return results
    if not rows.key:
        return results.none()
    return results.filter(Q(member_state_id=rows.key) | rows.q("declaration__"))


def control_results_on(user, declaration: Declaration) -> QuerySet[ControlResult]:
    if not declarations_for(user).filter(pk=declaration.pk).exists():
        return ControlResult.objects.none()
    return (
        ControlResult.objects.filter(declaration=declaration)
        .select_related("recorded_by", "declaration")
        .prefetch_related("version")  # by id: one month's partition (joined, every month's is planned)
        .order_by("controlled_at", "id")
    )


def information_requests_for(user) -> QuerySet[InformationRequest]:
    requests = InformationRequest.objects.select_related("created_by", "declaration")
    if not user.is_authenticated or (user.role not in EXCHANGE_READERS and not user.is_superuser):
        return requests.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return requests
    member_state = member_state_of(user)
    return requests.filter(Q(requesting_state_id=member_state) | Q(requested_state_id=member_state))


def party_history(user, declaration: Declaration, version, *, limit: int = 20) -> list[dict]:
    """Earlier ENS the user may read with the same consignor or consignee (by EORI or exact name)."""
    eoris = [p.eori for p in version.parties.all() if p.eori and p.role in ("consignor", "consignee")]
    readable = declarations_for(user).exclude(pk=declaration.pk)
    match = Q(consignor_name=declaration.consignor_name) | Q(consignee_name=declaration.consignee_name)
    if eoris:
        match |= Q(pk__in=Declaration.objects.filter(versions__parties__eori__in=eoris).values("pk"))
    earlier = list(
        readable.filter(match)
        .order_by("-received_at")
        .values(
            "id", "mrn", "received_at", "consignor_name", "consignee_name", "transport_mode", "screening_status",
            "current_version_pk", "current_version",
        )[:limit]
    )  # fmt: skip
    ids = [row["id"] for row in earlier]
    from risk_engine.models import Assessment

    # By the current versions' ids (an assessment's id is its version's): the months they are in, not every
    # month's partition.
    current = current_version_ids((row["id"], row["current_version_pk"], row["current_version"]) for row in earlier)
    outcomes = dict(Assessment.objects.filter(pk__in=current.values()).values_list("declaration_id", "outcome"))
    decisions = dict(decisions_for(user).filter(declaration_id__in=ids).values_list("declaration_id", "action"))
    results: dict[int, str] = {}
    for row in ControlResult.objects.filter(declaration_id__in=ids).values("declaration_id", "result"):
        if row["result"] != "no_irregularity" or row["declaration_id"] not in results:
            results[row["declaration_id"]] = row["result"]
    for row in earlier:
        row["outcome"] = outcomes.get(row["id"])
        row["decision"] = decisions.get(row["id"])
        row["control_result"] = results.get(row["id"])
        # labels for people (the codes stay for the badge's colour)
        row["decision_label"] = DecisionAction(row["decision"]).label if row["decision"] else None
        row["control_result_label"] = ControlOutcome(row["control_result"]).label if row["control_result"] else None
    return earlier


# --- ICS2 referrals ---------------------------------------------------------------------------------------------

REFERRAL_READERS = {Role.NATIONAL_SYSTEM, Role.ANALYST, Role.RISK_MANAGER, Role.AUDITOR}


def referrals_for(user) -> QuerySet[Referral]:
    """Referrals on the Member State's ENS: those it made and those its national system must answer.

    National systems, analysts, risk managers and auditors of either Member State; the Commission
    and EU auditors read all (they read every ENS).
    """
    referrals = Referral.objects.select_related("declaration", "version").prefetch_related(
        "questions", "answers__answered_by"
    )
    if not user.is_authenticated:
        return referrals.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return referrals
    member_state = member_state_of(user)
    if member_state is None or user.role not in REFERRAL_READERS:
        return referrals.none()
    return referrals.filter(Q(first_entry_id=member_state) | Q(requested_by_id=member_state))


def referral_for(user, pk: int) -> Referral | None:
    return referrals_for(user).filter(pk=pk).first()


def referrals_awaiting(user, now: dt.datetime, *, limit: int = 50) -> list[Referral]:
    """The queue's referral panel: referrals the user's Member State made and has not closed.

    Answered ones first (the analyst's move), then open ones oldest question first (overdue on top).
    """
    from workbench.referrals import overdue_after

    referrals = referrals_for(user).exclude(status=ReferralStatus.CLOSED)
    member_state = member_state_of(user)
    if member_state is not None:
        referrals = referrals.filter(requested_by_id=member_state)
    rows = list(
        referrals.select_related("case").order_by(
            Case_(When(status=ReferralStatus.ANSWERED, then=0), default=1), "asked_at", "id"
        )[:limit]
    )
    cutoff = now - overdue_after()
    for referral in rows:
        referral.overdue = referral.status == ReferralStatus.OPEN and referral.asked_at <= cutoff
    return rows


def overdue_referral_count(user, now: dt.datetime) -> int:
    from workbench.referrals import overdue_after

    referrals = referrals_for(user).filter(status=ReferralStatus.OPEN, asked_at__lte=now - overdue_after())
    member_state = member_state_of(user)
    if member_state is not None:
        referrals = referrals.filter(requested_by_id=member_state)
    return referrals.count()


def referrals_on(user, declaration: Declaration) -> list[Referral]:
    referrals = referrals_for(user).select_related(None).select_related("declaration").prefetch_related("version")
    return list(referrals.filter(declaration=declaration).order_by("id"))  # versions by id, as decisions_on
