"""Learned scores in the screening pipeline (issue 16 point 4, contract 6): the live model of the
declaration's Member State (else the EU-wide one) scores every screened ENS with a percentile and
three plain-language reasons; shadow models record without showing; scores are scoped, of the
moment of filing, and a broken model never stops rule-based screening."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from crms.learning import behaviour, dataset, features, filing, scoring
from crms.learning.models import ModelScore, ModelStatus, ModelVersion
from risk_engine.models import Assessment
from risk_engine.screening import load_batch
from tests.learning.test_models import train
from tests.risk_engine.conftest import (
    current_version_ids,
    file_bodies,
    make_ens,
    read_assessment,
    screen_mrns,
)

pytestmark = pytest.mark.django_db


def force(model: ModelVersion, status: str) -> ModelVersion:
    """Governance has its own tests (test_governance.py); here only the resulting state matters. (The test's
    one transaction is one criteria revision, so the worker's cache of models in force is dropped here; across
    transactions the revision moves: ``test_a_model_going_live_moves_the_criteria_revision``.)"""
    model.status = status
    model.save(update_fields=["status"])
    scoring.forget()
    return model


def risky_ens(consignee: str = "Importer R1", office: str | None = None) -> dict:
    body = make_ens(consignee={"name": consignee, "eori": None, "address": {"country": "FR"}})
    if office:
        body["office_of_first_entry"] = office
    return body


def test_a_filing_gets_the_features_training_would_give_it(history):
    """The worker's per-filing features (no pandas, behaviour from a snapshot of all labels) equal the
    training's own features for the same declaration received after every label."""
    model = train("--member-state", "FR")
    mrns = file_bodies(history["fr_system"], risky_ens(), risky_ens("Importer 7"), make_ens())
    batch = load_batch(current_version_ids(*mrns))
    spec = features.FeatureSpec.from_json(model.features)
    vectoriser = filing.Vectoriser(spec)
    snapshot = behaviour.load("FR")
    computed, _counts = vectoriser.matrix(filing.columns_of(filing.rows_of(batch)), snapshot)
    live = {batch.mrns[row]: computed[row] for row in range(batch.n_decl)}
    one, _counts = vectoriser.matrix(filing.columns_of(filing.rows_of(batch)[:1]), snapshot)
    np.testing.assert_array_equal(one[0], computed[0])  # one filing alone: the same row
    today = timezone.now().date()
    frame = dataset.load_frame(end=today, member_state="FR", labelled_or_from=today)
    matrix, _ = features.build(frame, spec)
    for mrn in mrns:
        expected = matrix[frame.index[frame["mrn"] == mrn][0]]
        np.testing.assert_allclose(live[mrn], expected, rtol=1e-12, equal_nan=True, err_msg=mrn)
    # The risky consignee's history is in the features: 3 risky importers share about 75 labels.
    consignee_controls = spec.names.index("consignee_controls")
    assert live[mrns[0]][consignee_controls] > 10


def test_a_large_batch_gets_the_vectors_its_filings_get_one_by_one(history):
    """Above ``behaviour.SMALL`` filings the vectoriser factorises each column once (issue 16's batch
    speed); missing parties, unseen categories, empty HS and missing numbers must come out as they
    do one filing at a time."""
    model = train("--member-state", "FR")
    mrns = file_bodies(history["fr_system"], risky_ens(), risky_ens("Importer 7"), make_ens())
    rows = filing.rows_of(load_batch(current_version_ids(*mrns)))
    varied = []
    for at in range(behaviour.SMALL + 8):
        row = dict(rows[at % len(rows)])
        if at % 5 == 1:
            row["consignor"] = None
        if at % 7 == 2:
            row["origin"], row["office"] = "ZZ", "XX999999"  # never seen in training
        if at % 6 == 3:
            row["hs6"], row["hs4"], row["hs2"] = None, "", ""
        if at % 4 == 0:
            row["value_eur"], row["value_per_kg"] = None, float("nan")
        varied.append(row)
    vectoriser = filing.Vectoriser(features.FeatureSpec.from_json(model.features))
    snapshot = behaviour.load("FR")
    batch_matrix, batch_counts = vectoriser.matrix(filing.columns_of(varied), snapshot)
    for at, row in enumerate(varied):
        alone, counts = vectoriser.matrix(filing.columns_of([row]), snapshot)
        np.testing.assert_array_equal(batch_matrix[at], alone[0], err_msg=str(at))
        for name, (controls, irregular) in counts.items():
            assert (batch_counts[name][0][at], batch_counts[name][1][at]) == (controls[0], irregular[0]), name
    assert np.isnan(batch_matrix[2, vectoriser.spec.names.index("origin")])  # the unseen origin is missing


