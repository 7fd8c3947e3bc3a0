"""``make bench``: performance figures on generated data (see docs/benchmarks.md)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from crms.benchmarks import harness, ingest


class Command(BaseCommand):
    help = "Run the benchmarks against a scratch database and print the figures."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["ingest"], action="append", help="Run only these sections")
        parser.add_argument("--declarations", type=int, default=20_000, help="ENS posted in the ingest benchmark")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--clients", type=int, default=2, help="Concurrent batch clients")
        parser.add_argument("--web-workers", type=int, default=3)
        parser.add_argument("--singles", type=int, default=300, help="Sequential single POSTs for latency")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON too")

    def handle(self, *args, **options):
        sections = options["only"] or ["ingest"]
        self.stdout.write(f"Machine: {harness.machine()}")
        env = harness.prepared_environment()
        figures = {}
        if "ingest" in sections:
            figures["ingest"] = result = ingest.run(
                env,
                declarations=options["declarations"],
                batch_size=options["batch_size"],
                clients=options["clients"],
                singles=options["singles"],
                workers=options["web_workers"],
            )
            self.stdout.write(
                "\nENS intake (real HTTP, gunicorn {web_workers} workers, {clients} clients, "
                "batches of {batch_size}):\n"
                "  {declarations} ENS / {goods_items} goods items in {seconds:.1f} s\n"
                "  throughput: {declarations_per_s:,.0f} declarations/s, {items_per_s:,.0f} goods items/s\n"
                "  batch latency p50 {b[p50]:.2f} s, p95 {b[p95]:.2f} s; statuses {statuses}; rows stored {stored}\n"
                "  single POST ({single_posts} sequential): median {s[p50]:.1f} ms, p95 {s[p95]:.1f} ms, "
                "p99 {s[p99]:.1f} ms".format(**result, b=result["batch_latency_s"], s=result["single_post_ms"])
            )
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2, default=str))
