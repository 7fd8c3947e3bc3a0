"""The platform's areas and who may enter each, in one table.

The home page, the sidebar and the views' access checks all read this table, so
a link is shown exactly when following it is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from crms.accounts.roles import COMMISSION_CODE, Role

ALL_ROLES = frozenset(Role.values)
PEOPLE = ALL_ROLES - {Role.NATIONAL_SYSTEM}
MEMBER_STATE_RISK_STAFF = frozenset({Role.ANALYST, Role.RISK_MANAGER})


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    url_name: str
    summary: str
    roles: frozenset[str]
    built: bool = False  # False: a later issue fills it; the page says what it will hold
    commission_only: bool = False  # True: only the Commission's people with those roles (not an MS auditor)

    def allows(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        at_commission = user.organisation_id == COMMISSION_CODE
        return user.role in self.roles and (at_commission or not self.commission_only)


AREAS: tuple[Area, ...] = (
    Area(
        "declarations",
        _("Declarations"),
        "declarations-list",
        _("Entry summary declarations filed by national systems, with their versions and assessments."),
        ALL_ROLES,
        built=True,
    ),
    Area(
        "criteria",
        _("Risk criteria"),
        "criteria-list",
        _("EU common risk criteria and national risk profiles: authoring, four-eyes publication, backtests."),
        PEOPLE,
        built=True,
    ),
    Area(
        "workbench",
        _("Workbench"),
        "workbench-queue",
        _("The hit queue of your Member State: assess hits, decide on controls, record control results."),
        MEMBER_STATE_RISK_STAFF | {Role.AUDITOR},
        built=True,
    ),
    Area(
        "selection",
        _("Selection settings"),
        "selection-settings",
        _("Your Member State's random-selection rate and daily control capacity per transport mode."),
        # The Commission reads every Member State's settings (read only), as it reads them in an EU-wide
        # model's forecast; only a Member State's risk managers change its own.
        MEMBER_STATE_RISK_STAFF | {Role.AUDITOR, Role.COMMISSION, Role.COMMISSION_APPROVER},
        built=True,
    ),
    Area(
        "rif",
        _("Risk information"),
        "rif-list",
        _("Risk Information Forms exchanged between Member States and the Commission, and crisis alerts."),
        PEOPLE,
        built=True,
    ),
    Area(
        "pca",
        _("Priority control areas"),
        "pca-list",
        _("Coordinated control campaigns designated by the Commission, with their targets and results."),
        PEOPLE,
        built=True,
    ),
    Area(
        "indicators",
        _("Indicators"),
        "indicators-dashboard",
        _("Hits, controls, detections, AEO shares and RIF follow-up, EU-wide and per Member State."),
        PEOPLE,
        built=True,
    ),
    Area(
        "operators",
        _("Operators and AEO"),
        "operators-list",
        _("Economic operators known by EORI and their AEO authorisations, including MRA recognition."),
        PEOPLE,
        built=True,
    ),
    Area(
        "reference",
        _("Reference data"),
        "reference-home",
        _("Participants, customs offices, countries, the HS nomenclature, risk areas and vague goods terms."),
        ALL_ROLES,
        built=True,
    ),
    Area(
        "analysis",
        _("Commission analysis"),
        "analysis-hits",
        _("Hits of EU criteria across Member States, flags for the responsible Member State, one party everywhere."),
        frozenset({Role.COMMISSION, Role.COMMISSION_APPROVER, Role.AUDITOR}),
        built=True,
        commission_only=True,
    ),
    Area(
        "models",
        "Risk models",
        "model-list",
        "Risk scoring models trained on control results: evaluation, charts and four-eyes governance.",
        MEMBER_STATE_RISK_STAFF | {Role.COMMISSION, Role.COMMISSION_APPROVER, Role.AUDITOR},
        built=True,
    ),
    Area(
        "prices",
        _("Price outliers"),
        "price-outliers",
        _("Goods valued far below or above the usual price per kg of their HS code, origin and Member State."),
        MEMBER_STATE_RISK_STAFF | {Role.COMMISSION, Role.COMMISSION_APPROVER, Role.AUDITOR},
        built=True,
    ),
    Area(
        "audit",
        _("Audit log"),
        "audit-log",
        _("Append-only record of every change to users, criteria, RIFs, decisions and control results."),
        frozenset({Role.COMMISSION, Role.COMMISSION_APPROVER, Role.AUDITOR, Role.RISK_MANAGER}),
        built=True,
    ),
)

AREAS_BY_KEY = {area.key: area for area in AREAS}


def areas_for(user) -> list[Area]:
    return [area for area in AREAS if area.allows(user)]
