"""Validation of one ENS body: structure (pydantic) then the rules that need reference data.

Returns every problem at once, each as the contract's ``{"field", "code", "message"}``
with a path like ``goods_items[2].hs_code``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.utils import timezone
from pydantic import ValidationError

from crms.accounts.models import Organisation
from crms.core.client_input import nul_errors
from crms.declarations.schema import EntrySummaryDeclaration
from crms.reference.models import Country, CustomsOffice, ExchangeRate, HsCode

Error = dict[str, Any]

# ICS2 filing-type families per transport mode (the first two characters of the code).
FILING_FAMILY = {
    "sea": ("F1",),
    "inland_water": ("F1",),
    "air": ("F2",),
    "express": ("F3",),
    "postal": ("F4",),
    "road": ("F50",),
    "rail": ("F51",),
}
PRE_LOADING_MODES = frozenset({"air", "express", "postal"})
MAX_ITEM_MASS_KG = 100_000_000.0  # 100,000 t: the largest bulk carrier's cargo
MAX_ITEM_VALUE_EUR = 10_000_000_000.0
ARRIVAL_WINDOW = dt.timedelta(days=366)

PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_pattern_mismatch": "invalid_format",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_short": "too_short",
    "too_long": "too_long",
    "literal_error": "invalid_choice",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "out_of_range": "out_of_range",  # a date outside its window (crms.core.dates)
    "finite_number": "invalid",
    "timezone_aware": "timezone_required",
}


def error(field: str | None, code: str, message: str) -> Error:
    return {"field": field, "code": code, "message": message}


UNION_LABELS = frozenset({"str", "int", "float", "constrained-str", "function-after", "function-before"})


def path(loc: tuple, *, last_is_field: bool = False) -> str | None:
    text = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in UNION_LABELS and not (last_is_field and index == len(loc) - 1):
            continue  # pydantic's union-branch labels are not field names
        else:
            text += f".{part}" if text else str(part)
    return text or None


def pydantic_errors(exc: ValidationError) -> list[Error]:
    seen: set[tuple] = set()
    errors = []
    for item in exc.errors(include_url=False, include_input=False):
        field_path = path(item["loc"], last_is_field=item["type"] == "extra_forbidden")
        code = PYDANTIC_CODES.get(item["type"], "invalid")
        key = (field_path, code)
        if key in seen:  # unions report one failure per branch; keep the first
            continue
        seen.add(key)
        message = "Unknown field: not part of the contract." if code == "unknown_field" else plain_message(item)
        errors.append(error(field_path, code, message))
    return errors


# What a pattern asks for, in words, by the field's name (pydantic would print the regular expression).
PATTERN_WORDS = {
    "hs_code": "An HS code: 2 to 10 digits, like 950300.",
    "code": "Capital letters, digits, - and _ (3 to 40 characters), like CRC-FA-001.",
    "eori": "An EORI number: a country code and up to 15 letters or digits, like FR123456789012.",
    "country": "A two-letter country code, like CN.",
}


def plain_message(item: dict) -> str:
    """pydantic's message in the words of the forms and the contract: no regular expressions, no "Value error,"."""
    kind, context = item["type"], item.get("ctx") or {}
    name = next((part for part in reversed(item["loc"]) if isinstance(part, str)), "")
    if kind == "string_pattern_mismatch":
        return PATTERN_WORDS.get(name, "Not in the expected form.")
    if kind in ("string_too_short", "too_short") and context.get("min_length") == 1:
        return "Required: must not be empty."
    if kind == "string_too_short":
        return f"At least {context.get('min_length')} characters."
    if kind == "string_too_long":
        return f"At most {context.get('max_length')} characters."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "A whole number."
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return "A number."
    if kind == "value_error":
        message = str(item["msg"]).removeprefix("Value error, ")
        return message[:1].upper() + message[1:]
    if kind == "literal_error":
        return "Must be " + str(item["msg"]).removeprefix("Input should be ") + "."
    return str(item["msg"])


