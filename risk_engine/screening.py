"""Screening: load declaration versions columnar, evaluate every active criterion, write assessments.

Idempotent: the versions' rows are locked, their previous assessment (and hits) is
replaced, so running the same batch twice, or two workers racing on it, leaves one
assessment per version with the same hits. A replaced result that differs from the new one is
archived first (``history``), and every assessment records the criteria revision it ran with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from crms.core.bulk import write_rows
from crms.core.caching import cached_per_revision
from crms.core.replica import read_connection
from crms.learning.prices import current_baselines
from crms.learning.scoring import Learned, reference_quantiles, score_batch
from risk_engine import columnar, reference
from risk_engine.catalogue import FIELDS, PARTY_ROLES, Level
from risk_engine.compiler import CompiledCriterion, screening_criteria
from risk_engine.dataquality import current_checks, item_warnings
from risk_engine.frame import Frame, build_frame, normalise_value
from risk_engine.history import archive_changed, decided_queues, previous_results, retained_hits
from risk_engine.models import Assessment, Hit, RandomSelectionRate
from risk_engine.outcomes import Effect, Outcome, combine, effect
from risk_engine.signals import assessments_written
from selection.learned import Selector

log = logging.getLogger(__name__)

MAX_EXPLAINED_ITEMS = 20
REFERENCE_EVALUATOR_BELOW = 4  # tiny batches (single POSTs) use the per-record evaluator
AEO_ROLES = ("consignor", "consignee", "filer")


@dataclass
class Batch:
    """A batch of versions as loaded: raw columns, identity, phase and item data per declaration row.

    The columnar frame is built only when asked for: tiny batches (single POSTs) go to the
    per-record evaluator, which needs no pandas at all.
    """

    version_ids: list[int]
    decl_values: dict[str, list]
    item_values: dict[str, list]
    decl_of_item: list[int]
    item_numbers: list[int]
    declaration_ids: list[int]
    mrns: list[str]
    versions: list[int]
    phases: list[str]
    first_entry: list[str]
    aeo: list[bool]
    items: list[list[dict[str, Any]]] = field(default_factory=list)  # raw, for data-quality checks
    _frame: Frame | None = None

    @property
    def n_decl(self) -> int:
        return len(self.version_ids)

    @property
    def frame(self) -> Frame:
        if self._frame is None:
            self._frame = build_frame(
                version_ids=np.asarray(self.version_ids, dtype=np.int64),
                decl_values=self.decl_values,
                item_values=self.item_values,
                decl_of_item=np.asarray(self.decl_of_item, dtype=np.int64),
                item_numbers=np.asarray(self.item_numbers, dtype=np.int32),
            )
        return self._frame

    def record(self, row: int) -> dict[str, Any]:
        """One declaration as the reference evaluator's record, normalised like the frame."""
        decl = {name: normalise_value(FIELDS[name].type, values[row]) for name, values in self.decl_values.items()}
        items = []
        for index, owner in enumerate(self.decl_of_item):
            if owner == row:
                item = {
                    name: normalise_value(FIELDS[name].type, values[index]) for name, values in self.item_values.items()
                }
                item["item_number"] = self.item_numbers[index]
                items.append(item)
        return {"decl": decl, "items": items}


