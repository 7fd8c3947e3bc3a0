"""The rules alone on a model's validation declarations: what the published criteria would select there.

Issue 16 asks for each model's lift over the rules alone: the criteria in force when the model is
trained run over the validation period's declarations (as a backtest would, with the screening
engine itself); a declaration is selected by the rules when a criterion that is not in shadow
gives it an outcome other than "assessment complete". The model is then judged on the same
number of declarations: its precision on its k highest scores over the rules' precision on
their k selections.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

CHUNK = 2_000


def _current_versions(declaration_ids: list[int]) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT d.id, v.id FROM declarations_declaration d
               JOIN declarations_declarationversion v ON v.declaration_id = d.id AND v.version = d.current_version
               WHERE d.id = ANY(%s)""",
            [declaration_ids],
        )
        return dict(cursor.fetchall())


def rule_selected(declaration_ids: list[int]) -> np.ndarray:
    """Per declaration (in the given order): whether the criteria in force now select it."""
    from risk_engine.compiler import screening_criteria
    from risk_engine.screening import find_hits, load_batch

    criteria, watch_lists, _revision = screening_criteria(timezone.now())
    selecting = [c for c in criteria if not c.shadow and c.outcome != "assessment_complete"]
    out = np.zeros(len(declaration_ids), dtype=bool)
    if not selecting or not declaration_ids:
        return out
    versions = _current_versions(declaration_ids)
    position = {versions[d]: index for index, d in enumerate(declaration_ids) if d in versions}
    ids = list(position)
    for start in range(0, len(ids), CHUNK):
        batch = load_batch(ids[start : start + CHUNK])
        for row in find_hits(batch, selecting, watch_lists):
            out[position[batch.version_ids[row]]] = True
    return out


def lift_over_rules(scores: np.ndarray, labels: np.ndarray, selected: np.ndarray) -> dict[str, Any]:
    """The rules' selections against the model's as many highest scores, on the same declarations."""
    k = int(selected.sum())
    labels = labels.astype(int)
    if not k:
        return {"declarations": 0, "irregular": 0, "precision": None, "model_precision": None, "lift": None}
    found = int(labels[selected].sum())
    order = np.lexsort((np.arange(len(scores)), -scores))
    model_found = int(labels[order[:k]].sum())
    precision, model_precision = found / k, model_found / k
    return {
        "declarations": k,
        "irregular": found,
        "precision": precision,
        "model_precision": model_precision,
        "lift": model_precision / precision if precision else None,
    }