@dataclass(frozen=True)
class Office:
    code: str
    member_state: str
    is_entry: bool


@dataclass
class ReferenceSets:
    """The reference data validation needs, held in memory (a few hundred KB)."""

    offices: dict[str, Office]
    countries: frozenset[str]
    hs6: frozenset[str]
    participants: frozenset[str]  # Member States and partners that take part today
    rates: dict[str, float]  # units per EUR
    loaded_at: float = field(default_factory=time.monotonic)

    @classmethod
    def load(cls) -> ReferenceSets:
        today = timezone.localdate()
        return cls(
            offices={
                code: Office(code, ms, "entry" in roles.split(";"))
                for code, ms, roles in CustomsOffice.objects.values_list("code", "member_state_id", "roles")
            },
            countries=frozenset(Country.objects.values_list("iso2", flat=True)),
            hs6=frozenset(HsCode.objects.filter(level=HsCode.Level.SUBHEADING).values_list("code", flat=True)),
            participants=frozenset(
                org.code for org in Organisation.objects.exclude(code="EU") if org.participates_on(today)
            ),
            rates=dict(ExchangeRate.objects.values_list("currency", "per_eur")),
        )


_cache_lock = threading.Lock()
_cache: ReferenceSets | None = None
CACHE_SECONDS = 300


def reference_sets() -> ReferenceSets:
    """Process-wide cache, refreshed every few minutes so reference updates reach running workers."""
    global _cache
    with _cache_lock:
        if _cache is None or time.monotonic() - _cache.loaded_at > CACHE_SECONDS:
            _cache = ReferenceSets.load()
        return _cache


