"""A declaration knows its current version's id (issue 17): reads of the current version by id prune
to one month's partition. A nullable column without a default: a catalogue change, no table rewrite.
Existing declarations are filled in by 0011, in batches."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("declarations", "0009_office_in_first_entry_state")]

    operations = [
        migrations.AddField(
            model_name="declaration",
            name="current_version_pk",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
    ]
