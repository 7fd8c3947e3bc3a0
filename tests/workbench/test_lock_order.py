"""Every write path that locks rows of more than one table locks them in one order (issue 17 review).

Two transactions that lock the same rows in opposite orders deadlock: a decision that locked its case
and then its declaration against a re-screening that locked the declaration and then the case. The
order here is the screening's, the busiest writer: a declaration, then its cases, then what hangs off
a case. Each service on the enumerated list is run on a real case while every statement is recorded;
the tables it locks (``FOR [NO KEY] UPDATE``, ``UPDATE``, ``DELETE``, an upsert) must come in that
order, and a path that may lock several cases locks their declaration before any. A new public function of the workbench services without a row here fails the test.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from contextlib import contextmanager

import pytest
from django.db import connection

from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration
from risk_engine.screening import screen_versions
from tests.risk_engine.conftest import current_version_ids, make_ens, make_item
from workbench import referrals, services
from workbench.models import Case
from workbench.schema import AdditionalInformation

pytestmark = pytest.mark.django_db

# Lower first. Tables not listed may be locked at any point (they are never locked together with these
# by another writer in the other order).
RANK = {
    "declarations_declaration": 0,
    "workbench_case": 1,
    "workbench_decision": 2,
    "workbench_referral": 3,
}

SELECT_LOCK = re.compile(r"\bFOR (?:NO KEY )?UPDATE(?: OF (?P<of>[^;]+?))?(?: NOWAIT| SKIP LOCKED)?\s*$", re.I | re.S)
FROM_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.I)
UPDATE_TABLE = re.compile(r'^\s*(?:WITH\b.*?\)\s*)?UPDATE\s+"?(\w+)"?', re.I | re.S)
DELETE_TABLE = re.compile(r'^\s*DELETE\s+FROM\s+"?(\w+)"?', re.I)
UPSERT_TABLE = re.compile(r'INSERT\s+INTO\s+"?(\w+)"?[^;]*ON\s+CONFLICT[^;]*DO\s+UPDATE', re.I | re.S)


def locked_tables(sql: str) -> list[str]:
    """The tables whose existing rows the statement locks, as far as the ranking needs."""
    found = []
    if match := SELECT_LOCK.search(sql):
        if match["of"]:
            found += [name.strip().strip('"') for name in match["of"].split(",")]
        elif table := FROM_TABLE.search(sql):
            found.append(table[1])
    for pattern in (UPDATE_TABLE, DELETE_TABLE, UPSERT_TABLE):
        found += pattern.findall(sql)
    return found


@contextmanager
def recording():
    tables: list[str] = []

    def record(execute, sql, params, many, context):
        text = sql.decode() if isinstance(sql, bytes) else sql
        if isinstance(text, str):
            tables.extend(name for name in locked_tables(text) if name in RANK)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield tables


def _body(**overrides) -> dict:
    return make_ens(**({"place_of_unloading": "NLRTM", "countries_of_routing": ["CN", "NL"]} | overrides))


def _decided(people, case: Case, **how):
    return services.decide(actor=people["fr_analyst"], case=case, **how)


def _referral(people, case: Case):
    return _decided(people, case, action="request_for_information", question="Who is the end user?").referral


ANSWER = AdditionalInformation(kind="additional_information", text="A toy retailer.")


def _answer(people, case):
    referral = _referral(people, case)
    return lambda: referrals.answer_referral(actor=people["fr_system"], referral=referral, answer=ANSWER)


def _close(people, case):
    referral = _referral(people, case)
    return lambda: referrals.close_referral(actor=people["fr_analyst"], referral=referral, reason="Answered by phone.")


def _ask_again(people, case):
    referral = _referral(people, case)
    referrals.answer_referral(actor=people["fr_system"], referral=referral, answer=ANSWER)
    return lambda: referrals.ask_again(actor=people["fr_analyst"], referral=referral, question="And the invoice?")


def _control_result(people, case):
    _decided(people, case, action="control", control_type="physical", control_place="border")
    data = {"control_type": "physical", "result": "irregularity", "irregularity_type": "product_safety"}
    return lambda: services.record_control_result(actor=people["fr_system"], declaration=case.declaration, data=data)


def _amend(people, case):
    declaration = Declaration.objects.get(pk=case.declaration_id)
    body = _body(lrn=declaration.lrn) | {"goods_items": [make_item(1), make_item(2)]}
    return lambda: amend_declaration(declaration, body, user=people["fr_system"])


def _rescreen(people, case):
    return lambda: screen_versions(current_version_ids(case.declaration.mrn))


def _rescreen_decided(people, case):
    _decided(people, case, action="control", control_type="physical", control_place="place_of_unloading")
    return lambda: screen_versions(current_version_ids(case.declaration.mrn))


# name -> (prepare(people, case) -> the call to record). Prepared state is set up outside the recording.
PATHS: dict[str, Callable] = {
    "claim_case": lambda people, case: lambda: services.claim_case(actor=people["fr_analyst"], case=case),
    "assign_case": lambda people, case: (
        lambda: services.assign_case(actor=people["fr_risk_manager"], case=case, assignee="fr_analyst")
    ),
    "release_case": lambda people, case: (
        services.claim_case(actor=people["fr_analyst"], case=case),
        lambda: services.release_case(actor=people["fr_analyst"], case=case),
    )[1],
    "decide: control at the border": lambda people, case: (
        lambda: _decided(people, case, action="control", control_type="physical", control_place="border")
    ),
    "decide: control at the place of unloading (forwarded)": lambda people, case: (
        lambda: _decided(people, case, action="control", control_type="physical", control_place="place_of_unloading")
    ),
    "decide: dismiss": lambda people, case: lambda: _decided(people, case, action="dismiss", reason="Known trader."),
    "decide: request for information (referral)": lambda people, case: lambda: _referral(people, case),
    "decide: do not load (referral)": lambda people, case: (
        lambda: _decided(people, case, action="do_not_load", question="Hold it.")
    ),
    "record_control_result": _control_result,
    "answer_referral": _answer,
    "close_referral": _close,
    "ask_again": _ask_again,
    "amend_declaration (case open)": _amend,
    "re-screening (case open)": _rescreen,
    "re-screening (case decided and forwarded)": _rescreen_decided,
}

# Public functions of the two modules that lock nothing, or only through a function above.
NOT_WRITERS = {
    "services": {
        "claim_expiry",
        "held_by_other",
        "decision_snapshot",
        "control_errors",
        "require_control_recorder",
        "control_snapshot",
        "require_exchange_staff",
        "may_reply_to_request",
        "may_close_request",
        # Information requests lock their request row only (no declaration or case).
        "open_information_request",
        "post_information_message",
        "close_information_request",
    },
    "referrals": {
        "overdue_after",
        "is_overdue",
        "referral_url",
        "require_answerer",
        "require_referrer",
        "audit_snapshot",
        "open_referral",  # inside decide
        "referral_document",
        "answer_document",  # presenters
    },
}


def test_every_public_writer_has_a_row():
    covered = {name.split(":")[0].split(" (")[0] for name in PATHS}
    for label, module in (("services", services), ("referrals", referrals)):
        public = {
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
        }
        missing = public - covered - NOT_WRITERS[label]
        assert not missing, f"workbench.{label}: add a row to PATHS (or NOT_WRITERS with why) for {sorted(missing)}"


# Paths that may lock more than one case (a forwarded case beside the decided one; every case of a
# re-screened version): rows of one table are locked in no fixed order, so the declaration must be
# locked first and serialise them.
MORE_THAN_ONE_CASE = {
    "decide: control at the place of unloading (forwarded)",
    "re-screening (case open)",
    "re-screening (case decided and forwarded)",
}


@pytest.mark.parametrize("name", list(PATHS))
def test_rows_are_locked_declaration_first_then_case_then_what_hangs_off_it(name, people, referred):
    case = referred()
    call = PATHS[name](people, case)
    with recording() as tables:
        call()
    assert tables, f"{name}: locked none of {sorted(RANK)}: the row tests nothing"
    ranks = [RANK[table] for table in tables]
    first_seen = [rank for index, rank in enumerate(ranks) if rank not in ranks[:index]]
    assert first_seen == sorted(first_seen), f"{name} locks in the order {tables}"
    if name in MORE_THAN_ONE_CASE:
        assert tables[0] == "declarations_declaration", f"{name} locks cases before their declaration: {tables}"