def forget_reference_sets() -> None:
    global _cache
    with _cache_lock:
        _cache = None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _dicts(value: Any) -> list[tuple[int, dict]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _check_country(errors: list[Error], ref: ReferenceSets, field_path: str, code: Any) -> None:
    if isinstance(code, str) and len(code) == 2 and code not in ref.countries:
        errors.append(error(field_path, "unknown", f"{code!r} is not an ISO 3166 country code."))


def _check_party(errors: list[Error], ref: ReferenceSets, name: str, party: Any) -> None:
    if isinstance(party, dict) and isinstance(party.get("address"), dict):
        _check_country(errors, ref, f"{name}.address.country", party["address"].get("country"))


def _check_item(errors: list[Error], ref: ReferenceSets, prefix: str, item: dict, phase: Any) -> None:
    hs_code = _text(item.get("hs_code"))
    if item.get("hs_code") is None:
        if phase == "pre_arrival":
            errors.append(error(f"{prefix}.hs_code", "required", "An HS code is required in the pre_arrival phase."))
    elif hs_code and hs_code.isdigit() and len(hs_code) >= 6 and hs_code[:6] not in ref.hs6:
        errors.append(
            error(f"{prefix}.hs_code", "unknown", f"{hs_code[:6]} is not a subheading of the HS nomenclature.")
        )
    mass = _number(item.get("gross_mass_kg"))
    if mass is not None and mass > MAX_ITEM_MASS_KG:
        errors.append(error(f"{prefix}.gross_mass_kg", "implausible", "Gross mass above 100,000 tonnes for one item."))
    _check_country(errors, ref, f"{prefix}.country_of_origin", item.get("country_of_origin"))
    value = item.get("value")
    if isinstance(value, dict):
        currency = value.get("currency", "EUR")
        amount = _number(value.get("amount"))
        rate = ref.rates.get(currency) if isinstance(currency, str) else None
        if isinstance(currency, str) and len(currency) == 3 and rate is None:
            errors.append(error(f"{prefix}.value.currency", "unknown", f"No exchange rate for {currency}."))
        elif rate and amount is not None and amount / rate > MAX_ITEM_VALUE_EUR:
            errors.append(error(f"{prefix}.value.amount", "implausible", "Value above EUR 10 billion for one item."))


def business_errors(
    data: dict, ref: ReferenceSets, *, now: dt.datetime | None = None, history: bool = False
) -> list[Error]:
    """Rules beyond structure: reference data, consistency between fields, plausibility.

    Works on the raw body and skips values of the wrong type (the structural check reports
    those), so a body with a type error still gets its reference problems listed too.
    ``history``: an imported past declaration (contract 6), exempt from the arrival window only.
    """
    errors: list[Error] = []
    office_code = _text(data.get("office_of_first_entry"))
    office = ref.offices.get(office_code) if office_code else None
    if office_code and office is None:
        errors.append(error("office_of_first_entry", "unknown", f"{office_code!r} is not a known customs office."))
    elif office is not None and not office.is_entry:
        errors.append(error("office_of_first_entry", "invalid", f"{office.code} is not an office of entry."))

    mode, phase, filing_type = data.get("transport_mode"), data.get("phase"), _text(data.get("filing_type"))
    families = FILING_FAMILY.get(mode) if isinstance(mode, str) else None
    if families and filing_type and not filing_type.startswith(families):
        expected = " or ".join(f"{prefix}x" if len(prefix) == 2 else prefix for prefix in families)
        errors.append(
            error(
                "filing_type",
                "inconsistent",
                f"Filing type {filing_type} does not fit transport mode {mode} (expected {expected}).",
            )
        )
    if phase == "pre_loading" and families and mode not in PRE_LOADING_MODES:
        errors.append(error("phase", "inconsistent", "pre_loading exists only for air, express and postal."))

    arrival = data.get("expected_arrival")
    aware = isinstance(arrival, dt.datetime) and arrival.tzinfo is not None
    if aware and not history and abs(arrival - (now or timezone.now())) > ARRIVAL_WINDOW:
        errors.append(error("expected_arrival", "out_of_range", "Expected arrival must be within a year of today."))

    for name in ("place_of_loading", "place_of_unloading"):
        locode = _text(data.get(name))
        if locode and len(locode) == 5 and locode[:2].isalpha() and locode[:2] not in ref.countries:
            errors.append(error(name, "unknown", f"{locode!r} does not start with a known country code."))
    routing = data.get("countries_of_routing")
    for index, country in enumerate(routing if isinstance(routing, list) else []):
        _check_country(errors, ref, f"countries_of_routing[{index}]", country)
    for name in ("filer", "carrier", "consignor", "consignee", "buyer", "seller"):
        _check_party(errors, ref, name, data.get(name))

    seen_numbers: set[int] = set()
    for index, item in _dicts(data.get("goods_items")):
        prefix = f"goods_items[{index}]"
        number = item.get("item_number")
        if isinstance(number, int):
            if number in seen_numbers:
                errors.append(error(f"{prefix}.item_number", "duplicate", f"Item number {number} is used twice."))
            seen_numbers.add(number)
        _check_item(errors, ref, prefix, item, phase)
    return errors


def validate_declaration(
    body: Any, ref: ReferenceSets | None = None, *, history: bool = False
) -> tuple[EntrySummaryDeclaration | None, list[Error]]:
    """Check one ENS body. Returns the parsed declaration (None when invalid) and every error.

    ``history``: a past declaration being imported, exempt from the "within a year of today" rule.
    """
    if not isinstance(body, dict):
        return None, [error(None, "invalid", "An entry summary declaration must be a JSON object.")]
    ref = ref or reference_sets()
    # Cheap screen (it also matches a literal backslash-u0000 text); the walk confirms and names fields.
    if b"\\u0000" in orjson.dumps(body) and (found := nul_errors(body)):
        return None, found
    try:
        ens = EntrySummaryDeclaration.model_validate(body)
    except ValidationError as exc:
        structural = pydantic_errors(exc)
        flagged = {item["field"] for item in structural}
        # Reference problems in fields that are structurally fine are reported as well.
        extra = [item for item in business_errors(body, ref, history=history) if item["field"] not in flagged]
        return None, structural + extra
    errors = business_errors(ens.model_dump(), ref, history=history)
    return (None, errors) if errors else (ens, [])
