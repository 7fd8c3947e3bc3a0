"""Hot-path statements on the partitioned tables are planned against one month (issue 17).

A statement on a partitioned table that does not name its partition key is planned against every
month's partition: on 19 months a one-row delete of hits took 2.6 ms, nearly all of it planning, and
single-ENS screening went from 4.9 to 21 ms before anyone noticed. This test records every statement
of the hot paths (filing one and many, screening through the worker's entry point, amending and
re-screening, the assessment API, the declaration and case pages, a decision and a control result)
and EXPLAINs each one that names a partitioned table: its plan may read one month's partitions at
most. A statement that cannot be bounded to a month is listed in ``ALLOWED`` with its reason, and a
listed exception that no statement needs any more fails the test too, so the list only shrinks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from crms.declarations import partitions
from risk_engine.isolation import screen_isolating
from tests.conftest import make_user
from tests.risk_engine.conftest import (
    api_client,
    current_version_ids,
    make_criterion,
    make_ens,
    make_item,
    publish_criterion,
)
from workbench import services
from workbench.models import Case, CaseState

pytestmark = pytest.mark.django_db

PROJECT = str(Path(__file__).resolve().parents[2]) + "/"
PARENTS = {table for table, _ in partitions.FAMILY}
PARTITION = re.compile(r"^(?P<parent>.+)_(?P<month>y\d{4}m\d{2}|default)$")
SELECT_LIST = re.compile(r"SELECT .*? FROM")
DML = re.compile(r"^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)

# (step, a fragment of the statement) -> why it may read more than one month. Keep it short: each row
# is a statement that gets slower with every month kept.
VERSION_LIST = '"declarations_declarationversion"."declaration_id" = %s ORDER BY'
ALLOWED: dict[tuple[str, str], str] = {
    ("read assessment", VERSION_LIST): "GET declaration lists every version; amendments may be in any later month",
    ("pages", VERSION_LIST): "the declaration page lists every version; amendments may be in any later month",
}


@dataclass
class Statement:
    step: str
    sql: str
    params: object
    where: str = ""


@dataclass
class Recorder:
    """Every statement run while a step runs, named by the step."""

    step: str = ""
    statements: list[Statement] = field(default_factory=list)

    @contextmanager
    def paused(self):
        """The test's own look-ups (which version to screen) are not the product's statements."""
        step, self.step = self.step, ""
        try:
            yield
        finally:
            self.step = step

    def __call__(self, execute, sql, params, many, context):
        if isinstance(sql, bytes):  # psycopg2's execute_values sends the statement it built as bytes
            sql = sql.decode()
        if self.step and isinstance(sql, str) and not many and any(parent in sql for parent in PARENTS):
            self.statements.append(Statement(self.step, sql, params, _caller()))
        return execute(sql, params, many, context)


def _caller() -> str:
    """The innermost frame of the project's own code that ran the statement."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if PROJECT in frame.filename and "/tests/" not in frame.filename and "/.venv/" not in frame.filename:
            return f"{frame.filename.removeprefix(PROJECT)}:{frame.lineno}"
    return "?"


def _relations(plan: dict) -> set[str]:
    names = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        names |= _relations(child)
    return names


def _short(sql: str) -> str:
    """The statement without its select list, on one line."""
    return SELECT_LIST.sub("SELECT ... FROM", " ".join(sql.split()), count=1)[:600]


