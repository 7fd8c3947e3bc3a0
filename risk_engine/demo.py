"""Demo criteria: a realistic set of EU common risk criteria across the risk areas and a few
national profiles, published through the normal four-eyes lifecycle (author, then approver)."""

from __future__ import annotations

from typing import Any

from crms.accounts.models import User
from risk_engine import services
from risk_engine.models import Criterion, RandomSelectionRate, WatchList

SINCE = "2026-01-01T00:00:00Z"
AIR_FAST = ["air", "express", "postal"]

EU_CRITERIA: list[dict[str, Any]] = [
    {
        "code": "CRC-FA-001",
        "title": "Firearm parts shipped via high-risk routes",
        "description": "Firearms, essential components and parts routed through hubs used for diversion.",
        "risk_area": "firearms_weapons",
        "applies_to": {"phases": [], "transport_modes": AIR_FAST},
        "condition": {
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9302", "9303", "9305"]},
                {"field": "routing.countries", "op": "any_in", "value": ["AE", "TR"]},
            ]
        },
        "weight": 70,
        "outcome": "control_recommended",
        "control_type": "physical",
    },
    {
        "code": "CRC-FIN-001",
        "title": "Undervalued clothing and footwear from anti-dumping origins",
        "description": "Clothing and footwear declared far below plausible value per kg (undervaluation).",
        "risk_area": "financial",
        "condition": {
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["61", "62", "63", "64"]},
                {"field": "item.country_of_origin", "op": "in", "value": ["CN"]},
                {"field": "item.value_per_kg", "op": "lt", "value": 1.0},
            ]
        },
        "weight": 50,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "allows_aeo_facilitation": True,
        "restricted": True,
    },
    {
        "code": "CRC-CG-001",
        "title": "Cultural goods from conflict zones",
        "description": "Antiquities and collectors' pieces originating in or routed from conflict areas.",
        "risk_area": "cultural_goods",
        "condition": {
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9705", "9706"]},
                {
                    "any": [
                        {"field": "item.country_of_origin", "op": "in", "value": ["SY", "IQ", "LY", "YE"]},
                        {"field": "place_of_loading", "op": "starts_with", "value": ["SY", "IQ", "LY", "YE", "LB"]},
                    ]
                },
            ]
        },
        "weight": 80,
        "outcome": "control_recommended",
        "control_type": "physical",
    },
    {
        "code": "CRC-DP-001",
        "title": "Drug precursors from known source countries",
        "description": "Scheduled precursors (P2P, PMK, ephedrines, phenylacetic acid) from main source countries.",
        "risk_area": "drugs_precursors",
        "condition": {
            "all": [
                {
                    "field": "item.hs_code",
                    "op": "starts_with",
                    "value": ["291431", "293292", "293941", "293942", "293944", "291634"],
                },
                {"field": "item.country_of_origin", "op": "in", "value": ["IN", "CN"]},
            ]
        },
        "weight": 75,
        "outcome": "control_recommended",
        "control_type": "physical",
    },
    {
        "code": "CRC-IPR-001",
        "title": "Counterfeit-prone goods in e-commerce at token values",
        "description": "Watches, handbags and phones sent by express or post at a value no genuine item has.",
        "risk_area": "ipr",
        "applies_to": {"phases": [], "transport_modes": ["express", "postal"]},
        "condition": {
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9102", "4202", "851713"]},
                {"field": "item.value_eur", "op": "lt", "value": 15},
            ]
        },
        "weight": 40,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "allows_aeo_facilitation": True,
    },
    {
        "code": "CRC-SEC-001",
        "title": "Explosive-like goods in air cargo before loading",
        "description": "Descriptions suggesting explosives: imminent-threat referral, do not load.",
        "risk_area": "security_safety",
        "applies_to": {"phases": ["pre_loading"], "transport_modes": AIR_FAST},
        "condition": {
            "any": [
                {
                    "field": "item.description",
                    "op": "contains_any",
                    "value": ["detonator", "detonators", "ammonium nitrate", "explosive", "explosives"],
                },
                {"field": "item.hs_code", "op": "starts_with", "value": ["3602", "3603"]},
            ]
        },
        "weight": 95,
        "outcome": "do_not_load",
        "control_type": "physical",
    },
    {
        "code": "CRC-SEC-002",
        "title": "Fireworks and dangerous goods by air needing high-risk screening",
        "description": "Fireworks or declared dangerous goods by air: high-risk cargo and mail screening.",
        "risk_area": "security_safety",
        "applies_to": {"phases": ["pre_loading"], "transport_modes": AIR_FAST},
        "condition": {
            "any": [
                {"field": "item.description", "op": "contains_any", "value": ["fireworks"]},
                {"field": "item.dangerous_goods_code", "op": "is_not_empty"},
                {"field": "consignor.eori", "op": "in_watch_list", "value": "WL-EU-HIGH-RISK-SHIPPERS"},
            ]
        },
        "weight": 60,
        "outcome": "high_risk_cargo_screening",
        "control_type": None,
    },
    {
        "code": "CRC-PS-001",
        "title": "Toys from e-commerce with vague descriptions (shadow)",
        "description": "Trial criterion in shadow mode: measures hits before it may create work.",
        "risk_area": "product_safety",
        "applies_to": {"phases": [], "transport_modes": ["express", "postal"]},
        "condition": {"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9503"]}]},
        "weight": 20,
        "outcome": "control_recommended",
        "control_type": "documentary",
        "shadow": True,
    },
]

