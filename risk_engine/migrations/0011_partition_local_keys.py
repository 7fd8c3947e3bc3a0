"""Keys from assessments to versions and from hits to assessments between same-month partitions.

The screening side of crms/declarations/migrations/0008_partition_local_keys.py (see ``LOCAL_KEYS``).
"""

import django.db.models.deletion
from django.db import migrations, models

from crms.declarations.partitions import localise_keys


def localise(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        localise_keys(cursor, ["risk_engine_assessment", "risk_engine_hit"])


class Migration(migrations.Migration):
    dependencies = [
        ("risk_engine", "0010_learned_scores"),
        ("declarations", "0008_partition_local_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assessment",
                    name="version",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assessment",
                        to="declarations.declarationversion",
                    ),
                ),
                migrations.AlterField(
                    model_name="hit",
                    name="assessment",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hits",
                        to="risk_engine.assessment",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(localise, migrations.RunPython.noop)],
        ),
    ]
