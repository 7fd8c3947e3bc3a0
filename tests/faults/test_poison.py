"""A poison declaration (its screening crashes) through a real worker: isolated, flagged, the rest screened.

The private stack runs with ``FAULT_INJECTION_POISON_LRN_PREFIX=POISON-``: screening raises for
any batch holding such a declaration, exactly like a bug tripped by one odd ENS would.
"""

from __future__ import annotations

import re

import pytest

from tests.faults.stack import POISON_PREFIX, SWEEP_SECONDS, wait_until

pytestmark = pytest.mark.faults

PREFIX = "ISOLATE"


def _open_failures(stack, lrns) -> dict[str, int]:
    return dict(
        stack.query(
            """SELECT d.lrn, f.attempts FROM risk_engine_screeningfailure f
               JOIN declarations_declarationversion v ON v.id = f.version_id
               JOIN declarations_declaration d ON d.id = v.declaration_id
               WHERE d.lrn = ANY(%s) AND f.resolved_at IS NULL""",
            [list(lrns)],
        )
    )


def _sweeps(stack) -> int:
    return sum(len(re.findall(r"sweep_pending\[[^]]+\] succeeded", worker.output())) for worker in stack.workers)


def test_poison_declaration_is_isolated_and_flagged_while_the_rest_of_its_batch_is_screened(stack):
    bodies = stack.bodies(400, prefix=PREFIX, seed=8)  # one filing, one screening task of 400
    for index in (57, 311):
        bodies[index]["lrn"] = f"{POISON_PREFIX}{bodies[index]['lrn']}"
    poison = {bodies[57]["lrn"], bodies[311]["lrn"]}
    accepted = stack.file(bodies)
    healthy = [lrn for lrn in accepted if lrn not in poison]

    wait_until(
        lambda: len(_open_failures(stack, poison)) == 2 and stack.all_screened(PREFIX, len(healthy)),
        timeout=60,
        what="the poison flagged and the rest of the batch screened",
        explain=stack.explain,
    )
    stack.assert_nothing_lost_nothing_doubled(accepted, poison=poison)
    # One task did it all: the batch was split down to the two poison versions.
    log = "".join(worker.output() for worker in stack.workers)
    assert re.search(
        r"screen_versions\[[^]]+\] succeeded in [\d.]+s: \{'versions': 398, 'hits': \d+, 'flagged': 2\}", log
    )

    # Visible to the filer (pending, screening failed) and to the engineer on call.
    for lrn in poison:
        assessment = stack.get(f"/api/v1/declarations/{accepted[lrn]}/assessment/")
        assert assessment.status == 200, assessment
        assert assessment.body["status"] == "pending" and assessment.body["screening_failed"] is True
    listing = stack.manage("screening_failures")
    for lrn in poison:
        assert accepted[lrn] in listing and "InjectedPoison" in listing

    # The sweeper leaves flagged versions alone: two more sweeps, no new attempt.
    attempts = _open_failures(stack, poison)
    sweeps = _sweeps(stack)
    wait_until(
        lambda: _sweeps(stack) >= sweeps + 2, timeout=6 * SWEEP_SECONDS, what="two sweeps", explain=stack.explain
    )
    assert _open_failures(stack, poison) == attempts

    # `--retry` after a "fix" that is not one: screened again by the worker, flagged again.
    assert "Re-queued 2 versions" in stack.manage("screening_failures", "--retry")
    wait_until(
        lambda: _open_failures(stack, poison) == {lrn: count + 1 for lrn, count in attempts.items()},
        timeout=30,
        what="the retried poison flagged again",
        explain=stack.explain,
    )
    stack.assert_nothing_lost_nothing_doubled(accepted, poison=poison)
