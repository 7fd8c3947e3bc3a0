"""Who may see which criteria (contract section 3), in one place.

- EU criteria: Commission staff, Member State risk staff (analysts, risk managers), auditors and national
  systems; outside the Commission only once a version was published, and then only its published-once
  versions (``reads_eu_drafts``, ``versions_readable``).
- Drafts and submitted versions of EU criteria (returned and rejected ones are drafts again): the
  Commission only (contract v2 section 3), i.e. users of the Commission organisation; its auditors
  read them as auditors read everything else (never restricted logic). Every read path (list, page,
  diff, history, backtests, REST, feed, exports, builder, audit log, worklist, code look-ups) takes
  criteria from ``criteria_for`` and versions from ``versions_readable`` / ``versions_for``.
- National profiles: the owning Member State's risk staff, auditors and national system, and the Commission.
- Logic of a restricted criterion (contract v2 section 3, ``may_see_logic``): the Commission (every
  version), Member State risk staff and national systems (versions that were published); auditors
  and anyone else never. Every read of it is audited (``risk_engine.services.logic_shown``).
- Derived views over criteria (backtests, the workbench's criterion filter) use the same rules:
  ``criteria_readable_in``, ``visible_criterion_codes``, ``backtests_for``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, F, Func, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from crms.accounts.roles import COMMISSION_ROLES, Role, is_commission, is_eu_wide_reader, member_state_of
from crms.core import formatting
from crms.declarations.selectors import RowScope, row_scope_for
from risk_engine.models import Assessment, Criterion, CriterionVersion, Hit, Scope, Status, WatchList, WatchListEntry
from risk_engine.models_backtest import Backtest

READERS = {
    Role.ANALYST,
    Role.RISK_MANAGER,
    Role.COMMISSION,
    Role.COMMISSION_APPROVER,
    Role.AUDITOR,
    Role.NATIONAL_SYSTEM,
}
# Contract v2 section 3: restricted logic of published EU criteria is for the Commission, Member State risk
# staff and national systems (so national engines can implement it); never for auditors or anyone else.
RESTRICTED_LOGIC_READERS = frozenset({Role.ANALYST, Role.RISK_MANAGER, Role.NATIONAL_SYSTEM})
PUBLISHED_ONCE = frozenset({Status.PUBLISHED, Status.SUPERSEDED, Status.RETIRED})


OPEN = (Status.DRAFT, Status.SUBMITTED)


def reads_eu_drafts(user) -> bool:
    """Contract v2 section 3: drafts and submitted versions of EU criteria are the Commission's alone
    (its staff, and its auditors, who read everything but restricted logic); Member State staff, auditors
    and national systems read an EU criterion's versions that were published."""
    return bool(user.is_authenticated and (user.is_superuser or is_commission(user)))


def _published_once() -> Exists:
    return Exists(CriterionVersion.objects.filter(criterion=OuterRef("pk"), status__in=PUBLISHED_ONCE))


def _readable_criteria(member_state: str | None) -> Q:
    """Criteria readable where ``member_state`` reads (None: everywhere, the Commission): the EU criteria that
    were ever published (an EU draft is the Commission's) and the Member State's own profiles."""
    if member_state is None:
        return Q()
    return (Q(scope=Scope.EU) & _published_once()) | Q(scope=Scope.NATIONAL, owner_id=member_state)


def _version_rule(user) -> Q:
    """The versions (of criteria ``user`` sees) that ``user`` reads: all for the Commission; elsewhere an EU
    criterion's published-once versions and every version of the own Member State's profiles."""
    if reads_eu_drafts(user):
        return Q()
    return Q(criterion__scope=Scope.NATIONAL) | Q(status__in=PUBLISHED_ONCE)


def criteria_for(user) -> QuerySet[Criterion]:
    """Contract v2 section 3: the Commission (and superusers) everything; a Member State's people (risk staff,
    auditors, national system) the EU criteria that were ever published and the Member State's own profiles."""
    criteria = Criterion.objects.select_related("owner")
    if not user.is_authenticated or (user.role not in READERS and not user.is_superuser):
        return criteria.none()
    if reads_eu_drafts(user):
        return criteria
    return criteria.filter(_readable_criteria(member_state_of(user)))


def versions_readable(user) -> QuerySet[CriterionVersion]:
    """Every criterion version ``user`` reads (of every criterion ``user`` sees), in one query."""
    return CriterionVersion.objects.filter(_version_rule(user), criterion__in=criteria_for(user))


def versions_for(user, criterion: Criterion) -> QuerySet[CriterionVersion]:
    """The versions of ``criterion`` ``user`` reads (``criterion`` is one ``criteria_for`` gave)."""
    return criterion.versions.filter(_version_rule(user))


