"""A demo risk model (issue 16): January 2020 of the shipped labelled history imported for France, a model
trained on its first three weeks and validated on the rest, left as a draft for the FR risk manager to
submit. Shows the model page and its charts on a fresh ``make run``; safe to re-run."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import orjson

from crms.learning.history import import_lines
from crms.learning.models import ModelVersion
from crms.learning.training import Period, train

DATA = Path(__file__).resolve().parent / "data" / "kcs_train.jsonl.gz"
NAME = "demo-fr"
TRAIN = Period(dt.date(2020, 1, 1), dt.date(2020, 1, 21))
VALIDATE = Period(dt.date(2020, 1, 22), dt.date(2020, 1, 31))


def _lines() -> list[dict]:
    last = VALIDATE.end.isoformat()
    with gzip.open(DATA, "rb") as source:
        lines = [orjson.loads(raw) for raw in source]
    return [line for line in lines if line["received_at"][:10] <= last]


def load_demo_model() -> str:
    if ModelVersion.objects.filter(name=NAME).exists():
        return "already present"
    from crms.learning.management.commands.import_history import history_user

    results = import_lines(_lines(), user=history_user("FR"))
    model = train(name=NAME, period=TRAIN, member_state="FR", validation=VALIDATE)
    imported = sum(1 for result in results if result.imported)
    return f"{imported} history lines imported, model {model.name} v{model.number} trained (draft)"
