"""The behaviour of parties, HS levels and routes as one table of counts, for scoring live filings.

Training recomputes behaviour for every row from the labels received strictly before it
(``features.build``). A filing screened now comes after every label there is, so its behaviour is
the count over all labels of the model's scope: this snapshot, built once and kept in the
worker for ``LEARNED_BEHAVIOUR_MAX_AGE_SECONDS`` (5 minutes; labels arrive with control results all
day, and recounting them for every filing would cost seconds, not the 2 ms the issue allows). A snapshot is never newer
than the filing it scores, so no label of the filing itself can be in it: the no-leakage rule of
training holds for live scores too. ``features.build`` on the same labels plus the new filing
gives the same numbers (a test checks it).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from crms.learning import dataset, features

MISSING = "\0"  # a missing value (no consignor, no goods item) as one key, as ``features.build`` groups it


def key_value(value: Any) -> Any:
    """The same key for None and NaN, as ``pd.factorize(use_na_sentinel=False)`` treats them in training."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return MISSING
    return value


@dataclass(frozen=True)
class Snapshot:
    """Label counts per behaviour key: ``counts[name][key] = (controls, irregular)``."""

    prior_rate: float
    counts: dict[str, dict[tuple, tuple[float, float]]]
    labels: int
    built_at: float

    def lookup(self, name: str, key: tuple) -> tuple[float, float]:
        return self.counts[name].get(key, (0.0, 0.0))


def build(frame: pd.DataFrame) -> Snapshot:
    """Counts over the labelled rows of a frame as ``dataset.load_frame`` returns it."""
    frame = features.derived(frame)
    labelled = frame[frame["label"].notna()]
    seen = len(labelled)
    positive = float(labelled["label"].sum()) if seen else 0.0
    counts: dict[str, dict[tuple, tuple[float, float]]] = {}
    for name, columns in features.BEHAVIOUR.items():
        keys = labelled[list(columns)].astype(object).where(labelled[list(columns)].notna(), MISSING)
        grouped = labelled["label"].groupby([keys[column] for column in columns], sort=False, dropna=False)
        controls, irregular = grouped.size(), grouped.sum()  # same groups, same order
        counts[name] = {
            (key if isinstance(key, tuple) else (key,)): (float(n), float(bad))
            for key, n, bad in zip(controls.index, controls.to_numpy(), irregular.to_numpy(), strict=True)
        }
    return Snapshot((positive + 1.0) / (seen + 2.0), counts, seen, time.monotonic())


def load(member_state: str | None) -> Snapshot:
    """The labels of a model's scope (its Member State, or all for an EU-wide model) up to now."""
    frame = dataset.load_frame(end=timezone.now().date(), member_state=member_state)
    return build(frame)


_lock = threading.Lock()
_snapshots: dict[str | None, Snapshot] = {}


def snapshot_for(member_state: str | None) -> Snapshot:
    """This worker's snapshot of the scope, counted again when older than the setting."""
    with _lock:
        current = _snapshots.get(member_state)
        if current is None or time.monotonic() - current.built_at >= settings.LEARNED_BEHAVIOUR_MAX_AGE_SECONDS:
            current = _snapshots[member_state] = load(member_state)
        return current


def forget() -> None:
    """Count again at the next scoring (tests; after a bulk label import)."""
    with _lock:
        _snapshots.clear()
