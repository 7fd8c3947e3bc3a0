"""Assessment history: each screening result a declaration version has had (contract 2.4, v2).

The current assessment is replaced when a re-screening runs; a history row is kept for the
first result and for every later one that differs (outcome, score, control, hits), with the
criteria revision it was computed with. The changes that caused it are the criteria changes
between the previous row's revision and this one (``risk_engine.history``).
"""

from __future__ import annotations

from django.db import models


class AssessmentRecord(models.Model):
    version = models.ForeignKey(
        "declarations.DeclarationVersion", on_delete=models.CASCADE, related_name="assessment_records"
    )
    criteria_revision = models.BigIntegerField(null=True)
    outcome = models.CharField(max_length=30)
    score = models.PositiveSmallIntegerField()
    control_type = models.CharField(max_length=12, null=True, blank=True)
    random_selection = models.BooleanField(default=False)
    hits = models.JSONField(help_text="Compact hits: criterion, version, scope, owner, outcome, shadow, items")
    screened_at = models.DateTimeField()

    class Meta:
        ordering = ["version", "screened_at", "id"]
        indexes = [models.Index(fields=["version", "screened_at"], name="assessment_record_idx")]

    def __str__(self) -> str:
        return f"{self.version_id} r{self.criteria_revision}: {self.outcome}"
