"""Monthly partitions of the large append-only tables (issue 17).

Declaration versions, their parties and goods items, assessments and hits are partitioned by
the month a version was filed, with Postgres declarative partitioning. Every foreign key into
these tables keeps working because the month is carried by the version's id itself:
``id = YYYYMM * 10^10 + serial`` (the database function ``crms_version_id``). Versions are
partitioned on ``id``; parties and goods items on ``version_id``; an assessment's id *is* its
version's id (one assessment per version); hits on ``assessment_id``. So a month is the same id
range in all five tables, and a month of history is dropped by dropping five partitions.

Rows whose month has no partition yet go to each table's default partition: no filing is ever
refused for want of a partition. The nightly housekeeping creates the current and the next two
months ahead, so live traffic never reaches the default partition (docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL

MONTH_SPAN = 10**10
VERSIONS = "declarations_declarationversion"
# (table, partition column), parents first: created in this order, dropped in reverse.
FAMILY: tuple[tuple[str, str], ...] = (
    (VERSIONS, "id"),
    ("declarations_party", "version_id"),
    ("declarations_goodsitem", "version_id"),
    ("risk_engine_assessment", "id"),
    ("risk_engine_hit", "assessment_id"),
)
MONTHS_AHEAD = 2
# Foreign keys inside the family: (child table, column, parent table). They are declared between the
# partitions of one month (parties of 12/2026 -> versions of 12/2026; defaults likewise), not between
# the parents: Postgres checks a key into a partitioned parent by routing through it, about eight
# times the cost of a key into one plain table, and filing pays it for every party and goods item
# (0.33 s of every 1,000 ENS, measured). A child row can only be in its parent's month, so the
# partition-level key holds exactly what the parent-level one did.
LOCAL_KEYS: tuple[tuple[str, str, str], ...] = (
    ("declarations_party", "version_id", VERSIONS),
    ("declarations_goodsitem", "version_id", VERSIONS),
    ("risk_engine_assessment", "version_id", VERSIONS),
    ("risk_engine_hit", "assessment_id", "risk_engine_assessment"),
)


def month_start(moment: dt.date | dt.datetime) -> dt.date:
    """The first day of ``moment``'s month; datetimes are read in UTC (months are UTC months)."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return dt.date(moment.year, moment.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[int, int]:
    """The id range [low, high) of ``month`` in every partitioned table."""
    following = next_month(month)
    return (month.year * 100 + month.month) * MONTH_SPAN, (following.year * 100 + following.month) * MONTH_SPAN


def month_of_id(version_id: int) -> dt.date | None:
    """The filing month a version id carries; None for ids from before partitioning."""
    stamp = version_id // MONTH_SPAN
    year, month = divmod(stamp, 100)
    if year < 1900 or not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1)


def month_suffix(month: dt.date) -> str:
    return f"y{month.year}m{month.month:02d}"


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_{month_suffix(month)}"


def local_key_name(child: str, column: str, suffix: str) -> str:
    """The one spelling of a partition-level key's name (created, checked for and dropped under it)."""
    return f"{child}_{suffix}_{column}_fk"


def local_key_statement(child: str, column: str, parent: str, suffix: str) -> str:
    """The key from ``child``'s partition ``suffix`` (``y2026m12`` or ``default``) to ``parent``'s."""
    return (
        f'ALTER TABLE "{child}_{suffix}" ADD CONSTRAINT "{local_key_name(child, column, suffix)}" '
        f'FOREIGN KEY ("{column}") '
        f'REFERENCES "{parent}_{suffix}" (id) DEFERRABLE INITIALLY DEFERRED'
    )


