"""RIF and PCA indicators against hand-computed values: RIFs per risk area, follow-up rate, PCA results."""

from __future__ import annotations

import pytest

from indicators import services
from indicators.figures import EU_TOTAL, View
from indicators.tables import TABLES_BY_NAME
from rif import services as rif_services
from tests.indicators.test_figures import period, rows
from tests.rif.conftest import published
from tests.risk_engine.conftest import (  # noqa: F401
    _fast_password_hashing,
    _fresh_engine_caches,
    file_bodies,
    make_ens,
    make_item,
    screen_mrns,
)
from workbench import services as workbench
from workbench.models import Case

pytestmark = pytest.mark.django_db


def table(user, name: str):
    return TABLES_BY_NAME[name].build(View.for_user(user, period()))


def test_rifs_per_area_and_follow_up_rate(people):
    for _ in range(2):
        published(people["nl_analyst"], people["nl_risk_manager"])  # to FR and DE
    rif = published(people["nl_analyst"], people["nl_risk_manager"], risk_area="drugs_precursors", recipients=["FR"])
    rif_services.post_feedback(actor=people["fr_analyst"], rif=rif, data={"relevance": "high"})
    services.refresh(period().day_from, period().day_to)
    frame = table(people["commission"], "rifs")
    assert rows(frame, member_state="NL", risk_area="product_safety")[0]["rifs_published"] == 2
    assert rows(frame, member_state="NL", risk_area="drugs_precursors")[0]["rifs_published"] == 1
    follow = table(people["commission"], "rif_follow_up")
    fr, de = rows(follow, member_state="FR")[0], rows(follow, member_state="DE")[0]
    assert (fr["received"], fr["followed_up"], fr["follow_up_rate"]) == (3, 1, round(1 / 3, 4))
    assert (de["received"], de["followed_up"], de["follow_up_rate"]) == (2, 0, 0.0)
    total = rows(follow, member_state=EU_TOTAL)[0]
    assert (total["received"], total["followed_up"]) == (5, 1)
    assert set(table(people["de_analyst"], "rif_follow_up")["member_state"]) == {"DE", EU_TOTAL}


def test_pca_results_against_targets(people, designate):
    pca = designate(hs_codes=["9503"])
    (mrn,) = file_bodies(people["fr_system"], make_ens())
    screen_mrns(mrn)
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")
    workbench.decide(
        actor=people["fr_analyst"], case=case, action="control", control_type="physical", control_place="border"
    )
    workbench.record_control_result(
        actor=people["fr_analyst"],
        declaration=case.declaration,
        data={"control_type": "physical", "result": "irregularity", "irregularity_type": "product_safety"},
    )
    services.refresh(period().day_from, period().day_to)
    frame = table(people["commission"], "pca")
    fr = rows(frame, member_state="FR", pca=pca.reference)[0]
    assert (fr["target"], fr["controls"], fr["detections"], fr["progress"]) == (100, 1, 1, 0.01)
    de = rows(frame, member_state="DE", pca=pca.reference)[0]
    assert (de["target"], de["controls"]) == (50, 0)
    # Refreshing again replaces the PCA's rows instead of adding to them.
    services.refresh(period().day_from, period().day_to)
    assert rows(table(people["commission"], "pca"), member_state="FR", pca=pca.reference)[0]["controls"] == 1
