"""The main reasons of a learned score, in plain language (issue 16 point 4).

LightGBM gives each prediction's contribution per feature (``pred_contrib``, exact tree SHAP
values in log-odds). The three columns of one behaviour key (controls, irregularities, rate) are
one reason, every other feature is its own; the reasons that raise the score most come first.
The text states the facts the model saw ("consignee had 4 irregularities in 6 controls"), never
the model's internals, with names instead of codes and European numbers.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from crms.core import formatting, labels
from crms.learning import features

SHOWN = 3

# Who or what a behaviour key counts, from the filing's own values.
SUBJECTS = {
    "filer": lambda r: "filer",
    "consignor": lambda r: "consignor",
    "consignee": lambda r: "consignee",
    "carrier": lambda r: "carrier",
    "filer_consignee": lambda r: "this filer with this consignee",
    "filer_hs2": lambda r: f"filer in HS chapter {r['hs2']}",
    "consignee_hs2": lambda r: f"consignee in HS chapter {r['hs2']}",
    "filer_origin": lambda r: f"filer with goods from {_country(r['origin'])}",
    "hs6": lambda r: f"HS subheading {r['hs6']}",
    "hs4": lambda r: f"HS heading {r['hs4']}",
    "hs2": lambda r: f"HS chapter {r['hs2']}",
    "origin": lambda r: f"goods from {_country(r['origin'])}",
    "loading_country": lambda r: f"loadings in {_country(r['loading_country'])}",
    "office": lambda r: f"office of first entry {labels.office(r['office'])}",
    "origin_hs2": lambda r: f"HS chapter {r['hs2']} from {_country(r['origin'])}",
    "origin_hs6": lambda r: f"HS subheading {r['hs6']} from {_country(r['origin'])}",
    "loading_hs2": lambda r: f"HS chapter {r['hs2']} loaded in {_country(r['loading_country'])}",
}


def _country(code: Any) -> str:
    return labels.country_name(code) or str(code) if code else "an unknown country"


def _plural(count: float, singular: str, plural: str) -> str:
    return f"{formatting.count(count)} {singular if count == 1 else plural}"


def _behaviour(name: str, row: dict[str, Any], counts: tuple[float, float]) -> str:
    subject = SUBJECTS[name](row)
    controls, irregular = counts
    if not controls:
        return f"{subject}: no control results yet"
    found = _plural(irregular, "irregularity", "irregularities")
    return f"{subject} had {found} in {_plural(controls, 'control', 'controls')}"


def price_note(row: dict[str, Any], baselines=None) -> str | None:
    """How the filing's value per kg compares with its price baseline ("far below the baseline of 3,40
    EUR for 610910 from BD"), None without a baseline. ``baselines``: those of the screening's revision."""
    from crms.learning import prices

    value = row.get("value_per_kg")
    if value is None or value != value or value <= 0:
        return None
    key = (row.get("hs6"), row.get("origin"), row.get("member_state"))
    baseline = baselines.lookup(*key) if baselines is not None else prices.baseline_for(*key)
    if baseline is None or baseline.median <= 0:
        return None
    ratio = value / baseline.median
    where = (
        "far below"
        if ratio < prices.OUTLIER_BELOW
        else "below"
        if ratio < 0.67
        else "far above"
        if ratio > prices.OUTLIER_ABOVE
        else "above"
        if ratio > 1.5
        else "close to"
    )  # fmt: skip: "far" exactly when the price is an outlier (one definition, in prices)
    return f"{where} the baseline of {formatting.number(baseline.median, 2)} EUR for {baseline.key_text}"


def _feature(name: str, row: dict[str, Any], baselines=None) -> str:
    value = row.get(name)
    if name == "value_per_kg":
        text = f"value per kg {formatting.number(value, 2)} EUR"
        note = price_note(row, baselines)
        return f"{text}, {note}" if note else text
    if name == "value_eur":
        return f"total value {formatting.number(value, 0)} EUR"
    if name == "mass_kg":
        return f"gross mass {formatting.number(value, 0)} kg"
    if name == "item_count":
        return _plural(value or 0, "goods item", "goods items")
    if name == "routing_count":
        return f"routed through {_plural(value or 0, 'country', 'countries')}"
    if name == "mode":
        return f"transport by {labels.mode(value).lower()}" if value else "transport mode not given"
    if name == "office":
        return f"office of first entry {labels.office(value)}"
    if name == "loading_country":
        return f"loaded in {_country(value)}"
    if name == "origin":
        return f"origin {_country(value)}"
    if name == "hs2":
        return f"HS chapter {value}" if value else "no HS code"
    return name.replace("_", " ")


@functools.lru_cache(maxsize=64)
def groups(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Reason -> the feature columns it sums: a behaviour key's three columns together."""
    out: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        key, _, kind = name.rpartition("_")
        group = key if key in features.BEHAVIOUR and kind in ("controls", "irregular", "rate") else name
        out.setdefault(group, []).append(index)
    return {group: np.asarray(columns) for group, columns in out.items()}


def main_reasons(
    contributions: np.ndarray,
    names: list[str],
    row: dict[str, Any],
    counts: dict[str, tuple[float, float]],
    baselines=None,
) -> list[dict[str, Any]]:
    """The (at most three) reasons that raise this score most, each with its share of the log-odds."""
    summed = [(float(contributions[columns].sum()), group) for group, columns in groups(tuple(names)).items()]
    raising = sorted((pair for pair in summed if pair[0] > 0), key=lambda pair: (-pair[0], pair[1]))[:SHOWN]
    out = []
    for contribution, group in raising:
        behaviour = group in features.BEHAVIOUR
        text = _behaviour(group, row, counts[group]) if behaviour else _feature(group, row, baselines)
        out.append({"feature": group, "text": text[0].upper() + text[1:], "contribution": round(contribution, 4)})
    return out