def localise_keys(cursor, children: Iterable[str]) -> None:
    """Replace the parent-level keys of ``children`` (LOCAL_KEYS) by keys between same-month partitions,
    for every month that exists (a migration's step; ``ensure_months`` adds them for new months)."""
    existing = _existing(cursor)
    for child, column, parent in LOCAL_KEYS:
        if child not in children:
            continue
        cursor.execute(
            """SELECT conname FROM pg_constraint WHERE contype = 'f' AND conparentid = 0
               AND conrelid = %s::regclass AND confrelid = %s::regclass""",
            [child, parent],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{child}" DROP CONSTRAINT "{name}"')
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conparentid = 0")
        declared = {row[0] for row in cursor.fetchall()}
        for name in sorted(existing):
            suffix = name[len(child) + 1 :]
            if not name.startswith(f"{child}_") or f"{parent}_{suffix}" not in existing:
                continue
            if local_key_name(child, column, suffix) not in declared:  # months created since 0007 already have theirs
                cursor.execute(local_key_statement(child, column, parent, suffix))


def allocate_version_ids(filed_at: Sequence[dt.datetime]) -> list[int]:
    """Ids for new versions, each in the month it was filed (history keeps its own months)."""
    if not filed_at:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT crms_version_id(t) FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
            [list(filed_at)],
        )
        return [row[0] for row in cursor.fetchall()]


def _existing(cursor) -> set[str]:
    cursor.execute(
        """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s)""",
        [[table for table, _ in FAMILY]],
    )
    return {row[0] for row in cursor.fetchall()}


def analyze_months(months: Iterable[dt.date], *, also: Iterable[str] = ()) -> list[str]:
    """Planner statistics for months just bulk-loaded (a history import), and for the tables ``also`` names.

    Autovacuum analyzes a new partition minutes after a load; a training started before it planned its
    frame query as if the months were empty (nested loops over whole partitions: a benchmark run was still
    in that query after ten minutes, where the same data takes seconds once analyzed)."""
    with connection.cursor() as cursor:
        existing = _existing(cursor)
        names = [partition_name(table, month) for table, _ in FAMILY for month in sorted(set(months))]
        names = [name for name in names if name in existing] + list(also)
        cursor.execute("ANALYZE " + ", ".join(f'"{name}"' for name in names))
    return names


@dataclass
class EnsureResult:
    created: list[str] = field(default_factory=list)
    # A month whose rows already sit in the default partition (filed before its partition existed):
    # left there, still correct, and reported so an operator can move them in a maintenance window.
    blocked: list[str] = field(default_factory=list)


def ensure_months(months: Iterable[dt.date]) -> EnsureResult:
    """Create the monthly partitions of ``months`` in all five tables, where missing."""
    result = EnsureResult()
    wanted = sorted({month_start(month) for month in months})
    with connection.cursor() as cursor:
        existing = _existing(cursor)
        cursor.execute("SHOW lock_timeout")
        previous_timeout = cursor.fetchone()[0]
        for month in wanted:
            low, high = month_bounds(month)
            missing = [(t, c) for t, c in FAMILY if partition_name(t, month) not in existing]
            if not missing:
                continue
            # Rows of that month already in a default partition (filed before the partition existed) would
            # fail the creation after a scan under lock: an index probe tells first, and the month is
            # created in all five tables or in none.
            crowded = []
            for table, column in missing:
                cursor.execute(
                    f'SELECT EXISTS (SELECT 1 FROM "{table}_default" WHERE "{column}" >= %s AND "{column}" < %s)',
                    [low, high],
                )
                if cursor.fetchone()[0]:
                    crowded.append(table)
            if crowded:
                result.blocked.append(
                    f"{month:%m/%Y}: rows of that month are in the default partition of " + ", ".join(crowded)
                )
                continue
            names = [partition_name(table, month) for table, _ in missing]
            try:
                with transaction.atomic():
                    # Creating a partition locks its parent: never queue behind a long reader (and make
                    # every filing queue behind us); a busy table is tried again the next night.
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                    for (table, _column), name in zip(missing, names, strict=True):
                        cursor.execute(
                            f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM ({low}) TO ({high})'
                        )
                    for child, column, parent in LOCAL_KEYS:
                        if partition_name(child, month) in names:
                            cursor.execute(local_key_statement(child, column, parent, month_suffix(month)))
            except DatabaseError as exc:  # rows arrived in the default meanwhile, or the lock was not granted
                result.blocked.append(f"{month:%m/%Y}: {str(exc).splitlines()[0]}")
                continue
            finally:
                if connection.in_atomic_block:  # SET LOCAL outlives a savepoint: give the caller theirs back
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous_timeout])
            result.created.extend(names)
    return result


