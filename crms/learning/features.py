"""Features of a risk model, from what is known when a declaration is filed.

Pure functions over a frame of declarations (``dataset.py`` loads it): no database, so the
same code builds the training set, the validation set, the scores and the benchmark's synthetic
million rows. Three kinds of feature:

- the ENS itself: mode, office, loading country, origin and HS chapter (categorical), item count,
  routing length, total mass, total value and value per kg;
- HS levels: the main item's HS2, HS4 and HS6 enter through their behaviour below;
- behaviour: for each party (filer, consignor, consignee, carrier), each HS level and route
  (origin or loading country x HS) the number of labelled declarations (controls) received
  **strictly before** this one, how many were irregular, and the irregularity rate smoothed
  towards the rate of all labels before it. Ties in time never see each other: declarations
  received at the same instant share one prior. This is the no-leakage rule of issue 16.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# Columns ``dataset.load_frame`` returns (and the benchmark's synthetic frame imitates).
FRAME_COLUMNS = (
    "declaration_id", "mrn", "lrn", "received", "label", "mode", "office", "loading_country",
    "routing_count", "item_count", "mass_kg", "value_eur", "hs6", "origin",
    "filer", "consignor", "consignee", "carrier",
)  # fmt: skip

CATEGORICAL = ("mode", "office", "loading_country", "origin", "hs2")
NUMERIC = ("item_count", "routing_count", "mass_kg", "value_eur", "value_per_kg")
# Behaviour keys: name -> the frame columns that make the key.
BEHAVIOUR: dict[str, tuple[str, ...]] = {
    "filer": ("filer",),
    "consignor": ("consignor",),
    "consignee": ("consignee",),
    "carrier": ("carrier",),
    "filer_consignee": ("filer", "consignee"),
    "filer_hs2": ("filer", "hs2"),
    "consignee_hs2": ("consignee", "hs2"),
    "filer_origin": ("filer", "origin"),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "origin": ("origin",),
    "loading_country": ("loading_country",),
    "office": ("office",),
    "origin_hs2": ("origin", "hs2"),
    "origin_hs6": ("origin", "hs6"),
    "loading_hs2": ("loading_country", "hs2"),
}
SMOOTHING = 5.0  # pseudo-controls at the prior rate: a party seen once is not 0 % or 100 % risky


@dataclass
class FeatureSpec:
    """What a model was trained with: feature order and the categories' codes (stored with it)."""

    names: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)
    smoothing: float = SMOOTHING

    def as_json(self) -> dict[str, Any]:
        return {"names": self.names, "categorical": self.categories, "smoothing": self.smoothing}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(list(data["names"]), {k: list(v) for k, v in data["categorical"].items()}, data["smoothing"])


def _prior_sums(codes: np.ndarray, times: np.ndarray, *values: np.ndarray) -> list[np.ndarray]:
    """For each row and each of ``values``: its sum over the rows with the same code received strictly
    earlier. ``times`` must be sorted (the caller sorts once by time; one stable sort by code here)."""
    order = np.argsort(codes, kind="stable")  # within a code, rows stay in time order
    c, t = codes[order], times[order]
    n = len(c)
    index = np.arange(n)
    new_code = np.ones(n, dtype=bool)
    new_code[1:] = c[1:] != c[:-1]
    new_run = new_code.copy()
    new_run[1:] |= t[1:] != t[:-1]
    code_start = np.maximum.accumulate(np.where(new_code, index, 0))
    run_start = np.maximum.accumulate(np.where(new_run, index, 0))
    sums = []
    for value in values:
        v = value[order]
        before = np.cumsum(v) - v  # exclusive running sum over the sorted rows
        within = before - before[code_start]
        out = np.empty(n, dtype=np.float64)
        out[order] = within[run_start]  # ties in time share the prior of the first of them
        sums.append(out)
    return sums


def _key_codes(base: dict[str, np.ndarray], columns: tuple[str, ...]) -> np.ndarray:
    """Integer codes of a (possibly combined) key from the columns' own codes."""
    combined = base[columns[0]].astype(np.int64)
    for column in columns[1:]:
        part = base[column].astype(np.int64)
        combined = combined * (int(part.max()) + 1 if len(part) else 1) + part
    return combined


def derived(frame: pd.DataFrame) -> pd.DataFrame:
    """HS levels and value per kg, added to a copy of the frame."""
    frame = frame.copy()
    hs6 = frame["hs6"].fillna("").astype(str)
    frame["hs4"] = hs6.str[:4]
    frame["hs2"] = hs6.str[:2]
    mass = frame["mass_kg"].astype(float)
    frame["value_per_kg"] = np.where(mass > 0, frame["value_eur"].astype(float) / mass.where(mass > 0, 1.0), np.nan)
    return frame


def build(frame: pd.DataFrame, spec: FeatureSpec | None = None) -> tuple[np.ndarray, FeatureSpec]:
    """The feature matrix (float64, rows in frame order) and its spec; with ``spec``, the same columns
    and category codes as the model it came from (a category unseen in training is missing)."""
    frame = derived(frame)
    raw_times = frame["received"].to_numpy(dtype=np.int64)
    by_time = np.argsort(raw_times, kind="stable")
    frame = frame.iloc[by_time].reset_index(drop=True)
    times = raw_times[by_time]
    label = frame["label"].to_numpy(dtype=np.float64)
    labelled = (~np.isnan(label)).astype(np.float64)
    positive = np.where(labelled > 0, label, 0.0)
    everyone = np.zeros(len(frame), dtype=np.int64)
    seen_all, positive_all = _prior_sums(everyone, times, labelled, positive)
    prior_rate = (positive_all + 1.0) / (seen_all + 2.0)  # all labels before: the smoothing target
    smoothing = spec.smoothing if spec else SMOOTHING

    columns: dict[str, np.ndarray] = {}
    categories = dict(spec.categories) if spec else {}
    for name in CATEGORICAL:
        values = frame[name].fillna("").astype(str)
        if spec is None:
            categories[name] = sorted(set(pd.unique(values)) - {""})
        codes = pd.Categorical(values, categories=categories[name]).codes.astype(np.float64)
        columns[name] = np.where(codes < 0, np.nan, codes)
    for name in NUMERIC:
        columns[name] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
    used = sorted({column for keys in BEHAVIOUR.values() for column in keys})
    base = {column: pd.factorize(frame[column], use_na_sentinel=False)[0] for column in used}
    for name, keys in BEHAVIOUR.items():
        controls, irregular = _prior_sums(_key_codes(base, keys), times, labelled, positive)
        columns[f"{name}_controls"] = controls
        columns[f"{name}_irregular"] = irregular
        columns[f"{name}_rate"] = (irregular + smoothing * prior_rate) / (controls + smoothing)
    names = spec.names if spec else list(columns)
    matrix = np.empty((len(frame), len(names)), dtype=np.float64)
    for position, name in enumerate(names):
        matrix[by_time, position] = columns[name]  # back to the frame's own row order
    return matrix, spec or FeatureSpec(names, categories, smoothing)
