"""Changing the operator / AEO registry: one operator, one authorisation, or a CSV file of them.

Every change is checked here (EORI format, known countries, ordered dates, the MRA
rule) and written to the audit log with the state before and after and the reason.
Saving what is already there changes nothing and writes no audit entry.

The MRA rule: an operator established in an EU Member State holds authorisations
issued by an EU Member State (programme "EU AEO"); a third-country operator counts
only under a programme the EU recognises by a mutual recognition agreement, so its
authorisation's issuing country is one of ``MRA_PROGRAMMES``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from crms.audit.services import record
from crms.core.dates import PLANNED, DateRefused, read_day
from crms.operators import permissions
from crms.operators.models import MRA_PROGRAMMES, AeoAuthorisation, Operator
from crms.operators.selectors import eu_member_states
from crms.reference.models import Country

EORI_PATTERN = re.compile(r"^[A-Z]{2}[A-Za-z0-9]{1,15}$")
EU_PROGRAMME = "EU AEO"

Outcome = Literal["created", "updated", "unchanged"]
Model = TypeVar("Model", Operator, AeoAuthorisation)


@dataclass(frozen=True)
class Saved(Generic[Model]):
    obj: Model
    outcome: Outcome


# --- snapshots for the audit log ------------------------------------------------------------------


def operator_snapshot(operator: Operator) -> dict[str, Any]:
    return {
        "eori": operator.eori,
        "name": operator.name,
        "street": operator.street,
        "city": operator.city,
        "postcode": operator.postcode,
        "country": operator.country_id,
    }


def authorisation_snapshot(authorisation: AeoAuthorisation) -> dict[str, Any]:
    return {
        "operator": authorisation.operator.eori,
        "number": authorisation.number,
        "type": authorisation.type,
        "issuing_country": authorisation.issuing_country_id,
        "programme": authorisation.programme,
        "valid_from": authorisation.valid_from.isoformat(),
        "valid_to": authorisation.valid_to.isoformat() if authorisation.valid_to else None,
        "status": authorisation.status,
    }


def _audit(*, actor, action: str, obj, before: dict | None, after: dict | None, reason: str) -> None:
    record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=None if after is None else {**after, "reason": reason},
    )


# --- rules -----------------------------------------------------------------------------------------


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _country_exists(code: str) -> bool:
    return bool(code) and Country.objects.filter(iso2=code).exists()


def default_programme(issuing_country: str) -> str:
    return MRA_PROGRAMMES.get(issuing_country, EU_PROGRAMME)


def issuing_country_error(*, operator_country: str, issuing_country: str, eu: set[str] | None = None) -> str | None:
    """Why ``issuing_country`` cannot issue an authorisation to an operator of ``operator_country``, if it can't."""
    eu = eu_member_states() if eu is None else eu
    if operator_country in eu:
        if issuing_country not in eu:
            return (
                "An operator established in the EU holds an authorisation issued by an EU Member State, "
                f"not {issuing_country}."
            )
        return None
    if issuing_country not in MRA_PROGRAMMES:
        partners = ", ".join(sorted(MRA_PROGRAMMES))
        return (
            f"A third-country operator counts as AEO only under a mutual recognition agreement: "
            f"the issuing country must be one of {partners}, not {issuing_country}."
        )
    return None


def programme_error(*, issuing_country: str, programme: str) -> str | None:
    expected = default_programme(issuing_country)
    if programme != expected:
        return f"Authorisations issued by {issuing_country} are under the programme “{expected}”."
    return None


def _operator_errors(*, eori: str, name: str, street: str, city: str, postcode: str, country: str) -> dict:
    errors: dict[str, str] = {}
    if not EORI_PATTERN.match(eori):
        errors["eori"] = "An EORI is two capital letters (the country) followed by 1 to 15 letters or digits."
    if not name:
        errors["name"] = "The name is required."
    for key, value in (("name", name), ("street", street), ("city", city), ("postcode", postcode)):
        limit = _max_length(Operator, key)
        if len(value) > limit and key not in errors:
            errors[key] = f"At most {limit} characters."
    if not _country_exists(country):
        errors["country"] = f"Unknown country {country!r}: use an ISO 3166 alpha-2 code."
    return errors


