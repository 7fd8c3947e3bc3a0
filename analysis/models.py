"""A Commission expert's flag on a declaration, with a note for the responsible Member State."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Flag(models.Model):
    """Written by Commission experts, read by them and by the Member State responsible for the declaration.

    ``member_state`` is fixed when the flag is raised (the responsible Member State of the assessment in
    force then), so a later forward never shows the note to a Member State it was not written for.
    """

    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, related_name="flags")
    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    criterion_code = models.CharField(max_length=40, blank=True, help_text="The EU criterion that prompted it")
    note = models.TextField()
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField()

    class Meta:
        ordering = ["-flagged_at", "-id"]
        indexes = [models.Index(fields=["declaration", "member_state"], name="flag_declaration_ms_idx")]

    def __str__(self) -> str:
        return f"flag on {self.declaration_id} for {self.member_state_id}"
