"""One world of shared objects for the security tests, built with the real services.

France files two ENS at Paris CDG unloaded in Rotterdam (so both FR and NL may read them) that an
EU toy criterion hits: one case stays open in FR's queue; on the other FR decides a control at the
place of unloading, which forwards it to NL, and NL records a seizure. A third ENS, unloaded in Le Havre,
is France's alone: FR decided a documentary control at the border, its result not yet recorded. FR asks NL for information
on the first. France has a published national profile and a watch list; the Commission a restricted
criterion. The Netherlands publish a RIF to France only (with an attachment); France has a draft RIF.
The Commission opens a crisis and a PCA for FR and DE. An operator with an AEO authorisation, a
backtest and an indicators refresh run exist. Germany is concerned by none of the FR/NL objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crms.learning.models import ModelVersion
from crms.operators import services as operator_services
from indicators.models import RefreshRun
from notifications.models import Subscription
from risk_engine import services as engine_services
from risk_engine.models_backtest import Backtest
from tests.conftest import make_user
from tests.rif.conftest import exchange_world
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion, screen_mrns
from workbench import notes as workbench_notes
from workbench import services as workbench_services
from workbench.models import Case

EXTRA_PEOPLE = {
    "sec_author": ("EU", "commission"),
    "sec_approver": ("EU", "commission_approver"),
    "fr_analyst_2": ("FR", "analyst"),
    "nl_risk_manager": ("NL", "risk_manager"),
}

TOY = "CRC-SEC-TOY"
RESTRICTED = "CRC-SEC-RESTR"
# Words only the restricted criterion's logic holds (its condition and description): no page or answer may
# show them to someone who may not read that logic (tests/security/test_restricted_logic.py greps for them).
RESTRICTED_MARKER = "qzxrestrictedword"
RESTRICTED_DESCRIPTION_MARKER = "qzxrestricteddescription"
FR_PROFILE = "FR-SEC-NP"
FR_WATCH_LIST = "FR-WL-SEC"
EORI = "FR123456789012"
# A valid 1x1 PNG: the smallest photo a case note can carry.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)


@dataclass
class World:
    people: dict[str, Any]
    open_case: Case  # FR's open case on ``mrn``
    forwarded_from: Case  # FR's decided case, forwarded to NL
    nl_case: Case  # NL's case of the forwarded control (closed by the control result)
    decision: Any
    control_result: Any
    request: Any  # information request FR -> NL
    rif: Any  # NL's published RIF, to FR only
    attachment: Any
    draft_rif: Any  # FR's draft
    crisis: Any
    pca: Any
    watch_list: Any
    entry: Any
    operator: Any
    authorisation: Any
    backtest: Backtest
    refresh: RefreshRun
    fr_only_case: Case  # entering and unloaded in FR (NL may not read it either): a documentary control decided
    referral: Any = None  # FR's request for information on a fourth FR -> NL ENS, open
    subscription: Any = None  # FR's national system's webhook
    fr_model: Any = None  # a risk model version trained for FR (issue 16)
    case_note: Any = None  # FR's note on its open case, with a photo (issue 14)
    case_attachment: Any = None

    @property
    def mrn(self) -> str:
        return self.open_case.declaration.mrn

    @property
    def forwarded_mrn(self) -> str:
        return self.forwarded_from.declaration.mrn

    @property
    def fr_only_mrn(self) -> str:
        return self.fr_only_case.declaration.mrn


def restricted_criterion(*extra_words: str) -> dict:
    """The restricted EU criterion: toys (so it hits the world's ENS) described by a marked word list."""
    words = ["toy", RESTRICTED_MARKER, *extra_words]
    return make_criterion(
        RESTRICTED,
        restricted=True,
        risk_area="financial",
        title="Undervaluation (restricted)",
        description=f"Toys declared with the indicator words {RESTRICTED_DESCRIPTION_MARKER}.",
        condition={
            "all": [
                {"field": "item.hs_code", "op": "starts_with", "value": ["9503"]},
                {"field": "item.description", "op": "contains_any", "value": words},
            ]
        },
    )


def file_fr_to_nl(people, **overrides) -> str:
    body = make_ens(**({"place_of_unloading": "NLRTM", "countries_of_routing": ["CN", "NL"]} | overrides))
    (mrn,) = file_bodies(people["fr_system"], body)
    return mrn


def build_world(personas: dict, *, media_root=None) -> World:
    people = {**personas, **{name: make_user(name, *spec) for name, spec in EXTRA_PEOPLE.items()}}
    toy = publish_criterion(make_criterion(TOY, control_type="physical"), people["sec_author"], people["sec_approver"])
    publish_criterion(restricted_criterion(), people["sec_author"], people["sec_approver"])
    publish_criterion(
        make_criterion(FR_PROFILE, scope="national", title="French toys profile"),
        people["fr_analyst_2"],
        people["fr_risk_manager"],
    )
    open_mrn, forwarded_mrn, referred_mrn = file_fr_to_nl(people), file_fr_to_nl(people), file_fr_to_nl(people)
    fr_only_mrn = file_fr_to_nl(people, place_of_unloading="FRLEH", countries_of_routing=["CN", "FR"])
    screen_mrns(open_mrn, forwarded_mrn, fr_only_mrn, referred_mrn)
    referral = workbench_services.decide(
        actor=people["fr_analyst"],
        case=Case.objects.get(declaration__mrn=referred_mrn, member_state_id="FR"),
        action="request_for_information",
        question="Who is the consignee's customer?",
    ).referral
    subscription = Subscription.objects.create(
        owner=people["fr_system"],
        url="https://hooks.example.eu/crms",
        events=["referral.opened"],
        secret="a-long-shared-secret-0123456789",
        created_at=timezone.now(),
    )
    open_case = Case.objects.get(declaration__mrn=open_mrn, member_state_id="FR")
    forwarded_from = Case.objects.get(declaration__mrn=forwarded_mrn, member_state_id="FR")
    decision = workbench_services.decide(
        actor=people["fr_analyst"],
        case=forwarded_from,
        action="control",
        control_type="physical",
        control_place="place_of_unloading",
        reason="Open the container in Rotterdam.",
    )
    nl_case = Case.objects.get(declaration__mrn=forwarded_mrn, member_state_id="NL")
    fr_only_case = Case.objects.get(declaration__mrn=fr_only_mrn, member_state_id="FR")
    workbench_services.decide(
        actor=people["fr_analyst"], case=fr_only_case, action="control", control_type="documentary",
        control_place="border",
    )  # fmt: skip
    control_result = workbench_services.record_control_result(
        actor=people["nl_analyst"],
        declaration=forwarded_from.declaration,
        data={
            "control_type": "physical",
            "result": "seizure",
            "irregularity_type": "ipr",
            "seizure": {"goods": "counterfeit toys"},
            "notes": "Found in the second pallet.",
        },
    )
    request = workbench_services.open_information_request(
        actor=people["fr_analyst"],
        requested_state="NL",
        subject="consignment",
        legal_basis="ucc_art_47",
        purpose="Risk analysis of this consignment.",
        question="Do you know the consignee of this consignment?",
        declaration=open_case.declaration,
    )
    workbench_services.post_information_message(actor=people["nl_analyst"], request=request, body="Known to us.")
    case_note = workbench_notes.add_note(
        actor=people["fr_analyst"],
        case=open_case,
        text="Pallets photographed at the quay.",
        uploads=[SimpleUploadedFile("quay photo.png", TINY_PNG, content_type="image/png")],
    )

    exchange = exchange_world(
        nl_author=people["nl_analyst"],
        nl_approver=people["nl_risk_manager"],
        fr_author=people["fr_analyst"],
        commission=people["sec_author"],
    )
    rif, attachment, draft_rif = exchange["received"], exchange["attachment"], exchange["draft"]
    crisis, pca = exchange["crisis"], exchange["pca"]

    watch_list = engine_services.create_watch_list(
        actor=people["fr_analyst"], code=FR_WATCH_LIST, name="French consignors", kind="party_name"
    )
    engine_services.add_watch_list_entries(
        actor=people["fr_analyst"], watch_list=watch_list, entries=[("Shenzhen Bright Trading Co", "Seized twice")]
    )
    entry = watch_list.entries.get()

    operator = operator_services.save_operator(
        actor=people["commission"], eori=EORI, name="Jouets Martin SARL", city="Lyon", country="FR"
    ).obj
    authorisation = operator_services.save_authorisation(
        actor=people["commission"],
        operator=operator,
        number="FRAEOF0000001",
        type="AEOF",
        issuing_country="FR",
        valid_from=dt.date(2024, 1, 1),
    ).obj
    backtest = Backtest.objects.create(
        criterion_version=toy.versions.get(version=1),
        requested_by=people["sec_author"],
        params={"date_from": "2026-01-01", "date_to": "2026-01-31", "member_states": [], "transport_modes": []},
    )
    now = timezone.now()
    refresh = RefreshRun.objects.create(
        day_from=now.date() - dt.timedelta(days=1), day_to=now.date(), requested_by=people["commission"]
    )
    fr_model = ModelVersion.objects.create(
        name="fr-world",
        number=1,
        member_state_id="FR",
        train_from=dt.date(2026, 1, 1),
        train_to=dt.date(2026, 1, 31),
        features={"names": [], "categorical": {}, "smoothing": 5.0},
        params={},
        library_version="4.7.0",
        model_text="",
        training={"declarations": 0, "irregular": 0, "seconds": 0},
        created_at=now,
    )
    return World(
        people=people,
        open_case=open_case,
        forwarded_from=forwarded_from,
        nl_case=nl_case,
        decision=decision,
        control_result=control_result,
        request=request,
        rif=rif,
        attachment=attachment,
        draft_rif=draft_rif,
        crisis=crisis,
        pca=pca,
        watch_list=watch_list,
        entry=entry,
        operator=operator,
        authorisation=authorisation,
        backtest=backtest,
        refresh=refresh,
        fr_only_case=fr_only_case,
        referral=referral,
        subscription=subscription,
        fr_model=fr_model,
        case_note=case_note,
        case_attachment=case_note.attachments.get(),
    )
