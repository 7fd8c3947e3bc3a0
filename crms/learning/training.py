"""Training a risk model on the labelled declarations of a period, and scoring with it.

LightGBM (issue 16: fast on 2 cores, native categorical features, per-prediction contributions
for the reasons of point 4). Deterministic given its inputs: the frame is sorted, the library runs
with ``deterministic``, row-wise histograms, a fixed thread count and seed, so the same data gives
the same model text. Idle-waiting OpenMP threads (``OMP_WAIT_POLICY=PASSIVE``): on a shared
2-core machine spinning threads made training ten times slower.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb
import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from crms.learning import dataset, features
from crms.learning.evaluation import calibration, evaluate, precision_curve, weekly_scores
from crms.learning.models import ModelVersion
from crms.learning.rules_baseline import lift_over_rules, rule_selected

ROUNDS = 80  # with learning rate 0.15: KCS precision at 5/10 % 0.951/0.849 (150 x 0.1: 0.951/0.856) at half the trees
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.15,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10,
    "min_data_per_group": 50,
    "max_cat_to_onehot": 8,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "seed": 16,
    "verbose": -1,
}


class TrainingError(ValueError):
    """Parameters or data that cannot give a model; the message names the option."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    def mask(self, received: pd.Series) -> np.ndarray:
        values = received.to_numpy()
        return (values >= dataset.micros(dataset.day_start(self.start))) & (
            values < dataset.micros(dataset.day_after(self.end))
        )


def params_for(rows: int) -> dict:
    """The fixed parameters; leaves need fewer rows on small data (tests, a small Member State)."""
    return PARAMS | {"min_data_in_leaf": min(50, max(2, rows // 20)), "min_data_per_group": min(50, max(2, rows // 20))}


def fit(matrix: np.ndarray, labels: np.ndarray, spec: features.FeatureSpec, rounds: int | None = None) -> lgb.Booster:
    params = params_for(len(labels))
    categorical = [spec.names.index(name) for name in features.CATEGORICAL]
    data = lgb.Dataset(matrix, labels, feature_name=spec.names, categorical_feature=categorical, free_raw_data=True)
    return lgb.train(params, data, num_boost_round=rounds or ROUNDS)


def _labelled(frame: pd.DataFrame, period: Period) -> np.ndarray:
    return period.mask(frame["received"]) & frame["label"].notna().to_numpy()


def train(
    *,
    name: str,
    period: Period,
    member_state: str | None = None,
    validation: Period | None = None,
    user=None,
) -> ModelVersion:
    """Train on the labelled declarations received in ``period`` and store the model version."""
    if period.end < period.start:
        raise TrainingError("--to: before --from.")
    if validation is not None:
        if validation.end < validation.start:
            raise TrainingError("--validate-to: before --validate-from.")
        if validation.start <= period.end:
            raise TrainingError("--validate-from: the validation period must begin after the training period.")
    began = time.monotonic()
    end = max(period.end, validation.end) if validation else period.end
    frame = dataset.load_frame(end=end, member_state=member_state)
    matrix, spec = features.build(frame)
    chosen = _labelled(frame, period)
    labels = frame["label"].to_numpy()[chosen]
    if len(np.unique(labels)) < 2:
        raise TrainingError(
            f"--from/--to: {int(chosen.sum())} labelled declarations in the period; training needs both "
            "irregular and regular ones."
        )
    booster = fit(matrix[chosen], labels, spec)
    seconds = time.monotonic() - began
    evaluation = None
    insights: dict = {"importance": importance(booster, spec)}
    reference = booster.predict(matrix[chosen])
    if validation is not None:
        held = _labelled(frame, validation)
        scores, held_labels = booster.predict(matrix[held]), frame["label"].to_numpy()[held]
        reference = scores if len(scores) else reference
        evaluation = evaluate(scores, held_labels)
        declaration_ids = [int(i) for i in frame["declaration_id"].to_numpy()[held]]
        evaluation["rules"] = lift_over_rules(scores, held_labels, rule_selected(declaration_ids))
        insights |= {
            "precision_curve": precision_curve(scores, held_labels),
            "calibration": calibration(scores, held_labels),
            "weekly_scores": weekly_scores(scores, frame["received"].to_numpy()[held]),
        }
    insights["score_quantiles"] = score_quantiles(reference)
    with transaction.atomic():
        number = (
            ModelVersion.objects.select_for_update()
            .filter(name=name)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        return ModelVersion.objects.create(
            name=name,
            number=number,
            member_state_id=member_state,
            train_from=period.start,
            train_to=period.end,
            validate_from=validation.start if validation else None,
            validate_to=validation.end if validation else None,
            features=spec.as_json(),
            params={**params_for(len(labels)), "num_boost_round": ROUNDS},
            library="lightgbm",
            library_version=lgb.__version__,
            model_text=booster.model_to_string(),
            training={"declarations": len(labels), "irregular": int(labels.sum()), "seconds": round(seconds, 1)},
            evaluation=evaluation,
            insights=insights,
            created_by=user,
            created_at=timezone.now(),
        )


QUANTILES = 1000


def score_quantiles(scores: np.ndarray) -> list[float]:
    """The reference a live score's percentile is read against: the validation declarations' scores (the
    training ones without a validation period), as 1,000 quantiles."""
    if not len(scores):
        return []
    return [float(value) for value in np.quantile(scores, np.linspace(0, 1, QUANTILES + 1)[1:])]


def importance(booster: lgb.Booster, spec: features.FeatureSpec, top: int = 15) -> list[dict]:
    """The features that carry the model: share of the total gain, largest first."""
    gain = booster.feature_importance(importance_type="gain")
    total = float(gain.sum()) or 1.0
    ranked = sorted(zip(spec.names, gain, strict=True), key=lambda pair: (-pair[1], pair[0]))[:top]
    return [{"feature": name, "share": float(value) / total} for name, value in ranked if value > 0]


def booster_of(model: ModelVersion) -> lgb.Booster:
    return lgb.Booster(model_str=model.model_text)


def score_period(model: ModelVersion, period: Period) -> pd.DataFrame:
    """``mrn, lrn, score`` for every declaration of the model's scope received in the period, in
    received order; behaviour from every label received strictly before each one."""
    frame = dataset.load_frame(end=period.end, member_state=model.member_state_id, labelled_or_from=period.start)
    spec = features.FeatureSpec.from_json(model.features)
    matrix, _ = features.build(frame, spec)
    chosen = period.mask(frame["received"])
    scores = booster_of(model).predict(matrix[chosen]) if chosen.any() else np.empty(0)
    out = frame.loc[chosen, ["mrn", "lrn"]].reset_index(drop=True)
    out["score"] = scores
    return out
