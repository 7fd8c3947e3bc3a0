"""Monthly partitions for versions, parties, goods items, assessments and hits (issue 17).

See crms/declarations/partitions.py for the design. The five tables are rebuilt as partitioned
tables with the same columns, checks, indexes and foreign keys (both ways); existing rows are
copied into each table's default partition (their ids carry no month). Two constraints change:

- ``declaration_version_unique`` cannot stay unique (a unique index on a partitioned table must
  contain the partition key): version numbers are allocated under the declaration's row lock
  (services.amend_declaration), and a plain index keeps the lookups fast.
- An assessment's id becomes its version's id (checked by ``assessment_id_is_version``), so the
  primary key enforces one assessment per version, as the unique ``version_id`` did.
"""

from django.db import migrations, models

from crms.declarations.partitions import FAMILY, MONTH_SPAN, VERSIONS, ensure_ahead

ASSESSMENTS = "risk_engine_assessment"
HITS = "risk_engine_hit"
PRIMARY_KEYS = {
    VERSIONS: "id",
    "declarations_party": "id, version_id",
    "declarations_goodsitem": "id, version_id",
    ASSESSMENTS: "id",
    HITS: "id, assessment_id",
}
IDENTITY = {"declarations_party", "declarations_goodsitem", HITS}  # keep their own id sequence


def _columns(cursor, table):
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _snapshot(cursor, table):
    """What the rebuilt table needs back: constraints, indexes, and foreign keys pointing at it."""
    cursor.execute(
        """SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f')""",
        [table],
    )
    own = cursor.fetchall()
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s
           AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""",
        [table, table],
    )
    indexes = cursor.fetchall()
    family = [name for name, _ in FAMILY]
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND confrelid = %s::regclass AND NOT (conrelid::regclass::text = ANY(%s))""",
        [table, family],
    )
    incoming = cursor.fetchall()
    return own, indexes, incoming


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS declarations_version_serial")
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION crms_version_id(filed timestamptz) RETURNS bigint
                LANGUAGE sql VOLATILE PARALLEL UNSAFE AS $$
                SELECT (extract(year FROM filed AT TIME ZONE 'UTC')::bigint * 100
                        + extract(month FROM filed AT TIME ZONE 'UTC')::bigint) * {MONTH_SPAN}
                       + nextval('declarations_version_serial') % {MONTH_SPAN}
                $$"""
        )
        snapshots = {table: _snapshot(cursor, table) for table, _ in FAMILY}
        sequences = {}
        for table, key in FAMILY:
            cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                sequences[table] = cursor.fetchone()
            identity = " INCLUDING IDENTITY" if table in IDENTITY else ""
            cursor.execute(
                f'CREATE TABLE "{table}__p" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                f'INCLUDING STORAGE{identity}) PARTITION BY RANGE ("{key}")'
            )
            if table not in IDENTITY:
                cursor.execute(f'ALTER TABLE "{table}__p" ALTER COLUMN id DROP DEFAULT')
            cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}__p" DEFAULT')
        for table, _ in FAMILY:
            columns = _columns(cursor, table)
            names = ", ".join(f'"{c}"' for c in columns)
            if table == ASSESSMENTS:  # the id becomes the version's id
                select = ", ".join("s.version_id" if c == "id" else f's."{c}"' for c in columns)
                source = f'"{table}" s'
            elif table == HITS:  # and hits follow their assessment
                select = ", ".join("a.version_id" if c == "assessment_id" else f's."{c}"' for c in columns)
                source = f'"{table}" s JOIN "{ASSESSMENTS}" a ON a.id = s.assessment_id'
            else:
                select = ", ".join(f's."{c}"' for c in columns)
                source = f'"{table}" s'
            cursor.execute(f'INSERT INTO "{table}__p" ({names}) OVERRIDING SYSTEM VALUE SELECT {select} FROM {source}')
        cursor.execute("DROP TABLE " + ", ".join(f'"{table}"' for table, _ in FAMILY) + " CASCADE")
        for table, _ in FAMILY:
            cursor.execute(f'ALTER TABLE "{table}__p" RENAME TO "{table}"')
            if table in IDENTITY:
                cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
                sequence = cursor.fetchone()[0]
                cursor.execute(f'ALTER SEQUENCE {sequence} RENAME TO "{table}_id_seq"')
                last_value, is_called = sequences[table]
                cursor.execute(f"SELECT setval('\"{table}_id_seq\"', %s, %s)", [last_value, is_called])
        for table, _ in FAMILY:
            own, indexes, _ = snapshots[table]
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({PRIMARY_KEYS[table]})')
            for name, kind, definition in own:
                if kind == "u" and table == VERSIONS:
                    continue  # declaration_version_unique: becomes the index below
                if kind == "u" and table == ASSESSMENTS:
                    continue  # version_id unique: the primary key, see assessment_id_is_version
                if kind in ("u", "f"):
                    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in indexes:
                cursor.execute(definition)
        cursor.execute(f'CREATE INDEX "declaration_version_idx" ON "{VERSIONS}" ("declaration_id", "version")')
        cursor.execute(f'ALTER TABLE "{ASSESSMENTS}" ADD CONSTRAINT "assessment_id_is_version" CHECK (id = version_id)')
        cursor.execute(f'CREATE INDEX "assessment_version_idx" ON "{ASSESSMENTS}" ("version_id")')
        cursor.execute(f'ALTER TABLE "{VERSIONS}" ALTER COLUMN id SET DEFAULT crms_version_id(now())')
        for table, _ in FAMILY:
            for referencing, name, definition in snapshots[table][2]:
                cursor.execute(f'ALTER TABLE {referencing} ADD CONSTRAINT "{name}" {definition}')
    ensure_ahead()


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("declarations", "0006_search_prefix_indexes"),
        ("risk_engine", "0010_learned_scores"),
        ("workbench", "0006_case_learned_selection"),
        ("learning", "0005_price_baselines"),
        ("analysis", "0001_flags"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="declarationversion", name="declaration_version_unique"),
                migrations.AddIndex(
                    model_name="declarationversion",
                    index=models.Index(fields=["declaration", "version"], name="declaration_version_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(partition, migrations.RunPython.noop)],
        ),
    ]
