"""Filing and amending entry summary declarations.

``file_declarations`` is the one path for a single POST, a batch and the
synthetic generator: validate everything first, then write all accepted
declarations with bulk inserts in one transaction (each accepted ENS complete,
each rejected one absent). Listeners of ``versions_filed`` (the risk engine)
hear about new versions only after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from crms.accounts.roles import Role
from crms.core.bulk import write_rows
from crms.declarations.current import current_version_of
from crms.declarations.models import Declaration, DeclarationVersion, GoodsItem, Party, PartyRole, ScreeningStatus
from crms.declarations.partitions import allocate_version_ids, ensure_months
from crms.declarations.schema import EntrySummaryDeclaration
from crms.declarations.validation import Error, ReferenceSets, error, reference_sets, validate_declaration
from crms.search.index import FiledParty, indexed, record_parties

# Sent after commit with ``version_ids``: the risk engine enqueues screening from it.
versions_filed = Signal()

PARTY_ROLES = [role.value for role in PartyRole]


@dataclass
class FilingResult:
    index: int
    status: int  # 201 created, 200 idempotent retry, 400 invalid, 403 not allowed, 409 conflict
    mrn: str | None = None
    lrn: str | None = None
    version: int | None = None
    errors: list[Error] = field(default_factory=list)

    def response_body(self) -> dict[str, Any]:
        """The contract's body for a single filing (201/200) or its error body."""
        if self.status in (200, 201):
            return {
                "mrn": self.mrn,
                "lrn": self.lrn,
                "version": self.version,
                "status": "received",
                "assessment_url": f"/api/v1/declarations/{self.mrn}/assessment/",
            }
        return {"errors": self.errors}


@dataclass
class _Accepted:
    """An ENS that passed validation, ready to be written."""

    index: int
    ens: EntrySummaryDeclaration
    body: dict[str, Any]
    body_hash: str
    filer_key: str
    received_at: dt.datetime | None = None  # history only: when it was filed (contract 6)


def normalise(ens: EntrySummaryDeclaration) -> tuple[dict[str, Any], str]:
    """The body as stored and compared: validated, whitespace-trimmed, keys sorted."""
    body = ens.model_dump(mode="json")
    return body, hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def filer_key_for(ens: EntrySummaryDeclaration, user, *, history: bool = False) -> str:
    """The filer half of the idempotency key. A history line is "identified by its filer's lrn"
    (contract 6) whoever imports it, so without an EORI the filer's name stands for the filer."""
    if ens.filer is not None and ens.filer.eori:
        return f"eori:{ens.filer.eori}"
    if history and ens.filer is not None:
        return f"name:{ens.filer.name}"[:160]
    return f"user:{user.get_username()}"


def may_file_for_office(user, office_code: str | None, ref: ReferenceSets) -> bool:
    office = ref.offices.get(office_code or "")
    return office is None or office.member_state == user.organisation_id


def may_amend(user, declaration: Declaration) -> bool:
    """The original filer, or a national system of the filer's Member State."""
    if user.pk == declaration.submitted_by_id:
        return True
    return user.role == Role.NATIONAL_SYSTEM and user.organisation_id == declaration.filer_org_id


def _forbidden_office(office_code: str) -> Error:
    return error("office_of_first_entry", "forbidden", f"You may not file for office {office_code}.")


def _check(
    index: int, body: Any, user, ref: ReferenceSets, received_at: dt.datetime | None = None
) -> _Accepted | FilingResult:
    history = received_at is not None
    office_code = body.get("office_of_first_entry") if isinstance(body, dict) else None
    lrn = body.get("lrn") if isinstance(body, dict) and isinstance(body.get("lrn"), str) else None
    if isinstance(office_code, str) and not may_file_for_office(user, office_code, ref):
        return FilingResult(index, 403, lrn=lrn, errors=[_forbidden_office(office_code)])
    ens, errors = validate_declaration(body, ref, history=history)
    if ens is None:
        return FilingResult(index, 400, lrn=lrn, errors=errors)
    normalised, body_hash = normalise(ens)
    return _Accepted(index, ens, normalised, body_hash, filer_key_for(ens, user, history=history), received_at)


def _allocate(filed_at: list[dt.datetime], member_states: list[str]) -> tuple[list[str], list[int], list[int]]:
    """MRNs, declaration ids and version ids (each in its filing month) for new declarations, in one query.

    An MRN: year, Member State of first entry, 13-digit sequence number and a check digit (18 chars)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT nextval('declarations_mrn_seq'),
                      nextval(pg_get_serial_sequence('declarations_declaration', 'id')), crms_version_id(t)
               FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS u(t, n) ORDER BY n""",
            [filed_at],
        )
        numbers, declaration_ids, version_ids = (list(column) for column in zip(*cursor.fetchall(), strict=True))
    mrns = [
        _with_check_digit(f"{when:%y}{ms}{number:013d}")
        for when, ms, number in zip(filed_at, member_states, numbers, strict=True)
    ]
    return mrns, declaration_ids, version_ids


