"""The criterion document of contract section 3 (structure; the condition is checked by conditions.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from crms.core.dates import PlannedTime
from risk_engine.watchlists import CSV_MAX_LINES

Phase = Literal["pre_loading", "pre_arrival"]
Mode = Literal["sea", "air", "express", "postal", "road", "rail", "inland_water"]
FinancialSubtypeText = Literal["economic_operators", "goods", "undervaluation", "anti_dumping_evasion", "other"]
ControlStageText = Literal["pre_loading", "entry", "import_clearance", "post_clearance"]
OutcomeText = Literal[
    "assessment_complete", "request_for_information", "control_recommended", "high_risk_cargo_screening", "do_not_load"
]


class AppliesTo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phases: list[Phase] = []
    transport_modes: list[Mode] = []


class CriterionDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: Annotated[StrictStr, Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{2,39}$")]
    title: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    description: Annotated[StrictStr, Field(max_length=5000)] = ""
    scope: Literal["eu", "national"]
    risk_area: StrictStr
    applies_to: AppliesTo | None = None
    condition: dict[str, Any]
    weight: Annotated[StrictInt, Field(ge=1, le=100)]
    outcome: OutcomeText
    control_type: Literal["documentary", "physical", "scanning"] | None = None
    valid_from: PlannedTime
    valid_to: PlannedTime | None = None
    # Extensions of the contract:
    allows_aeo_facilitation: StrictBool = False
    shadow: StrictBool = False
    restricted: StrictBool = False
    # v2 (issue 15): the legal act, the financial risk type (financial risk area only) and the control stage.
    legal_act: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None
    financial_subtype: FinancialSubtypeText | None = None
    control_stage: ControlStageText | None = None

    @model_validator(mode="after")
    def _window(self):
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def problems(self) -> list[dict[str, Any]]:
        """Rules across fields, each naming its field (checked after the structure)."""
        if self.financial_subtype is not None and self.risk_area != "financial":
            return [
                {
                    "field": "financial_subtype",
                    "code": "invalid",
                    "message": "A financial subtype is only for criteria of the financial risk area.",
                }
            ]
        return []


class _Body(BaseModel):
    """REST bodies besides the criterion document: unknown fields are refused (contract section 4)."""

    model_config = ConfigDict(extra="forbid")


class TransitionBody(_Body):
    """``submit``, ``approve`` and ``retire``: an optional comment, kept in the audit log."""

    comment: Annotated[StrictStr, Field(max_length=2000)] = ""


class ApprovalBody(TransitionBody):
    """``approve``: besides the comment, what the approver reviewed (contract v2 section 3); both optional,
    a body-less approve approves the version as it stands (v1)."""

    version: Annotated[StrictInt, Field(ge=1, lt=2**31, description="The version you reviewed")] | None = None
    fingerprint: (
        Annotated[
            StrictStr, Field(pattern=r"^[0-9a-f]{64}$", description="The fingerprint of the version you reviewed")
        ]
        | None
    ) = None


class WatchListEntryBody(_Body):
    value: StrictStr | StrictInt
    reason: StrictStr = ""  # required by the service, which names ``entries[i].reason``


class WatchListBody(_Body):
    """A new watch list and its entries (all or nothing)."""

    code: StrictStr
    name: StrictStr
    kind: StrictStr
    description: StrictStr = ""
    entries: Annotated[list[WatchListEntryBody], Field(max_length=CSV_MAX_LINES)] = []
