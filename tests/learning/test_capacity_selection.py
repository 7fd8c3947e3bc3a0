"""Capacity-aware selection by the live model (issue 16 point 6): the model fills the daily capacity left after
rule-based controls with the highest scores, keeps an exploration share drawn at random (marked
``exploration``), never exceeds the day's budget, and a selection stands when the version is screened again."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from crms.learning.models import ModelStatus
from risk_engine.models import Assessment
from selection import learned as selection
from selection.learned import EXPLORATION_SHARE, Plan, make_plan
from selection.models import ControlCapacity
from tests.learning.test_live_scoring import force, risky_ens
from tests.learning.test_models import train
from tests.risk_engine.conftest import file_bodies, read_assessment, screen_mrns
from workbench.models import Case

pytestmark = pytest.mark.django_db


def test_the_plan_gives_the_model_what_rules_leave_and_keeps_an_exploration_share():
    scores = np.linspace(0, 1, 10_001)
    plan = make_plan(capacity=120, volume=1_000, rules=20, recent=scores, reference=None)
    assert plan.budget == 100
    exploit = (1 - EXPLORATION_SHARE) * 100 / 980  # 90 of the 980 clean declarations by score...
    assert plan.threshold == pytest.approx(1 - exploit, abs=1e-3)
    assert plan.exploration_probability == pytest.approx(10 / (980 - 90))  # ...10 at random among the other 890
    # Expected selections per day = the budget.
    assert 980 * exploit + (980 - 980 * exploit) * plan.exploration_probability == pytest.approx(100)
    # Rules alone fill the capacity: nothing left for the model.
    assert make_plan(capacity=15, volume=1_000, rules=20, recent=scores, reference=None).budget == 0
    # Few recent scores: the threshold comes from the model's reference scores.
    cold = make_plan(capacity=120, volume=1_000, rules=20, recent=scores[:10], reference=scores / 2)
    assert cold.threshold == pytest.approx((1 - exploit) / 2, abs=1e-3)


def capacity(member_state: str, mode: str, daily: int) -> None:
    from django.utils import timezone

    ControlCapacity.objects.update_or_create(
        member_state_id=member_state,
        transport_mode=mode,
        defaults={"daily_controls": daily, "changed_at": timezone.now()},
    )


def test_a_new_member_state_or_mode_starts_from_the_top_tenth():
    """No declarations in the window: the volume is unknown, so only the top tenth of the reference scores."""
    reference = np.linspace(0, 1, 1_001)
    plan = make_plan(capacity=50, volume=0, rules=0, recent=np.empty(0), reference=reference)
    assert plan.budget == 50 and plan.threshold == pytest.approx(0.9)
    assert plan.exploration_probability == selection.COLD_START_EXPLORATION


def test_the_live_model_selects_within_the_days_capacity(history, monkeypatch, client):
    force(train("--member-state", "FR"), ModelStatus.LIVE)
    capacity("FR", "air", 3)  # the example ENS come by air
    # Every clean declaration qualifies by score here (threshold 0): the day's budget is what stops the model.
    plan = Plan(capacity=3, expected_volume=100, expected_rule_controls=0, budget=3, threshold=0.0,
                exploration_probability=0.0)  # fmt: skip
    monkeypatch.setattr(selection, "plan_for", lambda *args, **kwargs: plan)
    mrns = file_bodies(history["fr_system"], *[risky_ens() for _ in range(6)])
    screen_mrns(*mrns)
    rows = Assessment.objects.filter(declaration__mrn__in=mrns)
    selected = [a for a in rows if a.learned_selection]
    assert len(selected) == 3
    assert all(a.outcome == "control_recommended" and a.control_type == "documentary" for a in selected)
    assert all(a.outcome == "assessment_complete" for a in rows if not a.learned_selection)
    document = read_assessment(history["fr_analyst"], selected[0].declaration.mrn)
    assert document["learned_selection"] is True and document["exploration"] is False
    assert document["outcome"] == "control_recommended"
    # A selection is work: a case in the first-entry Member State's queue, marked as the model's choice.
    cases = Case.objects.filter(declaration__mrn__in=mrns)
    assert sorted(c.declaration.mrn for c in cases) == sorted(a.declaration.mrn for a in selected)
    assert all(c.member_state_id == "FR" and c.learned_selection and not c.exploration for c in cases)
    client.force_login(history["fr_analyst"])
    queue = client.get("/workbench/").content.decode()
    assert selected[0].declaration.mrn in queue and ">risk model</span>" in queue
    # The day's budget is used: a later batch selects nothing more...
    more = file_bodies(history["fr_system"], *[risky_ens() for _ in range(4)])
    screen_mrns(*more)
    assert not Assessment.objects.filter(declaration__mrn__in=more, learned_selection=True).exists()
    # ...and a selection stands when its version is screened again.
    screen_mrns(*mrns)
    assert Assessment.objects.filter(declaration__mrn__in=mrns, learned_selection=True).count() == 3
    # The day's count (a database function, migration selection 0003) is the plain count, key by key.
    today = dt.datetime.now(dt.UTC).date()
    for member_state, mode, day, expected in (
        ("FR", "air", today, 3), ("FR", "sea", today, 0), ("DE", "air", today, 0),
        ("FR", "air", today - dt.timedelta(days=1), 0), ("FR", "air", today + dt.timedelta(days=1), 0),
    ):  # fmt: skip
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        plain = Assessment.objects.filter(
            responsible_member_state=member_state, declaration__transport_mode=mode, learned_selection=True,
            screened_at__gte=start, screened_at__lt=start + dt.timedelta(days=1),
        ).count()  # fmt: skip
        assert selection.selected_today(member_state, mode, day) == plain == expected, (member_state, mode, day)


def test_without_capacity_or_without_a_live_model_nothing_is_selected(history):
    model = force(train("--member-state", "FR"), ModelStatus.LIVE)
    mrns = file_bodies(history["fr_system"], *[risky_ens() for _ in range(4)])
    screen_mrns(*mrns)  # no capacity stated
    assert not Assessment.objects.filter(learned_selection=True).exists()
    capacity("FR", "air", 0)
    more = file_bodies(history["fr_system"], *[risky_ens() for _ in range(4)])
    screen_mrns(*more)
    assert not Assessment.objects.filter(learned_selection=True).exists()
    force(model, ModelStatus.SHADOW)
    capacity("FR", "air", 100)
    shadow = file_bodies(history["fr_system"], *[risky_ens() for _ in range(4)])
    screen_mrns(*shadow)
    assert not Assessment.objects.filter(learned_selection=True).exists()  # shadow models never select


def test_exploration_draws_at_random_among_the_rest_and_is_marked(history, monkeypatch):
    force(train("--member-state", "FR"), ModelStatus.LIVE)
    capacity("FR", "air", 10)
    # A plan whose threshold no score reaches, exploring everything: every selection is exploration.
    plan = Plan(capacity=10, expected_volume=100, expected_rule_controls=0, budget=2, threshold=2.0,
                exploration_probability=1.0)  # fmt: skip
    monkeypatch.setattr(selection, "plan_for", lambda *args, **kwargs: plan)
    mrns = file_bodies(history["fr_system"], *[risky_ens() for _ in range(5)])
    screen_mrns(*mrns)
    chosen = Assessment.objects.filter(declaration__mrn__in=mrns, learned_selection=True)
    assert chosen.count() == 2 and all(a.exploration for a in chosen)
    cases = Case.objects.filter(declaration__mrn__in=mrns)
    assert cases.count() == 2 and all(c.learned_selection and c.exploration for c in cases)
    assert read_assessment(history["fr_analyst"], chosen[0].declaration.mrn)["exploration"] is True


def test_a_capacity_change_moves_the_criteria_revision(history):
    from risk_engine.models_revision import CriteriaChange, current_revision

    before = current_revision()
    capacity("FR", "sea", 40)
    assert current_revision() != before
    assert CriteriaChange.objects.filter(kind="capacity.changed", subject="FR").exists()


def test_screening_reads_every_committed_capacity_change_at_once(reference_data):
    """Screening reads the capacities once per criteria revision (selection.learned.stated_capacities), so
    every committed change (set, changed, zero, removed) must move the revision: each is its own transaction
    here, as a risk manager's save is."""
    from risk_engine.models_revision import current_revision

    seen = [selection.capacity_of("FR", "sea", current_revision())]
    for daily in (40, 12, 0, None):
        if daily is None:
            ControlCapacity.objects.filter(member_state="FR", transport_mode="sea").delete()
        else:
            capacity("FR", "sea", daily)
        seen.append(selection.capacity_of("FR", "sea", current_revision()))
    assert seen == [None, 40, 12, 0, None]


