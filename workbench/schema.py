"""REST bodies of the workbench as pydantic models (types, formats, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from crms.core.dates import RecordedTime
from workbench.models import (
    ControlKind,
    ControlOutcome,
    IrregularityType,
    ReferralKind,
    ReferralStatus,
    ScreeningMethod,
    ScreeningOutcome,
)

Number = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1e12)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Seizure(_Strict):
    goods: Annotated[StrictStr, Field(min_length=1, max_length=300)]
    quantity: Number | None = None
    unit: Annotated[StrictStr, Field(max_length=20)] | None = None
    estimated_value_eur: Number | None = None


class ControlResultBody(_Strict):
    """A control actually carried out on the ENS's current version, and what it found."""

    control_type: Literal[tuple(ControlKind.values)]  # type: ignore[valid-type]
    based_on_risk_analysis: StrictBool = True
    result: Literal[tuple(ControlOutcome.values)]  # type: ignore[valid-type]
    irregularity_type: Literal[tuple(IrregularityType.values)] | None = None  # type: ignore[valid-type]
    seizure: Seizure | None = None
    controlled_at: RecordedTime | None = None
    notes: Annotated[StrictStr, Field(max_length=4000)] | None = None


class ControlResultRead(_Strict):
    id: int
    mrn: str
    version: int
    member_state: str
    control_type: str
    based_on_risk_analysis: bool
    result: str
    irregularity_type: str | None
    seizure: Seizure | None
    notes: str
    controlled_at: AwareDatetime
    recorded_by: str
    recorded_at: AwareDatetime
    decision_id: int | None


class DecisionRead(_Strict):
    id: int
    mrn: str
    version: int
    member_state: str
    action: str
    control_type: str | None
    control_place: str | None
    reason: str
    engine_outcome: str
    forwarded_to: str | None
    decided_by: str
    decided_at: AwareDatetime


class DecisionList(_Strict):
    results: list[DecisionRead]
    next: str | None = Field(description="URL of the next page (keyset), or null")


class ControlResultList(_Strict):
    results: list[ControlResultRead]


# --- ICS2 referrals (contract 5) ---------------------------------------------------------------------------------

AnswerText = Annotated[StrictStr, Field(max_length=4000)]


class AdditionalInformation(_Strict):
    """Answer to a request for information."""

    kind: Literal["additional_information"]
    text: Annotated[StrictStr, Field(min_length=1, max_length=4000)]
    amendment_mrn_version: Annotated[StrictInt, Field(ge=2)] | None = Field(
        default=None, description="The ENS version filed as an amendment that carries the information, if any"
    )


class ScreeningResult(_Strict):
    """Answer to a request for high-risk cargo and mail screening."""

    kind: Literal["screening_result"]
    method: Literal[tuple(ScreeningMethod.values)]  # type: ignore[valid-type]
    outcome: Literal[tuple(ScreeningOutcome.values)]  # type: ignore[valid-type]
    text: AnswerText = ""


class Acknowledged(_Strict):
    """Answer to a do-not-load referral: the filer confirms the consignment is not loaded."""

    kind: Literal["acknowledged"]
    text: AnswerText = ""


ANSWER_BODIES: dict[str, type[_Strict]] = {
    "additional_information": AdditionalInformation,
    "screening_result": ScreeningResult,
    "acknowledged": Acknowledged,
}
AnswerBody = AdditionalInformation | ScreeningResult | Acknowledged


class ReferralQuestionRead(_Strict):
    round: int
    text: str
    asked_at: AwareDatetime
    asked_by_member_state: str


class ReferralAnswerRead(_Strict):
    id: int
    round: int
    kind: str
    text: str
    method: str | None
    outcome: str | None
    amendment_mrn_version: int | None
    answered_at: AwareDatetime
    answered_by: str


class ReferralRead(_Strict):
    id: int
    mrn: str
    version: int
    kind: Literal[tuple(ReferralKind.values)]  # type: ignore[valid-type]
    requested_at: AwareDatetime
    requested_by_member_state: str
    first_entry_member_state: str
    question: str | None = Field(description="Request for information: the current round's question")
    screening_required: str | None = Field(description="High-risk cargo screening: what must be screened")
    instruction: str | None = Field(description="Do not load: the referring Member State's instruction")
    status: Literal[tuple(ReferralStatus.values)]  # type: ignore[valid-type]
    overdue: bool
    round: int
    questions: list[ReferralQuestionRead]
    answers: list[ReferralAnswerRead]
    closed_at: AwareDatetime | None
    close_reason: str | None
    url: str


class ReferralList(_Strict):
    results: list[ReferralRead]
    next: str | None = Field(description="URL of the next page (keyset), or null")
