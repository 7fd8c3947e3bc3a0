"""Heavy reads (indicators, backtests, model training) may go to a read replica.

Routing by model cannot tell an indicator query from a screening one: both read declarations. So
the code that may tolerate a replica's lag says so with ``replica_reads()``, and the router sends
that code's reads to the ``replica`` database when one is configured (``DATABASE_REPLICA_URL``);
without one, everything stays on ``default``. Writes always go to ``default``. Raw SQL takes its
cursor from :func:`read_connection` (or :func:`analytics_cursor`), which follows the same rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("crms_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may be served by the replica (a few seconds behind the primary)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def read_alias() -> str:
    return REPLICA if _reading_from_replica.get() and replica_configured() else DEFAULT_DB_ALIAS


def read_connection():
    """Where raw SQL reads now: the replica inside ``replica_reads()`` (when configured), else default."""
    return connections[read_alias()]


class ReplicaRouter:
    """Reads inside ``replica_reads()`` go to the replica; every write and migration to ``default``."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS  # a replica follows the primary's schema by replication


def analytics_cursor():
    """A cursor for raw analytical SQL that tolerates a replica's lag (the replica when configured)."""
    return connections[REPLICA if replica_configured() else DEFAULT_DB_ALIAS].cursor()