def version_readable(user, version: CriterionVersion) -> bool:
    """Whether ``user`` reads ``version`` (given that it sees the criterion): the rule of ``_version_rule``."""
    return _reads_version(user, version.criterion, version)


def _reads_version(user, criterion: Criterion, version: CriterionVersion) -> bool:
    return reads_eu_drafts(user) or criterion.scope != Scope.EU or version.status in PUBLISHED_ONCE


def versions_shown(user, criterion: Criterion, versions: list[CriterionVersion]) -> list[CriterionVersion]:
    """Of ``versions`` (of ``criterion``), those ``user`` reads (``version_readable``)."""
    if reads_eu_drafts(user) or criterion.scope != Scope.EU:
        return versions
    return [version for version in versions if version.status in PUBLISHED_ONCE]


def working_version_for(user, criterion: Criterion) -> CriterionVersion | None:
    """The version an editor starts from, or an export shows, among those ``user`` reads: the open one if
    any, else the newest."""
    versions = versions_for(user, criterion)
    return versions.filter(status__in=OPEN).first() or versions.order_by("-version").first()


def backtested_version_for(user, criterion: Criterion) -> CriterionVersion | None:
    """The version a backtest of ``criterion`` by ``user`` covers: the open one if ``user`` reads it, else the
    published one (a Member State analyst backtests what runs, never an EU draft)."""
    versions = versions_for(user, criterion).select_related("criterion")
    return versions.filter(status__in=OPEN).first() or versions.filter(status=Status.PUBLISHED).first()