NATIONAL_PROFILES: dict[str, list[dict[str, Any]]] = {
    "FR": [
        {
            "code": "FR-NP-001",
            "title": "Cigarettes and tobacco by post",
            "risk_area": "financial",
            "applies_to": {"phases": [], "transport_modes": ["postal", "express"]},
            "condition": {"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["2402", "2403"]}]},
            "weight": 55,
            "outcome": "control_recommended",
            "control_type": "physical",
        }
    ],
    "NL": [
        {
            "code": "NL-NP-001",
            "title": "Fresh fruit in containers from cocaine source regions",
            "risk_area": "drugs_precursors",
            "applies_to": {"phases": ["pre_arrival"], "transport_modes": ["sea"]},
            "condition": {
                "all": [
                    {"field": "item.hs_code", "op": "starts_with", "value": ["0803", "0804", "0805"]},
                    {"field": "place_of_loading", "op": "starts_with", "value": ["EC", "CO", "PE", "BR", "CR", "PA"]},
                ]
            },
            "weight": 60,
            "outcome": "control_recommended",
            "control_type": "scanning",
        }
    ],
    "DE": [
        {
            "code": "DE-NP-001",
            "title": "E-bikes from China (anti-dumping)",
            "risk_area": "financial",
            "condition": {
                "all": [
                    {"field": "item.hs_code", "op": "starts_with", "value": ["871160"]},
                    {"field": "item.country_of_origin", "op": "in", "value": ["CN"]},
                ]
            },
            "weight": 50,
            "outcome": "control_recommended",
            "control_type": "documentary",
            "allows_aeo_facilitation": True,
        }
    ],
}

RANDOM_RATES = {"FR": 0.005, "NL": 0.005, "DE": 0.01}


def _publish(doc: dict[str, Any], *, scope: str, author: User, approver: User) -> bool:
    if Criterion.objects.filter(code=doc["code"]).exists():
        return False
    document = {"description": "", "valid_from": SINCE, "valid_to": None, "scope": scope, **doc}
    version = services.create_criterion(actor=author, data=document)
    services.submit_criterion(actor=author, criterion=version.criterion, comment="Demo criterion")
    services.approve_criterion(actor=approver, criterion=version.criterion, comment="Four-eyes check done")
    return True


def high_risk_shippers() -> list[str]:
    """A few third-country consignor EORIs from the synthetic operator pool."""
    from crms.declarations.synthetic import operator_pool

    foreign = [op["eori"] for op in operator_pool(7) if op["eori"][:2] in ("CN", "HK", "AE", "TR")]
    return foreign[:5]


def load_demo_criteria() -> int:
    """Publish the demo criteria that do not exist yet; returns how many were published."""
    users = {user.username: user for user in User.objects.filter(username__endswith="_commission")} | {
        user.username: user
        for user in User.objects.filter(
            username__in=[
                "eu_commission",
                "eu_commission_approver",
                "fr_analyst",
                "fr_risk_manager",
                "nl_analyst",
                "nl_risk_manager",
                "de_analyst",
                "de_risk_manager",
            ]
        )
    }
    author, approver = users["eu_commission"], users["eu_commission_approver"]
    if not WatchList.objects.filter(code="WL-EU-HIGH-RISK-SHIPPERS").exists():
        watch_list = services.create_watch_list(
            actor=author,
            code="WL-EU-HIGH-RISK-SHIPPERS",
            name="High-risk shippers (air cargo)",
            kind=WatchList.Kind.EORI,
            description="Shippers linked to earlier security incidents.",
        )
        services.add_watch_list_entries(
            actor=author,
            watch_list=watch_list,
            entries=[(eori, "Linked to an earlier incident (demo)") for eori in high_risk_shippers()],
        )
    published = sum(_publish(doc, scope="eu", author=author, approver=approver) for doc in EU_CRITERIA)
    for member_state, profiles in NATIONAL_PROFILES.items():
        code = member_state.lower()
        for doc in profiles:
            published += _publish(
                doc, scope="national", author=users[f"{code}_analyst"], approver=users[f"{code}_risk_manager"]
            )
    for member_state, rate in RANDOM_RATES.items():
        RandomSelectionRate.objects.get_or_create(member_state_id=member_state, defaults={"rate": rate})
    return published
