"""Learned scores in the screening pipeline (issue 16 point 4, contract 6).

Every screened declaration is scored by the live model of its Member State of first entry, or
the EU-wide live model when its Member State has none: ``learned_score`` (0-1), its percentile
against the model's reference scores, and the three main reasons in plain language. Shadow
models of the same scope score too; their scores are recorded, never shown in the contract's
assessment and never select anything. The models in force are read once per criteria revision
(a model going live or shadow moves the revision), each booster is parsed once per worker.

A scoring failure (a corrupt model text, a library error) never stops rule-based screening: the
declaration is screened without a learned score and the failure is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import orjson
from django.db import connection
from psycopg2.extras import execute_values

from crms.core.caching import cached_per_revision
from crms.learning import behaviour, features, filing, reasons
from crms.learning.contributions import PathContributions
from crms.learning.models import ModelStatus, ModelVersion

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A model in force, ready to score."""

    id: int
    name: str
    number: int
    member_state: str | None
    live: bool
    booster: lgb.Booster
    vectoriser: filing.Vectoriser
    paths: PathContributions
    quantiles: np.ndarray | None

    def percentile(self, score: float) -> float | None:
        if self.quantiles is None or not len(self.quantiles):
            return None
        below = int(np.searchsorted(self.quantiles, score, side="right"))
        return round(100.0 * below / len(self.quantiles), 1)


@dataclass(frozen=True)
class Learned:
    """A declaration's score by one model."""

    model_id: int
    live: bool
    score: float
    percentile: float | None
    reasons: list[dict[str, Any]]


_boosters: dict[tuple, tuple[lgb.Booster, filing.Vectoriser, PathContributions]] = {}
_boosters_lock = threading.Lock()


def _parsed(model: ModelVersion) -> tuple[lgb.Booster, filing.Vectoriser, PathContributions]:
    key = (model.pk, model.created_at)  # a model's text never changes; the pair names it even across test flushes
    with _boosters_lock:
        if key not in _boosters:
            booster = lgb.Booster(model_str=model.model_text)
            spec = features.FeatureSpec.from_json(model.features)
            _boosters[key] = (booster, filing.Vectoriser(spec), PathContributions(booster))
        return _boosters[key]


@cached_per_revision
def models_in_force() -> dict[str | None, list[Runtime]]:
    """Scope (Member State code, None for EU-wide) -> its live model first, then its shadow models."""
    out: dict[str | None, list[Runtime]] = {}
    chosen = ModelVersion.objects.filter(status__in=(ModelStatus.LIVE, ModelStatus.SHADOW)).order_by("id")
    for model in chosen:
        booster, vectoriser, paths = _parsed(model)
        quantiles = model.insights.get("score_quantiles") if isinstance(model.insights, dict) else None
        runtime = Runtime(
            id=model.pk,
            name=model.name,
            number=model.number,
            member_state=model.member_state_id,
            live=model.status == ModelStatus.LIVE,
            booster=booster,
            vectoriser=vectoriser,
            paths=paths,
            quantiles=np.asarray(quantiles, dtype=np.float64) if quantiles else None,
        )
        out.setdefault(model.member_state_id, []).append(runtime)
    for runtimes in out.values():
        runtimes.sort(key=lambda runtime: not runtime.live)
    return out


def reference_quantiles(revision: int | None) -> dict[int, np.ndarray | None]:
    """Model id -> the reference scores its percentiles (and a cold-start selection threshold) read."""
    return {runtime.id: runtime.quantiles for runtimes in models_in_force(revision).values() for runtime in runtimes}


def scorers_for(member_state: str, in_force: dict[str | None, list[Runtime]]) -> list[Runtime]:
    """The models that score a declaration of ``member_state``: its own, and the EU-wide ones; the live
    one that speaks for it (its own if it has one) first."""
    own, eu = in_force.get(member_state, []), in_force.get(None, [])
    live = [runtime for runtime in own if runtime.live] or [runtime for runtime in eu if runtime.live]
    return live + [runtime for runtime in own + eu if not runtime.live]


