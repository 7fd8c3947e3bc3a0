"""``crms.core.labels``: one place that turns the codes records carry into words (issue 14)."""

from __future__ import annotations

import pytest

from crms.audit.presenters import change_rows, object_type_label
from crms.core import labels
from indicators.evaluation import recommend
from risk_engine.dataquality import Checks, item_warnings

pytestmark = pytest.mark.django_db  # names come from the reference data


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["YE", "AE"], "YE, AE"),
        ({"a": 1, "risk_area": "x"}, "a: 1; risk area: x"),
        (None, "—"),
        ([], "—"),
        (True, "yes"),
        ({"nested": {"list": [1, None]}}, "nested: list: 1, —"),
    ],
)
def test_readable_never_shows_a_python_repr(value, text):
    assert labels.readable(value) == text


def test_enumerations_and_reference_data_by_name():
    assert labels.outcome("do_not_load") == "Do not load"
    assert labels.outcome(None) == "—"
    assert labels.phase("PRE_LOADING") == "Pre-loading"  # the engine's upper-case codes too
    assert labels.mode("inland_water") == "Inland waterway"
    assert labels.country("YE") == "YE (Yemen)"
    assert labels.office("NL000851") == "NL000851 (Rotterdam Maasvlakte seaport)"
    assert labels.member_state("FR") == "France" and labels.member_state("EU total") == "EU total"
    assert labels.risk_area("product_safety") != "product_safety"
    assert labels.country("QQ") == "QQ"  # unknown: shown as it is, never hidden


def test_report_columns_and_cells():
    assert labels.column("after_assessment") == "After assessment"
    assert labels.column("member_state") == "Member State"
    assert labels.column("some_new_column") == "Some new column"
    assert labels.cell("pre_arrival", "phase") == "Pre-arrival"
    assert labels.cell("inland_water", "mode") == "Inland waterway"
    assert labels.cell("EU total", "risk_area") == "EU total"
    assert labels.cell(3, "phase") == 3


def test_audit_values_and_object_names_use_labels():
    rows = {
        row.field: row.after for row in change_rows(None, {"outcome": "control_recommended", "phases": ["pre_loading"]})
    }
    assert rows == {"outcome": "Control recommended", "phases": "Pre-loading"}
    assert labels.humanise_codes("documentary no_irregularity on 30") == "documentary No irregularity on 30"
    assert labels.humanise_codes("case 4 (FR, open)") == "case 4 (FR, open)"
    assert object_type_label("workbench.controlresult") == "control result"
    assert object_type_label("gone.model") == "model"


def test_counts_agree_with_their_noun():
    assert labels.counted(1, "hit") == "1 hit" and labels.counted(2, "hit") == "2 hits"
    assert labels.counted(1, "criterion", "criteria") == "1 criterion"
    _, why = recommend(1, 1, 1, None)
    assert why.startswith("1 hit in the period") and "1 of 1 control positive" in why


def test_data_quality_warnings_read_as_words():
    checks = Checks(
        vague_terms=frozenset({"gifts"}), vague_words=frozenset(), bounds={("95", "value_per_kg"): (1.0, 2.5)}
    )
    item = {"item_number": 1, "hs_code": "950300", "description": "gifts", "gross_mass_kg": 1000.0,
            "value_eur": 12345.678, "packages": None}  # fmt: skip
    warnings = {w["code"]: w["message"] for w in item_warnings(item, phase="pre_arrival", checks=checks)}
    assert warnings["vague_description"] == "“gifts” is not an acceptable goods description."
    assert warnings["implausible_value_per_kg"] == (
        "value per kg 12,35 is outside the usual range 1,00 to 2,50 for HS chapter 95."
    )
    assert labels.data_quality("vague_description") == "Vague description"


def test_the_version_diff_shows_no_python_values():
    from crms.declarations.version_diff import flatten

    assert flatten({"dangerous": True, "routing": ["CN", None], "seal": None}) == {
        "dangerous": "yes",
        "routing": "CN, —",
        "seal": "—",
    }


def test_audit_codes_found_raw_by_the_probe_have_labels():
    """Adversarial probe, 7 December: "measures controls_planned" in RIF audit entries, "criterion.draft_created" in
    the criterion and watch-list history tables."""
    from crms.audit.presenters import change_rows
    from crms.core.templatetags.labels import action_label

    rows = change_rows(None, {"measures": ["controls_planned", "controls_done"]}, "rif.riffeedback")
    assert [row.after for row in rows] == ["Controls planned, Controls carried out"]
    assert action_label("criterion.draft_created") == "Criterion: draft created"
