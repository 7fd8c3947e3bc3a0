"""The party index behind the global search box (issue 14): distinct parties, their trigrams, who filed them.

The embedded Postgres has no pg_trgm (docs/decisions.md, "No Postgres extensions"), so fuzzy name
matching reads a trigram posting table the application maintains. It is kept over DISTINCT parties
(name + EORI), not over the millions of party rows, so filing touches it only when a party is new.
``PartyScope`` says in which Member States (first entry or unloading) a party was filed, so a
search shows a party only to those who read at least one declaration naming it.
"""

from __future__ import annotations

from django.db import models


class IndexedParty(models.Model):
    name = models.CharField(max_length=200)
    eori = models.CharField(max_length=17, blank=True)
    trigram_count = models.PositiveSmallIntegerField(help_text="How many distinct trigrams the name has")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "eori"], name="search_party_name_eori_unique")]
        indexes = [
            models.Index(
                fields=["eori"],
                opclasses=["varchar_pattern_ops"],
                name="search_party_eori_prefix_idx",
                condition=~models.Q(eori=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.eori}".strip()


class PartyTrigram(models.Model):
    """One posting: ``party``'s name has ``trigram`` (as pg_trgm makes them, see ``crms.search.trigrams``)."""

    pk = models.CompositePrimaryKey("trigram", "party")
    trigram = models.CharField(max_length=3)
    # Derived rows written by the thousand per filing batch: no foreign-key trigger, no index of their
    # own beyond the primary key (retention deletes the orphans' postings with one scan at night).
    party = models.ForeignKey(
        IndexedParty, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )

    def __str__(self) -> str:
        return f"{self.trigram!r} of {self.party_id}"


class PartyScope(models.Model):
    """``party`` was named in a declaration ``member_state`` reads; ``last_filed`` lets retention forget it."""

    pk = models.CompositePrimaryKey("party", "member_state")
    # Derived rows like the postings: no foreign-key triggers; the primary key indexes ``party`` first.
    party = models.ForeignKey(
        IndexedParty, on_delete=models.DO_NOTHING, related_name="scopes", db_constraint=False, db_index=False
    )
    member_state = models.ForeignKey(
        "accounts.Organisation", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    last_filed = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["last_filed"], name="search_scope_last_filed_idx")]

    def __str__(self) -> str:
        return f"{self.party_id} in {self.member_state_id}"
