"""Backtests: when a backtest worker took one (a run past the hard time limit is released), and an index
for the per-user limit on queued and running backtests (issue 13 point 4)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("risk_engine", "0007_version_restricted_editors"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="backtest",
            name="started_at",
            field=models.DateTimeField(blank=True, help_text="When a backtest worker took it", null=True),
        ),
        migrations.AddIndex(
            model_name="backtest",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=["requested_by"],
                name="backtest_active_idx",
            ),
        ),
    ]
