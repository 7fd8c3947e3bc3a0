"""REST documents of priority control areas (read only), as pydantic models for the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PcaResult(_Strict):
    """One participant's results within the period (``pca.selectors.results_of``)."""

    member_state: str
    target: int | None = Field(description="Controls the participant committed to, or null")
    controls: int = Field(description="Control results recorded on the platform within the period, in scope")
    detections: int = Field(description="Of which positive (an irregularity or a seizure)")
    seizures: int
    seized_value_eur: float
    reported_controls: int = Field(description="Reported by hand (controls not recorded on a declaration here)")
    reported_detections: int
    reported_seizures: int
    total_controls: int
    total_detections: int
    total_seizures: int
    progress: float | None = Field(description="Total controls over the target, a share (above 1 when passed)")
    detection_rate: float | None = Field(description="Total detections over total controls, a share")


class PcaSummary(_Strict):
    id: int
    reference: str
    title: str
    risk_area: str
    first_day: dt.date = Field(description="The period's first calendar day (UTC), included")
    last_day: dt.date = Field(description="The period's last calendar day (UTC), included")
    status: Literal["designated", "suspended", "closed"]
    phase: Literal["scheduled", "running", "ended", "suspended", "closed"]
    participants: list[str]
    url: str
    page_url: str = Field(description="The PCA's page in the browser")


class PcaRead(PcaSummary):
    description: str
    hs_codes: list[str] = Field(description="HS codes or prefixes in scope")
    routes: list[str] = Field(description="Routing countries in scope")
    criteria: list[str] = Field(description="Codes of the linked EU criteria that you may see")
    targets: dict[str, int] = Field(description="Controls per participating Member State")
    results: list[PcaResult]
    suspended_by_crisis: int | None = Field(description="Id of the crisis alert that suspended it")
    suspended_at: AwareDatetime | None
    operational_results: str
    lessons: str
    closed_at: AwareDatetime | None


class PcaList(_Strict):
    results: list[PcaSummary]
    next: str | None = Field(description="URL of the next page, or null")