def _authorisation_errors(
    *,
    operator: Operator,
    number: str,
    type: str,
    issuing_country: str,
    programme: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    status: str,
    existing: AeoAuthorisation | None,
) -> dict:
    errors: dict[str, str] = {}
    if not number:
        errors["number"] = "The authorisation number is required."
    elif len(number) > _max_length(AeoAuthorisation, "number"):
        errors["number"] = f"At most {_max_length(AeoAuthorisation, 'number')} characters."
    else:
        clash = AeoAuthorisation.objects.filter(number=number).select_related("operator").first()
        if clash is not None and (existing is None or clash.pk != existing.pk):
            errors["number"] = f"Authorisation {number} is already registered for operator {clash.operator.eori}."
    if type not in AeoAuthorisation.Type.values:
        errors["type"] = f"Unknown type {type!r}: one of {', '.join(AeoAuthorisation.Type.values)}."
    if status not in AeoAuthorisation.Status.values:
        errors["status"] = f"Unknown status {status!r}: one of {', '.join(AeoAuthorisation.Status.values)}."
    if not _country_exists(issuing_country):
        errors["issuing_country"] = f"Unknown country {issuing_country!r}: use an ISO 3166 alpha-2 code."
    else:
        problem = issuing_country_error(operator_country=operator.country_id, issuing_country=issuing_country)
        if problem:
            errors["issuing_country"] = problem
        elif programme_problem := programme_error(issuing_country=issuing_country, programme=programme):
            errors["programme"] = programme_problem
    if valid_from is None:
        errors["valid_from"] = "The start of validity is required."
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "The end of validity is before its start."
    return errors


# --- single changes --------------------------------------------------------------------------------


@transaction.atomic
def save_operator(
    *,
    actor,
    eori: str,
    name: str,
    street: str = "",
    city: str = "",
    postcode: str = "",
    country: str,
    reason: str = "",
) -> Saved[Operator]:
    """Create the operator with this EORI, or update its name, address and country.

    Raises ``ValidationError`` (by field name) when a value is not acceptable.
    """
    eori, name, street, city, postcode = (v.strip() for v in (eori, name, street, city, postcode))
    country = country.strip().upper()
    errors = _operator_errors(eori=eori, name=name, street=street, city=city, postcode=postcode, country=country)
    if errors:
        raise ValidationError(errors)
    operator = Operator.objects.select_for_update().filter(eori=eori).first()
    before = None if operator is None else operator_snapshot(operator)
    operator = operator or Operator(eori=eori)
    operator.name, operator.street, operator.city, operator.postcode = name, street, city, postcode
    operator.country_id = country
    after = operator_snapshot(operator)
    if before == after:
        return Saved(operator, "unchanged")
    operator.save()
    created = before is None
    action = "operators.operator.created" if created else "operators.operator.updated"
    _audit(actor=actor, action=action, obj=operator, before=before, after=after, reason=reason)
    return Saved(operator, "created" if created else "updated")


@transaction.atomic
def save_authorisation(
    *,
    actor,
    operator: Operator,
    number: str,
    type: str,
    issuing_country: str,
    programme: str = "",
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    status: str = AeoAuthorisation.Status.ACTIVE,
    reason: str = "",
    authorisation: AeoAuthorisation | None = None,
) -> Saved[AeoAuthorisation]:
    """Create or update an authorisation of ``operator``.

    ``authorisation`` names the one to change (its number may change with it); without
    it the authorisation is found by ``number``. A blank programme defaults from the
    issuing country. Raises ``ValidationError`` (by field name).
    """
    number, type, programme, status = number.strip(), type.strip().upper(), programme.strip(), status.strip().lower()
    issuing_country = issuing_country.strip().upper()
    programme = programme or default_programme(issuing_country)
    if authorisation is not None and authorisation.pk is not None:
        existing = AeoAuthorisation.objects.select_for_update().select_related("operator").get(pk=authorisation.pk)
        if existing.operator_id != operator.pk:
            raise ValidationError({"number": f"Authorisation {existing.number} belongs to another operator."})
    else:
        existing = AeoAuthorisation.objects.select_for_update().select_related("operator").filter(number=number).first()
        if existing is not None and existing.operator_id != operator.pk:
            raise ValidationError(
                {"number": f"Authorisation {number} is already registered for operator {existing.operator.eori}."}
            )
    errors = _authorisation_errors(
        operator=operator,
        number=number,
        type=type,
        issuing_country=issuing_country,
        programme=programme,
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
        existing=existing,
    )
    if errors:
        raise ValidationError(errors)
    before = None if existing is None else authorisation_snapshot(existing)
    target = existing or AeoAuthorisation(operator=operator)
    target.operator = operator
    target.number, target.type, target.programme, target.status = number, type, programme, status
    target.issuing_country_id = issuing_country
    target.valid_from, target.valid_to = valid_from, valid_to
    after = authorisation_snapshot(target)
    if before == after:
        return Saved(target, "unchanged")
    target.save()
    created = before is None
    action = "operators.authorisation.created" if created else "operators.authorisation.updated"
    _audit(actor=actor, action=action, obj=target, before=before, after=after, reason=reason)
    return Saved(target, "created" if created else "updated")


