from django.db import migrations

# A stated capacity changes what the live model selects at screening: the criteria revision moves with
# it (risk_engine/models_revision.py), in the same transaction as the change.
TRIGGER = """
CREATE OR REPLACE FUNCTION crms_capacity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM crms_note_criteria_change('capacity.changed',
                                      CASE WHEN TG_OP = 'DELETE' THEN OLD.member_state_id ELSE NEW.member_state_id END, 0);
    RETURN NULL;
END $$;
CREATE TRIGGER criteria_revision_capacity AFTER INSERT OR UPDATE OR DELETE ON selection_controlcapacity
    FOR EACH ROW EXECUTE FUNCTION crms_capacity_changed();
"""
DROP = """
DROP TRIGGER IF EXISTS criteria_revision_capacity ON selection_controlcapacity;
DROP FUNCTION IF EXISTS crms_capacity_changed;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0001_control_capacity"),
        ("risk_engine", "0006_criteria_revision"),
    ]

    operations = [migrations.RunSQL(TRIGGER, DROP)]
