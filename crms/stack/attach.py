"""``python manage.py ...`` by hand: find the embedded services under ``./var/`` (contract section 1).

``make run`` starts Postgres and Redis under ``var/``; a command typed beside it (``add_user``,
``import_history``, ...) must use the same ones without a wrapper or an extra variable. Whatever
the environment already configures (``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``) wins; what it
does not is taken from ``var/``: a running server is joined, a stopped one is started for the
command and stopped again when it ends.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

NEEDED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


def use_embedded_services(root: Path) -> None:
    if all(os.environ.get(name) for name in NEEDED):
        return
    from crms.stack.embedded import ensure_services

    var = Path(os.environ.get("CRMS_VAR_DIR", root / "var"))
    var.mkdir(parents=True, exist_ok=True)
    additions, started = ensure_services(var, purpose="run")
    for name, value in additions.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("CRMS_VAR_DIR", str(var))
    if not os.environ.get("SECRET_KEY"):
        from crms.stack.secret import secret_key

        os.environ["SECRET_KEY"] = secret_key(var)
    atexit.register(lambda: [service.stop() for service in reversed(started)])
