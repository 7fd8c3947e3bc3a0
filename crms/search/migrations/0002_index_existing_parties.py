"""Index the parties of the declarations stored before the search existed (new filings index themselves)."""

from django.db import migrations


def index_existing(apps, schema_editor):
    from crms.search.index import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_party_index"),
        ("declarations", "0006_search_prefix_indexes"),
    ]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop)]
