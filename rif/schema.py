"""RIF bodies as pydantic models (types, formats, unknown fields refused): the REST API and the
browser form both validate through these, so the two can never accept different RIFs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, model_validator

from crms.core.dates import PlannedDay, RecordedDay
from rif.models import HandlingMarking, Measure, RecommendedControl, Relevance, TransportMode

Country = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}$")]
HsCode = Annotated[StrictStr, Field(pattern=r"^[0-9]{2,10}$")]
Eori = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}[A-Z0-9]{1,15}$")]
MemberState = Annotated[StrictStr, Field(pattern=r"^[A-Z]{2,3}$")]
Number = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1e12)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Goods(_Strict):
    hs_code: HsCode
    description: Annotated[StrictStr, Field(max_length=300)] = ""


class PartyRef(_Strict):
    role: Literal["consignor", "consignee", "carrier", "filer", "buyer", "seller", "other"] = "consignor"
    name: Annotated[StrictStr, Field(max_length=200)] = ""
    eori: Eori | None = None
    country: Country | None = None

    @model_validator(mode="after")
    def _named(self):
        if not self.name and not self.eori:
            raise ValueError("A party needs a name or an EORI")
        return self


class Seizure(_Strict):
    goods: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    quantity: Number | None = None
    unit: Annotated[StrictStr, Field(max_length=20)] | None = None
    estimated_value_eur: Number | None = None
    seized_on: RecordedDay | None = None
    place: Annotated[StrictStr, Field(max_length=200)] | None = None


class RifBody(_Strict):
    """A RIF as its author writes it. Recipients: ``all_participants`` or a list of Member States."""

    risk_area: StrictStr
    title: Annotated[StrictStr, Field(min_length=3, max_length=200)]
    summary: Annotated[StrictStr, Field(min_length=10, max_length=10_000)]
    modus_operandi: Annotated[StrictStr, Field(max_length=10_000)] = ""
    goods: Annotated[list[Goods], Field(max_length=100)] = []
    countries_of_origin: Annotated[list[Country], Field(max_length=50)] = []
    routing: Annotated[list[Country], Field(max_length=50)] = []
    parties: Annotated[list[PartyRef], Field(max_length=100)] = []
    transport_mode: Literal[tuple(TransportMode.values)] | None = None  # type: ignore[valid-type]
    concealment: Annotated[StrictStr, Field(max_length=5000)] = ""
    detection_method: Annotated[StrictStr, Field(max_length=5000)] = ""
    seizure: Seizure | None = None
    recommended_action: Annotated[StrictStr, Field(max_length=5000)] = ""
    recommended_control: Literal[tuple(RecommendedControl.values)] | None = None  # type: ignore[valid-type]
    valid_from: PlannedDay | None = None
    valid_until: PlannedDay | None = None
    handling: Literal[tuple(HandlingMarking.values)] = HandlingMarking.CRMS_RESTRICTED  # type: ignore[valid-type]
    all_participants: bool = False
    recipients: Annotated[list[MemberState], Field(max_length=40)] = []
    crisis: StrictInt | None = Field(None, description="Id of an open crisis alert this RIF belongs to")
    criteria: Annotated[list[StrictStr], Field(max_length=50)] = Field([], description="Codes of linked criteria")
    pcas: Annotated[list[StrictInt], Field(max_length=20)] = Field([], description="Ids of linked PCAs")

    @model_validator(mode="after")
    def _dates(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


class FeedbackBody(_Strict):
    """A recipient Member State's evaluation of a RIF."""

    relevance: Literal[tuple(Relevance.values)]  # type: ignore[valid-type]
    measures: Annotated[list[Literal[tuple(Measure.values)]], Field(max_length=10)] = []  # type: ignore[valid-type]
    criterion: StrictStr | None = Field(None, description="Code of the national profile created or tuned")
    controls_planned: Annotated[StrictInt, Field(ge=0, le=10_000_000)] | None = None
    results: Annotated[StrictStr, Field(max_length=10_000)] = ""
    comment: Annotated[StrictStr, Field(max_length=10_000)] = ""


class FeedbackRead(_Strict):
    member_state: str
    relevance: str
    measures: list[str]
    criterion: str | None
    controls_planned: int | None
    results: str
    comment: str
    author: str
    created_at: AwareDatetime


class RecipientRead(_Strict):
    member_state: str
    read_at: AwareDatetime | None
    responded_at: AwareDatetime | None


class AttachmentRead(_Strict):
    id: int
    name: str
    content_type: str
    size: int = Field(description="Bytes")
    sha256: str
    uploaded_at: AwareDatetime
    url: str = Field(description="GET it to download the file (audited)")


class RifRead(_Strict):
    reference: str
    status: str
    organisation: str
    handling: str
    risk_area: str
    title: str
    summary: str
    modus_operandi: str
    goods: list[Goods]
    countries_of_origin: list[str]
    routing: list[str]
    parties: list[PartyRef]
    transport_mode: str | None
    concealment: str
    detection_method: str
    seizure: Seizure | None
    recommended_action: str
    recommended_control: str | None
    valid_from: dt.date
    valid_until: dt.date | None
    all_participants: bool
    recipients: list[RecipientRead]
    crisis: int | None
    criteria: list[str]
    attachments: list[str] = Field(description="File names (see attachment_files to download them)")
    attachment_files: list[AttachmentRead] = []
    feedback: list[FeedbackRead]
    created_at: AwareDatetime
    published_at: AwareDatetime | None
    withdrawn_at: AwareDatetime | None = Field(None, description="Set when the author took the RIF back")
    withdrawn_reason: str = ""
    url: str


class RifSummary(_Strict):
    reference: str
    status: str
    organisation: str
    handling: str
    risk_area: str
    title: str | None = Field(description="null when people_only")
    published_at: AwareDatetime | None
    read_at: AwareDatetime | None = Field(None, description="When your Member State marked it read")
    people_only: bool = Field(
        False,
        description="Marked for people only (EU restricted, limited distribution): a national system sees that it "
        "exists, never its content; a person reads it at page_url",
    )
    url: str | None = Field(description="The RIF over REST; null when people_only")
    page_url: str = Field(description="The RIF's page in the browser")


class RifList(_Strict):
    results: list[RifSummary]
    next: str | None = Field(description="URL of the next page, or null")


class ReadBody(_Strict):
    """Marking a RIF read takes no fields (an empty body or ``{}``)."""


class ReadReceipt(_Strict):
    reference: str
    member_state: str
    read_at: AwareDatetime
    read_by: str | None
