"""Demo risk information: RIFs from NL (counterfeit toys via express from CN) and FR (firearm parts
via AE), feedback, a crisis alert and a PCA on toys with its own campaign criterion. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crms.accounts.models import User
from pca import services as pca_services
from pca.models import PriorityControlArea
from rif import services
from rif.models import Rif, RifRecipient

TOYS = {
    "risk_area": "product_safety",
    "title": "Counterfeit toys via express from CN with forged CE markings",
    "summary": "Express consignments of plastic toys from Shenzhen routed via Hong Kong carry forged CE "
    "markings; laboratory tests found phthalates above the limits.",
    "modus_operandi": "Split consignments below EUR 150, declared as gifts or 'plastic articles'.",
    "goods": [
        {"hs_code": "950300", "description": "plastic toy cars and dolls"},
        {"hs_code": "9504", "description": "electronic games"},
    ],
    "countries_of_origin": ["CN"],
    "routing": ["CN", "HK"],
    "parties": [
        {"role": "consignor", "name": "Shenzhen Bright Trading Co", "eori": None, "country": "CN"},
        {"role": "consignor", "name": "Happy Kids Export Ltd", "eori": None, "country": "HK"},
    ],
    "transport_mode": "express",
    "concealment": "Toys packed in shoe boxes and declared as footwear.",
    "detection_method": "X-ray of express parcels, then laboratory testing.",
    "seizure": {"goods": "plastic dolls", "quantity": 4200, "unit": "pieces", "estimated_value_eur": 18500},
    "recommended_action": "Physical control of express consignments of toys from CN routed via HK.",
    "recommended_control": "physical",
    "handling": "crms_restricted",
    "all_participants": True,
}

FIREARMS = {
    "risk_area": "firearms_weapons",
    "title": "Firearm parts declared as machine parts, routed via AE",
    "summary": "Pistol slides and barrels shipped by air via Dubai, declared as spare parts for machinery.",
    "modus_operandi": "Essential components sent separately to different consignees in the same city.",
    "goods": [
        {"hs_code": "930590", "description": "parts of pistols"},
        {"hs_code": "8487", "description": "machine parts"},
    ],
    "countries_of_origin": ["TR"],
    "routing": ["TR", "AE"],
    "parties": [{"role": "consignor", "name": "Gulf Precision Spares LLC", "eori": None, "country": "AE"}],
    "transport_mode": "air",
    "concealment": "Inside engine blocks and pump housings.",
    "detection_method": "Scanning, then opening of the housings.",
    "recommended_action": "Scan air consignments of machine parts from TR routed via AE.",
    "recommended_control": "scanning",
    "handling": "eu_restricted",
    "recipients": ["NL", "DE"],
}


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _publish(author: User, approver: User, body: dict) -> Rif:
    rif = services.create_rif(actor=author, data=body)
    services.submit_rif(actor=author, rif=rif)
    return services.approve_rif(actor=approver, rif=rif, comment="Demo data")


def _campaign_criterion(commission: User, approver: User, starts: dt.datetime) -> str:
    from risk_engine import services as engine_services
    from risk_engine.models import Criterion

    code = "CRC-PCA-TOY-001"
    if not Criterion.objects.filter(code=code).exists():
        version = engine_services.create_criterion(
            actor=commission,
            data={
                "code": code,
                "title": "PCA toys: express toys from CN via HK",
                "description": "Campaign criterion of the toys PCA: runs only within the PCA period.",
                "scope": "eu",
                "risk_area": "product_safety",
                "applies_to": {"phases": [], "transport_modes": ["express", "postal", "air"]},
                "condition": {
                    "all": [
                        {"field": "item.hs_code", "op": "starts_with", "value": ["9503", "9504"]},
                        {"field": "item.country_of_origin", "op": "in", "value": ["CN", "HK"]},
                    ]
                },
                "weight": 40,
                "outcome": "control_recommended",
                "control_type": "physical",
                "valid_from": starts.isoformat(),
            },
        )
        engine_services.submit_criterion(actor=commission, criterion=version.criterion)
        engine_services.approve_criterion(actor=approver, criterion=version.criterion, comment="Demo PCA")
    return code


def load_demo_rif() -> str:
    if Rif.objects.filter(title=TOYS["title"]).exists():
        return "already present"
    nl, nl_manager = _user("nl_analyst"), _user("nl_risk_manager")
    fr, fr_manager = _user("fr_analyst"), _user("fr_risk_manager")
    commission, approver = _user("eu_commission"), _user("eu_commission_approver")

    crisis = services.open_crisis(
        actor=commission,
        title="Dangerous and non-compliant toys before the holiday season",
        risk_area="product_safety",
        guidance="Prioritise physical controls of toys from CN and HK in express and postal traffic; "
        "send samples to the market surveillance laboratories; report each seizure with a RIF.",
    )
    services.post_to_crisis(
        actor=nl, crisis=crisis, body="Schiphol express hub: 12 seizures of dolls with phthalates this week."
    )
    toys = _publish(nl, nl_manager, {**TOYS, "crisis": crisis.pk})
    services.post_feedback(
        actor=fr,
        rif=toys,
        data={"relevance": "high", "measures": ["controls_planned"], "controls_planned": 50, "results": ""},
    )
    guns = _publish(fr, fr_manager, FIREARMS)
    services.post_feedback(
        actor=nl, rif=guns, data={"relevance": "medium", "measures": ["profile_tuned"], "results": "No hit yet."}
    )
    # Back-date the firearms RIF so the follow-up report shows DE as overdue.
    published = timezone.now() - dt.timedelta(days=20)
    Rif.objects.filter(pk=guns.pk).update(published_at=published)
    RifRecipient.objects.filter(rif=guns).update(published_at=published)

    now = timezone.now()
    starts = (now - dt.timedelta(days=10)).replace(hour=0, minute=0, second=0, microsecond=0)
    code = _campaign_criterion(commission, approver, starts)
    if not PriorityControlArea.objects.exists():
        pca = pca_services.designate_pca(
            actor=commission,
            title="Unsafe toys in express and postal traffic",
            description="Reinforced, coordinated controls of toys from CN and HK in the holiday season.",
            risk_area="product_safety",
            starts_at=starts,
            ends_at=starts + dt.timedelta(days=60),
            participants_codes=["FR", "NL", "DE"],
            hs_codes=["9503", "9504"],
            routes=["CN", "HK"],
            criteria=[code],
            targets={"FR": 200, "NL": 300, "DE": 150},
        )
        pca.rifs.add(toys)
        pca_services.report_results(
            actor=nl, pca=pca, controls=40, detections=9, seizures=4, notes="Postal hub, not recorded per ENS."
        )
    return f"2 RIFs, 1 crisis alert ({crisis.reference}), 1 PCA"
