"""Today's learned selections counted by a function whose plan Postgres keeps (issue 17, partitions).

The count reads assessments by Member State and screening time, not by their partition key (an
assessment screened today can be of a version filed in any month), so planning it considers every
month's partition: 2.4 ms of the 3.0 ms it took per screening batch on 19 months. PL/pgSQL keeps a
statement's plan for the session; ``plan_cache_mode = force_generic_plan`` makes it one plan for any
Member State, mode and day, re-planned by Postgres itself when a partition is added or dropped.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION crms_learned_selected(p_member_state text, p_mode text, p_from timestamptz,
                                                 p_to timestamptz)
RETURNS bigint LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (SELECT count(*) FROM risk_engine_assessment a JOIN declarations_declaration d ON d.id = a.declaration_id
            WHERE a.responsible_member_state_id = p_member_state AND d.transport_mode = p_mode AND a.learned_selection
              AND a.screened_at >= p_from AND a.screened_at < p_to);
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0002_capacity_revision"),
        ("risk_engine", "0011_partition_local_keys"),
        ("declarations", "0009_office_in_first_entry_state"),
    ]

    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS crms_learned_selected")]
