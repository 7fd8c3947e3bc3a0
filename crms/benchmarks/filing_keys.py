"""What the foreign keys of parties and goods items cost at filing, partition-level against parent-level.

Issue 17: a key into a partitioned parent is checked by routing through the parent. The platform
declares the keys inside the partitioned family between same-month partitions (``LOCAL_KEYS``); this
measures both in process on the ingest section's data, alternating, so both share the machine's state:
batches of generated ENS filed with the current month's partition-level keys, then with the same two
keys declared on the parents instead, every deferred check run before the clock stops.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from crms.benchmarks.ingest import _bodies
from crms.declarations.partitions import LOCAL_KEYS, local_key_name, local_key_statement, month_start, month_suffix

CHILDREN = ("declarations_party", "declarations_goodsitem")  # what filing writes; screening writes the others


def _declare_on_parents(parent_level: bool, suffix: str) -> None:
    with connection.cursor() as cursor:
        for child, column, parent in LOCAL_KEYS:
            if child not in CHILDREN:
                continue
            if parent_level:
                key = local_key_name(child, column, suffix)
                cursor.execute(f'ALTER TABLE "{child}_{suffix}" DROP CONSTRAINT "{key}"')
                cursor.execute(
                    f'ALTER TABLE "{child}" ADD CONSTRAINT "bench_{child}_parent_fk" FOREIGN KEY ("{column}") '
                    f'REFERENCES "{parent}" (id) DEFERRABLE INITIALLY DEFERRED'
                )
            else:
                cursor.execute(f'ALTER TABLE "{child}" DROP CONSTRAINT "bench_{child}_parent_fk"')
                cursor.execute(local_key_statement(child, column, parent, suffix))


def run(username: str, *, rounds: int = 4, size: int = 1000) -> dict:
    """Median seconds to file ``size`` ENS and check their keys, with each kind of key."""
    from crms.accounts.models import User
    from crms.declarations.services import file_declarations

    user = User.objects.get(username=username)
    suffix = month_suffix(month_start(timezone.now()))
    seconds: dict[str, list[float]] = {"partition": [], "parent": []}
    for round_number in range(rounds):
        for kind in ("partition", "parent"):
            bodies = _bodies(size, seed=900 + round_number, member_state="FR", prefix=f"KEYS{round_number}{kind}")
            if kind == "parent":
                _declare_on_parents(True, suffix)
            try:
                started = time.perf_counter()
                with transaction.atomic():
                    file_declarations(bodies, user=user)
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks a commit would run
                seconds[kind].append(time.perf_counter() - started)
            finally:
                if kind == "parent":
                    _declare_on_parents(False, suffix)
    return {
        "rounds": rounds,
        "size": size,
        "partition_keys_s": statistics.median(seconds["partition"]),
        "parent_keys_s": statistics.median(seconds["parent"]),
    }
