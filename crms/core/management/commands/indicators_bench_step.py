"""In-process steps of the indicators benchmark (``make bench ARGS="--only indicators"``); prints JSON.

``prepare``: screen every pending ENS in chunks (the demo criteria published), amend a few
and screen them again, then work a share of the cases through the workbench services
(decisions, control results, information requests) as each Member State's analyst would.
``refresh``: time ``indicators.services.refresh`` over the last N days, per metric.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import F
from django.utils import timezone
from tqdm import tqdm

from crms.accounts.services import set_up_user
from crms.declarations.models import Declaration, DeclarationVersion, ScreeningStatus
from crms.declarations.services import amend_declaration
from workbench import services
from workbench.models import Case, CaseState, ControlPlace

SEED = 8
REASON = "Bench: "


def _pending_versions() -> list[int]:
    return list(
        DeclarationVersion.objects.filter(
            declaration__screening_status=ScreeningStatus.PENDING, version=F("declaration__current_version")
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def _screen(ids: list[int], chunk: int, label: str) -> int:
    from risk_engine.screening import screen_versions

    hits = 0
    for start in tqdm(range(0, len(ids), chunk), desc=label, unit="chunk", file=sys.stderr, mininterval=1):
        hits += screen_versions(ids[start : start + chunk])["hits"]
    return hits


def _amend(share: float, rng: random.Random) -> int:
    """Amend a share of the ENS (new gross mass on the first item): version 2, screened again."""
    versions = list(
        DeclarationVersion.objects.filter(version=1).select_related("declaration", "filed_by").order_by("id")
    )
    amended = 0
    for version in rng.sample(versions, int(len(versions) * share)):
        body = dict(version.body)
        items = [dict(item) for item in body["goods_items"]]
        items[0]["gross_mass_kg"] = round(items[0]["gross_mass_kg"] * 1.1 + 1, 1)
        body["goods_items"] = items
        result = amend_declaration(version.declaration, body, user=version.filed_by)
        amended += result.status == 201
    return amended


def _analyst(member_state: str, cache: dict):
    if member_state not in cache:
        cache[member_state] = set_up_user(
            username=f"bench_analyst_{member_state.lower()}", org_code=member_state, role="analyst"
        ).user
    return cache[member_state]


def _control_data(rng: random.Random, *, based_on_risk: bool) -> dict:
    data = {
        "control_type": rng.choice(["documentary", "documentary", "physical", "scanning", "post_release"]),
        "result": "no_irregularity",
        "based_on_risk_analysis": based_on_risk,
    }
    found = rng.random()
    if found < (0.10 if based_on_risk else 0.03):
        data |= {
            "result": "seizure",
            "irregularity_type": rng.choice(["ipr", "ipr", "product_safety", "drugs", "weapons"]),
            "seizure": {"goods": "seized goods", "quantity": rng.randint(5, 400), "unit": "pieces",
                        "estimated_value_eur": rng.randint(200, 50_000)},
        }  # fmt: skip
    elif found < (0.30 if based_on_risk else 0.08):
        data |= {
            "result": "irregularity",
            "irregularity_type": rng.choice(["misdescription", "undervaluation", "origin", "classification"]),
        }
    return data


def _work_cases(share: float, rng: random.Random) -> dict:
    """Decide a share of each Member State's open cases; record the border controls' results."""
    analysts: dict = {}
    cases = list(Case.objects.filter(state=CaseState.OPEN).select_related("version", "declaration").order_by("id"))
    chosen = rng.sample(cases, int(len(cases) * share))
    counts = {"open_cases": len(cases), "decisions": 0, "controls": 0, "forwarded": 0}
    for case in tqdm(chosen, desc="decisions and controls", unit="case", file=sys.stderr, mininterval=1):
        analyst = _analyst(case.member_state_id, analysts)
        unloading = case.version.unloading_member_state_id
        if rng.random() < 0.3:
            services.decide(actor=analyst, case=case, action="dismiss", reason=REASON + "goods as declared")
        else:
            forward = unloading and unloading != case.member_state_id and rng.random() < 0.2
            services.decide(
                actor=analyst,
                case=case,
                action="control",
                control_type=rng.choice(["documentary", "physical", "scanning"]),
                control_place=ControlPlace.PLACE_OF_UNLOADING if forward else ControlPlace.BORDER,
                reason=REASON + "confirm the engine's recommendation",
            )
            if forward:
                counts["forwarded"] += 1
                recorder = _analyst(unloading, analysts) if rng.random() < 0.6 else None
            else:
                recorder = analyst if rng.random() < 0.8 else None
            if recorder is not None:
                services.record_control_result(
                    actor=recorder, declaration=case.declaration, data=_control_data(rng, based_on_risk=True)
                )
                counts["controls"] += 1
        counts["decisions"] += 1
    return counts


def _random_controls(count: int, rng: random.Random) -> int:
    """Controls not based on risk analysis (e.g. random checks at the border) on ENS without a case."""
    analysts: dict = {}
    ids = list(Declaration.objects.filter(cases__isnull=True).values_list("id", flat=True)[: count * 20])
    for declaration in Declaration.objects.filter(id__in=rng.sample(ids, min(count, len(ids)))):
        analyst = _analyst(declaration.first_entry_member_state_id, analysts)
        services.record_control_result(
            actor=analyst, declaration=declaration, data=_control_data(rng, based_on_risk=False)
        )
    return min(count, len(ids))


def _information_requests(count: int, rng: random.Random) -> int:
    analysts: dict = {}
    states = ["FR", "NL", "DE", "BE", "IT", "ES", "PL", "AT"]
    declarations = list(Declaration.objects.filter(first_entry_member_state_id__in=states).order_by("id")[:5000])
    for declaration in rng.sample(declarations, count):
        asking = declaration.first_entry_member_state_id
        asked = rng.choice([state for state in states if state != asking])
        request = services.open_information_request(
            actor=_analyst(asking, analysts),
            requested_state=asked,
            subject="consignment",
            declaration=declaration,
            legal_basis="reg_515_97",
            purpose="Risk analysis of a consignment before arrival.",
            question="Do you hold earlier seizures or RIFs on this consignee?",
        )
        if rng.random() < 0.7:
            services.post_information_message(
                actor=_analyst(asked, analysts), request=request, body="No earlier irregularity on record."
            )
    return count


class Command(BaseCommand):
    help = "Steps of the indicators benchmark, run in-process against the bench database; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["prepare", "refresh", "profile"])
        parser.add_argument("--chunk", type=int, default=2000, help="Versions per screening call")
        parser.add_argument("--days", type=int, default=365, help="refresh: the last N days up to today")

    def handle(self, *args, step, chunk, days, **options):
        run = {"prepare": lambda: self._prepare(chunk), "refresh": lambda: self._refresh(days), "profile": _profile}
        self.stdout.write(json.dumps(run[step]()))

    def _prepare(self, chunk: int) -> dict:
        rng = random.Random(SEED)  # noqa: S311 - reproducible bench data, not security
        started = time.perf_counter()
        ids = _pending_versions()
        hits = _screen(ids, chunk, "screening")
        screen_seconds = time.perf_counter() - started
        amended = _amend(0.03, rng)
        hits += _screen(_pending_versions(), chunk, "screening amendments")
        figures = {"screened": len(ids), "screen_seconds": screen_seconds, "amended": amended, "hits": hits}
        figures |= _work_cases(0.6, rng)
        figures["random_controls"] = _random_controls(400, rng)
        figures["information_requests"] = _information_requests(300, rng)
        figures["prepare_seconds"] = time.perf_counter() - started
        return figures

    def _refresh(self, days: int) -> dict:
        from indicators.services import refresh

        today = timezone.now().date()
        day_from = today - dt.timedelta(days=days - 1)
        marks: list[tuple[str, float]] = []
        progress = tqdm(total=None, desc="refresh", unit="metric", file=sys.stderr)

        def on_progress(done: int, total: int, label: str) -> None:
            marks.append((label, time.perf_counter()))
            progress.total = total
            progress.n = done
            progress.set_postfix_str(label[:40])
            progress.refresh()

        connection.ensure_connection()
        started = time.perf_counter()
        rows = refresh(day_from, today, on_progress=on_progress)
        seconds = time.perf_counter() - started
        progress.close()
        from indicators.metrics import METRICS

        per_metric = {metric.name: marks[index + 1][1] - marks[index][1] for index, metric in enumerate(METRICS)}
        return {
            "day_from": str(day_from),
            "day_to": str(today),
            "rows": rows,
            "seconds": seconds,
            "metrics": per_metric,
        }


def _profile() -> dict:
    """Where a dashboard request spends its time, in-process: SQL statements and their time, the rest."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crms.accounts.models import User

    figures = {}
    for username, query in (("eu_commission", "days=365"), ("eu_commission", "days=365&member_state=FR"),
                            ("fr_analyst", "days=365")):  # fmt: skip
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        client.get(f"/indicators/?{query}")  # warm
        runs = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(f"/indicators/?{query}")
                total = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            sql = sum(float(q["time"]) for q in queries.captured_queries)
            runs.append((total * 1000, len(queries.captured_queries), sql * 1000))
        best = min(runs)
        figures[f"{username} ?{query}"] = {"ms": best[0], "queries": best[1], "sql_ms": best[2]}
    return figures