def _existing(version_ids: list[int], model_ids: list[int]) -> dict[tuple[int, int], Learned]:
    """Scores already recorded for these versions (a re-screening keeps the score of the filing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT model_id, version_id, live, score, percentile, reasons FROM learning_modelscore "
            "WHERE version_id = ANY(%s) AND model_id = ANY(%s)",
            [version_ids, model_ids],
        )
        return {
            (model_id, version_id): Learned(model_id, live, score, percentile, _loaded(found))
            for model_id, version_id, live, score, percentile, found in cursor.fetchall()
        }


def _score(runtime: Runtime, rows: list[dict[str, Any]], revision: int | None) -> list[Learned]:
    from crms.learning.prices import baselines_at

    snapshot = behaviour.snapshot_for(runtime.member_state)
    baselines = baselines_at(revision)  # the screening's revision: no extra read per filing
    matrix, counts = runtime.vectoriser.matrix(filing.columns_of(rows), snapshot)
    leaves = runtime.booster.predict(matrix, pred_leaf=True, num_threads=1)
    scores = runtime.paths.scores(leaves)
    if scores is None:
        scores = runtime.booster.predict(matrix, num_threads=1)
    contributions = runtime.paths.of(leaves)
    names = runtime.vectoriser.spec.names
    out = []
    for index, row in enumerate(rows):
        score = float(scores[index])
        behind = {
            name: (float(controls[index]), float(irregular[index])) for name, (controls, irregular) in counts.items()
        }
        out.append(
            Learned(
                model_id=runtime.id,
                live=runtime.live,
                score=score,
                percentile=runtime.percentile(score),
                reasons=reasons.main_reasons(contributions[index], names, row, behind, baselines),
            )
        )
    return out


def score_batch(batch, revision: int | None, now: dt.datetime, rescreened: set[int]) -> list[Learned | None]:
    """Score a screening batch (``screening.Batch``) with every model in force for each declaration;
    record new scores; return, per declaration row, the live model's score (None without one).
    ``rescreened``: the versions screened before (only they can have recorded scores to keep)."""
    try:
        out, fresh = _score_batch(batch, revision, rescreened)
    except Exception:  # a model must never stop rule-based screening; the failure is logged loudly
        log.exception("learned scoring failed for versions %s", batch.version_ids[:20])
        return [None] * batch.n_decl
    _record(batch, fresh, now)
    return out


def _score_batch(
    batch, revision: int | None, rescreened: set[int]
) -> tuple[list[Learned | None], dict[tuple[int, int], Learned]]:
    in_force = models_in_force(revision)
    scorers = [scorers_for(member_state, in_force) for member_state in batch.first_entry] if in_force else []
    model_ids = sorted({runtime.id for runtimes in scorers for runtime in runtimes})
    if not model_ids:
        return [None] * batch.n_decl, {}
    again = [version_id for version_id in batch.version_ids if version_id in rescreened]
    existing = _existing(again, model_ids) if again else {}
    rows = filing.rows_of(batch)
    pending: dict[int, list[int]] = {}
    runtime_of = {runtime.id: runtime for runtimes in scorers for runtime in runtimes}
    for row, runtimes in enumerate(scorers):
        for runtime in runtimes:
            if (runtime.id, batch.version_ids[row]) not in existing:
                pending.setdefault(runtime.id, []).append(row)
    fresh: dict[tuple[int, int], Learned] = {}
    for model_id, chosen in pending.items():
        for row, learned in zip(chosen, _score(runtime_of[model_id], [rows[i] for i in chosen], revision), strict=True):
            fresh[(model_id, batch.version_ids[row])] = learned
    scored = existing | fresh
    out: list[Learned | None] = []
    for row, runtimes in enumerate(scorers):
        live = runtimes[0] if runtimes and runtimes[0].live else None
        out.append(scored.get((live.id, batch.version_ids[row])) if live else None)
    return out, fresh


def _record(batch, fresh: dict[tuple[int, int], Learned], now: dt.datetime) -> None:
    if not fresh:
        return
    member_state_of = dict(zip(batch.version_ids, batch.first_entry, strict=True))
    rows = [
        (model_id, version_id, member_state_of[version_id], learned.score, learned.percentile,
         _json(learned.reasons), learned.live, now)
        for (model_id, version_id), learned in fresh.items()
    ]  # fmt: skip
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            "INSERT INTO learning_modelscore (model_id, version_id, member_state_id, score, percentile, reasons, "
            "live, scored_at) VALUES %s ON CONFLICT ON CONSTRAINT model_score_once DO NOTHING",
            rows,
        )


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _loaded(value: Any) -> list:
    """jsonb as a raw cursor returns it (Django leaves it as text)."""
    return orjson.loads(value) if isinstance(value, str | bytes) else (value or [])


def forget() -> None:
    """Read models and labels again at the next batch (tests)."""
    from selection import learned

    models_in_force.forget()
    behaviour.forget()
    learned.forget()
