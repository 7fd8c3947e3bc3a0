"""Time one backtest of a firearms-like draft criterion over a period; prints JSON (used by ``make bench``)."""

from __future__ import annotations

import datetime as dt
import json
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from crms.accounts.models import User
from crms.accounts.services import set_up_user
from risk_engine import services
from risk_engine.backtest import clean_params, run_backtest
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models import Criterion
from risk_engine.models_backtest import Backtest

CONDITION = {
    "all": [
        {"field": "item.hs_code", "op": "starts_with", "value": ["9302", "9303", "9305"]},
        {"field": "routing.countries", "op": "any_in", "value": ["CN", "TR", "AE", "RU"]},
    ]
}


class Command(BaseCommand):
    help = "Run one backtest synchronously and print its timing as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="Period: the last N days up to today")
        parser.add_argument("--code", default="BENCH-ARMS")

    def handle(self, *args, **options):
        author = User.objects.filter(username="bench-author").first()
        if author is None:
            author = set_up_user(username="bench-author", org_code="EU", role="commission", password=None).user
        criterion = Criterion.objects.filter(code=options["code"]).first()
        if criterion is None:
            document = {
                "code": options["code"],
                "title": "Bench: firearms routed via risk countries",
                "scope": "eu",
                "risk_area": "security_safety",
                "condition": CONDITION,
                "weight": 70,
                "outcome": "control_recommended",
                "control_type": "physical",
                "valid_from": "2020-01-01T00:00:00Z",
            }
            criterion = services.create_criterion(actor=author, data=document).criterion
        forget_compiled_criteria()
        today = timezone.localdate()
        params = clean_params(
            {"date_from": (today - dt.timedelta(days=options["days"])).isoformat(), "date_to": today.isoformat()}
        )
        backtest = Backtest.objects.create(
            criterion_version=criterion.versions.order_by("-version").first(), requested_by=author, params=params
        )
        connection.ensure_connection()
        started = time.perf_counter()
        done = run_backtest(backtest.pk)
        seconds = time.perf_counter() - started
        results = done.results
        self.stdout.write(
            json.dumps(
                {
                    "seconds": seconds,
                    "ens": results["screened"]["ens"],
                    "goods_items": results["screened"]["items"],
                    "items_per_s": results["screened"]["items"] / seconds if seconds else None,
                    "ens_hit": results["hits"]["ens"],
                    "items_hit": results["hits"]["items"],
                    "added_load_ens": results["added_load"]["ens"],
                    "published_criteria": results["today"]["criteria"],
                }
            )
        )
