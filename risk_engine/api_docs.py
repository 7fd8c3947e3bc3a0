"""Response shapes of the criteria endpoints, for the OpenAPI documentation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, RootModel


class CriterionVersionRead(BaseModel):
    version: int
    status: str
    title: str
    description: str
    risk_area: str
    applies_to: dict[str, list[str]]
    condition: dict[str, Any] | None  # null when the reader may not see restricted logic
    weight: int
    outcome: str
    control_type: str | None
    valid_from: str
    valid_to: str | None
    allows_aeo_facilitation: bool
    shadow: bool
    restricted: bool  # part of the version: changes only through approval
    legal_act: str | None  # e.g. "C(2018)3293 final"
    financial_subtype: str | None  # financial risk area only
    control_stage: str | None  # pre_loading, entry, import_clearance, post_clearance
    author: str
    editors: list[str]  # everyone who wrote the version: none of them may approve it
    fingerprint: str  # digest of the content; approve {"version", "fingerprint"} binds to it
    submitted_at: str | None
    published_at: str | None
    published_by: str | None
    retired_at: str | None


class CriterionRead(BaseModel):
    code: str
    scope: str
    owner: str
    restricted: bool
    status: str
    published_version: int | None
    title: str
    description: str
    risk_area: str
    applies_to: dict[str, list[str]]
    condition: dict[str, Any] | None
    weight: int
    outcome: str
    control_type: str | None
    valid_from: str
    valid_to: str | None
    versions: list[CriterionVersionRead]


class CriterionList(BaseModel):
    results: list[CriterionRead]


class CriteriaChangeItem(BaseModel):
    cursor: str
    criteria_revision: int
    occurred_at: str
    change: str  # published, superseded, retired, edited, deleted
    code: str
    scope: str
    owner: str
    version: int
    document: dict[str, Any] | None  # the version as exchanged (condition null where logic is restricted to you)


class CriteriaFeed(BaseModel):
    """The change feed (with ``changed_since`` or ``after``)."""

    results: list[CriteriaChangeItem]
    next: str | None
    criteria_revision: int | None


class CriteriaListOrFeed(RootModel[CriterionList | CriteriaFeed]):
    pass


class WatchListRead(BaseModel):
    code: str
    name: str
    kind: str
    owner: str
    entries: list[str]


class WatchListList(BaseModel):
    results: list[WatchListRead]


class Created(BaseModel):
    code: str
