"""Summary tables behind the indicators: daily figures computed by Celery, and the refresh runs.

``DailyFigure`` is a long table: one value per (metric, day, Member State, key, key2), e.g.
``("ens", 2026-11-02, "FR", "air", "pre_loading") = 1,234``. The dashboard sums it over a
period with one grouped query per section, so it answers in milliseconds whatever the size
of the declarations tables; the refresh job rebuilds a range of days from the live tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Figure(models.Model):
    """One value of a metric for a Member State and up to two keys (a mode and a phase, a criterion and a
    control's result...), over the span its concrete model says: a day or a week."""

    metric = models.CharField(max_length=40)
    member_state = models.CharField(max_length=3)
    key = models.CharField(max_length=60, blank=True, default="")
    key2 = models.CharField(max_length=60, blank=True, default="")
    value = models.FloatField()

    class Meta:
        abstract = True


class DailyFigure(Figure):
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "day", "member_state", "key", "key2"], name="daily_figure_unique")
        ]
        indexes = [models.Index(fields=["metric", "member_state", "day"], name="daily_figure_metric_idx")]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.member_state} {self.key}/{self.key2} = {self.value}"


class WeeklyFigure(Figure):
    """``DailyFigure`` summed by ISO week (``week`` is its Monday), rebuilt with the days it sums by the
    refresh job: a year's dashboard reads 52 weeks and a few edge days instead of 365 days of every
    figure (``indicators.figures``). Derived only, never written on its own."""

    week = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "week", "member_state", "key", "key2"], name="weekly_figure_unique"
            ),
            models.CheckConstraint(condition=models.Q(week__week_day=2), name="weekly_figure_week_is_a_monday"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} week of {self.week} {self.member_state} {self.key}/{self.key2} = {self.value}"


class RefreshRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    day_from = models.DateField()
    day_to = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    step = models.CharField(max_length=80, blank=True)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"refresh {self.day_from}..{self.day_to} {self.status}"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
