"""Fault tests: one private platform per session (see ``stack.py``), put back to normal before each test.

They take a few minutes, so the default run (`make test`) leaves them out; they run when asked
for: `make faults` (``-m faults``), or a path inside ``tests/faults``.
"""

from __future__ import annotations

import os

import pytest

from tests.faults.stack import ROOT, PrivateStack


def _asked_for(config) -> bool:
    return "faults" in (config.getoption("markexpr") or "") or any(
        "tests/faults" in str(arg).replace("\\", "/") for arg in config.args
    )


def pytest_collection_modifyitems(config, items):
    if _asked_for(config):
        return
    skipped = [item for item in items if item.get_closest_marker("faults")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not item.get_closest_marker("faults")]


@pytest.fixture(scope="session")
def private_stack(request):
    stack = PrivateStack.create()
    try:
        stack.start()
        yield stack
    finally:
        # After a failure the logs of web, workers and beat are kept for reading.
        logs = ROOT / "var" / f"faults-logs-{os.getpid()}" if request.session.testsfailed else None
        stack.close(keep_logs_in=logs)
        if logs is not None:
            print(f"\nFault tests failed: the private stack's logs are in {logs}")


@pytest.fixture
def stack(private_stack):
    """The private platform, healthy: Postgres and Redis up, a worker, beat, web answering 200."""
    private_stack.restore()
    yield private_stack
    private_stack.restore()