def test_the_live_model_scores_every_screened_ens_with_reasons(history):
    model = force(train("--member-state", "FR"), ModelStatus.LIVE)
    risky, plain = file_bodies(history["fr_system"], risky_ens(), risky_ens("Importer 7"))
    screen_mrns(risky, plain)
    document = read_assessment(history["fr_analyst"], risky)
    assert 0 < document["learned_score"] < 1
    assert 0 <= document["learned_percentile"] <= 100
    assert document["learned_model"] == {"id": model.pk, "name": model.name, "version": model.number}
    assert 1 <= len(document["learned_reasons"]) <= 3
    assert all(isinstance(text, str) and text and "_" not in text for text in document["learned_reasons"])
    other = read_assessment(history["fr_analyst"], plain)
    assert document["learned_score"] > other["learned_score"]  # the risky consignee's record counts
    assert any("Consignee had" in text and "irregularit" in text for text in document["learned_reasons"])
    # Recorded with the model too (the drift of live scores is read from there).
    assert ModelScore.objects.filter(model=model, live=True).count() == 2


def test_without_a_live_model_the_fields_are_empty(history):
    force(train("--member-state", "FR"), ModelStatus.APPROVED)
    (mrn,) = file_bodies(history["fr_system"], risky_ens())
    screen_mrns(mrn)
    document = read_assessment(history["fr_analyst"], mrn)
    assert document["status"] == "screened"
    assert (document["learned_score"], document["learned_percentile"], document["learned_reasons"]) == (None, None, [])
    assert document["learned_model"] is None
    assert not ModelScore.objects.exists()


def test_shadow_models_record_scores_but_show_none(history):
    shadow = force(train("--member-state", "FR"), ModelStatus.SHADOW)
    (mrn,) = file_bodies(history["fr_system"], risky_ens())
    screen_mrns(mrn)
    assert read_assessment(history["fr_analyst"], mrn)["learned_score"] is None
    recorded = ModelScore.objects.get(model=shadow)
    assert not recorded.live and 0 < recorded.score < 1 and recorded.reasons


def test_scoping_a_member_state_model_scores_only_its_own_declarations(history):
    """FR's live model never scores an NL declaration; the EU-wide live model scores where the Member
    State has none of its own, and a Member State's own live model takes precedence over it."""
    from tests.conftest import make_user

    fr_model = force(train("--member-state", "FR"), ModelStatus.LIVE)
    nl_system = make_user("nl_sys_2", "NL", "national_system")
    (fr_mrn,) = file_bodies(history["fr_system"], risky_ens())
    (nl_mrn,) = file_bodies(nl_system, risky_ens(office="NL000854"))
    screen_mrns(fr_mrn, nl_mrn)
    assert Assessment.objects.get(declaration__mrn=fr_mrn).learned_model_id == fr_model.pk
    assert Assessment.objects.get(declaration__mrn=nl_mrn).learned_model_id is None
    assert not ModelScore.objects.filter(version__declaration__mrn=nl_mrn).exists()

    eu_model = force(train(), ModelStatus.LIVE)
    (fr_again,) = file_bodies(history["fr_system"], risky_ens())
    (nl_again,) = file_bodies(nl_system, risky_ens(office="NL000854"))
    screen_mrns(fr_again, nl_again)
    assert Assessment.objects.get(declaration__mrn=fr_again).learned_model_id == fr_model.pk
    assert Assessment.objects.get(declaration__mrn=nl_again).learned_model_id == eu_model.pk


