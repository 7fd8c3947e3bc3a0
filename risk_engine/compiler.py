"""From published criterion versions to what the evaluators run.

A criterion runs as one tree: its condition AND its ``applies_to`` (phases, modes)
AND, for a national profile, "first entry or unloading in the owner's Member State".
Compiled criteria are cached per process and rebuilt when the criteria revision moves
(``models_revision``): checked once per batch, so no batch runs on criteria older than its start.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils import timezone

from risk_engine.catalogue import FIELDS
from risk_engine.conditions import All, Any_, Leaf, Node, parse_condition
from risk_engine.models import CriterionVersion, Scope, Status, WatchList, WatchListEntry
from risk_engine.models_revision import current_revision
from risk_engine.reference import WatchList as WatchListData


@dataclass(frozen=True)
class CompiledCriterion:
    version_id: int
    code: str
    version: int
    scope: str
    owner: str
    risk_area: str
    weight: int
    outcome: str
    control_type: str | None
    allows_aeo_facilitation: bool
    shadow: bool
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    condition: Node  # the criterion's own condition: what explanations show
    node: Node  # what runs: condition plus applies_to and scope
    # Linked to priority control areas: runs only inside one of these periods (None: not linked).
    campaign_windows: tuple[tuple[dt.datetime, dt.datetime], ...] | None = None

    def active_at(self, moment: dt.datetime) -> bool:
        if self.campaign_windows is not None and not any(start <= moment < end for start, end in self.campaign_windows):
            return False
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)


def _codes_leaf(field: str, values: list[str]) -> Leaf:
    normalised = tuple(dict.fromkeys(value.upper() for value in values))
    return Leaf(FIELDS[field], "in", normalised, values)


def scope_conjuncts(*, scope: str, owner: str, applies_to: dict) -> list[Node]:
    conjuncts: list[Node] = []
    if applies_to.get("phases"):
        conjuncts.append(_codes_leaf("phase", applies_to["phases"]))
    if applies_to.get("transport_modes"):
        conjuncts.append(_codes_leaf("transport_mode", applies_to["transport_modes"]))
    if scope == Scope.NATIONAL:
        conjuncts.append(
            Any_(
                (
                    _codes_leaf("first_entry_member_state", [owner]),
                    _codes_leaf("unloading_member_state", [owner]),
                )
            )
        )
    return conjuncts


def compile_version(version: CriterionVersion) -> CompiledCriterion:
    criterion = version.criterion
    condition = parse_condition(version.condition)
    conjuncts = scope_conjuncts(scope=criterion.scope, owner=criterion.owner_id, applies_to=version.applies_to or {})
    return CompiledCriterion(
        version_id=version.pk,
        code=criterion.code,
        version=version.version,
        scope=criterion.scope,
        owner=criterion.owner_id,
        risk_area=version.risk_area_id,
        weight=version.weight,
        outcome=version.outcome,
        control_type=version.control_type,
        allows_aeo_facilitation=version.allows_aeo_facilitation,
        shadow=version.shadow,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
        condition=condition,
        node=All((*conjuncts, condition)) if conjuncts else condition,
    )


@dataclass
class _Cache:
    revision: int | None = None
    criteria: list[CompiledCriterion] | None = None
    watch_lists: dict[str, WatchListData] | None = None


_cache = _Cache()
_lock = threading.Lock()
RELOAD_ATTEMPTS = 5  # a change committed while loading: load again (each attempt is a few queries)


def forget_compiled_criteria() -> None:
    """Drop the process cache (benchmarks that time a cold compile)."""
    with _lock:
        _cache.revision = None


def load_watch_lists() -> dict[str, WatchListData]:
    values: dict[str, set[str]] = {}
    kinds = dict(WatchList.objects.values_list("code", "kind"))
    for code, value in WatchListEntry.objects.values_list("watch_list__code", "value"):
        values.setdefault(code, set()).add(value)
    result = {}
    for code, kind in kinds.items():
        entries = values.get(code, set())
        if kind == WatchList.Kind.PARTY_NAME:
            from risk_engine.conditions import normalise_text

            normalised = frozenset(normalise_text(value) for value in entries)
        else:
            normalised = frozenset(value.strip().upper() for value in entries)
        result[code] = WatchListData(normalised, prefix=kind == WatchList.Kind.HS_CODE)
    return result


def campaign_windows() -> dict[str, tuple[tuple[dt.datetime, dt.datetime], ...]]:
    """Criteria linked to a priority control area, and the periods in which they may run (one query).

    A linked criterion runs only within the period of a linked PCA that is designated: never
    before or after it, nor while the PCA is suspended (crisis) or closed. A criterion linked
    only to suspended or closed PCAs has no window at all.
    """
    from pca.models import PcaStatus, PriorityControlArea

    links = PriorityControlArea.criteria.through.objects.values_list(
        "criterion__code",
        "prioritycontrolarea__status",
        "prioritycontrolarea__starts_at",
        "prioritycontrolarea__ends_at",
    )
    windows: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for code, status, starts_at, ends_at in links:
        periods = windows.setdefault(code, [])
        if status == PcaStatus.DESIGNATED:
            periods.append((starts_at, ends_at))
    return {code: tuple(periods) for code, periods in windows.items()}


def _with_campaigns(criteria: list[CompiledCriterion]) -> list[CompiledCriterion]:
    windows = campaign_windows()
    if not windows:
        return criteria
    return [replace(c, campaign_windows=windows[c.code]) if c.code in windows else c for c in criteria]


def _load() -> tuple[list[CompiledCriterion], dict[str, WatchListData]]:
    versions = CriterionVersion.objects.filter(status=Status.PUBLISHED).select_related("criterion")
    return _with_campaigns([compile_version(version) for version in versions]), load_watch_lists()


def published_criteria() -> tuple[list[CompiledCriterion], dict[str, WatchListData], int | None]:
    """Every published version (active or not yet/no longer valid), the watch lists and their revision.

    One primary-key read when nothing changed. Otherwise the content is loaded between two reads of
    the revision; equal reads mean no change committed in between, so the content is exactly that
    revision's. Without a revision row (a freshly flushed test database) nothing is cached.
    """
    with _lock:
        revision = current_revision()
        if revision is not None and revision == _cache.revision:
            return list(_cache.criteria), dict(_cache.watch_lists), revision
        for _attempt in range(RELOAD_ATTEMPTS):
            criteria, watch_lists = _load()
            after = current_revision()
            if after == revision:
                break
            revision = after
        _cache.criteria, _cache.watch_lists = criteria, watch_lists
        _cache.revision = revision if after == revision else None
        return list(criteria), dict(watch_lists), revision


def active_criteria(moment: dt.datetime | None = None) -> tuple[list[CompiledCriterion], dict[str, WatchListData]]:
    moment = moment or timezone.now()
    criteria, watch_lists, _revision = published_criteria()
    return [criterion for criterion in criteria if criterion.active_at(moment)], watch_lists


def screening_criteria(
    moment: dt.datetime,
) -> tuple[list[CompiledCriterion], dict[str, WatchListData], int | None]:
    """What a screening batch runs at ``moment``, and the criteria revision that content is."""
    criteria, watch_lists, revision = published_criteria()
    return [criterion for criterion in criteria if criterion.active_at(moment)], watch_lists, revision


__all__ = ["CompiledCriterion", "Q", "active_criteria", "compile_version", "published_criteria", "screening_criteria"]
