"""``train_risk_model --name NAME --from DATE --to DATE [--member-state FR] [--validate-from D --validate-to D]``.

Trains a LightGBM model on the labelled declarations received in the period (contract 6) and
prints, as its last line, the id of the stored model version.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE
from crms.learning.management.commands._dates import day
from crms.learning.training import Period, TrainingError, train


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = "Train a risk model on labelled declarations of a period; prints the model version id last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD (UTC, included)")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (UTC, included)")
        parser.add_argument("--member-state", help="Train on and for this Member State's declarations (else EU-wide)")
        parser.add_argument("--validate-from", help="Validation period start, after --to")
        parser.add_argument("--validate-to", help="Validation period end (included)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name or len(name) > 120:
            raise CommandError("--name: 1 to 120 characters.")
        period = Period(day("--from", options["start"]), day("--to", options["end"]))
        validate = (day("--validate-from", options["validate_from"]), day("--validate-to", options["validate_to"]))
        if (validate[0] is None) != (validate[1] is None):
            raise CommandError("--validate-from and --validate-to go together.")
        member_state = (options["member_state"] or "").upper() or None
        if member_state and not Organisation.objects.filter(code=member_state).exclude(code=COMMISSION_CODE).exists():
            raise CommandError(f"--member-state: {member_state!r} is not a Member State code (FR, NL, ...).")
        try:
            model = train(
                name=name,
                period=period,
                member_state=member_state,
                validation=Period(*validate) if validate[0] else None,
            )
        except TrainingError as exc:
            raise CommandError(str(exc)) from exc
        training = model.training
        self.stdout.write(
            f"Trained {model.name} v{model.number} ({model.member_state_id or 'EU-wide'}) on "
            f"{training['declarations']} labelled declarations ({training['irregular']} irregular) "
            f"in {training['seconds']} s."
        )
        if model.evaluation:
            evaluation = model.evaluation
            self.stdout.write(
                f"Validation: {evaluation['declarations']} declarations, {evaluation['irregular']} irregular, "
                f"AUC {_figure(evaluation['auc'])}"
            )
            for row in evaluation["at"]:
                self.stdout.write(
                    f"  top {row['percent']}%: precision {_figure(row['precision'])}, "
                    f"recall {_figure(row['recall'])}, lift {_figure(row['lift'])}"
                )
        self.stdout.write(str(model.pk))