def months_planned(statement: Statement) -> set[str]:
    """The months (or ``default``) whose partitions the statement's plan reads."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement.sql, statement.params)
        raw = cursor.fetchone()[0]
    (plan,) = json.loads(raw) if isinstance(raw, str) else raw
    months = set()
    for name in _relations(plan["Plan"]):
        match = PARTITION.match(name)
        if match and match["parent"] in PARENTS:
            months.add(match["month"])
    return months


@pytest.fixture
def cast(db):
    return {
        "system": make_user("pp_system", "FR", "national_system"),
        "analyst": make_user("pp_analyst", "FR", "analyst"),
        "nl_analyst": make_user("pp_nl_analyst", "NL", "analyst"),
        "author": make_user("pp_author", "EU", "commission"),
        "approver": make_user("pp_approver", "EU", "commission_approver"),
    }


def _journey(cast, recorder: Recorder) -> list[tuple[str, Callable[[], object]]]:
    """The hot paths, in the order a declaration lives them."""
    system, analyst = cast["system"], cast["analyst"]
    body = make_ens(place_of_unloading="NLRTM", countries_of_routing=["CN", "NL"])
    state: dict = {}
    rest = api_client(system)

    def file_one():
        response = rest.post("/api/v1/declarations/", body, format="json")
        assert response.status_code == 201, response.content
        state["mrn"] = response.json()["mrn"]

    def file_many():
        response = rest.post(
            "/api/v1/declarations/batch/", {"declarations": [make_ens() for _ in range(5)]}, format="json"
        )
        assert response.status_code == 200, response.content
        state["batch"] = [result["mrn"] for result in response.json()["results"]]

    def screen(*mrns: str) -> None:
        with recorder.paused():
            version_ids = current_version_ids(*mrns)
        screen_isolating(version_ids)

    def screen_one():
        screen(state["mrn"])

    def screen_many():
        screen(*state["batch"])

    def amend():
        response = rest.post(
            f"/api/v1/declarations/{state['mrn']}/amendments/",
            body | {"goods_items": [make_item(1), make_item(2)]},
            format="json",
        )
        assert response.status_code in (200, 201), response.content

    def read_assessment():
        for query in ("", "?history=true"):
            response = api_client(analyst).get(f"/api/v1/declarations/{state['mrn']}/assessment/{query}")
            assert response.status_code == 200, response.content
        assert api_client(analyst).get(f"/api/v1/declarations/{state['mrn']}/").status_code == 200

    def pages():
        browser = Client()
        browser.force_login(analyst)
        with recorder.paused():
            case = Case.objects.get(declaration__mrn=state["mrn"], member_state_id="FR", state=CaseState.OPEN)
        state["case"] = case
        for url in (reverse("declaration-detail", args=[state["mrn"]]), reverse("workbench-case", args=[case.pk])):
            assert browser.get(url).status_code == 200, url

    def decide():
        services.decide(
            actor=analyst, case=state["case"], action="control", control_type="physical",
            control_place="place_of_unloading",
        )  # fmt: skip
        services.record_control_result(
            actor=cast["nl_analyst"],
            declaration=state["case"].declaration,
            data={"control_type": "physical", "result": "no_irregularity"},
        )

    return [
        ("file one", file_one),
        ("file many", file_many),
        ("screen one", screen_one),
        ("screen many", screen_many),
        ("amend", amend),
        ("re-screen", screen_one),
        ("read assessment", read_assessment),
        ("pages", pages),
        ("decide", decide),
    ]


def test_hot_path_statements_plan_one_month(cast):
    now = dt.datetime.now(dt.UTC)
    first = partitions.month_start(now)
    past = [first]
    for _ in range(5):
        past.insert(0, partitions.month_start(past[0] - dt.timedelta(days=1)))
    partitions.ensure_months(past)  # six months behind the current one, as a deployment has
    publish_criterion(make_criterion("CRC-PP-TOY", control_type="physical"), cast["author"], cast["approver"])

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        for step, run in _journey(cast, recorder):
            recorder.step = step
            run()
        recorder.step = ""

    steps_seen = {statement.step for statement in recorder.statements}
    assert {"screen one", "re-screen", "read assessment", "decide"} <= steps_seen
    used, wide = set(), []
    for statement in recorder.statements:
        if not DML.match(statement.sql):
            continue
        months = months_planned(statement)
        if len(months) <= 1:
            continue
        allowed = [key for key in ALLOWED if key[0] == statement.step and key[1] in statement.sql]
        if allowed:
            used.update(allowed)
            continue
        wide.append(f"{statement.step} ({statement.where}): {len(months)} months: {_short(statement.sql)}")
    assert not wide, "\n".join(wide)
    assert used == set(ALLOWED), f"exceptions no statement needs any more: {set(ALLOWED) - used}"
