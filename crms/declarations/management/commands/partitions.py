"""``manage.py partitions [--ensure] [--drop YYYY-MM]``: the monthly partitions of declarations (issue 17).

Without options, lists each month: estimated rows per table and size on disk. ``--ensure`` creates the
current and next months (the nightly housekeeping does it too); ``--drop`` removes a whole month of
declarations, what hangs off them and what points at them, in one transaction (retention by partition).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from crms.core.formatting import number
from crms.declarations.partitions import FAMILY, drop_month, ensure_ahead, list_months

LABELS = {
    "declarations_declarationversion": "versions",
    "declarations_party": "parties",
    "declarations_goodsitem": "goods items",
    "risk_engine_assessment": "assessments",
    "risk_engine_hit": "hits",
}


class Command(BaseCommand):
    help = "List, create ahead or drop the monthly partitions of declarations."

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="Create the current and next months")
        parser.add_argument("--drop", metavar="YYYY-MM", help="Drop this month of declarations (irreversible)")

    def handle(self, *args, ensure, drop, **options):
        if ensure:
            result = ensure_ahead()
            self.stdout.write(f"Created {len(result.created)} partitions.")
            for line in result.blocked:
                self.stdout.write(f"Not created: {line}")
        if drop:
            try:
                month = dt.datetime.strptime(drop, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError("--drop: a month as YYYY-MM, e.g. 2025-01") from exc
            try:
                result = drop_month(month)
            except (LookupError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Dropped {month:%m/%Y}: {number(result.versions)} versions, {number(result.declarations)} "
                f"declarations; partitions in {result.seconds_partitions * 1000:.0f} ms, dependents in "
                f"{result.seconds_dependents * 1000:.0f} ms."
            )
        if ensure or drop:
            return
        for entry in list_months():
            label = "default" if entry.month is None else f"{entry.month:%m/%Y}"
            counts = ", ".join(f"{LABELS[table]} ~{number(entry.tables.get(table, 0))}" for table, _ in FAMILY)
            self.stdout.write(f"{label:>8}  {counts}  ({number(round(entry.bytes / 2**20))} MiB)")
