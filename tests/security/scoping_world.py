"""The security world (``tests/security/world.py``) plus what the scoping tests of issue 13 need: rows
that one Member State may read and another may not, each carrying a marker that must never reach a
viewer who may not read it.

Added to the world: auditors in NL and DE, a German national profile, an ENS entering and unloaded in
Germany (DE reads it, FR and NL do not) that DE decides to control and records a control result on, a
second French-only ENS with a marked consignor, and three backtests of the EU toy criterion run by an
FR analyst, a DE analyst and the Commission (each over the declarations its requester may read).
``add_unreadable_rows`` files more German-only and French-only rows: what the Netherlands see must not
change (the per-Member-State counts check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from indicators import services as indicator_services
from risk_engine import backtest as backtests
from risk_engine.models_backtest import Backtest
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion, screen_mrns
from tests.security.world import EORI, FR_PROFILE, TOY, World, build_world
from workbench import services as workbench_services
from workbench.models import Case

SCOPING_PEOPLE = {
    "nl_auditor": ("NL", "auditor"),
    "de_auditor": ("DE", "auditor"),
    "de_risk_manager": ("DE", "risk_manager"),
    "de_system": ("DE", "national_system"),
}
DE_PROFILE = "DE-SEC-NP"
DE_CONSIGNOR = "Dexonly Spielwaren GmbH"  # on German-only ENS
FR_CONSIGNOR = "Frxonly Jouets SARL"  # on French-only ENS
# Viewers of the scoping matrices: analysts and auditors of each Member State, the Commission, EU auditors.
VIEWERS = ["fr_analyst", "fr_auditor", "nl_analyst", "nl_auditor", "de_analyst", "de_auditor", "commission",
           "eu_auditor"]  # fmt: skip


@dataclass
class ScopingWorld:
    world: World
    people: dict[str, Any]
    de_mrn: str  # enters and is unloaded in Germany: DE and the EU side read it
    fr_mrn: str  # enters and is unloaded in France, consignor FR_CONSIGNOR
    de_case: Case
    fr_de_mrn: str  # enters in France, unloaded in Germany: FR forwarded its control (and its profile's hit) to DE
    de_forwarded_case: Case  # open in DE's queue
    backtests: dict[str, Backtest]  # requester -> a finished backtest of TOY over what the requester reads

    def forbidden(self, viewer: str) -> list[str]:
        """Markers of rows ``viewer`` may not read (MRNs, party names, national profile codes)."""
        fr_nl = [self.world.mrn, self.world.forwarded_mrn]  # FR enters, NL unloads
        fr_only = [self.world.fr_only_mrn, self.fr_mrn, FR_CONSIGNOR, FR_PROFILE]
        de_only = [self.de_mrn, DE_CONSIGNOR, DE_PROFILE]
        state = viewer[:2]
        return {"fr": de_only, "nl": [*fr_only, *de_only, self.fr_de_mrn], "de": [*fr_nl, *fr_only]}.get(state, [])


def _file(system, office: str, unloading: str, consignor: str) -> str:
    body = make_ens(
        office_of_first_entry=office,
        place_of_unloading=unloading,
        countries_of_routing=["CN", unloading[:2]],
    )
    body["consignor"] = {**body["consignor"], "name": consignor}
    body["consignee"] = {**body["consignee"], "eori": EORI}  # the registered operator: its page lists the parties
    (mrn,) = file_bodies(system, body)
    return mrn


def file_de_only(people) -> str:
    return _file(people["de_system"], "DE004850", "DEHAM", DE_CONSIGNOR)


def file_fr_only(people) -> str:
    return _file(people["fr_system"], "FR004380", "FRCDG", FR_CONSIGNOR)


def control_in_germany(people, mrn: str) -> Case:
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="DE", state="open")
    workbench_services.decide(
        actor=people["de_analyst"], case=case, action="control", control_type="physical", control_place="border"
    )
    workbench_services.record_control_result(
        actor=people["de_analyst"],
        declaration=case.declaration,
        data={"control_type": "physical", "result": "irregularity", "irregularity_type": "product_safety",
              "notes": f"Unsafe toys of {DE_CONSIGNOR}."},
    )  # fmt: skip
    return case


def refresh_indicators() -> None:
    today = timezone.now().date()
    indicator_services.refresh_now(today - dt.timedelta(days=1), today)


def _backtest(actor, criterion) -> Backtest:
    today = timezone.localdate()
    params = {"date_from": (today - dt.timedelta(days=1)).isoformat(), "date_to": today.isoformat()}
    backtest = backtests.start_backtest(actor=actor, criterion=criterion, params=params)
    return backtests.run_backtest(backtest.pk)


def build_scoping_world(personas: dict) -> ScopingWorld:
    world = build_world(personas)
    people = {**world.people, **{name: make_user(name, *spec) for name, spec in SCOPING_PEOPLE.items()}}
    publish_criterion(
        make_criterion(DE_PROFILE, scope="national", title="German toys profile"),
        people["de_analyst"],
        people["de_risk_manager"],
    )
    de_mrn, fr_mrn = file_de_only(people), file_fr_only(people)
    (fr_de_mrn,) = file_bodies(
        people["fr_system"], make_ens(place_of_unloading="DEHAM", countries_of_routing=["CN", "DE"])
    )
    screen_mrns(de_mrn, fr_mrn, fr_de_mrn)
    de_case = control_in_germany(people, de_mrn)
    fr_case = Case.objects.get(declaration__mrn=fr_de_mrn, member_state_id="FR")
    assert FR_PROFILE in fr_case.criteria  # France's own profile hit it too
    workbench_services.decide(
        actor=people["fr_analyst"], case=fr_case, action="control", control_type="physical",
        control_place="place_of_unloading",
    )  # fmt: skip
    de_forwarded = Case.objects.get(declaration__mrn=fr_de_mrn, member_state_id="DE")
    refresh_indicators()
    toy = world.backtest.criterion_version.criterion
    runs = {name: _backtest(people[name], toy) for name in ("fr_analyst", "de_analyst", "commission")}
    assert toy.code == TOY
    return ScopingWorld(world, people, de_mrn, fr_mrn, de_case, fr_de_mrn, de_forwarded, runs)


def add_unreadable_rows(scoping: ScopingWorld) -> None:
    """More German-only and French-only rows (screened, decided, controlled): nothing the Netherlands read."""
    people = scoping.people
    de_mrn, fr_mrn = file_de_only(people), file_fr_only(people)
    screen_mrns(de_mrn, fr_mrn)
    control_in_germany(people, de_mrn)
    fr_case = Case.objects.get(declaration__mrn=fr_mrn, member_state_id="FR", state="open")
    workbench_services.decide(actor=people["fr_analyst"], case=fr_case, action="dismiss", reason="Known trader.")
    refresh_indicators()
