"""Built-in checks beside the criteria: vague descriptions, unspecified HS codes, credibility, price outliers.

They produce data-quality warnings on the assessment; they never set the outcome.
Credibility bounds (value per kg, mass per package) are learned per HS chapter from
stored history (``learn_credibility_bounds``). A price outlier is a goods item whose value per kg is
below a fifth or above five times its price baseline (``crms.learning.prices``, issue 16 point 5):
the loader puts the ratio and the baseline on the item (``price_deviation``, ``price_baseline``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from crms.core import formatting
from crms.core.caching import cached_per_revision
from crms.learning.prices import is_outlier
from risk_engine.models import CredibilityBound

STC = ("said to contain", "stc")
_WORD = re.compile(r"[^\w]+")
MIN_SAMPLE = 30
LOW_QUANTILE, HIGH_QUANTILE = 0.01, 0.99


@dataclass(frozen=True)
class Checks:
    vague_terms: frozenset[str]
    vague_words: frozenset[str]
    bounds: dict[tuple[str, str], tuple[float, float]]  # (chapter, metric) -> (low, high)

    @classmethod
    def load(cls) -> Checks:
        from crms.reference.models import VagueGoodsTerm

        terms = frozenset(VagueGoodsTerm.objects.values_list("term", flat=True))
        words = frozenset(word for term in terms for word in term.split())
        bounds = {(b.chapter, b.metric): (b.low, b.high) for b in CredibilityBound.objects.all()}
        return cls(terms, words, bounds)


def is_vague(description: str, checks: Checks) -> bool:
    text = " ".join(_WORD.sub(" ", description.casefold()).split())
    if not text or text in checks.vague_terms or text.startswith(STC):
        return True
    return all(word in checks.vague_words for word in text.split())


def item_warnings(item: dict, *, phase: str, checks: Checks) -> list[dict]:
    number = item["item_number"]
    warnings = []

    def warn(code: str, field: str, message: str) -> None:
        warnings.append({"code": code, "item": number, "field": f"item.{field}", "message": message})

    if is_vague(item["description"], checks):
        warn("vague_description", "description", f"“{item['description']}” is not an acceptable goods description.")
    hs_code = item["hs_code"]
    if not hs_code:
        if phase == "pre_loading":
            warn("missing_hs_code", "hs_code", "No HS code: the description alone must identify the goods.")
    elif hs_code[:2] == "99" or hs_code[:6] == "999999":
        warn("unspecified_hs_code", "hs_code", f"{hs_code} is “not specified according to kind” in the nomenclature.")
    chapter = hs_code[:2]
    mass, value, packages = item["gross_mass_kg"], item["value_eur"], item["packages"]
    value_per_kg = value / mass if value is not None and not math.isnan(value) and mass > 0 else None
    for metric, observed in (
        ("value_per_kg", value_per_kg),
        ("mass_per_package", mass / packages if packages else None),
    ):
        bound = checks.bounds.get((chapter, metric))
        if bound is None or observed is None:
            continue
        low, high = bound
        if not low <= observed <= high:
            warn(
                f"implausible_{metric}",
                "value_eur" if metric == "value_per_kg" else "gross_mass_kg",
                f"{metric.replace('_', ' ')} {formatting.number(observed, 2)} is outside the usual range "
                f"{formatting.number(low, 2)} to {formatting.number(high, 2)} for HS chapter {chapter}.",
            )
    ratio, baseline = item.get("price_deviation"), item.get("price_baseline")
    if baseline is not None and is_outlier(ratio):
        warn("price_outlier", "value_eur", price_outlier_message(value / mass, ratio, baseline))
    return warnings


def price_outlier_message(value_per_kg: float, ratio: float, baseline) -> str:
    """ "value per kg 0,12 EUR is 0,05 x the baseline of 2,40 EUR per kg for 610910 from BD into FR." """
    return (
        f"value per kg {formatting.number(value_per_kg, 2)} EUR is {formatting.ratio(ratio)} the baseline of "
        f"{formatting.number(baseline.median, 2)} EUR per kg for {baseline.key_text}."
    )


def learn_credibility_bounds(*, days: int = 365) -> int:
    """Quantile bounds per chapter from the last ``days`` of goods items; returns bounds stored."""
    since = timezone.now() - timezone.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT left(i.hs_code, 2), i.value_eur / NULLIF(i.gross_mass_kg, 0), i.gross_mass_kg / NULLIF(i.packages, 0)
            FROM declarations_goodsitem i JOIN declarations_declarationversion v ON v.id = i.version_id
            WHERE v.filed_at >= %s AND i.hs_code <> ''
            """,
            [since],
        )
        frame = pd.DataFrame(cursor.fetchall(), columns=["chapter", "value_per_kg", "mass_per_package"])
    for metric in ("value_per_kg", "mass_per_package"):
        frame[metric] = pd.to_numeric(frame[metric], errors="coerce")  # also types an empty history
    now = timezone.now()
    bounds = []
    for metric in ("value_per_kg", "mass_per_package"):
        column = frame[["chapter", metric]].dropna()
        grouped = column.groupby("chapter")[metric]
        stats = pd.DataFrame(
            {"low": grouped.quantile(LOW_QUANTILE), "high": grouped.quantile(HIGH_QUANTILE), "n": grouped.size()}
        )
        for chapter, row in stats[stats["n"] >= MIN_SAMPLE].iterrows():
            bounds.append(
                CredibilityBound(
                    chapter=chapter,
                    metric=metric,
                    low=float(row["low"]),
                    high=float(row["high"]),
                    sample_size=int(row["n"]),
                    computed_at=now,
                )
            )
    with transaction.atomic():
        CredibilityBound.objects.all().delete()
        CredibilityBound.objects.bulk_create(bounds)
    current_checks.forget()
    return len(bounds)


@cached_per_revision
def current_checks() -> Checks:
    """Reference terms and learned bounds: reloaded when the criteria revision moves (bounds bump it)."""
    return Checks.load()
