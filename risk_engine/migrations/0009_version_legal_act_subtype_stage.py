"""Criteria versions carry a legal-act reference, a financial risk type and the control stage they aim at
(issue 15 point 2; 001:586-594). Nullable columns: published versions (immutable, trigger of 0007) keep
null, meaning "not stated". The immutability guard of 0007 is redefined to cover the three new columns
(content: they change only through a new version and its approval)."""

from django.db import migrations, models

_GUARD = """
CREATE OR REPLACE FUNCTION crms_published_version_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('published', 'superseded', 'retired') AND (
        NEW.status IN ('draft', 'submitted')
        OR (NEW.criterion_id, NEW.version, NEW.title, NEW.description, NEW.risk_area_id, NEW.applies_to,
            NEW.condition, NEW.weight, NEW.outcome, NEW.control_type, NEW.valid_from, NEW.valid_to,
            NEW.allows_aeo_facilitation, NEW.shadow, NEW.restricted, NEW.author_id, NEW.created_at{new})
           IS DISTINCT FROM
           (OLD.criterion_id, OLD.version, OLD.title, OLD.description, OLD.risk_area_id, OLD.applies_to,
            OLD.condition, OLD.weight, OLD.outcome, OLD.control_type, OLD.valid_from, OLD.valid_to,
            OLD.allows_aeo_facilitation, OLD.shadow, OLD.restricted, OLD.author_id, OLD.created_at{old})
    ) THEN
        RAISE EXCEPTION 'criterion version % of criterion % was published: it never changes (open a new version)',
            OLD.version, OLD.criterion_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
"""
GUARD = _GUARD.format(
    new=",\n            NEW.legal_act, NEW.financial_subtype, NEW.control_stage",
    old=",\n            OLD.legal_act, OLD.financial_subtype, OLD.control_stage",
)
GUARD_0007 = _GUARD.format(new="", old="")


class Migration(migrations.Migration):
    dependencies = [
        ("risk_engine", "0008_backtest_started_at_and_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="criterionversion",
            name="legal_act",
            field=models.CharField(
                blank=True,
                help_text='The legal act it implements, e.g. "C(2018)3293 final"',
                max_length=100,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="criterionversion",
            name="financial_subtype",
            field=models.CharField(
                blank=True,
                choices=[
                    ("economic_operators", "Economic operators at risk"),
                    ("goods", "Goods at risk"),
                    ("undervaluation", "Undervaluation"),
                    ("anti_dumping_evasion", "Evasion of anti-dumping duties"),
                    ("other", "Other financial risk"),
                ],
                help_text="Financial risk area only",
                max_length=24,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="criterionversion",
            name="control_stage",
            field=models.CharField(
                blank=True,
                choices=[
                    ("pre_loading", "Before loading"),
                    ("entry", "At entry / arrival"),
                    ("import_clearance", "At import clearance"),
                    ("post_clearance", "After clearance"),
                ],
                help_text="When and where the control is best made",
                max_length=20,
                null=True,
            ),
        ),
        migrations.RunSQL(GUARD, GUARD_0007),
    ]