def test_a_rescreening_keeps_the_score_of_the_filing(history):
    """Later control results (the declaration's own included) never move a score already given: the
    score is of the moment of filing, so a declaration cannot learn from its own outcome."""
    force(train("--member-state", "FR"), ModelStatus.LIVE)
    (mrn,) = file_bodies(history["fr_system"], risky_ens("Importer 9"))
    screen_mrns(mrn)
    first = Assessment.objects.get(declaration__mrn=mrn)
    # Ten irregular controls of the same consignee arrive after it was filed.
    from crms.learning.history import import_lines
    from tests.learning.conftest import history_line

    later = [
        history_line(9000 + n, day=dt.date(2020, 1, 30), consignee="Importer 9", irregular=True) for n in range(10)
    ]
    assert {result.status for result in import_lines(later, user=history["fr_system"])} == {201}
    scoring.forget()
    screen_mrns(mrn)
    again = Assessment.objects.get(declaration__mrn=mrn)
    assert again.screened_at > first.screened_at  # screened anew (the same row: its id is the version's)...
    assert (again.learned_score, again.learned_reasons) == (first.learned_score, first.learned_reasons)  # ...same score
    # A new filing of the same consignee does see those controls.
    (fresh,) = file_bodies(history["fr_system"], risky_ens("Importer 9"))
    screen_mrns(fresh)
    assert Assessment.objects.get(declaration__mrn=fresh).learned_score > first.learned_score


def test_a_broken_model_never_stops_rule_based_screening(history, caplog):
    model = force(train("--member-state", "FR"), ModelStatus.LIVE)
    ModelVersion.objects.filter(pk=model.pk).update(model_text="not a model")
    (mrn,) = file_bodies(history["fr_system"], risky_ens())
    screen_mrns(mrn)
    document = read_assessment(history["fr_analyst"], mrn)
    assert document["status"] == "screened" and document["learned_score"] is None
    assert "learned scoring failed" in caplog.text


def test_a_model_going_live_moves_the_criteria_revision(history):
    from risk_engine.models_revision import CriteriaChange, current_revision

    model = train("--member-state", "FR")
    before = current_revision()
    force(model, ModelStatus.APPROVED)
    assert current_revision() == before  # nothing screening reads changed
    force(model, ModelStatus.SHADOW)
    assert current_revision() != before
    assert CriteriaChange.objects.filter(kind="model.changed", subject="FR", revision=current_revision()).exists()


def test_percentiles_follow_the_reference_scores(history):
    model = train("--member-state", "FR", "--validate-from", "2020-01-21", "--validate-to", "2020-01-30")
    quantiles = model.insights["score_quantiles"]
    assert len(quantiles) == 1000 and quantiles == sorted(quantiles)
    runtime = scoring.Runtime(
        id=model.pk, name="t", number=1, member_state="FR", live=True, booster=None, vectoriser=None, paths=None,
        quantiles=np.asarray(quantiles),
    )  # fmt: skip
    assert runtime.percentile(quantiles[0] - 1e-9) == 0.0
    assert runtime.percentile(quantiles[-1]) == 100.0
    assert runtime.percentile(float(np.median(quantiles))) == pytest.approx(50.0, abs=1.0)


def test_path_contributions_add_up_to_the_raw_score_and_agree_with_shap_on_the_main_reason(history):
    """The reasons' attribution (decision paths, precomputed per leaf) is additive like TreeSHAP, and names
    the same strongest feature for most declarations."""
    from crms.learning.contributions import PathContributions
    from crms.learning.training import booster_of

    model = train("--member-state", "FR")
    booster = booster_of(model)
    today = timezone.now().date()
    frame = dataset.load_frame(end=today, member_state="FR")
    matrix, _ = features.build(frame, features.FeatureSpec.from_json(model.features))
    paths = PathContributions(booster)
    mine = paths.of(booster.predict(matrix, pred_leaf=True))
    raw = booster.predict(matrix, raw_score=True)
    np.testing.assert_allclose(paths.bias + mine.sum(axis=1), raw, rtol=1e-9, atol=1e-9)
    # The live score is read from the same leaves (one LightGBM call per filing): LightGBM's own, to rounding.
    leaves = booster.predict(matrix, pred_leaf=True)
    np.testing.assert_allclose(paths.scores(leaves), booster.predict(matrix), rtol=1e-12, atol=1e-15)
    assert paths.scores(leaves).shape == (len(matrix),) and paths.sigmoid == 1.0
    shap = booster.predict(matrix, pred_contrib=True)[:, :-1]
    agree = np.mean(np.argmax(mine, axis=1) == np.argmax(shap, axis=1))
    assert agree > 0.6, agree


def test_lift_over_the_rules_alone_compares_the_same_number_of_declarations():
    from crms.learning.rules_baseline import lift_over_rules

    labels = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    scores = np.array([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.4, 0.05])
    selected = np.array([False, True, False, True, True, True, False, False])  # the rules: 1 of 4 irregular
    figures = lift_over_rules(scores, labels, selected)
    assert figures["declarations"] == 4 and figures["precision"] == 0.25
    assert figures["model_precision"] == 0.75 and figures["lift"] == 3.0  # top 4 scores hold 3 irregular
    assert lift_over_rules(scores, labels, np.zeros(8, dtype=bool))["lift"] is None


