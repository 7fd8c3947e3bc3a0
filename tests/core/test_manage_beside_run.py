"""Contract section 1: ``python manage.py ...`` works as typed, finding the embedded services under var/.

The command runs in a child process with no DATABASE_URL, REDIS_URL or SECRET_KEY, as a person would
type it beside ``make run``: it must join the embedded Postgres (the same unix socket the suite uses)
and reach Redis, not stop with "SECRET_KEY must be set".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "from django.db import connection; from django.core.cache import cache; connection.ensure_connection(); "
    "cache.set('manage-probe', 'ok', 5); print('HOST', connection.settings_dict['HOST']); "
    "print('CACHE', cache.get('manage-probe'))"
)


def test_manage_py_finds_the_embedded_services(db):
    if not str(connection.settings_dict["HOST"]).startswith("/"):
        pytest.skip("the suite runs on a configured DATABASE_URL, not the embedded Postgres")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["HOST"] == connection.settings_dict["HOST"]  # the same embedded server as the suite's
    assert lines["CACHE"] == "ok"
    assert "SECRET_KEY" not in result.stderr
