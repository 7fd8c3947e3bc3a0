"""``manage.py partitions [--ensure [--since YYYY-MM]] [--rehome YYYY-MM] [--drop YYYY-MM]``: monthly partitions.

Without options, lists each month: estimated rows per table and size on disk. ``--ensure`` creates the
current and next months (the nightly housekeeping does it too), with ``--since`` every past month from
that one (before loading history, so it lands in its own months); ``--rehome`` moves a month's rows out
of the default partitions into the month's own (filed before it existed); ``--drop`` removes a whole
month of declarations, what hangs off them and what points at them, in one transaction (retention).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from crms.core.formatting import number
from crms.declarations.partitions import FAMILY, drop_month, ensure_ahead, list_months, rehome_month

LABELS = {
    "declarations_declarationversion": "versions",
    "declarations_party": "parties",
    "declarations_goodsitem": "goods items",
    "risk_engine_assessment": "assessments",
    "risk_engine_hit": "hits",
}


SINCE_YEARS = 10


def _years_back(years: int) -> dt.date:
    today = timezone.now().date()
    return dt.date(today.year - years, today.month, 1)


def _month(value: str, option: str, *, oldest: dt.date | None = None) -> dt.date:
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"{option}: a month as YYYY-MM, e.g. 2025-01") from exc
    if oldest and month < oldest:
        raise CommandError(f"{option}: at most {SINCE_YEARS} years back (from {oldest:%Y-%m})")
    return month


class Command(BaseCommand):
    help = "List, create ahead or drop the monthly partitions of declarations."

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="Create the current and next months")
        parser.add_argument(
            "--since", metavar="YYYY-MM", help="With --ensure: also every month from this one (at most 10 years back)"
        )
        parser.add_argument(
            "--rehome", metavar="YYYY-MM", help="Move this month's rows out of the default partitions into its own"
        )
        parser.add_argument("--drop", metavar="YYYY-MM", help="Drop this month of declarations (irreversible)")

    def handle(self, *args, ensure, since, rehome, drop, **options):
        if since and not ensure:
            raise CommandError("--since goes with --ensure")
        if ensure:
            result = ensure_ahead(since=_month(since, "--since", oldest=_years_back(SINCE_YEARS)) if since else None)
            self.stdout.write(f"Created {len(result.created)} partitions.")
            for line in result.blocked:
                self.stdout.write(f"Not created: {line}")
        if rehome:
            month = _month(rehome, "--rehome")
            try:
                moved = rehome_month(month)
            except (LookupError, DatabaseError) as exc:
                raise CommandError(str(exc).splitlines()[0]) from exc
            rows = ", ".join(f"{LABELS[table]} {number(count)}" for table, count in moved.rows.items())
            self.stdout.write(f"Moved {month:%m/%Y} into its own partitions: {rows}.")
        if drop:
            month = _month(drop, "--drop")
            try:
                result = drop_month(month)
            except (LookupError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Dropped {month:%m/%Y}: {number(result.versions)} versions, {number(result.declarations)} "
                f"declarations; partitions in {result.seconds_partitions * 1000:.0f} ms, dependents in "
                f"{result.seconds_dependents * 1000:.0f} ms."
            )
        if ensure or rehome or drop:
            return
        for entry in list_months():
            label = "default" if entry.month is None else f"{entry.month:%m/%Y}"
            counts = ", ".join(f"{LABELS[table]} ~{number(entry.tables.get(table, 0))}" for table, _ in FAMILY)
            self.stdout.write(f"{label:>8}  {counts}  ({number(round(entry.bytes / 2**20))} MiB)")
