"""Risk models (issue 16 point 2, contract 6): no leakage, determinism, evaluation, scoping, command lines."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crms.learning import dataset, features
from crms.learning.evaluation import evaluate
from crms.learning.models import HistoryLabel, ModelStatus, ModelVersion
from tests.declarations.conftest import api_client

pytestmark = pytest.mark.django_db

TRAIN = ["--from", "2020-01-01", "--to", "2020-01-20"]
VALIDATE = ["--validate-from", "2020-01-21", "--validate-to", "2020-01-30"]


def command(name: str, *args: str) -> list[str]:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def train(*args: str) -> ModelVersion:
    lines = command("train_risk_model", "--name", "t", *TRAIN, *args)
    return ModelVersion.objects.get(pk=int(lines[-1]))


def test_behaviour_uses_only_labels_received_strictly_before():
    received = np.array([1, 2, 2, 3, 4], dtype=np.int64) * 86_400_000_000
    frame = pd.DataFrame(
        {
            "declaration_id": range(5), "mrn": list("abcde"), "lrn": list("abcde"), "received": received,
            "label": [1.0, 0.0, 1.0, np.nan, 1.0], "mode": "air", "office": "FR004380", "loading_country": "CN",
            "routing_count": 2.0, "item_count": 1.0, "mass_kg": 1.0, "value_eur": 5.0, "hs6": "950300",
            "origin": "CN", "filer": "F", "consignor": "S", "consignee": "C", "carrier": None,
        }
    )  # fmt: skip
    matrix, spec = features.build(frame)
    column = dict(zip(spec.names, matrix.T, strict=True))
    # Controls of consignee C before each row: none, 1, 1 (a tie with row 1 is not "before"), 3, 3.
    assert column["consignee_controls"].tolist() == [0, 1, 1, 3, 3]
    assert column["consignee_irregular"].tolist() == [0, 1, 1, 2, 2]
    # Flipping a later label leaves every earlier row's features unchanged.
    flipped = frame.assign(label=[1.0, 0.0, 0.0, np.nan, 0.0])
    again, _ = features.build(flipped)
    assert np.array_equal(matrix[:2], again[:2], equal_nan=True)
    assert not np.array_equal(matrix[3:], again[3:], equal_nan=True)


def test_no_leakage_from_later_labels_in_the_database(history):
    frame = dataset.load_frame(end=dt.date(2020, 1, 30), member_state="FR")
    before, spec = features.build(frame)
    cutoff = dataset.micros(dataset.day_start(dt.date(2020, 1, 15)))
    later = HistoryLabel.objects.filter(declaration__received_at__gte=dataset.day_start(dt.date(2020, 1, 15)))
    assert later.exists()
    for label in later:
        label.irregularity_found = not label.irregularity_found
        label.save()
    after, _ = features.build(dataset.load_frame(end=dt.date(2020, 1, 30), member_state="FR"), spec)
    earlier = frame["received"].to_numpy() < cutoff
    assert np.array_equal(before[earlier], after[earlier], equal_nan=True)
    assert not np.array_equal(before[~earlier], after[~earlier], equal_nan=True)


def test_training_is_deterministic_and_stores_what_the_model_is(history):
    first, second = train("--member-state", "FR", *VALIDATE), train("--member-state", "FR", *VALIDATE)
    assert first.model_text == second.model_text and first.evaluation == second.evaluation
    assert (first.number, second.number) == (1, 2)
    assert first.status == ModelStatus.DRAFT
    assert first.library == "lightgbm" and first.library_version
    assert first.params["deterministic"] is True and first.params["seed"] == 16
    assert first.training["declarations"] == 200
    evaluation = first.evaluation
    assert evaluation["declarations"] == 100
    assert [row["percent"] for row in evaluation["at"]] == [1, 2, 5, 10]
    assert evaluation["auc"] > 0.7  # the risky consignees are learnt from their history


def test_train_command_prints_the_id_last_and_refuses_bad_options(history):
    lines = command("train_risk_model", "--name", "eu", *TRAIN, *VALIDATE)
    model = ModelVersion.objects.get(pk=int(lines[-1]))
    assert model.member_state_id is None and model.training["declarations"] == 300  # EU-wide: FR and NL
    assert any(line.startswith("  top 5%: precision") for line in lines)
    for args, option in [
        (["--from", "2020-1-01", "--to", "2020-01-20"], "--from"),
        (["--from", "2020-01-01", "--to", "2020-02-30"], "--to"),
        ([*TRAIN, "--validate-from", "2020-01-10", "--validate-to", "2020-01-30"], "--validate-from"),
        ([*TRAIN, "--validate-from", "2020-01-21"], "--validate-from"),
        ([*TRAIN, "--member-state", "EU"], "--member-state"),
        (["--from", "2019-01-01", "--to", "2019-12-31"], "--from/--to"),
    ]:
        with pytest.raises(CommandError, match=option):
            command("train_risk_model", "--name", "x", *args)


def test_score_command_writes_mrn_lrn_score_for_the_period_in_scope(history, tmp_path):
    model = train("--member-state", "FR")
    out = tmp_path / "scores.csv"
    lines = command("score_declarations", "--model", str(model.pk), "--from", "2020-01-21", "--to", "2020-01-30",
                    "--out", str(out))  # fmt: skip
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["mrn", "lrn", "score"]
    assert len(rows) == 101 and lines[-1].startswith("Wrote 100 scores")
    assert all(row[1].startswith("HIST-FR-") and 0 <= float(row[2]) <= 1 for row in rows[1:])
    with pytest.raises(CommandError, match="--model"):
        command("score_declarations", "--model", "\u00b2", "--from", "2020-01-21", "--to", "2020-01-30",
                "--out", str(out))  # fmt: skip
    with pytest.raises(CommandError, match="--model"):
        command("score_declarations", "--model", "999999", "--from", "2020-01-21", "--to", "2020-01-30",
                "--out", str(out))  # fmt: skip


def test_evaluation_figures():
    scores = np.array([0.9, 0.8, 0.7, 0.1] + [0.0] * 96)
    labels = np.array([1, 0, 1, 1] + [0] * 96)
    result = evaluate(scores, labels)
    assert result["base_rate"] == 0.03
    top2 = result["at"][1]
    assert (top2["declarations"], top2["irregular"], top2["precision"], top2["recall"]) == (2, 1, 0.5, 1 / 3)
    assert top2["lift"] == pytest.approx(0.5 / 0.03)
    assert result["precision_at"]["2"] == 0.5 and result["recall_at"]["2"] == 1 / 3
    assert result["lift_at"]["2"] == top2["lift"]
    assert result["auc"] == pytest.approx((97 + 96 + 96) / (3 * 97))  # 0.8 is the only negative above 0.7 and 0.1


def test_model_api_is_scoped_by_member_state(history):
    fr_model, eu_model = train("--member-state", "FR"), train()
    people = history
    from tests.conftest import make_user

    nl_manager = make_user("nl_rm", "NL", "risk_manager")
    expectations = {
        "commission": (200, 200),
        "eu_auditor": (200, 200),
        "fr_analyst": (200, 200),
        "fr_auditor": (200, 200),  # the EU-wide model scores FR's declarations: FR's auditors audit it
        "fr_system": (404, 404),
        "nl_analyst": (404, 200),
        "de_analyst": (404, 200),
    }
    for who, (fr_status, eu_status) in expectations.items():
        client = api_client(people[who])
        assert client.get(f"/api/v1/models/{fr_model.pk}/").status_code == fr_status, who
        assert client.get(f"/api/v1/models/{eu_model.pk}/").status_code == eu_status, who
    document = api_client(nl_manager).get(f"/api/v1/models/{eu_model.pk}/").json()
    assert document["status"] == "draft" and document["member_state"] is None
    assert document["training_period"] == {"from": "2020-01-01", "to": "2020-01-20"}
    assert "consignee_rate" in document["features"] and document["library"] == "lightgbm"
    assert api_client(None).get(f"/api/v1/models/{eu_model.pk}/").status_code == 401
    for odd in ("abc", "\u00b2", "9" * 30):
        assert api_client(people["commission"]).get(f"/api/v1/models/{odd}/").status_code == 404
