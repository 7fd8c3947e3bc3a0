"""One screened filing as the row ``features.build`` would see, and its feature vector from a snapshot.

Training builds features from a frame with pandas over the whole history; a worker scoring one
filing cannot afford pandas (the issue allows 2 ms), so this module mirrors ``dataset.FRAME_SQL``
and ``features.derived`` in plain Python over the rows screening has already loaded, and reads
behaviour from a ``behaviour.Snapshot``. ``tests/learning/test_live_scoring.py`` checks that the
two give the same vector.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from crms.learning import features
from crms.learning.behaviour import Snapshot, key_value

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
        record["hs4"] = (hs6 or "")[:4]
        record["hs2"] = (hs6 or "")[:2]
        record["value_per_kg"] = value / float(mass) if value is not None and mass and mass > 0 else math.nan
        rows.append(record)
    return rows


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


class Vectoriser:
    """Feature vectors in a model's column order; category codes looked up once per model."""

    def __init__(self, spec: features.FeatureSpec):
        self.spec = spec
        self.codes = {
            name: {value: code for code, value in enumerate(values)} for name, values in spec.categories.items()
        }

    def vector(self, row: dict[str, Any], snapshot: Snapshot) -> tuple[np.ndarray, dict[str, tuple[float, float]]]:
        """The features of one row, and the (controls, irregular) counts behind each behaviour key."""
        values: dict[str, float] = {}
        for name in features.CATEGORICAL:
            raw = row[name]
            code = self.codes[name].get("" if raw is None else str(raw))
            values[name] = math.nan if code is None else float(code)
        for name in features.NUMERIC:
            raw = row[name]
            values[name] = math.nan if raw is None else float(raw)
        counts = {}
        smoothing, prior = self.spec.smoothing, snapshot.prior_rate
        for name, columns in features.BEHAVIOUR.items():
            controls, irregular = snapshot.lookup(name, tuple(key_value(row[column]) for column in columns))
            counts[name] = (controls, irregular)
            values[f"{name}_controls"] = controls
            values[f"{name}_irregular"] = irregular
            values[f"{name}_rate"] = (irregular + smoothing * prior) / (controls + smoothing)
        return np.array([values[name] for name in self.spec.names], dtype=np.float64), counts
