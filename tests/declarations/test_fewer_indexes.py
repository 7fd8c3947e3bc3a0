"""Migration declarations 0012 drops only redundant indexes: their foreign keys stay, untouched (Django's
own ``db_index=False`` would drop and re-add each, re-checking every row under an exclusive lock), and
every look-up they served still has an index leading with the column."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection, migrations

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("crms.declarations.migrations.0012_fewer_indexes")

# column -> the index that serves look-ups by it now
COVERED_BY = {
    ("declarations_declaration", "filer_org_id"): "declaration_filer_lrn_unique",
    ("declarations_declaration", "first_entry_member_state_id"): "decl_first_entry_recv_idx",
    ("declarations_declaration", "office_of_first_entry_id"): "decl_office_recv_idx",
    ("declarations_declaration", "unloading_member_state_id"): "decl_unloading_recv_idx",
    ("declarations_declarationversion", "declaration_id"): "declaration_version_idx",
}


def _leading_indexes(table: str, column: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, x.indnatts FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
               WHERE t.relname = %s AND a.attname = %s""",
            [table, column],
        )
        return dict(cursor.fetchall())


def test_the_redundant_single_column_indexes_are_gone_and_the_covering_ones_stay():
    for table, column in MIGRATION.REDUNDANT:
        leading = _leading_indexes(table, column)
        assert all(columns > 1 for columns in leading.values()), (table, column, leading)
        if (table, column) in COVERED_BY:
            assert COVERED_BY[table, column] in leading
    assert "decl_mrn_prefix_idx" not in _leading_indexes("declarations_declaration", "mrn")
    assert any(name.endswith("_like") for name in _leading_indexes("declarations_declaration", "mrn"))


def test_their_foreign_keys_stay_valid_and_the_migration_does_not_touch_them():
    with connection.cursor() as cursor:
        for table, column in MIGRATION.REDUNDANT:
            cursor.execute(
                """SELECT c.convalidated FROM pg_constraint c
                   JOIN pg_class t ON t.oid = c.conrelid
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
                   WHERE c.contype = 'f' AND t.relname = %s AND a.attname = %s""",
                [table, column],
            )
            validated = [row[0] for row in cursor.fetchall()]
            assert validated and all(validated), (table, column)  # (the office's also backs a composite key)
    (operation,) = MIGRATION.Migration.operations
    assert isinstance(operation, migrations.SeparateDatabaseAndState)
    assert all(isinstance(step, migrations.RunPython) for step in operation.database_operations)
