"""A screening racing an amendment never leaves the amended version's case open (issue 17 review).

Version n's screening writes n's case; before it commits, the filer amends to n + 1 and n + 1 is
screened. n + 1's screening supersedes the open cases of earlier versions it can see, and n's was not
committed yet: n's case used to stay open in the queue beside n + 1's. The screening now holds the
declaration from its case step to its commit, so the amendment waits for it. Deterministic: the
screening of n is paused right after its cases are written; the test asks Postgres whether the
amendment waits on the screening's session or finishes (the defect), and in that case screens n + 1
while n is still paused, as it happened.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from crms.declarations.models import Declaration
from crms.declarations.services import amend_declaration
from risk_engine.screening import screen_versions
from risk_engine.signals import assessments_written
from tests.risk_engine.conftest import current_version_ids, file_bodies, make_ens, make_item
from workbench.models import Case, CaseState

ROUNDS = 3


def _body(**overrides) -> dict:
    return make_ens(**({"place_of_unloading": "NLRTM", "countries_of_routing": ["CN", "NL"]} | overrides))


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _blocked_by_screening_or_done(amending: threading.Thread, pids: dict[str, int]) -> bool:
    """True once Postgres reports the amendment waiting on the screening's session; False if it finished
    first. Asked of Postgres, not timed: a slow machine cannot make an unblocked amendment look held."""
    deadline = time.monotonic() + 20
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            if "amending" in pids:
                cursor.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [pids["screening"], pids["amending"]])
                if cursor.fetchone()[0]:
                    return True
            if not amending.is_alive():
                return False
            time.sleep(0.01)
    raise AssertionError("the amendment neither finished nor waited on the screening")


def _race_once(people) -> bool:
    """One round; True when the amendment was held back until the screening of version 1 committed."""
    body = _body()
    (mrn,) = file_bodies(people["fr_system"], body)
    (first,) = current_version_ids(mrn)
    written, go = threading.Event(), threading.Event()
    statuses: list[int] = []
    threads: dict[str, threading.Thread] = {}
    pids: dict[str, int] = {}

    def pause(sender, **kwargs):
        if threading.current_thread() is threads.get("screening"):
            written.set()
            go.wait(20)

    def screen_first():
        try:
            pids["screening"] = _backend_pid()
            screen_versions([first])
        finally:
            go.set()
            connection.close()

    def amend():
        try:
            pids["amending"] = _backend_pid()
            amended = body | {"goods_items": [make_item(1), make_item(2)]}
            statuses.append(
                amend_declaration(Declaration.objects.get(mrn=mrn), amended, user=people["fr_system"]).status
            )
        finally:
            connection.close()

    assessments_written.connect(pause, dispatch_uid="test-pause-after-cases")
    try:
        threads["screening"] = threading.Thread(target=screen_first)
        threads["screening"].start()
        assert written.wait(20), "the screening never wrote its cases"
        threads["amending"] = threading.Thread(target=amend)
        threads["amending"].start()
        held_back = _blocked_by_screening_or_done(threads["amending"], pids)
        if not held_back:  # the defect: screen version 2 while version 1's screening has not committed
            screen_versions(current_version_ids(mrn))
        go.set()
        for thread in threads.values():
            thread.join(20)
    finally:
        assessments_written.disconnect(dispatch_uid="test-pause-after-cases")
    assert statuses == [201]
    if held_back:
        screen_versions(current_version_ids(mrn))
    states = dict(Case.objects.filter(declaration__mrn=mrn).values_list("version__version", "state"))
    assert states == {1: CaseState.SUPERSEDED, 2: CaseState.OPEN}, states
    return held_back


@pytest.mark.django_db(transaction=True)
def test_a_screening_paused_after_writing_its_cases_holds_back_the_amendment(
    reference_data, no_broker, people, toy_criterion
):
    assert [_race_once(people) for _ in range(ROUNDS)] == [True] * ROUNDS