def hidden_versions(user, criterion_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(criterion id, version number) of the versions of these criteria ``user`` may not read (EU drafts
    outside the Commission): what the audit log leaves out of entries about them."""
    if reads_eu_drafts(user):
        return set()
    rows = CriterionVersion.objects.filter(criterion_id__in=list(criterion_ids), criterion__scope=Scope.EU)
    return set(rows.exclude(status__in=PUBLISHED_ONCE).values_list("criterion_id", "version"))


# The drafting record of a criterion: entries about versions before they were published (their snapshots are
# drafts, even of a version published since, and their comments speak of them).
DRAFTING_ACTIONS = frozenset(
    {
        "criterion.draft_created",
        "criterion.draft_updated",
        "criterion.submitted",
        "criterion.returned",
        "criterion.rejected",
        "criterion.promotion_requested",
    }
)
CRITERION_OBJECT = "risk_engine.criterion"


def eu_drafting_entries(user) -> Q | None:
    """Audit entries (``crms.audit.AuditEntry``) ``user`` may not read because they record the drafting of
    an EU criterion, or name a version of it ``user`` does not read; None when ``user`` reads them all."""
    if reads_eu_drafts(user):
        return None
    eu_ids = Criterion.objects.filter(scope=Scope.EU).annotate(text_id=Cast("pk", CharField())).values("text_id")
    hidden = CriterionVersion.objects.filter(criterion__scope=Scope.EU).exclude(status__in=PUBLISHED_ONCE)
    # jsonb against jsonb: a snapshot whose "version" is not a number simply matches nothing.
    as_json = Func(F("version"), function="to_jsonb", output_field=JSONField())
    names_hidden = Exists(
        hidden.annotate(text_id=Cast("criterion_id", CharField()), json_version=as_json).filter(
            text_id=OuterRef("object_id"), json_version=OuterRef("after__version")
        )
    )
    about_eu = Q(object_type=CRITERION_OBJECT, object_id__in=eu_ids)
    return about_eu & (Q(action__in=DRAFTING_ACTIONS) | names_hidden)


def criterion_entries_readable(user, criterion: Criterion, entries: Iterable) -> list:
    """Of ``entries`` (audit entries about ``criterion``), those ``user`` may read (``eu_drafting_entries``)."""
    entries = list(entries)
    if reads_eu_drafts(user) or criterion.scope != Scope.EU:
        return entries
    hidden = {number for _pk, number in hidden_versions(user, [criterion.pk])}

    def names_hidden(entry) -> bool:
        return any(isinstance(side, dict) and side.get("version") in hidden for side in (entry.before, entry.after))

    return [entry for entry in entries if entry.action not in DRAFTING_ACTIONS and not names_hidden(entry)]


def criterion_for(user, code: str) -> Criterion | None:
    return criteria_for(user).filter(code=code).first()


def criteria_readable_in(rows: RowScope, codes: Iterable[str]) -> dict[str, bool]:
    """Of ``codes``, those readable by whoever reads ``rows`` (a derived result's rows): code -> restricted."""
    if not rows.key:
        return {}
    criteria = Criterion.objects.filter(code__in=list(codes)).filter(_readable_criteria(rows.member_state))
    pairs = list(criteria.values_list("id", "code"))
    restricted = restricted_criterion_ids(pk for pk, _code in pairs)
    return {code: pk in restricted for pk, code in pairs}


def visible_criterion_codes(user, codes: Iterable[str]) -> list[str]:
    """Of ``codes`` (e.g. a case's criteria), those ``user`` may see, in their order: a forwarded case
    carries the forwarding Member State's national profiles, which the receiving one may not see."""
    codes = list(codes)
    if not codes:
        return []
    visible = set(criteria_for(user).filter(code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code in visible]


def reads_restricted_logic(user) -> bool:
    """Whether ``user``'s role reads restricted logic at all (of published versions at least)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.role in COMMISSION_ROLES or user.role in RESTRICTED_LOGIC_READERS


def may_see_logic(user, criterion: Criterion, version: CriterionVersion | None = None) -> bool:
    """May ``user`` read the logic (condition, description) of ``version`` of ``criterion`` (None: its
    published versions), given that it may see the criterion? Contract v2 section 3, in one place.
    Restriction belongs to the version (an earlier restricted version stays restricted after a later
    one lifted it); without a version, the criterion's current restriction counts. A version ``user``
    does not read at all (an EU draft outside the Commission) shows no logic either."""
    if version is not None and not _reads_version(user, criterion, version):
        return False
    restricted = version.restricted if version is not None else criterion.restricted
    return not restricted or may_see_restricted_logic(user, criterion, version)


def may_see_restricted_logic(user, criterion: Criterion, version: CriterionVersion | None = None) -> bool:
    """The rule for logic known to be restricted: the Commission every version; Member State risk staff and
    national systems versions that were published; auditors and anyone else never."""
    if not reads_restricted_logic(user):
        return False
    if user.is_superuser or user.role in COMMISSION_ROLES:
        return True
    if version is None:
        return criterion.versions.filter(status__in=PUBLISHED_ONCE).exists()
    return version.status in PUBLISHED_ONCE  # drafts of EU criteria are for the Commission


def backtests_for(user, criterion: Criterion) -> QuerySet[Backtest]:
    """Backtests of ``criterion`` whose every row ``user`` reads: computed over all Member States (or stored
    before rows were kept) only for EU-wide readers, over one Member State's for its own users; and only of
    versions ``user`` reads (a backtest of an EU draft is the Commission's)."""
    backtests = Backtest.objects.filter(criterion_version__in=versions_for(user, criterion))
    rows = row_scope_for(user)
    if rows.everything:
        return backtests
    if not rows.key:
        return backtests.none()
    return backtests.filter(params__rows=rows.key)


def may_read_restricted_logic(user) -> bool:
    """Whether the role reads restricted logic at all (of published versions at least)."""
    return reads_restricted_logic(user)


def may_see_version_logic(user, version: CriterionVersion) -> bool:
    """A version's own logic (``may_see_logic`` for that version)."""
    return may_see_logic(user, version.criterion, version)


def restricted_criterion_ids(criterion_ids: Iterable[int]) -> set[int]:
    """Of these criteria, those whose logic is restricted (``Criterion.restricted``'s rule, in one query)."""
    ids = list(criterion_ids)
    open_or_published = Q(status__in=[Status.PUBLISHED, Status.DRAFT, Status.SUBMITTED])
    flagged = set(
        CriterionVersion.objects.filter(open_or_published, criterion_id__in=ids, restricted=True).values_list(
            "criterion_id", flat=True
        )
    )
    newest = CriterionVersion.objects.filter(criterion=OuterRef("criterion")).order_by("-version").values("version")
    unpublished_newest = (
        CriterionVersion.objects.filter(criterion_id__in=ids, restricted=True, version=Subquery(newest[:1]))
        .exclude(criterion__versions__status=Status.PUBLISHED)
        .values_list("criterion_id", flat=True)
    )
    return flagged | set(unpublished_newest)


def watch_lists_for(user) -> QuerySet[WatchList]:
    lists = WatchList.objects.select_related("owner")
    if not user.is_authenticated or (user.role not in READERS and not user.is_superuser):
        return lists.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return lists
    return lists.filter(Q(owner_id="EU") | Q(owner_id=member_state_of(user)))


def watch_list_for(user, code: str) -> WatchList | None:
    return watch_lists_for(user).filter(code=code).first()


def watch_list_entries(watch_list: WatchList, *, query: str = "") -> QuerySet[WatchListEntry]:
    entries = watch_list.entries.select_related("added_by").order_by("value")
    query = query.strip()
    return entries.filter(Q(value__icontains=query) | Q(reason__icontains=query)) if query else entries


# --- the criteria list: current versions, filters, hit figures --------------------------------------

VALIDITY = {"valid": "Valid now", "future": "Not yet valid", "expired": "Expired"}
LIST_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.RETIRED)


def current_versions_for(
    user,
    *,
    scope: str = "",
    risk_area: str = "",
    status: str = "",
    owner: str = "",
    validity: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[CriterionVersion]:
    """The newest version ``user`` reads of every criterion ``user`` may see, filtered (empty filter: any)."""
    readable = _version_rule(user)  # the newest version user reads (an EU draft only for the Commission)
    newest = (
        CriterionVersion.objects.filter(readable, criterion=OuterRef("criterion"))
        .order_by("-version")
        .values("version")
    )
    versions = CriterionVersion.objects.filter(
        criterion__in=criteria_for(user), version=Subquery(newest[:1])
    ).select_related("criterion", "criterion__owner")
    if scope:
        versions = versions.filter(criterion__scope=scope)
    if risk_area:
        versions = versions.filter(risk_area_id=risk_area)
    if status:
        versions = versions.filter(status=status)
    if owner:
        versions = versions.filter(criterion__owner_id=owner)
    if validity:
        now = now or timezone.now()
        started, open_ended = Q(valid_from__lte=now), Q(valid_to__isnull=True) | Q(valid_to__gt=now)
        versions = versions.filter(
            {"valid": started & open_ended, "future": Q(valid_from__gt=now), "expired": Q(valid_to__lte=now)}[validity]
        )
    return versions.order_by("criterion__code")


def published_version_numbers(criterion_ids: Iterable[int]) -> dict[int, int]:
    """Criterion id -> the number of its published version (criteria without one are left out)."""
    rows = CriterionVersion.objects.filter(criterion_id__in=list(criterion_ids), status=Status.PUBLISHED)
    return dict(rows.values_list("criterion_id", "version"))


def criteria_owners_for(user) -> list[str]:
    """Organisation codes owning at least one criterion ``user`` may see (the owner filter's choices)."""
    return sorted(set(criteria_for(user).values_list("owner_id", flat=True)))


HIT_WINDOWS = (7, 30)  # days: the criteria list and the criterion page's feedback panel show these windows


@dataclass(frozen=True)
class HitFigures:
    """Hits of one criterion in a window and the declaration versions screened in it."""

    hits: int
    screened: int

    @property
    def rate(self) -> float | None:
        """Share of screened declaration versions hit, as a percentage (None when nothing was screened)."""
        return 100 * self.hits / self.screened if self.screened else None

    @property
    def rate_text(self) -> str:
        rate = self.rate
        if rate is None:
            return formatting.MISSING
        return formatting.percent(rate / 100, 1 if rate == 0 or rate >= 1 else 2)


def _assessment_scope(user) -> tuple[bool, str | None]:
    """(sees anything, Member State to restrict to or None for EU-wide figures)."""
    if user.is_superuser or is_eu_wide_reader(user):
        return True, None
    member_state = member_state_of(user)
    return member_state is not None, member_state


def screened_counts_for(user, days: Sequence[int], *, now: dt.datetime | None = None) -> dict[int, int]:
    """Window (days) -> assessments screened in it, EU-wide or over the user's Member State (one query)."""
    sees, member_state = _assessment_scope(user)
    if not sees or not days:
        return dict.fromkeys(days, 0)
    now = now or timezone.now()
    since = {d: now - dt.timedelta(days=d) for d in days}
    assessments = Assessment.objects.filter(screened_at__gte=min(since.values()))
    if member_state is not None:
        assessments = assessments.filter(responsible_member_state_id=member_state)
    totals = assessments.aggregate(**{f"d{d}": Count("id", filter=Q(screened_at__gte=since[d])) for d in days})
    return {d: totals[f"d{d}"] for d in days}


def hit_counts_for(
    user, codes: Iterable[str], days: Sequence[int] = (7, 30), *, now: dt.datetime | None = None
) -> dict[str, dict[int, HitFigures]]:
    """Code -> window (days) -> hits (shadow hits included) and hit rate, in two queries.

    Commission users and EU auditors get EU-wide figures; Member State users get figures over
    the assessments their Member State is responsible for (numerator and denominator alike).
    """
    codes = list(codes)
    now = now or timezone.now()
    screened = screened_counts_for(user, days, now=now)
    counts: dict[str, dict[int, int]] = {code: dict.fromkeys(days, 0) for code in codes}
    sees, member_state = _assessment_scope(user)
    if sees and codes and days:
        since = {d: now - dt.timedelta(days=d) for d in days}
        hits = Hit.objects.filter(criterion_code__in=codes, created_at__gte=min(since.values()))
        if member_state is not None:
            hits = hits.filter(assessment__responsible_member_state_id=member_state)
        rows = hits.values("criterion_code").annotate(
            **{f"d{d}": Count("id", filter=Q(created_at__gte=since[d])) for d in days}
        )
        for row in rows:
            counts[row["criterion_code"]] = {d: row[f"d{d}"] for d in days}
    return {code: {d: HitFigures(counts[code][d], screened[d]) for d in days} for code in codes}
