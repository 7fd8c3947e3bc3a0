"""REST bodies of the workbench as pydantic models (types, formats, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from crms.core.dates import RecordedTime
from workbench.models import ControlKind, ControlOutcome, IrregularityType

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