def _with_check_digit(stem: str) -> str:
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in stem]
    return stem + str(sum(value * 2**position for position, value in enumerate(values)) % 11 % 10)


def _operators_by_eori(accepted: list[_Accepted]) -> dict[str, int]:
    eoris = {
        party.eori
        for item in accepted
        for party in (getattr(item.ens, role) for role in PARTY_ROLES)
        if party is not None and party.eori
    }
    if not eoris:
        return {}
    with connection.cursor() as cursor:  # once per filing: plain SQL, as ``_existing``
        cursor.execute("SELECT eori, id FROM operators_operator WHERE eori = ANY(%s)", [sorted(eoris)])
        return dict(cursor.fetchall())


def _unloading_member_state(ens: EntrySummaryDeclaration, ref: ReferenceSets) -> str | None:
    country = ens.place_of_unloading[:2]
    return country if country in ref.participants else None


def _current_fields(ens: EntrySummaryDeclaration, ref: ReferenceSets) -> dict[str, Any]:
    """Fields shared by a version and (for the current version) its declaration."""
    document = ens.transport_document
    return {
        "filing_type": ens.filing_type,
        "phase": ens.phase,
        "transport_mode": ens.transport_mode,
        "office_of_first_entry_id": ens.office_of_first_entry,
        "first_entry_member_state_id": ref.offices[ens.office_of_first_entry].member_state,
        "unloading_member_state_id": _unloading_member_state(ens, ref),
        "expected_arrival": ens.expected_arrival,
        "master_document": (document.master or "") if document else "",
        "house_document": (document.house or "") if document else "",
        "item_count": len(ens.goods_items),
    }


@dataclass
class _Rows:
    """Plain rows of the ENS being written: new declarations (none for an amendment), versions,
    parties and goods items."""

    declarations: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    parties: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        *,
        version_id: int,
        declaration_id: int,
        number: int,
        accepted: _Accepted,
        user_id: int,
        now: dt.datetime,
        ref: ReferenceSets,
        operators: dict[str, int],
    ) -> None:
        ens = accepted.ens
        self.versions.append(
            {
                "id": version_id,
                "declaration_id": declaration_id,
                "version": number,
                "filed_at": now,
                "filed_by_id": user_id,
                "body": accepted.body,
                "body_hash": accepted.body_hash,
                "place_of_loading": ens.place_of_loading,
                "place_of_unloading": ens.place_of_unloading,
                "routing": list(ens.countries_of_routing),
                "total_gross_mass_kg": float(sum(item.gross_mass_kg for item in ens.goods_items)),
                **_current_fields(ens, ref),
            }
        )
        for role in PARTY_ROLES:
            party = getattr(ens, role)
            if party is None:
                continue
            address = party.address
            self.parties.append(
                {
                    "version_id": version_id,
                    "role": role,
                    "name": party.name,
                    "eori": party.eori or "",
                    "street": (address.street or "") if address else "",
                    "city": (address.city or "") if address else "",
                    "postcode": (address.postcode or "") if address else "",
                    "country": address.country if address else "",
                    "operator_id": operators.get(party.eori or ""),
                }
            )
        for item in ens.goods_items:
            value = item.value
            self.items.append(
                {
                    "version_id": version_id,
                    "item_number": item.item_number,
                    "hs_code": item.hs_code or "",
                    "description": item.description,
                    "gross_mass_kg": float(item.gross_mass_kg),
                    "packages": item.packages,
                    "value_amount": float(value.amount) if value else None,
                    "value_currency": value.currency if value else "",
                    "value_eur": float(value.amount) / ref.rates[value.currency] if value else None,
                    "country_of_origin": item.country_of_origin or "",
                    "container": item.container or "",
                    "dangerous_goods_code": item.dangerous_goods_code or "",
                }
            )

    def write(self) -> list[int]:
        write_rows(
            [
                (Declaration, self.declarations),
                (DeclarationVersion, self.versions),
                (Party, self.parties),
                (GoodsItem, self.items),
            ]
        )
        record_parties(self._filed_parties())  # the global search's party index (crms/search)
        return [row["id"] for row in self.versions]

    def _filed_parties(self) -> list[FiledParty]:
        """Each indexed party once per Member State that reads its version (first entry, unloading)."""
        where = {
            row["id"]: (
                [ms for ms in (row["first_entry_member_state_id"], row["unloading_member_state_id"]) if ms],
                row["filed_at"].date(),
            )
            for row in self.versions
        }
        return [
            FiledParty(party["name"], party["eori"], member_state, where[party["version_id"]][1])
            for party in self.parties
            if indexed(party["role"], party["name"], party["eori"])
            for member_state in where[party["version_id"]][0]
        ]


