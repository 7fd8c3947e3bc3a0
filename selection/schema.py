"""The selection settings body over REST (pydantic: types, bounds, unknown fields and modes refused)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from selection.models import MAX_DAILY_CONTROLS
from selection.rules import MAX_RATE


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Controls = Annotated[StrictInt, Field(ge=0, le=MAX_DAILY_CONTROLS)] | None


class DailyCapacity(_Strict):
    """Controls per day per transport mode; null (or left out): not stated."""

    sea: Controls = None
    air: Controls = None
    express: Controls = None
    postal: Controls = None
    road: Controls = None
    rail: Controls = None
    inland_water: Controls = None


class SelectionBody(_Strict):
    """Everything a risk manager sets (PUT replaces it: a mode left out is no longer stated)."""

    random_selection_rate: Annotated[StrictFloat | StrictInt, Field(ge=0, le=MAX_RATE)] = Field(
        description=f"Share of otherwise clean ENS selected at random for quality control, 0 to {MAX_RATE} "
        "(0.005 is 0.5 %)"
    )
    daily_capacity: DailyCapacity


class SelectionRead(_Strict):
    member_state: str
    random_selection_rate: float
    daily_capacity: DailyCapacity
    changed_at: str | None = Field(description="When a risk manager last changed them (ISO 8601), or null")
    changed_by: str | None
