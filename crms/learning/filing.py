"""One screened filing as the row ``features.build`` would see, and its feature vector from a snapshot.

Training builds features from a frame over the whole history; a worker scoring filings reads
their rows from what screening has already loaded (this module mirrors ``dataset.FRAME_SQL`` and
``features.derived`` over them) and their behaviour from a ``behaviour.Snapshot``, in arrays, so
that one filing and a million cost what they must. ``tests/learning/test_live_scoring.py`` checks that the
two give the same vector.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from crms.learning import features
from crms.learning.behaviour import BASE_COLUMNS, SMALL, Snapshot, codes_in, factorize

PARTY_KEYS = ("filer", "consignor", "consignee", "carrier")


def _party_key(name: str | None, eori: str | None) -> str | None:
    """EORI when given, else the upper-cased name (``dataset.FRAME_SQL``); None without the party."""
    if eori:
        return eori
    return name.upper() if name else None


def rows_of(batch) -> list[dict[str, Any]]:
    """The frame row of each declaration of a screening batch (``screening.Batch``), derived columns included."""
    items_of: list[list[int]] = [[] for _ in range(batch.n_decl)]
    for index, owner in enumerate(batch.decl_of_item):
        items_of[owner].append(index)
    hs_codes = batch.item_values["item.hs_code"]
    origins = batch.item_values["item.country_of_origin"]
    values = batch.item_values["item.value_eur"]
    decl = batch.decl_values
    rows = []
    for row in range(batch.n_decl):
        own = items_of[row]
        given = [values[index] for index in own if values[index] is not None]
        main = min(
            own,
            key=lambda index: (values[index] is None, -(values[index] or 0.0), batch.item_numbers[index]),
            default=None,
        )
        hs6 = hs_codes[main][:6] if main is not None and hs_codes[main] is not None else None
        mass = decl["total_gross_mass_kg"][row]
        value = float(sum(given)) if given else None
        place = decl["place_of_loading"][row]
        record = {
            "mode": decl["transport_mode"][row],
            "office": decl["office_of_first_entry"][row],
            "loading_country": place[:2] if place is not None else None,
            "routing_count": float(len(decl["routing.countries"][row])),
            "item_count": _float(decl["item_count"][row]),
            "mass_kg": _float(mass),
            "value_eur": value,
            "hs6": hs6,
            "origin": origins[main] if main is not None else None,
        }
        for role in PARTY_KEYS:
            record[role] = _party_key(decl[f"{role}.name"][row], decl[f"{role}.eori"][row])
        record["member_state"] = batch.first_entry[row]  # for the price baseline a reason may quote
        record["hs4"] = (hs6 or "")[:4]
        record["hs2"] = (hs6 or "")[:2]
        record["value_per_kg"] = value / float(mass) if value is not None and mass and mass > 0 else math.nan
        rows.append(record)
    return rows


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def columns_of(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Rows as the column arrays ``Vectoriser.matrix`` takes."""
    names = rows[0].keys() if rows else ()
    return {name: np.asarray([row[name] for row in rows], dtype=object) for name in names}


def frame_columns(frame) -> dict[str, np.ndarray]:
    """A frame of ``dataset.load_frame`` (derived columns added) as the column arrays ``Vectoriser.matrix`` takes."""
    frame = features.derived(frame)
    names = set(features.CATEGORICAL) | set(features.NUMERIC) | set(BASE_COLUMNS)
    return {name: frame[name].to_numpy() for name in names}


class Vectoriser:
    """Feature matrices in a model's column order, behaviour read from a snapshot (any batch size)."""

    def __init__(self, spec: features.FeatureSpec):
        self.spec = spec
        self.categories = {name: pd.Index(known, dtype=object) for name, known in spec.categories.items()}

    def matrix(
        self, columns: dict[str, Any], snapshot: Snapshot
    ) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """The features of each filing, and the (controls, irregular) counts behind each behaviour key."""
        n = len(columns["mode"])
        matrix = np.empty((n, len(self.spec.names)), dtype=np.float64, order="F")  # LightGBM reads it as is
        position = {name: at for at, name in enumerate(self.spec.names)}
        small = n < SMALL
        factors = None if small else factorize(columns, set(features.CATEGORICAL) | set(BASE_COLUMNS))
        for name in features.CATEGORICAL:
            if small:
                raw = columns[name]
                text = np.array(["" if value is None or value != value else str(value) for value in raw], dtype=object)
                codes = codes_in(self.categories[name], text)
            else:
                codes, uniques = factors[name]
                known = np.append(self.categories[name].get_indexer([str(value) for value in uniques]), -1)
                codes = known[codes]  # a missing value (-1) reads the appended -1: not a category
            matrix[:, position[name]] = np.where(codes < 0, np.nan, codes)
        for name in features.NUMERIC:
            raw = columns[name]
            if small:
                matrix[:, position[name]] = [np.nan if value is None else value for value in raw]
            else:
                matrix[:, position[name]] = pd.Series(raw).astype(np.float64).to_numpy()
        counts = snapshot.counts(columns, factors)
        smoothing, prior = self.spec.smoothing, snapshot.prior_rate
        for name, (controls, irregular) in counts.items():
            matrix[:, position[f"{name}_controls"]] = controls
            matrix[:, position[f"{name}_irregular"]] = irregular
            rate = matrix[:, position[f"{name}_rate"]]
            np.add(irregular, smoothing * prior, out=rate)
            rate /= controls + smoothing
        return matrix, counts
