"""Backtests: a criterion version run against stored history before it is published (issue 5 item 4).

Kept in its own module (imported at the end of ``risk_engine/models.py``) so the model
and the engine's core models can be read apart. The results are one JSON document
(see ``risk_engine/backtest.py`` for its shape).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Backtest(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    criterion_version = models.ForeignKey(
        "risk_engine.CriterionVersion", on_delete=models.CASCADE, related_name="backtests"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100")
    params = models.JSONField(default=dict, help_text="date_from, date_to, member_states, transport_modes")
    results = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a backtest worker took it")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["criterion_version", "-created_at"], name="backtest_version_idx"),
            # The per-user limit counts a user's queued and running backtests.
            models.Index(
                fields=["requested_by"],
                name="backtest_active_idx",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"backtest {self.pk} of {self.criterion_version_id} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.State.QUEUED, self.State.RUNNING)
