"""A world with known control results, and the figures every page must show for it, computed by hand.

Criteria (all published today, before the ENS are screened):
- ``CRC-FX-TOY``: EU criterion on toys (HS 9503), live, linked to the PCA;
- ``CRC-FX-SHADOW``: EU criterion on toys and festive articles (HS 9503, 9505), *shadow*, linked to the PCA;
- ``NL-FX-GAME``: NL national profile on games (HS 9504).

ENS (all received today; FR office of first entry unless said):

====  ==============  ==================================================================================
ENS   goods, unload   what happened
====  ==============  ==================================================================================
A     toy, FR         FR: control; FR: documentary no irregularity, then physical **seizure EUR 1 200,50**
B     toy, FR         FR: control; FR: no irregularity (a negative control)
C     toy, FR         FR: dismissed
D     toy, NL         FR: control at the place of unloading (forwarded); NL: irregularity
E     toy+game, NL    FR: dismissed; NL (its profile's case): control; NL: seizure EUR 300
F     festive, FR     only the shadow criterion hits; FR's national system records a seizure EUR 50 anyway
NLA   toy (NL entry)  NL: control; NL: no irregularity
DEA   toy (DE entry)  open, nobody decided
====  ==============  ==================================================================================

The PCA runs from yesterday for 30 days, participants FR, NL, DE, linked to CRC-FX-TOY and CRC-FX-SHADOW.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pca import services as pca_services
from risk_engine.compiler import forget_compiled_criteria
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, make_item, publish_criterion, screen_mrns
from workbench import services as workbench
from workbench.models import Case

NBSP = "\u00a0"

# (criterion, Member State) -> hits, control decided, dismissed, controlled, positive, precision, as shown
HITS = {
    ("CRC-FX-TOY", "FR"): (5, 3, 2, 3, 2, 2 / 3, f"66,7{NBSP}%"),
    ("CRC-FX-TOY", "NL"): (1, 1, 0, 1, 0, 0.0, f"0,0{NBSP}%"),
    ("CRC-FX-TOY", "DE"): (1, 0, 0, 0, 0, None, "—"),
    ("CRC-FX-TOY", "EU total"): (7, 4, 2, 4, 2, 0.5, f"50,0{NBSP}%"),
    ("NL-FX-GAME", "NL"): (1, 1, 0, 1, 1, 1.0, f"100,0{NBSP}%"),
    ("NL-FX-GAME", "EU total"): (1, 1, 0, 1, 1, 1.0, f"100,0{NBSP}%"),
}
# Shadow hits (what CRC-FX-SHADOW would have done): hits, controlled anyway, positive, precision, as shown.
# FR: A, B, D (forwarded to NL), F controlled; A, D, F positive. E: NL's control is not FR's.
SHADOW = {
    "FR": (6, 4, 3, 0.75, f"75,0{NBSP}%"),
    "NL": (1, 1, 0, 0.0, f"0,0{NBSP}%"),
    "DE": (1, 0, 0, None, "—"),
    "EU total": (8, 5, 3, 0.6, f"60,0{NBSP}%"),
}
# PCA, per participant: controls, detections, seizures, seized value, detection rate, as shown.
# F is out of scope: only a shadow hit links it to the PCA.
PCA = {
    "FR": (3, 1, 1, 1200.5, f"EUR{NBSP}1{NBSP}200,50", 1 / 3, f"33,3{NBSP}%"),
    "NL": (3, 2, 1, 300.0, f"EUR{NBSP}300,00", 2 / 3, f"66,7{NBSP}%"),
    "DE": (0, 0, 0, 0.0, f"EUR{NBSP}0,00", None, "—"),
}
# Control results per recording Member State (every control, whatever hit): controls, positive, detection rate.
CONTROLS = {
    "FR": (4, 2, 0.5, f"50,0{NBSP}%"),
    "NL": (3, 2, 2 / 3, f"66,7{NBSP}%"),
    "EU total": (7, 4, 4 / 7, f"57,1{NBSP}%"),
}
# Seizures per Member State and irregularity: value, as shown.
SEIZURES = {
    ("FR", "ipr"): (1200.5, f"EUR{NBSP}1{NBSP}200,50"),
    ("FR", "product_safety"): (50.0, f"EUR{NBSP}50,00"),
    ("NL", "ipr"): (300.0, f"EUR{NBSP}300,00"),
    ("EU total", "ipr"): (1500.5, f"EUR{NBSP}1{NBSP}500,50"),
    ("EU total", "product_safety"): (50.0, f"EUR{NBSP}50,00"),
}
SEIZED_ON_A = f"EUR{NBSP}1{NBSP}200,50"
# The backtest of each published version over today: what the controls of the ENS it hits found.
BACKTEST = {
    "CRC-FX-TOY": {"controlled": 4, "positive": 2, "precision": 0.5},
    "CRC-FX-SHADOW": {"controlled": 5, "positive": 3, "precision": 0.6},
}
# Hits in the last 7 days as the criteria list counts them (EU-wide, shadow included).
RECENT_HITS = {"CRC-FX-TOY": 7, "CRC-FX-SHADOW": 8, "NL-FX-GAME": 1}

EXTRA = {
    "fx_author": ("EU", "commission"),
    "fx_approver": ("EU", "commission_approver"),
    "nl_risk_manager": ("NL", "risk_manager"),
    "nl_system": ("NL", "national_system"),
    "de_system": ("DE", "national_system"),
}

NL_ENTRY = {"office_of_first_entry": "NL000854", "place_of_unloading": "NLAMS", "countries_of_routing": ["CN", "NL"]}
DE_ENTRY = {"office_of_first_entry": "DE003150", "place_of_unloading": "DEFRA", "countries_of_routing": ["CN", "DE"]}
UNLOAD_NL = {"place_of_unloading": "NLAMS", "countries_of_routing": ["CN", "FR", "NL"]}
GAME = make_item(2, hs_code="950490", description="board games")
FESTIVE = make_item(1, hs_code="950510", description="christmas decorations")


def _control(actor, case, place="border"):
    return workbench.decide(actor=actor, case=case, action="control", control_type="physical", control_place=place)


def _result(actor, declaration, result, *, kind="physical", irregularity="", value=None):
    data = {"control_type": kind, "result": result}
    if irregularity:
        data["irregularity_type"] = irregularity
    if result == "seizure":
        data["seizure"] = {"goods": "seized goods", "quantity": 3, "unit": "pieces", "estimated_value_eur": value}
    return workbench.record_control_result(actor=actor, declaration=declaration, data=data)


def build(people: dict) -> dict:
    """Publish, designate, file, screen, decide and record as the module docstring says; returns the MRNs
    by name, the FR case of A and the PCA."""
    people = {**people, **{name: make_user(name, *spec) for name, spec in EXTRA.items() if name not in people}}
    author, approver = people["fx_author"], people["fx_approver"]
    publish_criterion(make_criterion("CRC-FX-TOY", control_type="physical"), author, approver)
    publish_criterion(
        make_criterion(
            "CRC-FX-SHADOW",
            shadow=True,
            condition={"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9503", "9505"]}]},
        ),
        author,
        approver,
    )
    publish_criterion(
        make_criterion(
            "NL-FX-GAME",
            scope="national",
            condition={"all": [{"field": "item.hs_code", "op": "starts_with", "value": ["9504"]}]},
        ),
        people["nl_analyst"],
        people["nl_risk_manager"],
    )
    now = timezone.now()
    pca = pca_services.designate_pca(
        actor=people["commission"],
        title="Toys and festive articles",
        risk_area="product_safety",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
        participants_codes=["FR", "NL", "DE"],
        criteria=["CRC-FX-TOY", "CRC-FX-SHADOW"],
        targets={"FR": 100, "NL": 100, "DE": 100},
    )
    forget_compiled_criteria()
    fr_system = people["fr_system"]
    a, b, c, d, e, f = file_bodies(
        fr_system,
        make_ens(),
        make_ens(),
        make_ens(),
        make_ens(**UNLOAD_NL),
        make_ens(goods_items=[make_item(1), GAME], **UNLOAD_NL),
        make_ens(goods_items=[FESTIVE]),
    )
    (nla,) = file_bodies(people["nl_system"], make_ens(**NL_ENTRY))
    (dea,) = file_bodies(people["de_system"], make_ens(**DE_ENTRY))
    screen_mrns(a, b, c, d, e, f, nla, dea)

    def case(mrn, state="FR"):
        return Case.objects.select_related("declaration", "version").get(declaration__mrn=mrn, member_state_id=state)

    fr, nl = people["fr_analyst"], people["nl_analyst"]
    _control(fr, case(a))
    _result(fr, case(a).declaration, "no_irregularity", kind="documentary")
    _result(fr, case(a).declaration, "seizure", irregularity="ipr", value=1200.50)
    _control(fr, case(b))
    _result(fr, case(b).declaration, "no_irregularity")
    workbench.decide(actor=fr, case=case(c), action="dismiss", reason="Known importer of toys.")
    _control(fr, case(d), place="place_of_unloading")
    _result(nl, case(d).declaration, "irregularity", irregularity="misdescription")
    workbench.decide(actor=fr, case=case(e), action="dismiss", reason="Known importer of toys.")
    _control(nl, case(e, "NL"), place="place_of_unloading")
    _result(nl, case(e).declaration, "seizure", irregularity="ipr", value=300)
    from crms.declarations.models import Declaration

    _result(fr_system, Declaration.objects.get(mrn=f), "seizure", irregularity="product_safety", value=50)
    _control(nl, case(nla, "NL"))
    _result(nl, case(nla, "NL").declaration, "no_irregularity")
    return {
        "people": people,
        "mrns": {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "NLA": nla, "DEA": dea},
        "case_a": case(a),
        "pca": pca,
    }
