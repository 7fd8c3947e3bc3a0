"""Sixteen redundant indexes dropped (issue 17, the cost of a filing): the single-column indexes Django adds
for foreign keys that composite indexes already lead with, their pattern twins, and a duplicate MRN
pattern index (docs/decisions.md, "The cost of a filing").

Only the indexes go. Django's own operations for ``db_index=False`` on a foreign key drop the constraint
and add it back, re-checking every row under an exclusive lock on both tables for the whole migration
(minutes with millions of declarations, every filing waiting): found in review. So the state takes
Django's operations and the database only ``DROP INDEX``: found by table, column and operator class in
the catalogue (the names carry hashes), concurrently on declarations (not partitioned), plainly on
the versions' partitioned parent (Postgres cannot drop a partitioned index concurrently; dropping is
quick, nothing is scanned).
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column): the single-column indexes on it, plain and varchar_pattern_ops, are dropped.
REDUNDANT = [
    ("declarations_declaration", "filer_org_id"),
    ("declarations_declaration", "first_entry_member_state_id"),
    ("declarations_declaration", "office_of_first_entry_id"),
    ("declarations_declaration", "unloading_member_state_id"),
    ("declarations_declarationversion", "declaration_id"),
    ("declarations_declarationversion", "first_entry_member_state_id"),
    ("declarations_declarationversion", "office_of_first_entry_id"),
    ("declarations_declarationversion", "unloading_member_state_id"),
]
PARTITIONED = {"declarations_declarationversion"}


def _single_column_indexes(cursor, table: str, column: str) -> list[str]:
    cursor.execute(
        """SELECT i.relname FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
           WHERE t.relname = %s AND a.attname = %s AND x.indnatts = 1
             AND NOT x.indisunique AND NOT x.indisprimary AND x.indpred IS NULL""",
        [table, column],
    )
    return [row[0] for row in cursor.fetchall()]


def drop_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:  # autocommit (atomic = False): CONCURRENTLY is allowed
        for table, column in REDUNDANT:
            for name in _single_column_indexes(cursor, table, column):
                how = "" if table in PARTITIONED else "CONCURRENTLY "
                cursor.execute(f'DROP INDEX {how}IF EXISTS "{name}"')
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS decl_mrn_prefix_idx")


def restore_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, column in REDUNDANT:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{table[:40]}_{column}_restored" ON "{table}" ("{column}")')
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS decl_mrn_prefix_idx ON declarations_declaration (mrn varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("accounts", "0001_initial"),
        ("declarations", "0011_fill_current_version_pk"),
        ("reference", "0004_office_code_member_state"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="declaration",
                    name="decl_mrn_prefix_idx",
                ),
                migrations.AlterField(
                    model_name="declaration",
                    name="filer_org",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="declaration",
                    name="first_entry_member_state",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="declaration",
                    name="office_of_first_entry",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reference.customsoffice",
                    ),
                ),
                migrations.AlterField(
                    model_name="declaration",
                    name="unloading_member_state",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="declarationversion",
                    name="declaration",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="declarations.declaration",
                    ),
                ),
                migrations.AlterField(
                    model_name="declarationversion",
                    name="first_entry_member_state",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="declarationversion",
                    name="office_of_first_entry",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reference.customsoffice",
                    ),
                ),
                migrations.AlterField(
                    model_name="declarationversion",
                    name="unloading_member_state",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
        ),
    ]
