"""``score_declarations --model ID --from DATE --to DATE --out PATH.csv``: ``mrn,lrn,score`` per declaration.

Every declaration of the model's scope (its Member State of first entry, or all for an EU-wide
model) received in the period, in received order; score 0-1, higher is riskier (contract 6).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crms.learning.management.commands._dates import day
from crms.learning.models import ModelVersion
from crms.learning.training import Period, score_period


class Command(BaseCommand):
    help = "Write mrn,lrn,score for every declaration received in a period, scored by a model version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, help="Model version id (train_risk_model prints it)")
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD (UTC, included)")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (UTC, included)")
        parser.add_argument("--out", required=True, help="CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        if not re.fullmatch(r"[0-9]{1,9}", str(options["model"])):
            raise CommandError(f"--model: not a model version id: {options['model']!r}")
        model = ModelVersion.objects.filter(pk=int(options["model"])).first()
        if model is None:
            raise CommandError(f"--model: no model version {options['model']}.")
        period = Period(day("--from", options["start"]), day("--to", options["end"]))
        if period.end < period.start:
            raise CommandError("--to: before --from.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: no such folder: {out.parent}")
        scores = score_period(model, period)
        with out.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["mrn", "lrn", "score"])
            for mrn, lrn, score in scores.itertuples(index=False):
                writer.writerow([mrn, lrn, f"{score:.6f}"])
        self.stdout.write(f"Wrote {len(scores)} scores of {model.name} v{model.number} to {out}")
