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
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from crms.learning import dataset, features

MISSING = "\0"  # a missing value (no consignor, no goods item) as one key, as ``features.build`` groups it
BASE_COLUMNS = tuple(sorted({column for columns in features.BEHAVIOUR.values() for column in columns}))


def key_values(values: Any) -> np.ndarray:
    """A column's values as keys: None and NaN as one key, as ``pd.factorize(use_na_sentinel=False)``
    treats them in training."""
    array = np.asarray(values, dtype=object)
    return np.where(pd.isna(array), MISSING, array)


SMALL = 32  # below this many filings, dictionary lookups beat pandas' hash tables (their set-up dominates)


Factors = dict[str, tuple[np.ndarray, np.ndarray]]  # column -> pd.factorize's (codes, uniques), -1 for missing


def factorize(columns: dict[str, Any], names) -> Factors:
    """Each named column factorised once: a large batch then looks up its few distinct values, not
    every row, in a model's or snapshot's categories (and shares the work between the two)."""
    return {name: pd.factorize(np.asarray(columns[name], dtype=object)) for name in names}


def coded_from(factor: tuple[np.ndarray, np.ndarray], index: pd.Index, missing: int) -> np.ndarray:
    """Positions in ``index`` of a factorised column's values (-1 when absent, ``missing`` for None/NaN)."""
    codes, uniques = factor
    positions = np.append(index.get_indexer(uniques).astype(np.int64), missing)  # position -1 reads ``missing``
    return positions[codes]


def codes_in(index: pd.Index, values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` in ``index`` (-1 when absent), fast for one filing and for a million."""
    if len(values) >= SMALL:
        return index.get_indexer(values).astype(np.int64)
    return np.fromiter((index.get_loc(v) if v in index else -1 for v in values), dtype=np.int64, count=len(values))


@dataclass(frozen=True)
class KeyCounts:
    """One behaviour key's counts: its groups' combined codes (sorted) and their label counts."""

    codes: np.ndarray
    controls: np.ndarray
    irregular: np.ndarray

    @cached_property
    def index(self) -> pd.Index:
        """The codes as an index whose hash table is built once per snapshot, not once per batch."""
        return pd.Index(self.codes)


@dataclass(frozen=True)
class Snapshot:
    """Label counts per behaviour key, as arrays: a filing's key is coded through each base column's
    categories, then found among the key's groups by binary search (vectorised for any batch size)."""

    prior_rate: float
    categories: dict[str, pd.Index]
    keys: dict[str, KeyCounts]
    labels: int
    built_at: float

    def _combined(self, columns: tuple[str, ...], coded: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Combined codes of a key, and where every part is known."""
        known = np.ones(len(coded[columns[0]]), dtype=bool)
        combined = np.zeros(len(known), dtype=np.int64)
        for column in columns:
            part = coded[column]
            known &= part >= 0
            combined = combined * (len(self.categories[column]) + 1) + np.maximum(part, 0)
        return combined, known

    def _code(self, column: str, value: Any) -> int:
        key = MISSING if value is None or value != value else value
        try:
            return self.categories[column].get_loc(key)
        except KeyError:
            return -1

    def _counts_small(self, values: dict[str, Any], n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The same for a few filings in plain Python: numpy's per-call cost would dominate (the 2 ms budget)."""
        out = {name: (np.zeros(n), np.zeros(n)) for name in features.BEHAVIOUR}
        for row in range(n):
            coded = {column: self._code(column, values[column][row]) for column in BASE_COLUMNS}
            for name, columns in features.BEHAVIOUR.items():
                table = self.keys[name]
                if not len(table.codes) or any(coded[column] < 0 for column in columns):
                    continue
                combined = 0
                for column in columns:
                    combined = combined * (len(self.categories[column]) + 1) + coded[column]
                at = int(np.searchsorted(table.codes, combined))
                if at < len(table.codes) and table.codes[at] == combined:
                    out[name][0][row], out[name][1][row] = table.controls[at], table.irregular[at]
        return out

    def counts(
        self, values: dict[str, Any], factors: Factors | None = None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per behaviour key: (controls, irregular) for each filing; ``values`` holds the base columns,
        ``factors`` (optional) their factorisation when the caller has it already."""
        n = len(values[BASE_COLUMNS[0]])
        if n < SMALL:
            return self._counts_small(values, n)
        factors = factors if factors is not None else factorize(values, BASE_COLUMNS)
        coded = {
            column: coded_from(factors[column], self.categories[column], self._code(column, None))
            for column in BASE_COLUMNS
        }
        out = {}
        for name, columns in features.BEHAVIOUR.items():
            combined, known = self._combined(columns, coded)
            table = self.keys[name]
            if not len(table.codes):  # no labels at all yet
                out[name] = (np.zeros(len(known)), np.zeros(len(known)))
                continue
            at = table.index.get_indexer(combined)  # a hash lookup: faster than binary search here
            found = known & (at >= 0)
            at = np.maximum(at, 0)
            out[name] = (np.where(found, table.controls[at], 0.0), np.where(found, table.irregular[at], 0.0))
        return out


def build(frame: pd.DataFrame) -> Snapshot:
    """Counts over the labelled rows of a frame as ``dataset.load_frame`` returns it."""
    frame = features.derived(frame)
    labelled = frame[frame["label"].notna()]
    seen = len(labelled)
    label = labelled["label"].to_numpy(dtype=np.float64)
    categories, coded = {}, {}
    for column in BASE_COLUMNS:
        codes, uniques = pd.factorize(key_values(labelled[column].to_numpy()))
        categories[column], coded[column] = pd.Index(uniques, dtype=object), codes.astype(np.int64)
    snapshot = Snapshot((float(label.sum()) + 1.0) / (seen + 2.0), categories, {}, seen, time.monotonic())
    for name, columns in features.BEHAVIOUR.items():
        combined, _known = snapshot._combined(columns, coded)
        groups, inverse = np.unique(combined, return_inverse=True)
        snapshot.keys[name] = KeyCounts(
            groups,
            np.bincount(inverse, minlength=len(groups)).astype(np.float64),
            np.bincount(inverse, weights=label, minlength=len(groups)),
        )
    return snapshot


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