def _announce(version_ids: list[int]) -> None:
    if version_ids:
        transaction.on_commit(lambda: versions_filed.send(sender=DeclarationVersion, version_ids=version_ids))


def _existing(accepted: list[_Accepted], org: str) -> dict[tuple[str, str], tuple[Declaration, dict[str, int]]]:
    """Declarations already filed under the same (filer, LRN), with their versions' hashes."""
    if not accepted:
        return {}
    keys = {(item.filer_key, item.ens.lrn) for item in accepted}
    # Every filing pays for this query, a single POST too: plain SQL on all three columns of the unique
    # index, the five columns a retry or conflict answers with (the ORM's compilation cost more than it).
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT id, mrn, lrn, filer_key, is_history FROM declarations_declaration
               WHERE filer_org_id = %s AND filer_key = ANY(%s) AND lrn = ANY(%s)""",
            [org, sorted({filer for filer, _ in keys}), sorted({lrn for _, lrn in keys})],
        )
        rows = cursor.fetchall()
    found = {
        (filer_key, lrn): Declaration(id=pk, mrn=mrn, lrn=lrn, filer_key=filer_key, is_history=is_history)
        for pk, mrn, lrn, filer_key, is_history in rows
        if (filer_key, lrn) in keys
    }
    if not found:  # the usual case: a new LRN costs one query, not two
        return {}
    hashes: dict[int, dict[str, int]] = {}
    for declaration_id, body_hash, number in DeclarationVersion.objects.filter(
        declaration__in=found.values()
    ).values_list("declaration_id", "body_hash", "version"):
        hashes.setdefault(declaration_id, {})[body_hash] = number
    return {key: (declaration, hashes.get(declaration.pk, {})) for key, declaration in found.items()}


def _retry_or_conflict(item: _Accepted, declaration: Declaration, hashes: dict[str, int]) -> FilingResult:
    history = item.received_at is not None
    if declaration.pk is not None and declaration.is_history != history:
        # History never merges with a live filing: an import must not relabel (or re-date) a declaration
        # screened live, and a live filing must not be answered by a history record that is never screened.
        message = (
            f"LRN {item.ens.lrn} was filed live as {declaration.mrn}: history is imported only for declarations "
            "not already on the platform."
            if history
            else f"LRN {item.ens.lrn} was imported as history ({declaration.mrn}): file the live ENS under a new LRN."
        )
        return FilingResult(
            item.index, 409, declaration.mrn, declaration.lrn, errors=[error("lrn", "conflict", message)]
        )
    if item.body_hash in hashes:
        return FilingResult(item.index, 200, declaration.mrn, declaration.lrn, hashes[item.body_hash])
    message = f"LRN {item.ens.lrn} was already filed as {declaration.mrn} with a different body: amend it instead."
    return FilingResult(item.index, 409, declaration.mrn, declaration.lrn, errors=[error("lrn", "conflict", message)])


def file_declarations(bodies: list[Any], *, user) -> list[FilingResult]:
    """File ENS bodies for ``user`` (a national system). One result per body, in input order."""
    return _file(bodies, None, user=user)


def file_history(bodies: list[Any], received: list[dt.datetime], *, user) -> list[FilingResult]:
    """Import past ENS (contract 6) received at the given times: the same rules as a filing except
    the arrival window; stored as history, never announced to the screening pipeline."""
    ensure_months(received)  # history lands in its own months' partitions, ready for retention by month
    return _file(bodies, received, user=user)


def _file(bodies: list[Any], received: list[dt.datetime] | None, *, user) -> list[FilingResult]:
    ref = reference_sets()
    results: dict[int, FilingResult] = {}
    accepted: list[_Accepted] = []
    for index, body in enumerate(bodies):
        checked = _check(index, body, user, ref, received[index] if received is not None else None)
        if isinstance(checked, FilingResult):
            results[index] = checked
        else:
            accepted.append(checked)
    try:
        with transaction.atomic():
            results.update(_store(accepted, user=user, ref=ref))
    except IntegrityError:
        # A concurrent request filed one of the same LRNs first: redo one by one, each on its own.
        for item in accepted:
            with transaction.atomic():
                results.update(_store([item], user=user, ref=ref))
    return [results[index] for index in range(len(bodies))]


def _store(accepted: list[_Accepted], *, user, ref: ReferenceSets) -> dict[int, FilingResult]:
    results: dict[int, FilingResult] = {}
    existing = _existing(accepted, user.organisation_id)
    new: list[_Accepted] = []
    first_in_batch: dict[tuple[str, str], _Accepted] = {}
    for item in accepted:
        key = (item.filer_key, item.ens.lrn)
        if key in existing:
            results[item.index] = _retry_or_conflict(item, *existing[key])
        elif key in first_in_batch:
            continue  # resolved against its first occurrence below
        else:
            first_in_batch[key] = item
            new.append(item)
    if new:
        now = timezone.now()
        filed_at = [item.received_at or now for item in new]
        member_states = [ref.offices[item.ens.office_of_first_entry].member_state for item in new]
        mrns, declaration_ids, version_ids = _allocate(filed_at, member_states)
        rows = _Rows()
        rows.declarations = [
            {
                "id": declaration_id,
                "mrn": mrn,
                "lrn": item.ens.lrn,
                "filer_org_id": user.organisation_id,
                "filer_key": item.filer_key,
                "submitted_by_id": user.pk,
                "received_at": item.received_at or now,
                "updated_at": now,
                "current_version": 1,
                "current_version_pk": version_id,
                "consignor_name": item.ens.consignor.name,
                "consignee_name": item.ens.consignee.name,
                "screening_status": ScreeningStatus.PENDING,
                "is_history": item.received_at is not None,
                **_current_fields(item.ens, ref),
            }
            for declaration_id, version_id, mrn, item in zip(declaration_ids, version_ids, mrns, new, strict=True)
        ]
        operators = _operators_by_eori(new)
        for declaration_id, version_id, item in zip(declaration_ids, version_ids, new, strict=True):
            rows.add(
                version_id=version_id,
                declaration_id=declaration_id,
                number=1,
                accepted=item,
                user_id=user.pk,
                now=item.received_at or now,
                ref=ref,
                operators=operators,
            )
        written = rows.write()
        # History is not screened by the live pipeline (docs/decisions.md, issue 16): no queue row.
        _announce([version_id for version_id, item in zip(written, new, strict=True) if item.received_at is None])
        for mrn, item in zip(mrns, new, strict=True):
            results[item.index] = FilingResult(item.index, 201, mrn, item.ens.lrn, 1)
    # Later occurrences of an LRN within the same batch: a retry of the first, or a conflict.
    for item in accepted:
        if item.index not in results:
            first = first_in_batch[(item.filer_key, item.ens.lrn)]
            declaration = Declaration(mrn=results[first.index].mrn, lrn=first.ens.lrn)
            results[item.index] = _retry_or_conflict(item, declaration, {first.body_hash: 1})
    return results


def amend_declaration(declaration: Declaration, body: Any, *, user) -> FilingResult:
    """A full new body for an existing ENS: version n+1, screened again; earlier versions stay."""
    ref = reference_sets()
    if declaration.is_history:
        message = "A history declaration is not amended: it records what was filed then."
        return FilingResult(0, 409, declaration.mrn, declaration.lrn, errors=[error(None, "history", message)])
    checked = _check(0, body, user, ref)
    if isinstance(checked, FilingResult):
        return checked
    if checked.ens.lrn != declaration.lrn:
        message = f"An amendment keeps the LRN {declaration.lrn}."
        return FilingResult(0, 400, lrn=checked.ens.lrn, errors=[error("lrn", "mismatch", message)])
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        current_hash = current_version_of(declaration).body_hash
        if current_hash == checked.body_hash:  # a retry of the amendment just made
            return FilingResult(0, 200, declaration.mrn, declaration.lrn, declaration.current_version)
        now = timezone.now()
        number = declaration.current_version + 1
        rows = _Rows()
        version_id = allocate_version_ids([now])[0]  # an amendment keeps its MRN and declaration
        rows.add(
            version_id=version_id,
            declaration_id=declaration.pk,
            number=number,
            accepted=checked,
            user_id=user.pk,
            now=now,
            ref=ref,
            operators=_operators_by_eori([checked]),
        )
        _announce(rows.write())
        for name, value in _current_fields(checked.ens, ref).items():
            setattr(declaration, name, value)
        declaration.current_version = number
        declaration.current_version_pk = version_id
        declaration.updated_at = now
        declaration.consignor_name = checked.ens.consignor.name
        declaration.consignee_name = checked.ens.consignee.name
        declaration.screening_status = ScreeningStatus.PENDING
        declaration.save()
    return FilingResult(0, 201, declaration.mrn, declaration.lrn, number)