@transaction.atomic
def delete_authorisation(*, actor, authorisation: AeoAuthorisation, reason: str = "") -> None:
    before = authorisation_snapshot(authorisation)
    record(
        actor=actor,
        action="operators.authorisation.deleted",
        obj=authorisation,
        before=before,
        after={"reason": reason},
    )
    authorisation.delete()


@transaction.atomic
def delete_operator(*, actor, operator: Operator, reason: str = "") -> None:
    """Remove an operator and its authorisations; ENS parties keep their EORI, losing only the link."""
    for authorisation in operator.authorisations.select_related("operator"):
        delete_authorisation(actor=actor, authorisation=authorisation, reason=reason)
    record(
        actor=actor,
        action="operators.operator.deleted",
        obj=operator,
        before=operator_snapshot(operator),
        after={"reason": reason},
    )
    operator.delete()


# --- CSV import ------------------------------------------------------------------------------------

OPERATOR_COLUMNS = ("eori", "name", "street", "city", "postcode", "country")
AEO_COLUMNS = (
    "aeo_number",
    "aeo_type",
    "aeo_issuing_country",
    "aeo_programme",
    "aeo_valid_from",
    "aeo_valid_to",
    "aeo_status",
)
COLUMNS = OPERATOR_COLUMNS + AEO_COLUMNS
REQUIRED_COLUMNS = ("eori", "name", "country")
# Service field name -> CSV column, for errors raised by save_authorisation.
AEO_FIELD_COLUMNS = {column.removeprefix("aeo_"): column for column in AEO_COLUMNS}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    row: int  # the record's line in the file: the header is row 1, the first operator row 2
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column or 'file'}: {self.message}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportReport:
    rows: int = 0
    operators: Counts = field(default_factory=Counts)
    authorisations: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)

    @property
    def created(self) -> int:
        return self.operators.created + self.authorisations.created

    @property
    def updated(self) -> int:
        return self.operators.updated + self.authorisations.updated

    @property
    def unchanged(self) -> int:
        return self.operators.unchanged + self.authorisations.unchanged

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.errors if error.row > 1})

    @property
    def imported_rows(self) -> int:
        return self.rows - self.rejected_rows

    def summary(self) -> str:
        return (
            f"{self.rows} rows, {self.imported_rows} imported, {self.rejected_rows} rejected. "
            f"Operators: {self.operators.created} created, {self.operators.updated} updated, "
            f"{self.operators.unchanged} unchanged. "
            f"Authorisations: {self.authorisations.created} created, {self.authorisations.updated} updated, "
            f"{self.authorisations.unchanged} unchanged."
        )


def _read_text(file: str | Path | IO) -> str:
    if isinstance(file, str | Path):
        with open(file, "rb") as handle:
            content = handle.read()
    else:
        content = file.read()
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig")
    return content.removeprefix("\ufeff")


def _parse_date(value: str, column: str, errors: list[tuple[str, str]]) -> dt.date | None:
    """A validity date of the CSV import, within the planning window of ``crms.core.dates``."""
    try:
        return read_day(value, field=column, window=PLANNED, european=True)
    except DateRefused as refused:
        errors.append((column, f"{value!r}: {refused.message}"))
        return None


def _row_permission_error(
    actor, values: dict[str, str], *, valid_from: dt.date | None, valid_to: dt.date | None, has_aeo: bool
) -> tuple[str, str] | None:
    """A row may change only what the actor may change (see ``permissions.may_edit``); unchanged data passes."""
    existing = Operator.objects.filter(eori=values["eori"]).first()
    wanted = {column: values[column] for column in OPERATOR_COLUMNS}
    if existing is None or operator_snapshot(existing) != wanted:
        for operator in filter(None, (existing, Operator(country_id=values["country"]))):
            if not permissions.may_edit(actor, operator):
                return ("country", f"You may not register or change operators of {operator.country_id}.")
    if not has_aeo:
        return None
    issuing = values["aeo_issuing_country"]
    current = AeoAuthorisation.objects.select_related("operator").filter(number=values["aeo_number"]).first()
    if current is not None and valid_from is not None:
        wanted_authorisation = {
            "operator": values["eori"],
            "number": values["aeo_number"],
            "type": values["aeo_type"].upper(),
            "issuing_country": issuing,
            "programme": values["aeo_programme"] or default_programme(issuing),
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
            "status": (values["aeo_status"] or AeoAuthorisation.Status.ACTIVE).lower(),
        }
        if authorisation_snapshot(current) == wanted_authorisation:
            return None
    for authorisation in filter(None, (current, AeoAuthorisation(issuing_country_id=issuing))):
        if not permissions.may_edit(actor, authorisation):
            country = authorisation.issuing_country_id
            return ("aeo_issuing_country", f"You may not register or change authorisations issued by {country}.")
    return None


