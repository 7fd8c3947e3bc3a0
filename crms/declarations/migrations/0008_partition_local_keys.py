"""Keys from parties and goods items to versions between same-month partitions (issue 17, ingest).

See ``LOCAL_KEYS`` in crms/declarations/partitions.py: the parent-level foreign keys are dropped and
the same keys declared between each month's partitions (and between the default partitions). Django
keeps the relations (joins, cascades) with ``db_constraint=False``; the database keeps the integrity.
"""

import django.db.models.deletion
from django.db import migrations, models

from crms.declarations.partitions import localise_keys


def localise(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        localise_keys(cursor, ["declarations_party", "declarations_goodsitem"])


class Migration(migrations.Migration):
    dependencies = [("declarations", "0007_monthly_partitions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="party",
                    name="version",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="parties",
                        to="declarations.declarationversion",
                    ),
                ),
                migrations.AlterField(
                    model_name="goodsitem",
                    name="version",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="declarations.declarationversion",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(localise, migrations.RunPython.noop)],
        ),
    ]
