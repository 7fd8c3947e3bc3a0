"""Approval binds to content (contract v2 section 3, issue 13 point 3).

- ``restricted`` moves from the criterion to each version (it changes who reads the logic, so it
  changes only through approval): every version gets the criterion's current value. The criteria
  revision trigger is paused for that copy: nothing that runs changes, so no revision is due.
- ``editors``: everyone who wrote a version counts as its author for the four-eyes rule. Filled with
  each version's author and everyone the audit log records creating or editing that version.
- A trigger refuses any change to the content of a version once it has been published (also a
  superseded or retired one) and any move of such a version back to draft or submitted: the
  services never do either, and neither may the admin, a shell or a future import.
"""

from django.conf import settings
from django.db import migrations, models

COPY_RESTRICTED = """
ALTER TABLE risk_engine_criterionversion DISABLE TRIGGER criteria_revision_version;
UPDATE risk_engine_criterionversion v SET restricted = TRUE
FROM risk_engine_criterion c WHERE c.id = v.criterion_id AND c.restricted;
ALTER TABLE risk_engine_criterionversion ENABLE TRIGGER criteria_revision_version;
"""

UNCOPY_RESTRICTED = """
UPDATE risk_engine_criterion c SET restricted = EXISTS (
    SELECT 1 FROM risk_engine_criterionversion v WHERE v.criterion_id = c.id AND v.restricted);
"""

FILL_EDITORS = """
-- One statement, UNION removing duplicates: the table's unique index is only built after this runs.
INSERT INTO risk_engine_criterionversion_editors (criterionversion_id, user_id)
SELECT id, author_id FROM risk_engine_criterionversion
UNION
SELECT v.id, a.actor_id
FROM audit_auditentry a
JOIN risk_engine_criterionversion v
  ON a.object_type = 'risk_engine.criterion' AND a.object_id = v.criterion_id::text
 AND (a.after ->> 'version') ~ '^[0-9]{1,9}$' AND (a.after ->> 'version')::int = v.version
JOIN accounts_user u ON u.id = a.actor_id
WHERE a.action IN ('criterion.draft_created', 'criterion.draft_updated');
"""

# Every column but the lifecycle ones (status, submitted/published/retired at and by): the content.
GUARD = """
CREATE OR REPLACE FUNCTION crms_published_version_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('published', 'superseded', 'retired') AND (
        NEW.status IN ('draft', 'submitted')
        OR (NEW.criterion_id, NEW.version, NEW.title, NEW.description, NEW.risk_area_id, NEW.applies_to,
            NEW.condition, NEW.weight, NEW.outcome, NEW.control_type, NEW.valid_from, NEW.valid_to,
            NEW.allows_aeo_facilitation, NEW.shadow, NEW.restricted, NEW.author_id, NEW.created_at)
           IS DISTINCT FROM
           (OLD.criterion_id, OLD.version, OLD.title, OLD.description, OLD.risk_area_id, OLD.applies_to,
            OLD.condition, OLD.weight, OLD.outcome, OLD.control_type, OLD.valid_from, OLD.valid_to,
            OLD.allows_aeo_facilitation, OLD.shadow, OLD.restricted, OLD.author_id, OLD.created_at)
    ) THEN
        RAISE EXCEPTION 'criterion version % of criterion % was published: it never changes (open a new version)',
            OLD.version, OLD.criterion_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER published_version_is_immutable BEFORE UPDATE ON risk_engine_criterionversion
    FOR EACH ROW EXECUTE FUNCTION crms_published_version_is_immutable();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS published_version_is_immutable ON risk_engine_criterionversion;
DROP FUNCTION IF EXISTS crms_published_version_is_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("risk_engine", "0006_criteria_revision"),
        ("audit", "0002_append_only_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="criterionversion",
            name="restricted",
            field=models.BooleanField(
                default=False,
                help_text="Logic for entitled readers only (e.g. financial risk criteria); changes by approval",
            ),
        ),
        migrations.AddField(
            model_name="criterionversion",
            name="editors",
            field=models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunSQL(COPY_RESTRICTED, UNCOPY_RESTRICTED),
        migrations.RunSQL(FILL_EDITORS, migrations.RunSQL.noop),
        migrations.RemoveField(model_name="criterion", name="restricted"),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