def _import_row(number: int, row: dict[str, str], *, actor, report: ImportReport) -> list[tuple[str, str]]:
    """Import one row in its own transaction; return its errors (column, message), nothing written if any."""
    values = {column: (row.get(column) or "").strip() for column in COLUMNS}
    values["country"] = values["country"].upper()
    values["aeo_issuing_country"] = values["aeo_issuing_country"].upper()
    errors: list[tuple[str, str]] = []
    for column, message in _operator_errors(**{column: values[column] for column in OPERATOR_COLUMNS}).items():
        errors.append((column, message))
    has_aeo = any(values[column] for column in AEO_COLUMNS)
    valid_from = valid_to = None
    if has_aeo:
        for column in ("aeo_number", "aeo_type", "aeo_issuing_country", "aeo_valid_from"):
            if not values[column]:
                errors.append((column, "Required when the row names an authorisation."))
        valid_from = _parse_date(values["aeo_valid_from"], "aeo_valid_from", errors)
        valid_to = _parse_date(values["aeo_valid_to"], "aeo_valid_to", errors)
    if errors:
        return errors

    issuing = values["aeo_issuing_country"]
    if actor is not None and getattr(actor, "is_authenticated", False):
        problem = _row_permission_error(actor, values, valid_from=valid_from, valid_to=valid_to, has_aeo=has_aeo)
        if problem:
            return [problem]

    try:
        with transaction.atomic():
            saved = save_operator(
                actor=actor,
                eori=values["eori"],
                name=values["name"],
                street=values["street"],
                city=values["city"],
                postcode=values["postcode"],
                country=values["country"],
                reason=f"CSV import, row {number}",
            )
            authorisation_outcome = None
            if has_aeo:
                authorisation_outcome = save_authorisation(
                    actor=actor,
                    operator=saved.obj,
                    number=values["aeo_number"],
                    type=values["aeo_type"],
                    issuing_country=issuing,
                    programme=values["aeo_programme"],
                    valid_from=valid_from,
                    valid_to=valid_to,
                    status=values["aeo_status"] or AeoAuthorisation.Status.ACTIVE,
                    reason=f"CSV import, row {number}",
                ).outcome
    except ValidationError as error:
        return [(AEO_FIELD_COLUMNS.get(key, key), " ".join(messages)) for key, messages in error.message_dict.items()]
    report.operators.add(saved.outcome)
    if authorisation_outcome is not None:
        report.authorisations.add(authorisation_outcome)
    return []


def import_operators_csv(file: str | Path | IO, *, actor, progress: Progress | None = None) -> ImportReport:
    """Upsert operators (by EORI) and authorisations (by number) from a CSV file.

    Columns: ``eori,name,street,city,postcode,country`` and, optionally,
    ``aeo_number,aeo_type,aeo_issuing_country,aeo_programme,aeo_valid_from,aeo_valid_to,aeo_status``.
    Each row is imported in its own transaction: an invalid row is reported (row number
    and column) and skipped, the others are imported. Importing the same file again
    reports everything unchanged. ``actor`` None is the platform itself (no restriction);
    a user's rows are limited to what :func:`permissions.may_edit` allows.
    ``progress(done, total)`` is called after each row.
    """
    report = ImportReport()
    try:
        text = _read_text(file)
    except UnicodeDecodeError:
        report.errors.append(RowError(1, "", "The file is not UTF-8 text."))
        return report
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        for column in missing:
            report.errors.append(RowError(1, column, "Missing column in the header line."))
        return report
    rows = list(reader)
    for index, row in enumerate(rows):
        number = index + 2
        report.rows += 1
        if None in row:
            report.errors.append(RowError(number, "", "More values than columns in the header."))
        else:
            for column, message in _import_row(number, row, actor=actor, report=report):
                report.errors.append(RowError(number, column, message))
        if progress is not None:
            progress(index + 1, len(rows))
    return report
