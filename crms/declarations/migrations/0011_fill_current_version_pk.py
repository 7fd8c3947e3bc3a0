"""Fill in ``current_version_pk`` for existing declarations, 20,000 at a time, each batch committed on
its own (non-atomic): filings and amendments are never held behind one long update of the whole table.
A declaration left null (filed by the previous release while this ran) is still read right, by number."""

from django.db import migrations

BATCH = 20_000
FILL = """
UPDATE declarations_declaration d SET current_version_pk = v.id
FROM declarations_declarationversion v
WHERE d.id >= %s AND d.id < %s AND d.current_version_pk IS NULL
  AND v.declaration_id = d.id AND v.version = d.current_version
"""


def fill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM declarations_declaration")
        low, high = cursor.fetchone()
    for start in range(low, high + 1, BATCH):
        with connection.cursor() as cursor:  # autocommit (atomic = False): each batch commits on its own
            cursor.execute(FILL, [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("declarations", "0010_current_version_pk")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
