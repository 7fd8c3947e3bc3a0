"""Load the reference data files shipped in ``crms/reference/data/`` into the database.

Idempotent: every table is upserted by its natural key, so running it again after
a data update changes what changed and duplicates nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import models, transaction

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE
from crms.reference.models import (
    Country,
    CustomsOffice,
    ExchangeRate,
    HighInterestCountry,
    HsCode,
    HsSection,
    ParticipationAgreement,
    RiskArea,
    VagueGoodsTerm,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMISSION_SINCE = dt.date(1958, 1, 1)

Progress = Callable[[str, int], None]


def _rows(filename: str) -> Iterator[dict[str, str]]:
    # utf-8-sig: some files carry a byte-order mark.
    with open(DATA_DIR / filename, encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _upsert(model: type[models.Model], objects: list[models.Model], key: str) -> int:
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != key]
    if fields:
        model.objects.bulk_create(
            objects, update_conflicts=True, update_fields=fields, unique_fields=[key], batch_size=2000
        )
    else:  # nothing but the key: an existing row is already up to date
        model.objects.bulk_create(objects, ignore_conflicts=True, batch_size=2000)
    return len(objects)


def load_organisations() -> int:
    orgs = [
        Organisation(
            code=COMMISSION_CODE,
            name="European Commission",
            status=Organisation.Status.COMMISSION,
            member_from=COMMISSION_SINCE,
            member_to=None,
            agreement="",
        )
    ]
    for row in _rows("member_states.csv"):
        orgs.append(
            Organisation(
                code=row["code"],
                name=row["name"],
                status=row["status"],
                member_from=_date(row["member_from"]),
                member_to=_date(row["member_to"]),
                agreement=row["agreement"],
            )
        )
    return _upsert(Organisation, orgs, "code")


def load_countries() -> int:
    countries = [
        Country(
            iso2=row["iso2"],
            iso3=row["iso3"],
            name=row["name"],
            region=row["region"],
            sub_region=row["sub_region"],
            currency=row["currency"],
        )
        for row in _rows("countries.csv")
    ]
    return _upsert(Country, countries, "iso2")


def load_customs_offices() -> int:
    offices = [
        CustomsOffice(
            code=row["code"],
            name=row["name"],
            member_state_id=row["member_state"],
            unlocode=row["unlocode"],
            border_type=row["border_type"],
            roles=row["roles"],
        )
        for row in _rows("customs_offices.csv")
    ]
    _refuse_moving_offices_in_use(offices)
    return _upsert(CustomsOffice, offices, "code")


class OfficeInUse(ValueError):
    """A reference update would move an office that declarations name to another Member State."""


def _refuse_moving_offices_in_use(offices: list[CustomsOffice]) -> None:
    """A declaration's Member State of first entry is its office's (a key in the database, migration
    declarations 0009): an office named by filed declarations cannot move to another Member State, which
    would silently re-scope them. Refused before anything is written, naming the offices."""
    from crms.declarations.models import Declaration

    stored = dict(CustomsOffice.objects.values_list("code", "member_state_id"))
    moving = {
        o.code: (stored[o.code], o.member_state_id)
        for o in offices
        if stored.get(o.code, o.member_state_id) != o.member_state_id
    }
    named_by_declarations = Declaration.objects.filter(office_of_first_entry__in=moving)
    in_use = set(named_by_declarations.values_list("office_of_first_entry", flat=True).distinct()) if moving else set()
    if in_use:
        named = ", ".join(f"{code} ({moving[code][0]} -> {moving[code][1]})" for code in sorted(in_use))
        raise OfficeInUse(
            f"customs offices: {named} would move to another Member State, but filed declarations name them "
            "as their office of first entry. A new office code is needed; nothing was loaded."
        )


def load_hs() -> int:
    sections = [
        HsSection(number=row["section"], name=row["name"], position=position)
        for position, row in enumerate(_rows("hs-sections.csv"), start=1)
    ]
    _upsert(HsSection, sections, "number")
    known_sections = {section.number for section in sections}
    codes = []
    for row in _rows("hs-nomenclature.csv"):
        if row["hscode"] == "TOTAL":
            continue
        level = int(row["level"])
        codes.append(
            HsCode(
                code=row["hscode"],
                description=row["description"],
                level=level,
                parent_id=None if level == 2 else row["parent"],
                section_id=row["section"] if row["section"] in known_sections else None,
            )
        )
    # Parents before children so the self-reference is always satisfied.
    codes.sort(key=lambda code: (code.level, code.code))
    return _upsert(HsCode, codes, "code")


def load_risk_areas() -> int:
    areas = [RiskArea(code=row["code"], name=row["name"], examples=row["examples"]) for row in _rows("risk_areas.csv")]
    return _upsert(RiskArea, areas, "code")


def load_vague_terms() -> int:
    terms = [VagueGoodsTerm(term=row["term"].strip().lower()) for row in _rows("vague_goods_descriptions.csv")]
    return _upsert(VagueGoodsTerm, terms, "term")


def load_exchange_rates() -> int:
    rates = [
        ExchangeRate(currency=row["currency"], per_eur=float(row["per_eur"]), as_of=_date(row["as_of"]))
        for row in _rows("exchange_rates.csv")
    ]
    return _upsert(ExchangeRate, rates, "currency")


def load_participation_agreements() -> int:
    """The agreement records of participants outside the EU (CH, NO): what they receive."""
    agreements = [
        ParticipationAgreement(
            organisation_id=row["organisation"],
            title=row["title"],
            exchanges=[kind for kind in row["exchanges"].split(";") if kind],
            risk_areas=[area for area in row["risk_areas"].split(";") if area],
        )
        for row in _rows("participation_agreements.csv")
    ]
    return _upsert(ParticipationAgreement, agreements, "organisation")


def load_high_interest_countries() -> int:
    """Seeds the list once: a country already known (listed or taken off by the Commission) is left alone."""
    countries = [HighInterestCountry(country_id=row["country"]) for row in _rows("high_interest_countries.csv")]
    HighInterestCountry.objects.bulk_create(countries, ignore_conflicts=True)
    return len(countries)


STEPS: list[tuple[str, Callable[[], int]]] = [
    ("organisations", load_organisations),
    ("countries", load_countries),
    ("customs offices", load_customs_offices),
    ("HS nomenclature", load_hs),
    ("risk areas", load_risk_areas),
    ("vague goods terms", load_vague_terms),
    ("exchange rates", load_exchange_rates),
    ("participation agreements", load_participation_agreements),
    ("high-interest countries", load_high_interest_countries),
]


@transaction.atomic
def load_reference_data(*, progress: Progress | None = None) -> dict[str, int]:
    """Load every reference table; returns the number of rows per table."""
    counts = {}
    for label, step in STEPS:
        counts[label] = step()
        if progress:
            progress(label, counts[label])
    return counts