def ensure_ahead(now: dt.datetime | None = None, *, since: dt.date | None = None) -> EnsureResult:
    """The current month and the next ``MONTHS_AHEAD``: live filings always find their partition.

    ``since`` adds every month from that one on: before loading history of past months, so its rows
    land in their own months rather than in the default partitions.
    """
    from django.utils import timezone

    current = month_start(now or timezone.now())
    last = current
    for _ in range(MONTHS_AHEAD):
        last = next_month(last)
    months = [min(month_start(since), current) if since else current]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return ensure_months(months)


@dataclass
class RehomeResult:
    month: dt.date
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows moved out of its default partition
    created: list[str] = field(default_factory=list)


def rehome_month(month: dt.date, *, actor=None) -> RehomeResult:
    """Move a month's rows out of the default partitions into partitions of their own.

    Rows filed while their month had no partition wait in ``<table>_default`` and block the month's
    creation (Postgres would have to move them). One transaction: each table's rows of the month are
    taken out of its default into a temporary table, the month is created in all five tables, and the
    rows go back in through the parents, so they land in the new partitions with the same ids.

    Postgres checks a foreign key into a partitioned table against the partition a row was deleted
    from, not against the parent, so the row coming back in another partition would not satisfy it:
    the foreign keys pointing at the five tables are dropped for the move and added back (validated
    over the referencing tables) before commit. That holds locks that stop filings for the duration:
    a maintenance-window command.
    """
    from crms.audit.services import record

    month = month_start(month)
    low, high = month_bounds(month)
    result = RehomeResult(month)
    with transaction.atomic(), connection.cursor() as cursor:
        names = _existing(cursor)
        if all(partition_name(table, month) in names for table, _ in FAMILY):
            raise LookupError(f"{month:%m/%Y} already has its partitions: nothing waits in the default ones.")
        cursor.execute(  # declared foreign keys only (conparentid = 0): their per-partition clones go with them
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE contype = 'f' AND conparentid = 0 AND confrelid = ANY(%s::regclass[])""",
            [[table for table, _ in FAMILY]],
        )
        pointing = cursor.fetchall()
        for table, name, _definition in pointing:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table, column in FAMILY:
            cursor.execute(f'DROP TABLE IF EXISTS "crms_moving_{table}"')
            cursor.execute(
                f"""CREATE TEMPORARY TABLE "crms_moving_{table}" ON COMMIT DROP AS
                    WITH moved AS (DELETE FROM "{table}_default" WHERE "{column}" >= %s AND "{column}" < %s
                                   RETURNING *)
                    SELECT * FROM moved""",
                [low, high],
            )
            result.rows[table] = cursor.rowcount
        if not any(result.rows.values()):  # rolled back: no month created for nothing (a typo's 1900-01)
            raise LookupError(f"Nothing of {month:%m/%Y} waits in the default partitions.")
        ensured = ensure_months([month])
        if ensured.blocked:
            raise DatabaseError("; ".join(ensured.blocked))
        result.created = ensured.created
        for table, _column in FAMILY:
            cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "crms_moving_{table}"')
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the inserts' own deferred checks, before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, definition in pointing:  # validated here: a row left pointing nowhere fails the move
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        record(
            actor=actor,
            action="retention.month_rehomed",
            object_type="declarations.declarationversion",
            object_repr=f"filed in {month:%m/%Y}",
            after={"rows": result.rows, "created": result.created},
        )
    return result


@dataclass
class MonthPartition:
    month: dt.date | None  # None: the default partition
    tables: dict[str, int]  # table -> estimated rows
    bytes: int


def list_months() -> list[MonthPartition]:
    """Each month with partitions: estimated rows per table (planner statistics) and size on disk."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.relname, c.relname, greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid)
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
               WHERE p.relname = ANY(%s)""",
            [[table for table, _ in FAMILY]],
        )
        rows = cursor.fetchall()
    months: dict[dt.date | None, MonthPartition] = {}
    for parent, child, estimate, size in rows:
        suffix = child[len(parent) + 1 :]
        month = None if suffix == "default" else dt.date(int(suffix[1:5]), int(suffix[6:8]), 1)
        entry = months.setdefault(month, MonthPartition(month, {}, 0))
        entry.tables[parent] = estimate
        entry.bytes += size
    return sorted(months.values(), key=lambda entry: (entry.month is None, entry.month or dt.date.min))


@dataclass
class DropResult:
    month: dt.date
    versions: int = 0
    dependents: dict[str, int] = field(default_factory=dict)
    declarations: int = 0
    seconds_dependents: float = 0.0
    seconds_partitions: float = 0.0
    seconds_declarations: float = 0.0


def _dependents(model, family: set[str]):
    """(model, field name) of every concrete foreign key to ``model`` from outside the partitioned five."""
    # get_fields(include_hidden=True): related_objects leaves out relations named "+" (model scores, referrals).
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.is_relation):
            continue
        if relation.related_model._meta.db_table not in family and relation.field.concrete:
            yield relation.related_model, relation.field.name


def _protected_first(pairs: list) -> list:
    """Delete order: a model that PROTECTs a reference to another one here goes before it (a decision
    before its case, a referral before both), as the ORM refuses to delete a protected row's target."""
    from django.db.models import PROTECT

    models = {model for model, _ in pairs}
    blocks = {  # model -> the models here it must be deleted before
        model: {
            f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in models and f.remote_field.on_delete is PROTECT
        }
        for model in models
    }
    ordered, placed = [], set()
    while len(placed) < len(models):
        ready = [m for m in models - placed if not any(m in blocks[o] for o in models - placed if o is not m)]
        if not ready:
            raise RuntimeError("A cycle of PROTECTed references among the tables pointing at declarations")
        for model in sorted(ready, key=lambda m: m._meta.label):
            placed.add(model)
            ordered += [pair for pair in pairs if pair[0] is model]
    return ordered


def _version_dependents():
    from crms.declarations.models import DeclarationVersion

    return _protected_first(list(_dependents(DeclarationVersion, {table for table, _ in FAMILY})))


def _declaration_dependents():
    from crms.declarations.models import Declaration

    return _protected_first(list(_dependents(Declaration, {table for table, _ in FAMILY})))


def _count(result: DropResult, deleted: dict[str, int]) -> None:
    for label, number in deleted.items():
        if number:
            result.dependents[label] = result.dependents.get(label, 0) + number


def drop_month(month: dt.date, *, actor=None, now: dt.datetime | None = None) -> DropResult:
    """Retention by partition: the month's versions and all that hangs off them leave the database.

    Rows pointing at the month from unpartitioned tables (cases, decisions, control results, labels,
    model scores...) are deleted first through the ORM, so their own dependents cascade as everywhere
    else; then the five partitions are dropped (a catalogue change, whatever their size); then the
    declarations left without any version. One transaction: all of it or nothing.
    """
    from django.utils import timezone

    from crms.audit.services import record
    from crms.declarations.models import Declaration

    month = month_start(month)
    if month >= month_start(now or timezone.now()):
        raise ValueError(f"{month:%m/%Y} is not over yet: only past months are dropped.")
    low, high = month_bounds(month)
    result = DropResult(month)
    with transaction.atomic(), connection.cursor() as cursor:
        names = _existing(cursor)
        missing = [partition_name(table, month) for table, _ in FAMILY if partition_name(table, month) not in names]
        if missing:
            raise LookupError(f"No partitions for {month:%m/%Y}: {', '.join(missing)}")
        versions = partition_name(VERSIONS, month)
        cursor.execute(f'SELECT count(*) FROM "{versions}"')
        result.versions = cursor.fetchone()[0]
        # Declarations with no version outside this month leave with it (one amended in a later month
        # keeps its later versions and stays). Amendments come later, so a declaration whose current
        # version is in this month has none after it; it has none before it when its version 1 is here
        # too (or an earlier month was dropped). Both tests stay in this month's partition but the last.
        # Kept in the database (a temporary table), not sent back and forth: a month is ~10^5-10^6 of them.
        cursor.execute("DROP TABLE IF EXISTS crms_leaving")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE crms_leaving ON COMMIT DROP AS
                SELECT m.declaration_id AS id FROM "{versions}" m
                JOIN "{Declaration._meta.db_table}" d ON d.id = m.declaration_id AND m.version = d.current_version
                WHERE EXISTS (SELECT 1 FROM "{versions}" f WHERE f.declaration_id = m.declaration_id AND f.version = 1)
                   OR NOT EXISTS (SELECT 1 FROM "{VERSIONS}" v
                                  WHERE v.declaration_id = m.declaration_id AND v.id < %s)""",
            [low],
        )
        cursor.execute("ANALYZE crms_leaving")
        leaving = RawSQL("SELECT id FROM crms_leaving", [])
        started = time.perf_counter()
        for model, field_name in _version_dependents():
            queryset = model._base_manager.filter(**{f"{field_name}_id__gte": low, f"{field_name}_id__lt": high})
            _count(result, queryset.delete()[1])
        for model, field_name in _declaration_dependents():
            _count(result, model._base_manager.filter(**{f"{field_name}_id__in": leaving}).delete()[1])
        result.seconds_dependents = time.perf_counter() - started
        started = time.perf_counter()
        for table, _column in reversed(FAMILY):  # children first; detaching checks nothing still points in
            cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{partition_name(table, month)}"')
            cursor.execute(f'DROP TABLE "{partition_name(table, month)}"')
        result.seconds_partitions = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f'DELETE FROM "{Declaration._meta.db_table}" WHERE id IN (SELECT id FROM crms_leaving)')
        result.declarations = cursor.rowcount
        # The foreign keys pointing at declarations are checked now, not at commit, so the time is counted
        # here: each deleted row probes the tables that reference declarations (the partitioned ones in
        # every partition). Then back to Django's deferred checks for the rest of an outer transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        result.seconds_declarations = time.perf_counter() - started
        record(
            actor=actor,
            action="retention.month_dropped",
            object_type="declarations.declarationversion",
            object_repr=f"filed in {month:%m/%Y}",
            after={
                "versions": result.versions,
                "declarations": result.declarations,
                "dependents": result.dependents,
            },
        )
    return result


def expired_months(now: dt.datetime | None = None) -> list[dt.date]:
    """Months with partitions past ``DECLARATION_RETENTION_MONTHS`` full months (none when it is 0)."""
    from django.conf import settings
    from django.utils import timezone

    keep = settings.DECLARATION_RETENTION_MONTHS
    if not keep:
        return []
    current = month_start(now or timezone.now())
    index = current.year * 12 + current.month - 1 - keep
    cutoff = dt.date(index // 12, index % 12 + 1, 1)  # months before this one have expired
    return [entry.month for entry in list_months() if entry.month is not None and entry.month < cutoff]


def drop_expired_months(now: dt.datetime | None = None) -> list[DropResult]:
    return [drop_month(month, now=now) for month in expired_months(now)]
