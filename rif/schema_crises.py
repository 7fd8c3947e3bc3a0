"""REST documents of crisis alerts and their posts (pydantic: the body is validated, the schema documented)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class CrisisPostBody(_Strict):
    """Information posted under an open crisis."""

    body: Annotated[StrictStr, Field(min_length=3, max_length=10_000)]


class CrisisPostRead(_Strict):
    id: int
    crisis: int
    organisation: str
    author: str
    body: str
    created_at: AwareDatetime


class CrisisSummary(_Strict):
    id: int
    reference: str
    title: str
    risk_area: str
    status: Literal["open", "closed"]
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None
    updated_at: AwareDatetime = Field(description="Bumped by every post and change")
    post_count: int
    url: str
    page_url: str = Field(description="The crisis's page in the browser")


class CrisisRead(CrisisSummary):
    guidance: str
    lessons: str = Field(description="Lessons learned, recorded when the crisis was closed")
    criteria: list[str] = Field(description="Codes of the linked emergency criteria you may see")
    rifs: list[str] = Field(description="References of the RIFs under this crisis that you may see")
    suspended_pcas: list[str] = Field(description="PCAs the crisis suspended (references)")
    posts: list[CrisisPostRead]


class CrisisList(_Strict):
    results: list[CrisisSummary]
    next: str | None = Field(description="URL of the next page, or null")


class CrisisPostList(_Strict):
    results: list[CrisisPostRead]
    next: str | None = Field(description="URL of the next page, or null")
