"""Reads of priority control areas and their results.

PCAs are EU-wide campaigns: every participant's staff sees every PCA (national systems over
REST), except that a participant by agreement (CH, NO) sees those its agreement lists
(``crms.reference.agreements``). Results are computed, never stored: see ``results_of``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from crms.accounts.roles import Role, member_state_of
from crms.core.figures import POSITIVE_RESULTS, SEIZURE, detection_rate, share
from crms.reference.agreements import receivable
from crms.reference.models import ExchangeKind
from pca import periods
from pca.models import PcaReport, PcaStatus, PriorityControlArea

PEOPLE = frozenset(Role.values) - {Role.NATIONAL_SYSTEM}


def pcas_for(user) -> QuerySet[PriorityControlArea]:
    if not user.is_authenticated or (user.role not in Role.values and not user.is_superuser):
        return PriorityControlArea.objects.none()
    pcas = PriorityControlArea.objects.filter(receivable(member_state_of(user), ExchangeKind.PCA))
    return pcas.select_related("risk_area", "suspended_by_crisis")


def pca_for(user, pk: int) -> PriorityControlArea | None:
    return pcas_for(user).filter(pk=pk).first()


def suspendable_by(crisis) -> QuerySet[PriorityControlArea]:
    """PCAs an open crisis may suspend: designated, same risk area."""
    return PriorityControlArea.objects.filter(status=PcaStatus.DESIGNATED, risk_area_id=crisis.risk_area_id)


@dataclass(frozen=True)
class CampaignLink:
    """One PCA a criterion is linked to, and whether it lets the criterion run at a moment (and why not)."""

    pca: PriorityControlArea
    running: bool
    why: str


def campaign_standing(pca: PriorityControlArea, moment: dt.datetime) -> CampaignLink:
    """The engine's rule (``risk_engine.compiler.campaign_windows``) in words: a linked criterion runs
    while one of its PCAs is designated and ``starts_at <= moment < ends_at``."""
    first, last = f"{pca.first_day:%d/%m/%Y}", f"{pca.last_day:%d/%m/%Y}"
    if pca.status == PcaStatus.SUSPENDED:
        crisis = pca.suspended_by_crisis.reference if pca.suspended_by_crisis else "a crisis"
        since = f" since {pca.suspended_at:%d/%m/%Y}" if pca.suspended_at else ""
        return CampaignLink(pca, False, f"the PCA is suspended during {crisis}{since}")
    if pca.status == PcaStatus.CLOSED:
        closed = f" on {pca.closed_at:%d/%m/%Y}" if pca.closed_at else ""
        return CampaignLink(pca, False, f"the PCA was closed{closed}")
    if moment < pca.starts_at:
        return CampaignLink(pca, False, f"before the period: its first day is {first}")
    if moment >= pca.ends_at:
        return CampaignLink(pca, False, f"after the period: its last day was {last}")
    return CampaignLink(pca, True, f"within the period, until {last} included")


@dataclass(frozen=True)
class CampaignRestriction:
    """A criterion linked to PCAs runs only within their periods: what its page says."""

    links: tuple[CampaignLink, ...]

    @property
    def running(self) -> bool:
        return any(link.running for link in self.links)


def campaign_restriction(code: str, moment: dt.datetime | None = None) -> CampaignRestriction | None:
    """The PCAs a criterion is linked to (None: not linked, it runs whenever it is valid).

    Every link counts, whatever the reader may see: the restriction applies to everyone's ENS.
    """
    moment = moment or timezone.now()
    pcas = (
        PriorityControlArea.objects.filter(criteria__code=code)
        .select_related("suspended_by_crisis")
        .order_by("starts_at", "id")
    )
    links = tuple(campaign_standing(pca, moment) for pca in pcas)
    return CampaignRestriction(links) if links else None


@dataclass(frozen=True)
class LinkConsequence:
    """What linking one criterion to a new PCA changes: the browser states it before asking to confirm."""

    code: str
    title: str
    published: bool  # a published version runs today
    already_linked_to: tuple[str, ...]  # PCAs it is linked to already: it is restricted to their periods
    effect: str


def _effect(published: bool, linked: tuple[str, ...], starts_at, ends_at, moment: dt.datetime) -> str:
    first, last = f"{periods.first_day(starts_at):%d/%m/%Y}", f"{periods.last_day(ends_at):%d/%m/%Y}"
    if not published:
        return f"not published: once published, it will run only from {first} to {last}"
    if linked:
        return f"already runs only within the period of {', '.join(linked)}; it will also run from {first} to {last}"
    if moment < starts_at:
        return f"screens every ENS today; it stops now and runs again only from {first} to {last}"
    if moment < ends_at:
        return f"screens every ENS today; it keeps running until {last} (included), then stops"
    return f"screens every ENS today; it stops now for good (this period ended on {last})"


def linking_consequences(
    codes: list[str], starts_at: dt.datetime, ends_at: dt.datetime, moment: dt.datetime | None = None
) -> list[LinkConsequence]:
    """For each criterion about to be linked to a PCA with this period: what changes for it."""
    from risk_engine.models import CriterionVersion, Status

    moment = moment or timezone.now()
    titles: dict[str, str] = {}
    published: set[str] = set()
    for code, title, status in (
        CriterionVersion.objects.filter(criterion__code__in=codes)
        .order_by("criterion__code", "version")
        .values_list("criterion__code", "title", "status")
    ):
        if code not in published:
            titles[code] = title
        if status == Status.PUBLISHED:
            published.add(code)
    linked: dict[str, list[str]] = {}
    for code, reference in PriorityControlArea.criteria.through.objects.filter(criterion__code__in=codes).values_list(
        "criterion__code", "prioritycontrolarea__reference"
    ):
        linked.setdefault(code, []).append(reference)
    consequences = []
    for code in sorted(titles):
        already = tuple(sorted(linked.get(code, ())))
        effect = _effect(code in published, already, starts_at, ends_at, moment)
        consequences.append(LinkConsequence(code, titles[code], code in published, already, effect))
    return consequences


@dataclass
class MemberStateResult:
    member_state: str
    target: int | None
    controls: int = 0  # computed from control results recorded on the platform
    detections: int = 0
    seizures: int = 0
    seized_value_eur: float = 0.0
    reported_controls: int = 0  # reported by hand
    reported_detections: int = 0
    reported_seizures: int = 0

    @property
    def total_controls(self) -> int:
        return self.controls + self.reported_controls

    @property
    def total_detections(self) -> int:
        return self.detections + self.reported_detections

    @property
    def total_seizures(self) -> int:
        return self.seizures + self.reported_seizures

    @property
    def progress(self) -> float | None:
        """Controls over the target, a share (0-1; above 1 when the target is passed)."""
        return share(self.total_controls, self.target)

    @property
    def detection_rate(self) -> float | None:
        """A share (0-1), as ``crms.core.figures.detection_rate`` defines it for every page."""
        return detection_rate(self.total_detections, self.total_controls)


def declarations_in_scope(pca: PriorityControlArea):
    """Ids of declarations the PCA concerns: hit by one of its linked criteria (a live hit: shadow hits
    select nothing, as everywhere else), or with a goods item matching its HS codes (prefix) and routes,
    received within the period. A subquery, not a list."""
    from crms.declarations.models import Declaration, GoodsItem
    from risk_engine.models import Hit

    codes = list(pca.criteria.values_list("code", flat=True))
    scope = Q(pk__in=[])
    if codes:
        live = Hit.objects.filter(criterion_code__in=codes, shadow=False)
        scope |= Q(pk__in=live.values("assessment__declaration_id"))
    if pca.hs_codes or pca.routes:
        items = GoodsItem.objects.filter(
            version__declaration__received_at__gte=pca.starts_at, version__declaration__received_at__lt=pca.ends_at
        )
        if pca.hs_codes:
            goods = Q()
            for prefix in pca.hs_codes:
                goods |= Q(hs_code__startswith=prefix)
            items = items.filter(goods)
        if pca.routes:
            items = items.filter(version__routing__overlap=pca.routes)
        scope |= Q(pk__in=items.values("version__declaration_id"))
    return Declaration.objects.filter(scope).values("pk")


def results_of(pca: PriorityControlArea, user=None) -> list[MemberStateResult]:
    """Per participating Member State: controls, detections (positive results: an irregularity or a seizure,
    ``crms.core.figures``) and seizures recorded within the period on declarations in scope, plus what the
    participant reported by hand (reports every participant reads), against its target. For a ``user``, the
    computed figures count only the control results that user reads (``workbench.selectors.control_results_for``:
    its own Member State's and those on declarations it may read); None (the indicators job) counts every one."""
    from workbench.models import ControlResult
    from workbench.selectors import control_results_for

    targets = {t.member_state_id: t.controls for t in pca.targets.all()}
    results = {code: MemberStateResult(code, targets.get(code)) for code in pca.participants}
    readable = ControlResult.objects.all() if user is None else control_results_for(user)
    computed = (
        readable.filter(
            declaration_id__in=declarations_in_scope(pca),
            controlled_at__gte=pca.starts_at,
            controlled_at__lt=pca.ends_at,
            member_state_id__in=pca.participants,
        )
        .values("member_state_id")
        .annotate(
            controls=Count("id"),
            detections=Count("id", filter=Q(result__in=POSITIVE_RESULTS)),
            seizures=Count("id", filter=Q(result=SEIZURE)),
            value=Sum("estimated_value_eur", filter=Q(result=SEIZURE)),
        )
    )
    for row in computed:
        result = results[row["member_state_id"]]
        result.controls, result.detections, result.seizures = row["controls"], row["detections"], row["seizures"]
        result.seized_value_eur = row["value"] or 0.0
    reported = (
        PcaReport.objects.filter(pca=pca)
        .values("member_state_id")
        .annotate(controls=Sum("controls"), detections=Sum("detections"), seizures=Sum("seizures"))
    )
    for row in reported:
        if row["member_state_id"] in results:
            result = results[row["member_state_id"]]
            result.reported_controls = row["controls"] or 0
            result.reported_detections = row["detections"] or 0
            result.reported_seizures = row["seizures"] or 0
    return [results[code] for code in sorted(results)]


def chart_data(results: list[MemberStateResult]) -> dict:
    return {
        "labels": [r.member_state for r in results],
        "targets": [r.target or 0 for r in results],
        "controls": [r.total_controls for r in results],
        "detections": [r.total_detections for r in results],
        "seizures": [r.total_seizures for r in results],
    }