def test_training_records_what_the_criteria_in_force_select_on_the_validation_period(history):
    """A published criterion on the risky consignees' HS code selects every validation declaration here."""
    from tests.risk_engine.conftest import make_criterion, publish_criterion

    publish_criterion(make_criterion("RULE1"), history["commission"], history["commission_approver"])
    model = train("--member-state", "FR", "--validate-from", "2020-01-21", "--validate-to", "2020-01-30")
    rules = model.evaluation["rules"]
    assert rules["declarations"] == model.evaluation["declarations"]  # all history lines are toys (9503)
    assert rules["precision"] == pytest.approx(model.evaluation["base_rate"])


def test_the_model_page_draws_the_drift_of_scores_given_in_operation(history, client):
    model = force(train("--member-state", "FR"), ModelStatus.LIVE)
    mrns = file_bodies(history["fr_system"], risky_ens(), risky_ens("Importer 3"), make_ens())
    screen_mrns(*mrns)
    from crms.learning.pages import charts

    weekly = charts(model, history["fr_risk_manager"])["weekly"]
    assert weekly["operational"] and sum(weekly["n"]) == 3
    assert weekly["p10"][0] <= weekly["p50"][0] <= weekly["p90"][0]
    client.force_login(history["fr_analyst"])
    assert "Scores given in operation per week" in client.get(f"/models/{model.pk}/").content.decode()


def test_a_value_per_kg_reason_quotes_the_price_baseline(history, monkeypatch):
    from crms.learning import prices, reasons

    baseline = prices.Baseline(
        level="hs6_origin", hs_code="610910", origin="BD", member_state="", median=3.4, low=2.0, high=5.0, n=40
    )
    monkeypatch.setattr(prices, "baseline_for", lambda hs, origin, member_state: baseline)
    row = {"value_per_kg": 0.12, "hs6": "610910", "origin": "BD", "member_state": "FR"}
    text = reasons._feature("value_per_kg", row, None)
    assert text == "value per kg 0,12 EUR, far below the baseline of 3,40 EUR for 610910 from BD"
    monkeypatch.setattr(prices, "baseline_for", lambda hs, origin, member_state: None)
    assert reasons._feature("value_per_kg", row, None) == "value per kg 0,12 EUR"


def test_every_behaviour_reason_says_what_its_codes_are(db):
    """ "HS subheading 870830 from China: no control results yet", never a bare "870830 from China"."""
    from crms.learning.reasons import SUBJECTS, _behaviour

    row = {"hs2": "87", "hs4": "8708", "hs6": "870830", "origin": "CN", "loading_country": "CN", "office": "FR000690"}
    assert set(SUBJECTS) == set(features.BEHAVIOUR)
    for key in features.BEHAVIOUR:
        text = _behaviour(key, row, (0, 0))
        assert not text[0].isdigit(), (key, text)
        for code in ("87", "8708", "870830"):
            if code in text.split():
                words = text.split()
                assert words[words.index(code) - 1] in ("chapter", "heading", "subheading"), (key, text)
    assert _behaviour("origin_hs6", row, (0, 0)).startswith("HS subheading 870830 from ")


def test_a_member_state_models_score_is_left_out_for_another_member_state_reading_the_ens(history):
    """Adversarial probe, 7 December: DE, the Member State of unloading, read FR's model's score and its reasons,
    which quote FR's control results ("22 irregularities in 58 controls"), though FR's model is FR's to read."""
    from tests.conftest import make_user

    force(train("--member-state", "FR"), ModelStatus.LIVE)
    body = risky_ens()
    body["place_of_unloading"] = "NLRTM"
    (mrn,) = file_bodies(history["fr_system"], body)
    screen_mrns(mrn)
    nl_analyst = make_user("nl_an_ls", "NL", "analyst")
    commission = make_user("eu_ls", "EU", "commission")
    for reader in (history["fr_analyst"], history["fr_system"], commission):
        assert read_assessment(reader, mrn)["learned_reasons"], reader
    other = read_assessment(nl_analyst, mrn)
    assert other["status"] == "screened"
    assert (other["learned_score"], other["learned_percentile"], other["learned_reasons"], other["learned_model"]) == (
        None,
        None,
        [],
        None,
    )
