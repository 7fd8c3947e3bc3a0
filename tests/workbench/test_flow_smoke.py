"""The workbench's main path, through services: case opens, decision forwards, control closes, precision."""

import pytest

from workbench import services
from workbench.feedback import criterion_feedback
from workbench.models import Case, CaseState

pytestmark = pytest.mark.django_db


def test_hit_opens_a_case_forwarding_and_seizure_change_precision(people, referred):
    case = referred()
    assert case.state == CaseState.OPEN and case.criteria == ["CRC-WB-TOY"] and case.outcome == "control_recommended"
    decision = services.decide(
        actor=people["fr_analyst"], case=case, action="control", control_type="physical",
        control_place="place_of_unloading",
    )  # fmt: skip
    assert decision.forwarded_to_id == "NL"
    forwarded = Case.objects.get(version=case.version, member_state_id="NL")
    assert forwarded.state == CaseState.OPEN and forwarded.origin == "forwarded"
    before = criterion_feedback(people["commission"], "CRC-WB-TOY")["total"]
    assert (before.hits, before.after_assessment, before.controlled, before.precision) == (1, 1, 0, None)
    services.record_control_result(
        actor=people["nl_analyst"],
        declaration=case.declaration,
        data={"control_type": "physical", "result": "seizure", "irregularity_type": "ipr",
              "seizure": {"goods": "counterfeit toys", "quantity": 40, "unit": "pieces", "estimated_value_eur": 800}},
    )  # fmt: skip
    forwarded.refresh_from_db()
    assert forwarded.state == CaseState.CLOSED
    after = criterion_feedback(people["commission"], "CRC-WB-TOY")["total"]
    assert (after.controlled, after.positive, after.precision) == (1, 1, 1.0)
