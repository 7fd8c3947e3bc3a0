"""``compute_price_baselines [--days N] [--min-samples N]``: rebuild the price baselines (issue 16 point 5).

From every stored declaration (history included), or those received in the last ``--days``; a key needs
``--min-samples`` goods items (default ``crms.learning.prices.MIN_SAMPLES``). Prints the baselines per key
level and whether the stored set changed (an unchanged set is not rewritten). The beat task runs it nightly.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crms.learning.prices import LEVEL_LABELS, MIN_SAMPLES, compute_price_baselines

MAX_DAYS = 36_600  # a century: anything longer is "all"


class Command(BaseCommand):
    help = "Rebuild the value-per-kg price baselines (HS6 x origin x Member State, with broader fallbacks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Only declarations received in the last N days")
        parser.add_argument(
            "--min-samples", type=int, default=MIN_SAMPLES, help="Goods items a key needs (default %(default)s)"
        )

    def handle(self, *args, days: int | None, min_samples: int, **options) -> None:
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days: a number of days from 1 to {MAX_DAYS}.")
        if not 1 <= min_samples <= 1_000_000:
            raise CommandError("--min-samples: a number from 1 to 1000000.")
        result = compute_price_baselines(days=days, min_samples=min_samples)
        for level, count in result.per_level.items():
            self.stdout.write(f"  {LEVEL_LABELS[level]}: {count}")
        state = "updated" if result.changed else "unchanged"
        self.stdout.write(f"price baselines: {result.baselines} ({state})")