def test_the_model_page_forecasts_load_and_detections_within_capacity(history, client):
    model = train("--member-state", "FR", "--validate-from", "2020-01-21", "--validate-to", "2020-01-30")
    capacity("FR", "air", 25)
    client.force_login(history["fr_risk_manager"])
    page = client.get(f"/models/{model.pk}/").content.decode()
    assert 'id="model-forecast"' in page and "Air" in page and ">25<" in page
    capacity("FR", "air", 25)
    assert selection.precision_at([{"percent": 1, "precision": 0.9}, {"percent": 10, "precision": 0.5}], 0.055) == (
        pytest.approx(0.7)
    )
    rows = selection.forecast(model, ["FR"], __import__("datetime").date.today())
    assert rows[0]["capacity"] == 25 and rows[0]["model_controls"] == 0  # no declarations in the last week


def test_the_forecast_of_an_eu_model_shows_a_member_state_only_its_own_rows(history, client):
    model = train(
        "--validate-from", "2020-01-21", "--validate-to", "2020-01-30"
    )  # EU-wide: Member State analysts may read it
    capacity("FR", "air", 25)
    capacity("NL", "sea", 7)
    client.force_login(history["nl_analyst"])
    page = client.get(f"/models/{model.pk}/").content.decode()
    assert "Netherlands" in page or "NL" in page
    assert "France" not in page.split('id="model-forecast"')[1].split("</table>")[0]


def test_a_backtest_forecasts_its_load_against_the_capacity_of_the_member_states_it_covers(personas):
    from risk_engine.backtest_forecast import forecast_rows

    capacity("FR", "air", 40)
    capacity("NL", "air", 60)
    results = {
        "params": {"date_from": "2026-11-01", "date_to": "2026-11-10", "rows": "FR"},
        "per_mode": [{"key": "air", "ens": 100, "items": 150}, {"key": "sea", "ens": 20, "items": 20}],
        "irregularities": {"controlled": 10, "positive": 3, "precision": 0.3},
    }
    air, sea = forecast_rows(results)
    assert (air["mode"], air["per_day"], air["capacity"]) == ("air", 10.0, 40)  # FR's rows: FR's capacity only
    assert air["share_of_capacity"] == 0.25 and air["detections_per_day"] == pytest.approx(3.0)
    assert sea["capacity"] is None and sea["share_of_capacity"] is None
    everyone = forecast_rows({**results, "params": {**results["params"], "rows": "all"}})
    assert everyone[0]["capacity"] == 100
