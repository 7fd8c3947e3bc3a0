"""The ENS body of contract section 2.1 as pydantic models: structure, types and formats.

Pydantic (its core is compiled) checks a 1,000-declaration batch in milliseconds
and reports every problem with its path, which is what the contract's 400 needs.
Rules that need reference data or several fields at once live in ``validation.py``.
Unknown fields are rejected everywhere (``extra="forbid"``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from crms.core.dates import PlannedTime

CountryCode = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")]
UnLocode = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$", description="UN/LOCODE (5 characters)")]
Eori = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}[A-Za-z0-9]{1,15}$", description="EORI or trader number")]
HsCodeText = Annotated[StrictStr, Field(pattern=r"^[0-9]{6,10}$", description="6 to 10 digits")]
FilingType = Annotated[StrictStr, Field(pattern=r"^F(1[0-9]|2[0-9]|3[0-9]|4[0-9]|50|51)$")]
OfficeCode = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}[A-Z0-9]{6}$", description="Customs office reference")]
Text = Annotated[StrictStr, Field(max_length=200)]
Number = StrictFloat | StrictInt


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Address(_Strict):
    street: Text | None = None
    city: Annotated[StrictStr, Field(max_length=100)] | None = None
    postcode: Annotated[StrictStr, Field(max_length=20)] | None = None
    country: CountryCode


class PartyBody(_Strict):
    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    eori: Eori | None = None
    address: Address | None = None


class TransportDocument(_Strict):
    master: Annotated[StrictStr, Field(min_length=1, max_length=70)] | None = None
    house: Annotated[StrictStr, Field(min_length=1, max_length=70)] | None = None


class Money(_Strict):
    amount: Annotated[Number, Field(ge=0)]
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] = "EUR"


class GoodsItemBody(_Strict):
    item_number: Annotated[StrictInt, Field(ge=1, le=999)]
    hs_code: HsCodeText | None = None
    description: Annotated[StrictStr, Field(min_length=3, max_length=512)]
    gross_mass_kg: Annotated[Number, Field(gt=0)]
    packages: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None
    value: Money | None = None
    country_of_origin: CountryCode | None = None
    container: Annotated[StrictStr, Field(min_length=1, max_length=17)] | None = None
    dangerous_goods_code: Annotated[StrictStr, Field(pattern=r"^(UN)?[0-9]{4}$")] | None = None


class EntrySummaryDeclaration(_Strict):
    """One ENS as a national system files it."""

    lrn: Annotated[StrictStr, Field(min_length=1, max_length=35)]
    filing_type: FilingType
    phase: Literal["pre_loading", "pre_arrival"]
    transport_mode: Literal["sea", "air", "express", "postal", "road", "rail", "inland_water"]
    filer: PartyBody | None = None
    carrier: PartyBody | None = None
    transport_document: TransportDocument | None = None
    office_of_first_entry: OfficeCode
    expected_arrival: PlannedTime
    place_of_loading: UnLocode
    place_of_unloading: UnLocode
    countries_of_routing: Annotated[list[CountryCode], Field(max_length=99)] = []
    consignor: PartyBody
    consignee: PartyBody
    buyer: PartyBody | None = None
    seller: PartyBody | None = None
    goods_items: Annotated[list[GoodsItemBody], Field(min_length=1, max_length=999)]


class DeclarationBatch(_Strict):
    declarations: Annotated[list[Any], Field(min_length=1, max_length=1000)]  # each judged on its own
