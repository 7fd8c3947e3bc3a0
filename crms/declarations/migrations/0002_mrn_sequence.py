from django.db import migrations


class Migration(migrations.Migration):
    """MRN numbers come from a database sequence: unique across processes without locking."""

    dependencies = [("declarations", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS declarations_mrn_seq START 1 CACHE 100;",
            "DROP SEQUENCE IF EXISTS declarations_mrn_seq;",
        )
    ]
