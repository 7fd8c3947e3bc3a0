"""A declaration's Member State of first entry is its office of first entry's, held by the database.

The filing service derives one from the other (services.py), and the declarations list relies on it
when an office filter fixes the Member State (selectors.declaration_branches_for leaves out the scope
branch that cannot match). A composite foreign key onto (office code, office Member State) makes a
row that breaks it impossible, whoever writes it: a bench copy, a repair script, a future import.
Django has no composite foreign keys, hence SQL.
"""

from django.db import migrations

CONSTRAINT = "declaration_office_in_first_entry_state"


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0008_partition_local_keys"),
        ("reference", "0004_office_code_member_state"),
    ]

    operations = [
        migrations.RunSQL(
            f"""ALTER TABLE declarations_declaration ADD CONSTRAINT {CONSTRAINT}
                FOREIGN KEY (office_of_first_entry_id, first_entry_member_state_id)
                REFERENCES reference_customsoffice (code, member_state_id) DEFERRABLE INITIALLY DEFERRED""",
            f"ALTER TABLE declarations_declaration DROP CONSTRAINT {CONSTRAINT}",
        )
    ]
