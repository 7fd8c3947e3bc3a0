"""Everyone who wrote a RIF counts as its author for the four-eyes rule (contract v2 section 3, issue 13
point 3). Filled with each RIF's creator, the uploaders of its attachments and everyone the audit log
records creating or editing it."""

from django.conf import settings
from django.db import migrations, models

FILL_EDITORS = """
-- One statement, UNION removing duplicates: the table's unique index is only built after this runs.
INSERT INTO rif_rif_editors (rif_id, user_id)
SELECT id, created_by_id FROM rif_rif
UNION
SELECT rif_id, uploaded_by_id FROM rif_rifattachment
UNION
SELECT r.id, a.actor_id
FROM audit_auditentry a
JOIN rif_rif r ON a.object_type = 'rif.rif' AND a.object_id = r.id::text
JOIN accounts_user u ON u.id = a.actor_id
WHERE a.action IN ('rif.draft_created', 'rif.draft_updated', 'rif.attachment_added');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("rif", "0002_rif_withdrawal"),
        ("audit", "0002_append_only_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="rif",
            name="editors",
            field=models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunSQL(FILL_EDITORS, migrations.RunSQL.noop),
    ]
