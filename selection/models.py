"""A Member State's daily control capacity per transport mode, set by its risk managers.

The random-selection rate stays the engine's (``risk_engine.RandomSelectionRate``: its changes move
the criteria revision through a database trigger); capacity is here because selection within
capacity (learned scoring, issue 16) and the criteria evaluation read it, not the engine's screening.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from crms.declarations.models import TransportMode

MAX_DAILY_CONTROLS = 1_000_000


class ControlCapacity(models.Model):
    """How many controls the Member State can carry out per day on ENS of one transport mode."""

    member_state = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    transport_mode = models.CharField(max_length=12, choices=TransportMode.choices)
    daily_controls = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["member_state", "transport_mode"]
        constraints = [
            models.UniqueConstraint(fields=["member_state", "transport_mode"], name="capacity_once_per_mode"),
            models.CheckConstraint(
                condition=models.Q(daily_controls__lte=MAX_DAILY_CONTROLS), name="capacity_at_most_a_million"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.transport_mode}: {self.daily_controls}/day"
