"""``make bench``: performance figures on generated data (see docs/benchmarks.md).

Sections (``--only`` picks some; all run by default, each on the scratch bench database):

- ``engine``: bulk evaluation of generated criteria over a million goods items, in-process (issue 4).
- ``ingest``: ENS intake over real HTTP, batch throughput and single-POST latency (issue 3).
- ``e2e``: batch and steady single POSTs to ``screened`` with a real Celery worker (issue 4).
- ``singles``: single POSTs at rising concurrency with a Celery worker screening them, POST and POST ->
  screened latency, then the batch endpoint with screening behind it (issue 17).
- ``scaling``: screening throughput with 1 and 2 worker processes on the screening queue, a backtest
  worker on its own queue beside them (issue 17).
- ``list``: the declarations list on 1,000,000 declaration rows, logged in over HTTP (issue 3).
- ``backtest``: one criterion backtested over ~1,000,000 stored goods items (issue 5).
- ``queue``: the workbench queue with 1,000,000 ENS and 50,000 open hits, logged in over HTTP (issue 6).
- ``indicators``: the refresh job over a year of data (10,000,000 goods items) and the dashboard,
  XLSX export and REST endpoint after it, over HTTP (issue 8).
- ``search``: the global search box on 1,000,000 declarations, over HTTP, and what its indexes cost filing
  (issue 14).
- ``partitions``: past months of declarations built in their monthly partitions; the oldest dropped by
  partition, against deleting the same rows from unpartitioned copies (issue 17).
- ``learning``: the KCS history imported, a model trained and validated on it, Q1 scored; training
  and batch scoring on 1,000,000 synthetic labelled declarations, in process (issue 16).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from crms.benchmarks import (
    backtest,
    engine,
    filing_keys,
    harness,
    indicators,
    ingest,
    learning,
    listing,
    partitions,
    queue,
    search,
    singles,
)

SECTIONS = [
    "ingest",
    "engine",
    "e2e",
    "singles",
    "scaling",
    "list",
    "backtest",
    "queue",
    "indicators",
    "learning",
    "search",
    "partitions",
]


class Command(BaseCommand):
    help = "Run the benchmarks against a scratch database and print the figures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            choices=SECTIONS,
            action="append",
            help="Run only these sections",
        )
        parser.add_argument("--items", type=int, default=1_000_000, help="Goods items for bulk evaluation")
        parser.add_argument("--criteria", type=int, nargs="+", default=[10, 100, 1000])
        parser.add_argument("--e2e-declarations", type=int, default=20_000)
        parser.add_argument("--e2e-rate", type=float, default=50.0, help="Single POSTs per second")
        parser.add_argument("--e2e-seconds", type=float, default=20.0)
        parser.add_argument(
            "--singles-concurrency", type=int, nargs="+", default=[1, 4, 8, 16, 32], help="Clients per step"
        )
        parser.add_argument("--singles-seconds", type=float, default=10.0, help="Seconds per concurrency step")
        parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery pool processes (singles)")
        parser.add_argument("--list-rows", type=int, default=1_000_000, help="Declaration rows for the list bench")
        parser.add_argument("--queue-rows", type=int, default=1_000_000, help="Declaration rows for the queue bench")
        parser.add_argument("--queue-open", type=int, default=50_000, help="Open cases (hits) for the queue bench")
        parser.add_argument(
            "--indicators-items", type=int, default=10_000_000, help="Goods items (one year) for the indicators bench"
        )
        parser.add_argument("--declarations", type=int, default=20_000, help="ENS posted in the ingest benchmark")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--clients", type=int, default=2, help="Concurrent batch clients")
        parser.add_argument("--web-workers", type=int, default=3)
        parser.add_argument("--singles", type=int, default=300, help="Sequential single POSTs for latency")
        parser.add_argument(
            "--reuse-data",
            action="store_true",
            help="indicators, search: measure again on the data the last run of the section built (no rebuild)",
        )
        parser.add_argument(
            "--learning-rows", type=int, default=1_000_000, help="Synthetic labelled declarations to train on"
        )
        parser.add_argument("--search-rows", type=int, default=1_000_000, help="Declarations for the search bench")
        parser.add_argument("--partition-months", type=int, default=3, help="Past months for the partitions bench")
        parser.add_argument(
            "--partition-items", type=int, default=1_000_000, help="Goods items per month for the partitions bench"
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON too")

    def handle(self, *args, **options):
        sections = options["only"] or SECTIONS
        self.stdout.write(f"Machine: {harness.machine()}")
        env = harness.prepared_environment(fresh=not options["reuse_data"])
        figures = {}
        if "engine" in sections:
            figures["engine"] = result = engine.run_bulk(
                items=options["items"], criteria_counts=options["criteria"], sample_decls=2000
            )
            self.stdout.write(
                f"\nBulk evaluation (one process pinned to core {result['core']}): {result['goods_items']:,} goods "
                f"items in {result['declarations']:,} ENS; frame built in {result['frame_build_s']:.1f} s"
            )
            for run in result["runs"]:
                self.stdout.write(
                    f"  [{run['scenario']}] {run['criteria']:>5} criteria: {run['seconds']:.2f} s = "
                    f"{run['items_per_s']:,.0f} goods items/s ({run['criteria_with_hits']} criteria hit "
                    f"{run['hit_item_rows']:,} item rows)"
                )
                if "speedup" in run:
                    self.stdout.write(
                        f"      per-record evaluator {run['reference_items_per_s']:,.0f} items/s "
                        f"-> columnar is {run['speedup']:,.0f}x"
                    )
                for name, peer in run.get("peers", {}).items():
                    if "skipped" in peer:
                        self.stdout.write(f"      {name}: skipped, {peer['skipped']}")
                        continue
                    agree = (
                        "identical hit rows"
                        if not peer["differing_criteria"]
                        else (f"DIFFERENT rows for {len(peer['differing_criteria'])} criteria")
                    )
                    self.stdout.write(
                        f"      {name} (one core): {peer['seconds']:.2f} s, engine is "
                        f"{peer['seconds'] / run['seconds']:.1f}x faster; {agree}"
                    )
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
            result["keys"] = keys = filing_keys.run("bench_fr_system")
            self.stdout.write(
                f"  in process, {keys['size']:,} ENS filed and their keys checked, median of {keys['rounds']} "
                f"alternating: partition-level keys {keys['partition_keys_s']:.2f} s, parent-level "
                f"{keys['parent_keys_s']:.2f} s"
            )
        if "e2e" in sections:
            figures["e2e"] = result = engine.run_end_to_end(
                env,
                batch_declarations=options["e2e_declarations"],
                rate=options["e2e_rate"],
                seconds=options["e2e_seconds"],
                web_workers=options["web_workers"],
                worker_concurrency=2,
            )
            batch, steady = result["batch"], result["steady"]
            self.stdout.write(
                f"\nEnd to end with a real Celery worker (concurrency {result['worker_concurrency']}):\n"
                f"  batch: {batch['declarations']:,} ENS posted in {batch['post_seconds']:.1f} s, all screened after "
                f"{batch['to_screened_seconds']:.1f} s = {batch['declarations_per_s']:,.0f} ENS/s commit-to-screened\n"
                f"  steady single POSTs at {steady['rate']:.0f}/s ({steady['count']} ENS): POST->screened "
                f"p50 {steady['latency_s']['p50'] * 1000:.0f} ms, p95 {steady['latency_s']['p95'] * 1000:.0f} ms, "
                f"p99 {steady['latency_s']['p99'] * 1000:.0f} ms"
            )
        if "singles" in sections:
            figures["singles"] = result = singles.run(
                env,
                concurrency=tuple(options["singles_concurrency"]),
                seconds=options["singles_seconds"],
                web_workers=options["web_workers"],
                worker_concurrency=options["worker_concurrency"],
                batch_declarations=options["declarations"],
            )
            self.stdout.write(
                f"\nSingle POSTs with screening running (gunicorn {result['web_workers']} workers, Celery "
                f"concurrency {result['worker_concurrency']}, {result['seconds_per_step']:.0f} s a step, closed loop):"
            )
            for step in result["steps"]:
                post, screened = step["post_ms"], step["to_screened_ms"]
                self.stdout.write(
                    f"  {step['clients']:>3} clients: {step['per_s']:,.0f} ENS/s ({step['posted']:,} posted); POST p50 "
                    f"{post['p50']:.0f} ms, p95 {post['p95']:.0f} ms; POST->screened p50 {screened['p50']:.0f} ms, "
                    f"p95 {screened['p95']:.0f} ms"
                )
            batch = result["batch"]
            self.stdout.write(
                f"  batch endpoint, 2 clients x 1,000 ENS, worker screening behind it: {batch['declarations']:,} ENS "
                f"posted at {batch['posted_per_s']:,.0f} ENS/s, all screened at {batch['screened_per_s']:,.0f} ENS/s "
                f"({batch['to_screened_seconds']:.1f} s)"
            )
        if "scaling" in sections:
            figures["scaling"] = result = singles.run_scaling(
                env, declarations=options["declarations"], web_workers=options["web_workers"]
            )
            self.stdout.write("\nScreening with more worker processes (ENS filed first, then the workers started):")
            for run in result["runs"]:
                self.stdout.write(
                    f"  {run['processes']} screening process(es): {run['declarations']:,} ENS screened in "
                    f"{run['seconds']:.1f} s = {run['per_s']:,.0f} ENS/s"
                )
        if "list" in sections:
            env = harness.prepared_environment(fresh=not options["reuse_data"])  # its own data only
            figures["list"] = result = listing.run(env, rows=options["list_rows"], filed=20_000, repeats=20)
            self.stdout.write(
                f"\nDeclarations list page (real HTTP, logged in) on {result['rows']:,} declaration rows "
                f"(multiplied in SQL in {result['multiply_seconds']:.0f} s), 20 requests each, following 'Older':"
            )
            for label, timing in result["pages"].items():
                self.stdout.write(f"  {label:<42} p50 {timing['p50']:.0f} ms, p95 {timing['p95']:.0f} ms")
        if "backtest" in sections:
            env = harness.prepared_environment(fresh=not options["reuse_data"])  # its own data only
            figures["backtest"] = result = backtest.run(env, items=options["items"])
            self.stdout.write(
                f"\nBacktest of one criterion over {result['goods_items']:,} stored goods items "
                f"({result['ens']:,} ENS, 90 days): {result['seconds']:.1f} s = {result['items_per_s']:,.0f} goods "
                f"items/s ({result['ens_hit']:,} ENS hit; data multiplied in SQL in {result['multiply_seconds']:.0f} s)"
            )
        if "queue" in sections:
            env = harness.prepared_environment(fresh=not options["reuse_data"])  # its own data only
            figures["queue"] = result = queue.run(
                env, rows=options["queue_rows"], open_cases=options["queue_open"], non_open_cases=250_000, repeats=25
            )
            counts, built = result["counts"], result["build_seconds"]
            self.stdout.write(
                f"\nWorkbench queue (real HTTP, gunicorn 2 workers, logged in) on {counts['declarations']:,} "
                f"declarations, {counts['versions']:,} versions, {counts['cases']:,} cases of which "
                f"{counts['open cases']:,} open ({counts['open cases FR']:,} FR, {counts['open cases NL']:,} NL); "
                "built in "
                f"{built['multiply']:.0f} s (declarations) + {built['cases']:.0f} s (versions, cases) + "
                f"{built['indexes']:.0f} s (indexes) + {built['vacuum_analyze']:.0f} s (VACUUM ANALYZE); "
                "25 requests each after one warm-up:"
            )
            for label, timing in result["pages"].items():
                self.stdout.write(
                    f"  {label:<42} p50 {timing['p50']:4.0f} ms, p95 {timing['p95']:4.0f} ms "
                    f"({timing['shown']} rows shown of {timing['matching']:,} matching)"
                )
            worst = max(timing["p95"] for timing in result["pages"].values())
            self.stdout.write(f"  worst p95 {worst:.0f} ms (target: under 300 ms)")
        if "indicators" in sections:
            env = harness.prepared_environment(fresh=not options["reuse_data"])  # its own data only
            figures["indicators"] = result = indicators.run(
                env, goods_items=options["indicators_items"], repeats=20, reuse=options["reuse_data"]
            )
            self._indicators(result)
        if "learning" in sections:
            env = harness.prepared_environment(fresh=not options["reuse_data"])  # its own data only
            figures["learning"] = result = learning.run(env, rows=options["learning_rows"])
            self._learning(result)
        if "search" in sections:
            env = harness.prepared_environment(fresh=not options["reuse_data"])  # its own data only
            figures["search"] = result = search.run(env, rows=options["search_rows"], reuse=options["reuse_data"])
            self._search(result)
        if "partitions" in sections:
            env = harness.prepared_environment()  # its own data only
            figures["partitions"] = result = partitions.run(
                env, months=options["partition_months"], items_per_month=options["partition_items"]
            )
            self.stdout.write(
                f"\nRetention by partition (issue 17): {result['months']} past months, "
                f"{result['goods_items_total']:,} goods items in all; month {result['month']} holds "
                f"{result['goods_items_in_month']:,} goods items in {result['versions_in_month']:,} versions "
                f"(built in {result['build_seconds']:.0f} s)\n"
                f"  drop_month: {result['drop_month_seconds']:.2f} s in all = partitions "
                f"{result['drop_partitions_seconds'] * 1000:.0f} ms + rows pointing at them "
                f"{result['drop_dependents_seconds']:.2f} s + {result['declarations_removed']:,} declarations "
                f"{result['drop_declarations_seconds']:.2f} s\n"
                f"  unpartitioned peer, DELETE of the same month's versions, parties and goods items: "
                f"{result['delete_rows_seconds']:.2f} s"
            )
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2, default=str))

    def _search(self, result: dict) -> None:
        counts, built = result["counts"], result["seconds"]
        self.stdout.write(
            f"\nGlobal search (issue 14) on {counts['declarations_declaration']:,} declarations "
            f"({counts['declarations_declarationversion']:,} versions, {counts['declarations_goodsitem']:,} goods "
            f"items, {counts['declarations_party']:,} parties); party index {counts['search_indexedparty']:,} "
            f"distinct parties, {counts['search_partytrigram']:,} trigram postings, "
            f"{counts['search_partyscope']:,} (party, Member State) pairs. Built: "
            + (", ".join(f"{name} {seconds:.0f} s" for name, seconds in built.items()) or "reused")
        )
        self.stdout.write("  server time over HTTP (gunicorn 2 workers), after one warm-up each:")
        for label, timing in result["queries"].items():
            self.stdout.write(
                f"    {label:<78} p50 {timing['p50']:5.0f} ms, p95 {timing['p95']:5.0f} ms "
                f"({timing['results']} results)"
            )
        mix = result["mix"]
        self.stdout.write(
            f"  the whole mix ({result['requests']} requests): p50 {mix['p50']:.0f} ms, p95 {mix['p95']:.0f} ms, "
            f"p99 {mix['p99']:.0f} ms (target: p95 under 300 ms)"
        )
        cost = result["filing_cost"]
        self.stdout.write(
            f"  filing a batch of 1,000 ENS in process (median of {cost['batches']}): "
            f"{cost['with search indexes']:.2f} s with the search indexes, {cost['without']:.2f} s without"
        )

    def _learning(self, result: dict) -> None:
        kcs, synthetic = result["kcs"], result["synthetic"]
        self.stdout.write("\nLearned selection (issue 16) on the KCS history:")
        for name, run in kcs["imports"].items():
            self.stdout.write(f"  import_history {name}: {run['summary']} in {run['seconds']:.1f} s (command)")
        train, evaluation = kcs["train"], kcs["train"]["evaluation"]
        self.stdout.write(
            f"  train_risk_model 2020 -> model {train['model']}: {train['training']['declarations']:,} labelled "
            f"declarations in {train['seconds']:.1f} s (command; {train['training']['seconds']} s inside)"
        )
        self.stdout.write(
            f"  validation 2021-01-01..2021-03-31: {evaluation['declarations']:,} declarations, "
            f"{evaluation['irregular']:,} irregular, AUC {evaluation['auc']:.3f}"
        )
        rules = evaluation.get("rules") or {}
        if rules.get("declarations"):
            self.stdout.write(
                f"    rules alone: {rules['declarations']:,} selected, precision {rules['precision']:.3f}; the "
                f"model's as many highest: {rules['model_precision']:.3f} (lift over the rules {rules['lift']:.2f})"
            )
        else:
            self.stdout.write("    rules alone: the criteria in force select none of these declarations")
        for row in evaluation["at"]:
            self.stdout.write(
                f"    top {row['percent']:>2}%: precision {row['precision']:.3f}, recall {row['recall']:.3f}, "
                f"lift {row['lift']:.2f}"
            )
        self.stdout.write(f"  score_declarations Q1 2021: {kcs['score']['summary']} in {kcs['score']['seconds']:.1f} s")
        latency = result["latency"]
        without, live = latency["without_model"], latency["with_live_model"]
        self.stdout.write(
            f"  single-ENS screening, {latency['filings']} filings one by one: without a live model p50 "
            f"{without['p50_ms']:.2f} ms, p95 {without['p95_ms']:.2f} ms; with the KCS model live p50 "
            f"{live['p50_ms']:.2f} ms, p95 {live['p95_ms']:.2f} ms (+{live['p50_ms'] - without['p50_ms']:.2f} ms at "
            "the median; target: at most 2 ms more)"
        )
        self.stdout.write(
            f"  {synthetic['rows']:,} synthetic labelled declarations ({synthetic['irregular_share']:.0%} irregular): "
            f"features {synthetic['features_seconds']:.1f} s, features + training {synthetic['train_seconds']:.1f} s "
            "(target < 120 s)"
        )
        self.stdout.write(
            f"  batch scoring of {synthetic['score_declarations']:,} new filings ({synthetic['score_items']:,} goods "
            f"items, the ENS generator's mix) as the pipeline scores them (behaviour snapshot of the labels built in "
            f"{synthetic['snapshot_seconds']:.1f} s beforehand): {synthetic['score_seconds']:.1f} s = "
            f"{synthetic['score_declarations_per_s']:,.0f} declarations/s = {synthetic['score_items_per_s']:,.0f} "
            f"goods items/s (target >= 200,000 goods items/s); features {synthetic['score_features_seconds']:.1f} s, "
            f"LightGBM's predict {synthetic['predict_seconds']:.1f} s; precision at 5 % on the last tenth "
            f"{synthetic['in_sample_precision_at_5']:.3f} (in sample)"
        )

    def _indicators(self, result: dict) -> None:
        data, rows, refresh = result["data"], result["data"]["rows"], result["refresh"]
        self.stdout.write(
            f"\nIndicators (issue 8) on one year of data ({data['received'][0]} to {data['received'][1]}): "
            f"{rows['goodsitem']:,} goods items in {rows['declaration']:,} ENS ({rows['declarationversion']:,} "
            f"versions, {rows['party']:,} parties), {rows['engine_assessment']:,} assessments, "
            f"{rows['engine_hit']:,} hits, {rows['decision']:,} decisions, {rows['controlresult']:,} control results; "
            f"{data['database_bytes'] / 2**30:.1f} GiB; {result['filed']:,} ENS filed and screened, then "
            f"{data['copies']} copies in SQL in {data['multiply_seconds']:.0f} s + {data['index_seconds']:.0f} s "
            f"(indexes) + {data['analyze_seconds']:.0f} s (ANALYZE)"
        )
        self.stdout.write(
            f"  refresh job, {refresh['day_from']}..{refresh['day_to']}: {refresh['seconds']:.1f} s, "
            f"{refresh['rows']:,} daily figures"
        )
        for name, seconds in refresh["metrics"].items():
            self.stdout.write(f"    {name:<24} {seconds:6.1f} s")
        self.stdout.write("  server time over HTTP (gunicorn 2 workers), 20 requests each after one warm-up:")
        for label, timing in {**result["pages"], **result["other"], **result["year_pages"]}.items():
            self.stdout.write(
                f"    {label:<62} p50 {timing['p50']:5.0f} ms, p95 {timing['p95']:5.0f} ms ({timing['bytes']:,} bytes)"
            )
        worst = max(timing["p95"] for timing in result["pages"].values())
        self.stdout.write(f"  worst dashboard p95 {worst:.0f} ms (target: under 500 ms)")
        worst = max(timing["p95"] for timing in result["year_pages"].values())
        self.stdout.write(f"  worst list, queue or ENS page p95 on the year {worst:.0f} ms")
        for label, profile in result["profile"].items():
            self.stdout.write(
                f"    in-process {label}: {profile['ms']:.0f} ms, {profile['queries']} SQL statements "
                f"taking {profile['sql_ms']:.0f} ms"
            )
