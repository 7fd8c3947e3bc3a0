"""``compute_price_baselines [--days N | --all] [--min-samples N]``: rebuild the price baselines (issue 16 point 5).

From the declarations (history included) received in the last ``--days`` (default
``crms.learning.prices.WINDOW_DAYS``), or every stored one with ``--all``; a key needs ``--min-samples`` goods
items (default ``crms.learning.prices.MIN_SAMPLES``). Prints the baselines per key level and whether the stored
set changed (an unchanged set is not rewritten). The beat task runs it nightly with the defaults.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crms.learning.prices import LEVEL_LABELS, MIN_SAMPLES, WINDOW_DAYS, compute_price_baselines

MAX_DAYS = 36_600  # a century: for longer, --all


class Command(BaseCommand):
    help = "Rebuild the value-per-kg price baselines (HS6 x origin x Member State, with broader fallbacks)."

    def add_arguments(self, parser: CommandParser) -> None:
        window = parser.add_mutually_exclusive_group()
        window.add_argument(
            "--days", type=int, default=WINDOW_DAYS, help="Declarations received in the last N days (%(default)s)"
        )
        window.add_argument("--all", dest="every", action="store_true", help="Every stored declaration, however old")
        parser.add_argument(
            "--min-samples", type=int, default=MIN_SAMPLES, help="Goods items a key needs (default %(default)s)"
        )

    def handle(self, *args, days: int, every: bool, min_samples: int, **options) -> None:
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days: a number of days from 1 to {MAX_DAYS}.")
        if not 1 <= min_samples <= 1_000_000:
            raise CommandError("--min-samples: a number from 1 to 1000000.")
        result = compute_price_baselines(days=None if every else days, min_samples=min_samples)
        for level, count in result.per_level.items():
            self.stdout.write(f"  {LEVEL_LABELS[level]}: {count}")
        state = "updated" if result.changed else "unchanged"
        self.stdout.write(f"price baselines: {result.baselines} ({state})")
