"""``generate_ens``: file realistic synthetic ENS, straight into the database or through the API.

The database path is what benchmarks and demos use (no HTTP in the way); the API path
exercises the whole stack as a national system would.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from crms.declarations.synthetic import ensure_operator_pool, generate_declarations, offices_from_db

SHOWN_ERRORS = 5
HTTP_TIMEOUT = 300


def _iso(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start: not an ISO 8601 date-time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Generate realistic synthetic entry summary declarations and file them (--via db or --via api)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many declarations")
        parser.add_argument("--seed", type=int, default=0, help="Same seed, same declarations (default 0)")
        parser.add_argument("--via", choices=["db", "api"], default="db")
        parser.add_argument("--url", help="Platform base URL for --via api, e.g. http://localhost:8000")
        parser.add_argument("--token", help="API token of a national_system user for --via api")
        parser.add_argument("--batch-size", type=int, default=1000, help="Declarations per filing call (max 1000)")
        parser.add_argument("--spread-days", type=float, default=2.0, help="Expected arrivals within +- this")
        parser.add_argument("--start", type=_iso, help="Centre of the arrival window (default: now, to the hour)")
        parser.add_argument("--lrn-prefix", default="GEN", help="LRNs are PREFIX-SEED-NNNNNNNNN")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1:
            raise CommandError("--count must be at least 1.")
        if not 1 <= options["batch_size"] <= 1000:
            raise CommandError("--batch-size must be between 1 and 1000.")
        self.statuses: Counter[int] = Counter()
        self.errors: list[tuple[str, int, Any]] = []
        began = time.monotonic()
        if options["via"] == "db":
            self._via_db(options)
        else:
            self._via_api(options)
        self._summary(options["count"], time.monotonic() - began)

    def _generate(self, options: dict[str, Any], offices: list) -> Any:
        return generate_declarations(
            options["count"],
            seed=options["seed"],
            offices=offices,
            start=options["start"],
            spread_days=options["spread_days"],
            lrn_prefix=options["lrn_prefix"],
        )

    def _progress(self, total: int) -> tqdm:
        return tqdm(total=total, unit="ENS", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)

    def _record(self, lrn: str, status: int, errors: Any) -> None:
        self.statuses[status] += 1
        if status not in (200, 201) and len(self.errors) < SHOWN_ERRORS:
            self.errors.append((lrn, status, errors))

    # -- straight into the database, one national_system user per Member State ----------------

    def _via_db(self, options: dict[str, Any]) -> None:
        from crms.accounts.services import set_up_user
        from crms.declarations.services import file_declarations

        offices = offices_from_db()
        if not offices:
            raise CommandError("No customs offices of entry: load the reference data first (load_reference_data).")
        member_state = {code: ms for code, ms, _, _ in offices}
        pool = ensure_operator_pool(options["seed"])
        self.stdout.write(f"Operator pool: {pool} operators (seed {options['seed']}).")
        users: dict[str, Any] = {}
        pending: dict[str, list[dict]] = defaultdict(list)

        def file(ms: str, bodies: list[dict]) -> None:
            if ms not in users:
                users[ms] = set_up_user(username=f"generator_{ms.lower()}", org_code=ms, role="national_system").user
            for body, result in zip(bodies, file_declarations(bodies, user=users[ms]), strict=True):
                self._record(body["lrn"], result.status, result.errors)
            progress.update(len(bodies))

        with self._progress(options["count"]) as progress:
            for body in self._generate(options, offices):
                ms = member_state[body["office_of_first_entry"]]
                batch = pending[ms]
                batch.append(body)
                if len(batch) >= options["batch_size"]:
                    file(ms, batch)
                    pending[ms] = []
            for ms, batch in pending.items():
                if batch:
                    file(ms, batch)

    # -- through the REST API, as the token's national system ------------------------------------

    def _via_api(self, options: dict[str, Any]) -> None:
        url, token = options["url"], options["token"]
        if not url or not token:
            raise CommandError("--via api needs --url and --token.")
        base = url.rstrip("/")
        status, me = _request("GET", f"{base}/api/v1/me/", token)
        if status != 200 or not isinstance(me, dict) or not me.get("organisation"):
            raise CommandError(f"GET /api/v1/me/ answered {status}: {me}")
        organisation = me["organisation"]
        offices = offices_from_db(organisation)
        if not offices:
            raise CommandError(f"No customs office of entry for {organisation} in the reference data.")
        self.stdout.write(f"Filing as {me.get('username', '?')} ({organisation}) to {base}.")
        batch: list[dict] = []

        def post(bodies: list[dict]) -> None:
            status, answer = _request("POST", f"{base}/api/v1/declarations/batch/", token, {"declarations": bodies})
            if status == 200 and isinstance(answer, dict) and isinstance(answer.get("results"), list):
                for result in answer["results"]:
                    self._record(bodies[result["index"]]["lrn"], result["status"], result.get("errors"))
            else:  # the whole batch was refused (401/403/413/5xx)
                for body in bodies:
                    self._record(body["lrn"], status, answer)
            progress.update(len(bodies))

        with self._progress(options["count"]) as progress:
            for body in self._generate(options, offices):
                batch.append(body)
                if len(batch) >= options["batch_size"]:
                    post(batch)
                    batch = []
            if batch:
                post(batch)

    # -- report ----------------------------------------------------------------------------------

    def _summary(self, count: int, seconds: float) -> None:
        names = {201: "created", 200: "already filed, identical", 400: "invalid", 403: "forbidden", 409: "conflict"}
        self.stdout.write(f"Generated and filed {count} declarations in {seconds:.1f} s:")
        for status, number in sorted(self.statuses.items()):
            self.stdout.write(f"  {status} {names.get(status, '')}: {number}")
        for lrn, status, errors in self.errors:
            self.stdout.write(f"  {lrn} -> {status}: {json.dumps(errors)[:500]}")
        if self.statuses.get(409):
            self.stdout.write(
                "  409: these LRNs were filed before with other bodies; use another --seed or --lrn-prefix."
            )
        self.stdout.write(f"Throughput: {count / max(seconds, 1e-9):.0f} declarations/s")


def _request(method: str, url: str, token: str, payload: Any = None) -> tuple[int, Any]:
    """One JSON request with the standard library; returns (status, parsed body or text)."""
    if not url.startswith(("http://", "https://")):
        raise CommandError(f"--url must start with http:// or https://: {url}")
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - scheme checked above
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except urllib.error.URLError as exc:
        raise CommandError(f"{method} {url} failed: {exc.reason}") from exc
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")[:500]
