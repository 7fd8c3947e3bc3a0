"""A declaration's Member State of first entry is its office of first entry's, held by the database.

The filing service derives one from the other (services.py), and the declarations list relies on it
when an office filter fixes the Member State (selectors.declaration_branches_for leaves out the scope
branch that cannot match). A composite foreign key onto (office code, office Member State) makes a
row that breaks it impossible, whoever writes it: a bench copy, a repair script, a future import.
Django has no composite foreign keys, hence SQL.

On a deployment with data: rows that already break it are named and the migration stops (which Member
State is right is a decision for people, not for a migration); the key is added NOT VALID (a moment's
lock; new rows are checked from then on) and validated in its own transaction, which reads the table
without blocking filings.
"""

from django.db import migrations

CONSTRAINT = "declaration_office_in_first_entry_state"
BREAKING = """
SELECT count(*), (array_agg(row(d.mrn, d.office_of_first_entry_id, d.first_entry_member_state_id, o.member_state_id)::text))[1:10]
FROM declarations_declaration d JOIN reference_customsoffice o ON o.code = d.office_of_first_entry_id
WHERE o.member_state_id <> d.first_entry_member_state_id
"""


def refuse_breaking_rows(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BREAKING)
        count, sample = cursor.fetchone()
    if count:
        raise RuntimeError(
            f"{count} declarations name an office of another Member State than their Member State of first entry "
            f"(mrn, office, declaration's, office's): {', '.join(sample)}. Correct them, then migrate again."
        )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("declarations", "0008_partition_local_keys"),
        ("reference", "0004_office_code_member_state"),
    ]

    operations = [
        migrations.RunPython(refuse_breaking_rows, migrations.RunPython.noop),
        migrations.RunSQL(
            f"""ALTER TABLE declarations_declaration ADD CONSTRAINT {CONSTRAINT}
                FOREIGN KEY (office_of_first_entry_id, first_entry_member_state_id)
                REFERENCES reference_customsoffice (code, member_state_id) DEFERRABLE INITIALLY DEFERRED NOT VALID""",
            f"ALTER TABLE declarations_declaration DROP CONSTRAINT {CONSTRAINT}",
        ),
        migrations.RunSQL(
            f"ALTER TABLE declarations_declaration VALIDATE CONSTRAINT {CONSTRAINT}", migrations.RunSQL.noop
        ),
    ]
