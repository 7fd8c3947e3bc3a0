"""Demo workbench: the demo ENS screened, a share of FR and NL cases decided, controls recorded, a request thread.

Deterministic (seeded) and idempotent: nothing is added once demo decisions exist. The
newest cases stay open so the queue has work in it.
"""

from __future__ import annotations

import random

from django.db.models import F

from crms.accounts.models import User
from crms.declarations.models import Declaration, DeclarationVersion, ScreeningStatus
from workbench import services
from workbench.models import Case, CaseState, Decision, InformationRequest

DEMO_REASON = "Demo: "
SEED = 11


def screen_pending(chunk: int = 500) -> int:
    """Screen the pending demo ENS in-process, so the workbench has cases before the worker starts."""
    from risk_engine.screening import screen_versions

    ids = list(
        DeclarationVersion.objects.filter(
            declaration__screening_status=ScreeningStatus.PENDING, version=F("declaration__current_version")
        ).values_list("id", flat=True)
    )
    for start in range(0, len(ids), chunk):
        screen_versions(ids[start : start + chunk])
    return len(ids)


def _decide_some(analyst: User, member_state: str, share: float, rng: random.Random) -> int:
    cases = list(
        Case.objects.filter(member_state_id=member_state, state=CaseState.OPEN)
        .select_related("version", "declaration")
        .order_by("id")
    )
    decided = 0
    for case in cases[: int(len(cases) * share)]:
        unloading = case.version.unloading_member_state_id
        if rng.random() < 0.25:
            services.decide(
                actor=analyst, case=case, action="dismiss", reason=DEMO_REASON + "known trader, goods as declared"
            )
        else:
            place = "place_of_unloading" if unloading and unloading != member_state and rng.random() < 0.3 else "border"
            services.decide(
                actor=analyst,
                case=case,
                action="control",
                control_type=rng.choice(["documentary", "physical", "scanning"]),
                control_place=place,
                reason=DEMO_REASON + "confirm the engine's recommendation",
            )
            if place == "border":
                _control(analyst, case.declaration, rng)
        decided += 1
    return decided


def _control(officer: User, declaration: Declaration, rng: random.Random) -> None:
    found = rng.random()
    data = {"control_type": rng.choice(["documentary", "physical"]), "result": "no_irregularity"}
    if found < 0.15:
        data |= {
            "result": "seizure",
            "irregularity_type": "ipr",
            "seizure": {"goods": "counterfeit goods", "quantity": rng.randint(5, 400), "unit": "pieces",
                        "estimated_value_eur": rng.randint(200, 20_000)},
        }  # fmt: skip
    elif found < 0.35:
        data |= {"result": "irregularity", "irregularity_type": rng.choice(["misdescription", "undervaluation"])}
    services.record_control_result(actor=officer, declaration=declaration, data=data)


def load_demo_workbench() -> str:
    if Decision.objects.filter(reason__startswith=DEMO_REASON).exists():
        return "already present"
    screened = screen_pending()
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
    fr, nl = User.objects.get(username="fr_analyst"), User.objects.get(username="nl_analyst")
    decided = _decide_some(fr, "FR", 0.4, rng) + _decide_some(nl, "NL", 0.4, rng)
    forwarded = list(Case.objects.filter(member_state_id="NL", origin="forwarded", state=CaseState.OPEN)[:5])
    for case in forwarded[:3]:
        _control(nl, case.declaration, rng)
    if not InformationRequest.objects.exists():
        declaration = Declaration.objects.filter(first_entry_member_state_id="FR").order_by("id").first()
        if declaration is not None:
            request = services.open_information_request(
                actor=fr,
                requested_state="NL",
                subject="consignment",
                declaration=declaration,
                legal_basis="reg_515_97",
                purpose="Risk analysis of a consignment routed through Rotterdam before arrival.",
                question="Do you hold earlier seizures or RIFs on this consignee or its forwarder?",
            )
            services.post_information_message(
                actor=nl,
                request=request,
                body="Two earlier consignments to this consignee were controlled; no irregularity.",
            )
    return f"{screened} ENS screened, {decided} cases decided, {len(forwarded[:3])} forwarded controls recorded"
