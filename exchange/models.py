"""The answer deadline of an information request between Member States.

The request itself is the workbench's (``workbench.InformationRequest``); its deadline lives here,
one row per request, so the exchange over REST and the browser share it without the workbench
owning a rule about days.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RequestDeadline(models.Model):
    """The last calendar day (UTC, included) the requested Member State has to answer."""

    request = models.OneToOneField(
        "workbench.InformationRequest", on_delete=models.CASCADE, primary_key=True, related_name="deadline"
    )
    answer_by = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["answer_by"], name="request_deadline_idx")]

    def __str__(self) -> str:
        return f"request {self.request_id}: answer by {self.answer_by:%d/%m/%Y}"