def _aeo_eoris(eoris: set[str], day: dt.date) -> set[str]:
    """EORIs holding a valid AEO authorisation on ``day``, looked up at screening time (by EORI,
    so an authorisation registered after filing counts when the ENS is screened again)."""
    if not eoris:
        return set()
    with read_connection().cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT o.eori FROM operators_operator o
               JOIN operators_aeoauthorisation a ON a.operator_id = o.id
               WHERE o.eori = ANY(%s) AND a.status = 'active' AND a.valid_from <= %s
                 AND (a.valid_to IS NULL OR a.valid_to >= %s)""",
            [list(eoris), day, day],
        )
        return {row[0] for row in cursor.fetchall()}


def load_batch(version_ids: list[int], *, day: dt.date | None = None) -> Batch:
    day = day or timezone.localdate()
    with read_connection().cursor() as cursor:  # the primary when screening; a replica may serve backtests
        cursor.execute(
            """SELECT v.id, v.declaration_id, d.mrn, v.version, v.filing_type, v.phase, v.transport_mode,
                      v.office_of_first_entry_id, v.first_entry_member_state_id, v.unloading_member_state_id,
                      v.place_of_loading, v.place_of_unloading, v.routing, v.total_gross_mass_kg, v.item_count
               FROM declarations_declarationversion v
               JOIN declarations_declaration d ON d.id = v.declaration_id
               WHERE v.id = ANY(%s) ORDER BY v.id""",
            [list(version_ids)],
        )
        versions = cursor.fetchall()
        cursor.execute(
            "SELECT version_id, role, name, eori, country, operator_id FROM declarations_party "
            "WHERE version_id = ANY(%s)",
            [list(version_ids)],
        )
        parties = cursor.fetchall()
        cursor.execute(
            """SELECT version_id, item_number, hs_code, description, country_of_origin, gross_mass_kg, value_eur,
                      packages, container, dangerous_goods_code
               FROM declarations_goodsitem WHERE version_id = ANY(%s) ORDER BY version_id, item_number""",
            [list(version_ids)],
        )
        items = cursor.fetchall()

    row_of = {row[0]: index for index, row in enumerate(versions)}
    party_of: dict[tuple[int, str], tuple] = {(p[0], p[1]): p for p in parties}
    aeo_eoris = _aeo_eoris({p[3] for p in parties if p[3] and p[1] in AEO_ROLES}, day)

    decl: dict[str, list] = defaultdict(list)
    aeo_flags = []
    for vid, _did, _mrn, _n, filing, phase, mode, office, first, unloading, pol, pou, routing, mass, count in versions:
        decl["transport_mode"].append(mode)
        decl["phase"].append(phase)
        decl["filing_type"].append(filing)
        decl["office_of_first_entry"].append(office)
        decl["first_entry_member_state"].append(first)
        decl["unloading_member_state"].append(unloading)
        decl["place_of_loading"].append(pol)
        decl["place_of_unloading"].append(pou)
        decl["routing.countries"].append(tuple(routing or ()))
        decl["total_gross_mass_kg"].append(mass)
        decl["item_count"].append(count)
        for role in PARTY_ROLES:
            party = party_of.get((vid, role))
            decl[f"{role}.name"].append(party[2] if party else "")
            decl[f"{role}.eori"].append(party[3] if party else "")
            decl[f"{role}.country"].append(party[4] if party else "")
        aeo = any((party_of.get((vid, role)) or (None,) * 4)[3] in aeo_eoris for role in AEO_ROLES)
        decl["any_party.aeo"].append(aeo)
        aeo_flags.append(aeo)

    item: dict[str, list] = defaultdict(list)
    decl_of_item, numbers = [], []
    raw_items: list[list[dict]] = [[] for _ in versions]
    prices = current_baselines()  # price baselines by key (crms.learning.prices), read once per batch
    for vid, number, hs, description, origin, mass, value, packages, container, dgc in items:
        row = row_of[vid]
        deviation, baseline = prices.deviation(value, mass, hs, origin, versions[row][8])
        decl_of_item.append(row)
        numbers.append(number)
        item["item.hs_code"].append(hs)
        item["item.description"].append(description)
        item["item.country_of_origin"].append(origin)
        item["item.gross_mass_kg"].append(mass)
        item["item.value_eur"].append(value)
        item["item.value_per_kg"].append(value / mass if value is not None and mass else None)
        item["item.price_deviation"].append(deviation)
        item["item.packages"].append(packages)
        item["item.container"].append(container)
        item["item.dangerous_goods_code"].append(dgc)
        raw_items[row].append(
            {
                "item_number": number,
                "hs_code": hs,
                "description": description,
                "gross_mass_kg": mass,
                "value_eur": value,
                "packages": packages,
                "price_deviation": deviation,
                "price_baseline": baseline,
            }
        )
    return Batch(
        version_ids=[row[0] for row in versions],
        decl_values={name: decl[name] for name, spec in FIELDS.items() if spec.level == Level.DECLARATION},
        item_values={name: item[name] for name, spec in FIELDS.items() if spec.level == Level.ITEM},
        decl_of_item=decl_of_item,
        item_numbers=numbers,
        declaration_ids=[row[1] for row in versions],
        mrns=[row[2] for row in versions],
        versions=[row[3] for row in versions],
        phases=[row[5] for row in versions],
        first_entry=[row[8] for row in versions],
        aeo=aeo_flags,
        items=raw_items,
    )


def find_hits(
    batch: Batch, criteria: list[CompiledCriterion], watch_lists: dict[str, reference.WatchList]
) -> dict[int, list[tuple[CompiledCriterion, list[int]]]]:
    """Declaration row -> [(criterion, item numbers)]. Columnar for batches, per record for tiny ones."""
    found: dict[int, list[tuple[CompiledCriterion, list[int]]]] = defaultdict(list)
    if batch.n_decl < REFERENCE_EVALUATOR_BELOW:
        for row in range(batch.n_decl):
            record = batch.record(row)
            for criterion in criteria:
                items = reference.matching_items(criterion.node, record, watch_lists)
                if items:
                    found[row].append((criterion, items))
        return found
    by_key = {criterion.version_id: criterion for criterion in criteria}
    frame = batch.frame
    for hit in columnar.evaluate(frame, [(c.version_id, c.node) for c in criteria], watch_lists):
        for row, items in columnar.group_by_declaration(frame, hit.item_rows).items():
            found[row].append((by_key[hit.key], items))
    return found


@cached_per_revision
def random_selection_rates() -> dict[str, RandomSelectionRate]:
    return {rate.member_state_id: rate for rate in RandomSelectionRate.objects.all()}


def _random_pick(seed: str, mrn: str, version: int, rate: float) -> bool:
    digest = hashlib.sha256(f"{seed}:{mrn}:{version}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def _explanation(criterion, record: dict, items: list[int], watch_lists) -> list[dict]:
    by_number = {item["item_number"]: item for item in record["items"]}
    entries = []
    for number in items[:MAX_EXPLAINED_ITEMS]:
        entries += reference.explain(criterion.condition, record["decl"], by_number[number], watch_lists)
    return entries


def learned_fields(learned: Learned | None) -> dict[str, Any]:
    """The assessment's columns for the live model's score (issue 16 point 4); empty without a live model."""
    if learned is None:
        return {"learned_model_id": None, "learned_score": None, "learned_percentile": None, "learned_reasons": []}
    return {
        "learned_model_id": learned.model_id,
        "learned_score": learned.score,
        "learned_percentile": learned.percentile,
        "learned_reasons": learned.reasons,
    }


class InjectedPoison(RuntimeError):
    """Raised for declarations whose LRN starts with ``FAULT_INJECTION_POISON_LRN_PREFIX`` (fault tests only)."""


def _inject_poison(batch: Batch) -> None:
    """Fault injection, off unless the setting is given: lets the fault tests plant a poison declaration."""
    prefix = settings.FAULT_INJECTION_POISON_LRN_PREFIX
    if prefix:
        from crms.declarations.models import Declaration

        poisoned = Declaration.objects.filter(id__in=batch.declaration_ids, lrn__startswith=prefix)
        if poisoned.exists():
            raise InjectedPoison(f"injected poison in {[d.mrn for d in poisoned]}")


def screen_versions(version_ids: list[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Screen these declaration versions and store their assessments. Returns counts."""
    if not version_ids:
        return {"versions": 0, "hits": 0}
    now = now or timezone.now()
    with transaction.atomic():
        # One writer per version at a time. NO KEY UPDATE, not UPDATE: it still serialises screenings of a
        # version but lets foreign-key checks (KEY SHARE) through, so an analyst recording a control result
        # or a decision on the version while it is re-screened cannot deadlock with the screening.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM declarations_declarationversion WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
                [list(version_ids)],
            )
            version_ids = [row[0] for row in cursor.fetchall()]
        if not version_ids:
            return {"versions": 0, "hits": 0}
        batch = load_batch(version_ids, day=now.date())
        _inject_poison(batch)
        criteria, watch_lists, revision = screening_criteria(now)
        found = find_hits(batch, criteria, watch_lists)
        checks = current_checks(revision)
        rates = random_selection_rates(revision)
        previous = previous_results(version_ids)
        learned = score_batch(batch, revision, now, rescreened=set(previous))
        references = reference_quantiles(revision) if any(learned) else {}
        selector = Selector(now, revision)
        decided = decided_queues(list(previous))

        assessment_ids = list(batch.version_ids)  # one assessment per version, in its month's partition
        assessments, hits = [], []
        for row, assessment_id in enumerate(assessment_ids):
            effects, record = [], None
            for criterion, items in found.get(row, []):
                result = effect(
                    outcome=criterion.outcome,
                    control_type=criterion.control_type,
                    weight=criterion.weight,
                    phase=batch.phases[row],
                    aeo=batch.aeo[row],
                    allows_facilitation=criterion.allows_aeo_facilitation,
                    shadow=criterion.shadow,
                )
                effects.append(result)
                record = record or batch.record(row)
                hits.append(
                    {
                        "assessment_id": assessment_id,
                        "criterion_version_id": criterion.version_id,
                        "criterion_code": criterion.code,
                        "scope": criterion.scope,
                        "owner_id": criterion.owner,
                        "risk_area": criterion.risk_area,
                        "outcome": result.outcome.value,
                        "control_type": result.control_type,
                        "weight": result.weight,
                        "facilitated": result.facilitated,
                        "shadow": criterion.shadow,
                        "items": sorted(items),
                        "explanation": _explanation(criterion, record, sorted(items), watch_lists),
                        "created_at": now,
                    }
                )
            member_state = batch.first_entry[row]
            still_hitting = {criterion.code for criterion, _items in found.get(row, [])}
            for old in retained_hits(
                previous.get(batch.version_ids[row]),
                decided,
                version_id=batch.version_ids[row],
                responsible=member_state,
                still_hitting=still_hitting,
            ):
                effects.append(
                    Effect(Outcome(old["outcome"]), old["control_type"], old["weight"], old["facilitated"], True)
                )
                hits.append(
                    {
                        "assessment_id": assessment_id,
                        "criterion_version_id": old["criterion_version_id"],
                        "criterion_code": old["criterion_code"],
                        "scope": old["scope"],
                        "owner_id": old["owner_id"],
                        "risk_area": old["risk_area"],
                        "outcome": old["outcome"],
                        "control_type": old["control_type"],
                        "weight": old["weight"],
                        "facilitated": old["facilitated"],
                        "shadow": False,
                        "items": sorted(old["items"]),
                        "explanation": old["explanation"],
                        "created_at": old["created_at"],
                    }
                )
            outcome, score, control_type = combine(effects)
            rate = rates.get(member_state)
            picked = (
                outcome == Outcome.ASSESSMENT_COMPLETE
                and rate is not None
                and _random_pick(rate.seed, batch.mrns[row], batch.versions[row], rate.rate)
            )
            if picked:
                outcome, control_type = Outcome.CONTROL_RECOMMENDED, "documentary"
            selected, exploring = False, False
            if outcome == Outcome.ASSESSMENT_COMPLETE and learned[row] is not None:
                before = previous.get(batch.version_ids[row])
                if before and before[0]["learned_selection"]:  # a selection stands when the version is re-screened
                    selected, exploring = True, before[0]["exploration"]
                else:
                    selected, exploring = selector.choose(
                        member_state=member_state,
                        mode=batch.decl_values["transport_mode"][row],
                        mrn=batch.mrns[row],
                        version=batch.versions[row],
                        learned=learned[row],
                        reference=references.get(learned[row].model_id),
                    )
                if selected:
                    outcome, control_type = Outcome.CONTROL_RECOMMENDED, "documentary"
            warnings = [
                w for item in batch.items[row] for w in item_warnings(item, phase=batch.phases[row], checks=checks)
            ]
            assessments.append(
                {
                    "id": assessment_id,
                    "version_id": batch.version_ids[row],
                    "declaration_id": batch.declaration_ids[row],
                    "outcome": outcome.value,
                    "score": score,
                    "control_type": control_type,
                    "random_selection": picked,
                    "aeo": batch.aeo[row],
                    "data_quality": warnings,
                    "responsible_member_state_id": member_state,
                    "screened_at": now,
                    "criteria_revision": revision,
                    **learned_fields(learned[row]),
                    "learned_selection": selected,
                    "exploration": exploring,
                }
            )
        changed = archive_changed(previous, assessments, hits)
        with connection.cursor() as cursor:
            # An assessment's id is its version's id, the partition key of assessments and (as assessment_id)
            # of hits: asked by it, each delete is planned in one month's partitions, not in every month's.
            cursor.execute("DELETE FROM risk_engine_hit WHERE assessment_id = ANY(%s)", [version_ids])
            cursor.execute("DELETE FROM risk_engine_assessment WHERE id = ANY(%s)", [version_ids])
        write_rows([(Assessment, assessments), (Hit, hits)])
        assessments_written.send(
            sender=Assessment,
            assessments=assessments,
            hits=hits,
            phases=batch.phases,
            aeo=batch.aeo,
            now=now,
            mrns=batch.mrns,
            versions=batch.versions,
            unloading=batch.decl_values["unloading_member_state"],
            rescreened=frozenset(previous),
            changed=changed,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE declarations_declaration d SET screening_status = 'screened'
                   FROM declarations_declarationversion v
                   WHERE v.id = ANY(%s) AND v.declaration_id = d.id AND v.version = d.current_version""",
                [version_ids],
            )
    return {"versions": len(version_ids), "hits": len(hits)}
