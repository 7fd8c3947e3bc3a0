"""Data retention: pseudonymise the personal data of old declarations, purge old audit entries.

After ``PERSONAL_DATA_RETENTION_DAYS`` a declaration's parties lose their names, street addresses
and the EORIs of persons (operators registered in the platform keep theirs: they are companies
whose risk history matters). Names become stable pseudonyms (a keyed hash), so the same party
still links its old declarations together without being identifiable. Goods, routes, countries,
assessments, hits, decisions and control results stay: every statistic is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from crms.audit.services import record
from crms.declarations.models import Declaration, DeclarationVersion, Party
from crms.search.index import forget_before

PARTY_KEYS = ("consignor", "consignee", "buyer", "seller", "carrier", "filer")
CHUNK = 2000


def pseudonym(value: str) -> str:
    if not value:
        return value
    key = hashlib.sha256(f"crms-retention:{settings.SECRET_KEY}".encode()).digest()
    return "pseud-" + hmac.new(key, value.casefold().encode(), hashlib.sha256).hexdigest()[:12]


def _party_body(party: dict | None, keep_eori: set[str]) -> dict | None:
    if not isinstance(party, dict):
        return party
    out = dict(party)
    out["name"] = pseudonym(party.get("name") or "")
    if party.get("eori") and party["eori"] not in keep_eori:
        out["eori"] = party["eori"][:2] + pseudonym(party["eori"])[6:]
    if isinstance(party.get("address"), dict):
        out["address"] = {"country": party["address"].get("country")}
    return out


@dataclass
class HousekeepingResult:
    declarations: int = 0
    parties: int = 0
    requests: int = 0
    audit_entries: int = 0
    search_parties: int = 0


def _pseudonymise_chunk(declaration_ids: list[int], now: dt.datetime) -> int:
    versions = list(DeclarationVersion.objects.filter(declaration_id__in=declaration_ids))
    parties = list(Party.objects.filter(version__declaration_id__in=declaration_ids))
    keep = {p.eori for p in parties if p.eori and p.operator_id is not None}
    for party in parties:
        party.name = pseudonym(party.name)
        party.street = party.city = party.postcode = ""
        if party.eori and party.eori not in keep:
            party.eori = party.eori[:2] + pseudonym(party.eori)[6:]
    Party.objects.bulk_update(parties, ["name", "street", "city", "postcode", "eori"], batch_size=1000)
    for version in versions:
        body = dict(version.body)
        for key in PARTY_KEYS:
            if key in body:
                body[key] = _party_body(body[key], keep)
        version.body = body
    DeclarationVersion.objects.bulk_update(versions, ["body"], batch_size=500)
    declarations = list(Declaration.objects.filter(pk__in=declaration_ids))
    for declaration in declarations:
        declaration.consignor_name = pseudonym(declaration.consignor_name)
        declaration.consignee_name = pseudonym(declaration.consignee_name)
        declaration.personal_data_removed_at = now
    Declaration.objects.bulk_update(
        declarations, ["consignor_name", "consignee_name", "personal_data_removed_at"], batch_size=1000
    )
    return len(parties)


def run_housekeeping(
    *, now: dt.datetime | None = None, dry_run: bool = False, on_progress: Callable[[int], None] | None = None
) -> HousekeepingResult:
    from workbench.models import InformationRequest

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    result = HousekeepingResult()
    expired = Declaration.objects.filter(received_at__lt=cutoff, personal_data_removed_at__isnull=True)
    ids = list(expired.order_by("id").values_list("id", flat=True))
    result.declarations = len(ids)
    old_requests = InformationRequest.objects.filter(created_at__lt=cutoff).exclude(party_name__startswith="pseud-")
    result.requests = old_requests.exclude(party_name="").count()
    audit_cutoff = now - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS) if settings.AUDIT_RETENTION_DAYS else None
    if audit_cutoff is not None:
        from crms.audit.models import AuditEntry

        result.audit_entries = AuditEntry.objects.filter(at__lt=audit_cutoff).count()
    if dry_run:
        return result
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():  # a chunk is pseudonymised completely or not at all
            result.parties += _pseudonymise_chunk(ids[start : start + CHUNK], now)
        if on_progress:
            on_progress(min(start + CHUNK, len(ids)))
    with transaction.atomic():
        # The global search forgets the parties it would otherwise still find by their real names.
        result.search_parties = forget_before(cutoff.date())
        for request in old_requests.exclude(party_name=""):
            request.party_name = pseudonym(request.party_name)
            request.party_eori = (
                request.party_eori[:2] + pseudonym(request.party_eori)[6:] if request.party_eori else ""
            )
            request.save(update_fields=["party_name", "party_eori"])
        if audit_cutoff is not None and result.audit_entries:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL crms.audit_purge = 'on'")
                cursor.execute("DELETE FROM audit_auditentry WHERE at < %s", [audit_cutoff])
                # Close the gate at once: inside an outer transaction SET LOCAL would outlive this block.
                cursor.execute("SET LOCAL crms.audit_purge = 'off'")
        record(
            actor=None,
            action="housekeeping.retention",
            object_type="declarations.declaration",
            object_repr=f"received before {cutoff:%Y-%m-%d}",
            after={
                "declarations_pseudonymised": result.declarations,
                "parties": result.parties,
                "information_requests": result.requests,
                "audit_entries_purged": result.audit_entries,
                "search_parties_forgotten": result.search_parties,
                "personal_data_cutoff": cutoff.isoformat(),
                "audit_cutoff": audit_cutoff.isoformat() if audit_cutoff else None,
            },
        )
    return result
