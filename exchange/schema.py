"""REST bodies and documents of information requests between Member States (pydantic: unknown fields refused)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictStr

from crms.core.dates import PlannedDay
from workbench.models import InformationRequest, LegalBasis


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


Text = Annotated[StrictStr, Field(min_length=10, max_length=4000)]


class RequestBody(_Strict):
    """Ask another participating Member State about a party or a consignment."""

    requested_state: Annotated[StrictStr, Field(pattern=r"^[A-Z]{2,3}$", description="Member State asked, e.g. NL")]
    subject: Literal[tuple(InformationRequest.Subject.values)]  # type: ignore[valid-type]
    mrn: Annotated[StrictStr, Field(max_length=40)] | None = Field(
        None, description="The consignment (an ENS you may read); required when subject is consignment"
    )
    party_name: Annotated[StrictStr, Field(max_length=200)] = ""
    party_eori: Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}[A-Z0-9]{1,15}$")] | None = None
    legal_basis: Literal[tuple(LegalBasis.values)]  # type: ignore[valid-type]
    purpose: Text
    question: Text
    answer_by: PlannedDay | None = Field(
        None,
        description="Last day (UTC, included) to answer, from today to a year ahead; "
        "default INFORMATION_REQUEST_ANSWER_DAYS (14) days after today",
    )


class MessageBody(_Strict):
    """A message in the thread; the requested Member State's first one answers the request."""

    body: Annotated[StrictStr, Field(min_length=1, max_length=8000)]


class CloseBody(_Strict):
    """Closing takes no fields (an empty body or ``{}``)."""


class MessageRead(_Strict):
    id: int
    organisation: str
    author: str
    body: str
    created_at: AwareDatetime


class RequestSummary(_Strict):
    id: int
    requesting_state: str
    requested_state: str
    subject: str
    mrn: str | None
    party_name: str
    party_eori: str
    legal_basis: str
    state: Literal["open", "answered", "closed"]
    created_at: AwareDatetime
    first_answer_at: AwareDatetime | None
    closed_at: AwareDatetime | None
    answer_by: dt.date | None = Field(description="Last day (UTC, included) to answer")
    overdue: bool = Field(description="Still awaiting its first answer after answer_by")
    url: str
    page_url: str = Field(description="The request's page in the browser")


class RequestRead(RequestSummary):
    purpose: str
    question: str
    created_by: str
    messages: list[MessageRead]


class RequestList(_Strict):
    results: list[RequestSummary]
    next: str | None = Field(description="URL of the next page, or null")
