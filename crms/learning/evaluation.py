"""How good a model's ranking is on labelled declarations: one definition for every figure of a model.

- precision at k %: the share of irregular declarations among the ceil(k % x n) highest scored
  (ties broken by position, so the figure is deterministic);
- recall at k %: the irregular declarations found there over all irregular ones;
- lift at k %: precision at k % over the base rate (what random selection would find);
- AUC: the probability that an irregular declaration scores above a regular one (ties count half).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import rankdata

PERCENTS = (1, 2, 5, 10)


def top_share(percent: float, n: int) -> int:
    return min(n, max(1, math.ceil(n * percent / 100))) if n else 0


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    ranks = rankdata(scores)
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def evaluate(scores: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """The evaluation stored with a model version and shown by the API."""
    labels = labels.astype(int)
    n, positives = len(labels), int(labels.sum())
    base_rate = positives / n if n else None
    order = np.lexsort((np.arange(n), -scores))
    at = []
    for percent in PERCENTS:
        k = top_share(percent, n)
        found = int(labels[order[:k]].sum())
        precision = found / k if k else None
        at.append(
            {
                "percent": percent,
                "declarations": k,
                "irregular": found,
                "precision": precision,
                "recall": found / positives if positives else None,
                "lift": precision / base_rate if precision is not None and base_rate else None,
            }
        )
    return {
        "declarations": n,
        "irregular": positives,
        "base_rate": base_rate,
        "auc": auc(scores, labels),
        "at": at,
        # The same figures keyed by percent, for readers that want one of them directly.
        "precision_at": {str(row["percent"]): row["precision"] for row in at},
        "recall_at": {str(row["percent"]): row["recall"] for row in at},
        "lift_at": {str(row["percent"]): row["lift"] for row in at},
    }


CURVE_PERCENTS = (0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100)
WEEK_MICROS = 7 * 24 * 3600 * 1_000_000
MONDAY_OFFSET = 4 * 24 * 3600 * 1_000_000  # 1 January 1970 was a Thursday


def precision_curve(scores: np.ndarray, labels: np.ndarray) -> list[dict[str, float]]:
    """Precision and recall when controlling the top k % (the model page's precision-at-k chart)."""
    labels = labels.astype(int)
    n, positives = len(labels), int(labels.sum())
    order = np.lexsort((np.arange(n), -scores))
    found = np.cumsum(labels[order])
    points = []
    for percent in CURVE_PERCENTS:
        k = top_share(percent, n)
        if k:
            points.append(
                {
                    "percent": percent,
                    "precision": float(found[k - 1] / k),
                    "recall": float(found[k - 1] / positives) if positives else 0.0,
                }
            )
    return points


def calibration(scores: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per tenth of declarations by score: mean score against the share found irregular (well calibrated:
    the two agree)."""
    if not len(scores):
        return []
    order = np.lexsort((np.arange(len(scores)), scores))
    out = []
    for part in np.array_split(order, min(bins, len(scores))):
        out.append(
            {"mean_score": float(scores[part].mean()), "irregular_share": float(labels[part].mean()), "n": len(part)}
        )
    return out


def weekly_scores(scores: np.ndarray, received_micros: np.ndarray) -> list[dict[str, Any]]:
    """Per ISO week (Monday) of receipt: how many, and the 10th, 50th and 90th percentile of scores (drift)."""
    if not len(scores):
        return []
    weeks = (received_micros - MONDAY_OFFSET) // WEEK_MICROS
    out = []
    for week in np.unique(weeks):
        chosen = scores[weeks == week]
        p10, p50, p90 = np.percentile(chosen, [10, 50, 90])
        monday = int(week) * WEEK_MICROS + MONDAY_OFFSET
        out.append({"week_micros": monday, "n": len(chosen), "p10": float(p10), "p50": float(p50), "p90": float(p90)})
    return out
