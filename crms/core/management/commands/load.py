"""``make load``: a bounded load test on loopback (see crms/benchmarks/load.py and docs/benchmarks.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from crms.benchmarks import harness, load


class Command(BaseCommand):
    help = "National systems post at a steady rate while analysts use the queue; every ENS must end screened."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=60.0, help="How long the load runs")
        parser.add_argument("--rate", type=float, default=15.0, help="Single POSTs per second per national system")
        parser.add_argument("--batch-every", type=float, default=5.0, help="Seconds between batch POSTs")
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--analysts", type=int, default=2, choices=[0, 1, 2])
        parser.add_argument("--web-workers", type=int, default=3)
        parser.add_argument("--worker-concurrency", type=int, default=2)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if not 1 <= options["seconds"] <= 900 or not 0 < options["rate"] <= 200:
            raise CommandError("--seconds between 1 and 900, --rate between 0 and 200: the run must stay bounded")
        self.stdout.write(f"Machine: {harness.machine()}")
        env = load.prepared_environment()  # the API rate limit is lifted there: measure the platform
        figures = load.run(
            env,
            seconds=options["seconds"],
            rate=options["rate"],
            batch_every=options["batch_every"],
            batch_size=options["batch_size"],
            analysts=options["analysts"],
            web_workers=options["web_workers"],
            worker_concurrency=options["worker_concurrency"],
        )
        self.stdout.write(
            f"\nLoad for {figures['seconds']:.0f} s: {figures['systems']} national systems at "
            f"{figures['rate_per_system']:.0f} ENS/s each, a batch of {figures['batch']['size']} every "
            f"{figures['batch']['every_s']:.0f} s, {figures['analysts']} analysts on the queue"
        )
        self.stdout.write(f"{'request':<28}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
        for kind, row in figures["requests"].items():
            latency = row["latency_s"]
            self.stdout.write(
                f"{kind:<28}{row['count']:>7}{row['per_s']:>8.1f}{latency['p50'] * 1000:>9.0f}"
                f"{latency['p95'] * 1000:>9.0f}{latency['p99'] * 1000:>9.0f}  {row['statuses']}"
            )
        self.stdout.write(
            f"ENS posted {figures['posted']}, stored {figures['stored']}, screened {figures['screened']}; "
            f"duplicate hits {figures['duplicate_hits']}; last ENS screened "
            f"{figures['drain_seconds_after_load']:.1f} s after the load stopped"
            if figures["drain_seconds_after_load"] is not None
            else "NOT all ENS were screened within 300 s after the load"
        )
        for error in figures["errors"]:
            self.stdout.write(f"  error: {error}")
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2, default=str))
        if not figures["all_screened"] or figures["duplicate_hits"]:
            raise CommandError("Load test failed: an ENS was not screened, or hits were duplicated")
