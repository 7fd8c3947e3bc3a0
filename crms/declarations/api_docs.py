"""Response shapes and examples for the OpenAPI documentation of the ENS endpoints."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.utils import OpenApiExample
from pydantic import BaseModel, Field

from crms.declarations.schema import EntrySummaryDeclaration


class ErrorItem(BaseModel):
    field: str | None
    code: str
    message: str


class ErrorBody(BaseModel):
    errors: list[ErrorItem]


class FilingReceipt(BaseModel):
    mrn: str
    lrn: str
    version: int
    status: Literal["received"]
    assessment_url: str


class BatchResult(BaseModel):
    index: int
    status: int
    mrn: str | None = None
    lrn: str | None = None
    version: int | None = None
    errors: list[ErrorItem] | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]


class BatchRequest(BaseModel):
    declarations: list[EntrySummaryDeclaration]


class VersionLink(BaseModel):
    version: int
    filed_at: str
    url: str


class DeclarationRead(EntrySummaryDeclaration):
    """The version as filed, plus what the platform derived."""

    mrn: str
    version: int
    first_entry_member_state: str
    unloading_member_state: str | None
    received_at: str
    versions: list[VersionLink]
    house_filings: list[str]


class DeclarationSummary(BaseModel):
    mrn: str
    lrn: str
    version: int
    received_at: str
    transport_mode: str
    phase: str
    filing_type: str
    office_of_first_entry: str
    first_entry_member_state: str
    unloading_member_state: str | None
    expected_arrival: str
    item_count: int
    screening_status: str
    url: str


class DeclarationList(BaseModel):
    results: list[DeclarationSummary]
    next: str | None


class CriteriaChangeDoc(BaseModel):
    revision: int | None = None
    kind: str = Field(
        description="declaration.filed, declaration.amended, criterion.published, watch_list.changed, ..."
    )
    subject: str | None = None
    version: int | None = None
    occurred_at: str | None = None


class AssessmentHistoryEntry(BaseModel):
    criteria_revision: int | None
    outcome: str
    score: int
    control_type: str | None
    random_selection: bool
    hits: list[dict[str, Any]]
    screened_at: str
    changes: list[CriteriaChangeDoc] = Field(description="What caused this result (only what the caller may see)")


class Assessment(BaseModel):
    mrn: str
    version: int
    status: Literal["pending", "screened"]
    outcome: str | None
    score: int | None
    hits: list[dict[str, Any]]
    data_quality: list[dict[str, Any]]
    responsible_member_state: str
    screened_at: str | None
    criteria_revision: int | None = Field(
        None, description="The criteria revision the assessment was computed with (null while pending)"
    )
    learned_score: float | None = Field(
        None, description="The live risk model's score, 0-1, higher is riskier (null without a live model)"
    )
    learned_percentile: float | None = Field(
        None, description="0-100: the share of the model's reference declarations scoring lower"
    )
    learned_reasons: list[str] = Field(
        default_factory=list, description="The (at most three) main reasons of the score, in plain language"
    )
    learned_model: dict[str, Any] | None = Field(None, description="The model that scored it: id, name, version")
    learned_selection: bool = Field(
        False, description="Selected by the live model within the Member State's daily control capacity"
    )
    exploration: bool = Field(
        False, description="A learned selection drawn at random among the rest (unbiased training data)"
    )
    history: list[AssessmentHistoryEntry] | None = Field(
        None, description="With ?history=true: every result of the current version, oldest first"
    )


EXAMPLE_ENS = {
    "lrn": "FR-EXP-2026-000123",
    "filing_type": "F26",
    "phase": "pre_loading",
    "transport_mode": "air",
    "filer": {"eori": "DE123456789012345", "name": "Fast Parcels GmbH"},
    "carrier": {"eori": "IE987654321000", "name": "Sky Cargo Ltd"},
    "transport_document": {"master": "176-12345675", "house": "HAWB-88812"},
    "office_of_first_entry": "FR004380",
    "expected_arrival": "2026-11-23T06:40:00+01:00",
    "place_of_loading": "CNPVG",
    "place_of_unloading": "FRCDG",
    "countries_of_routing": ["CN", "AE", "FR"],
    "consignor": {
        "name": "Shenzhen Bright Trading Co",
        "eori": None,
        "address": {"street": "12 Nanshan Rd", "city": "Shenzhen", "postcode": "518000", "country": "CN"},
    },
    "consignee": {
        "name": "Jean Martin",
        "eori": None,
        "address": {"street": "4 rue de la Paix", "city": "Lyon", "postcode": "69001", "country": "FR"},
    },
    "buyer": None,
    "seller": None,
    "goods_items": [
        {
            "item_number": 1,
            "hs_code": "950300",
            "description": "plastic toy cars",
            "gross_mass_kg": 2.4,
            "packages": 1,
            "value": {"amount": 35.0, "currency": "EUR"},
            "country_of_origin": "CN",
            "container": None,
            "dangerous_goods_code": None,
        }
    ],
}

ENS_EXAMPLES = [OpenApiExample("Air express parcel, pre-loading", value=EXAMPLE_ENS, request_only=True)]
BATCH_EXAMPLES = [OpenApiExample("Two declarations", value={"declarations": [EXAMPLE_ENS]}, request_only=True)]
ERROR_EXAMPLE = OpenApiExample(
    "Invalid HS code",
    value={"errors": [{"field": "goods_items[0].hs_code", "code": "unknown", "message": "999990 is not a subheading"}]},
    response_only=True,
    status_codes=["400"],
)
