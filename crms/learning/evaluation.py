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
