"""The criteria revision: one number that grows with every change that can alter a screening result.

Postgres triggers (migration 0006) bump it in the same transaction as the change itself: a
criterion or national profile version published, superseded, retired or edited while published,
a watch list or its entries edited, a priority control area's period, status or links changed, a
random-selection rate or the learned credibility bounds changed. Triggers, not service code, so
that no path (admin, import, shell, a future view) can change what runs without the revision
moving. Concurrent changes queue on the counter row, so revisions are ordered as their
transactions commit; one transaction is one revision, whatever it changed.

A worker reads the revision once per batch (one primary-key read) and recompiles only when it
moved, which is how an ENS filed after a change is always screened with it (contract 2.4).
"""

from __future__ import annotations

from django.db import connection, models


class CriteriaRevision(models.Model):
    """The single counter row (id 1). Its value comes from a sequence, so it is never reused."""

    value = models.BigIntegerField()
    txid = models.BigIntegerField(help_text="The transaction that last moved it: one bump per transaction")

    def __str__(self) -> str:
        return str(self.value)


class CriteriaChange(models.Model):
    """What moved the revision: the ordered change log (also the criteria feed's source)."""

    revision = models.BigIntegerField(db_index=True)
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=40, help_text="criterion.published, watch_list.changed, pca.linked, ...")
    subject = models.CharField(max_length=60, help_text="Criterion or watch list code, PCA reference, Member State")
    version = models.IntegerField(default=0, help_text="Criterion version where the kind concerns one, else 0")

    class Meta:
        ordering = ["revision", "id"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "kind", "subject", "version"], name="criteria_change_once")
        ]

    def __str__(self) -> str:
        return f"r{self.revision} {self.kind} {self.subject}"


def current_revision() -> int | None:
    """The committed revision (None before any change, e.g. right after a test flush)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM risk_engine_criteriarevision WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None
