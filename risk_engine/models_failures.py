"""Poison declarations: a version whose screening crashed on its own, isolated and flagged for an engineer.

The rest of its batch is screened (the batch is split until the failing version stands
alone); the sweeper leaves flagged versions alone until an engineer re-queues them
(``manage.py screening_failures --retry``) after fixing the cause.
"""

from __future__ import annotations

from django.db import models


class ScreeningFailure(models.Model):
    version = models.OneToOneField(
        "declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="screening_failure"
    )
    error = models.CharField(max_length=500)
    traceback = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["failed_at"], name="screening_failure_open_idx", condition=models.Q(resolved_at=None))
        ]

    def __str__(self) -> str:
        return f"version {self.version_id}: {self.error[:60]}"
