"""A declaration knows its current version's id (issue 17): reads of the current version by id prune
to one month's partition. Existing declarations are filled in from their versions."""

from django.db import migrations, models

FILL = """
UPDATE declarations_declaration d SET current_version_pk = v.id
FROM declarations_declarationversion v
WHERE v.declaration_id = d.id AND v.version = d.current_version AND d.current_version_pk IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("declarations", "0009_office_in_first_entry_state")]

    operations = [
        migrations.AddField(
            model_name="declaration",
            name="current_version_pk",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
