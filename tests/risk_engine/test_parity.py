"""The columnar evaluator and the per-record reference evaluator agree on every hit."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk_engine.columnar import evaluate, group_by_declaration
from risk_engine.conditions import ConditionError, parse_condition
from risk_engine.frame import frame_from_records
from risk_engine.reference import WatchList, matching_items
from tests.risk_engine.strategies import WATCH_LISTS, conditions, records

WATCH = {
    "WL-EORI": WatchList(frozenset({"CN9988", "FR55"})),
    "WL-HS": WatchList(frozenset({"9303", "6109"}), prefix=True),
    "WL-NAMES": WatchList(frozenset({"acme gmbh"})),
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(recs=records(), raw_conditions=st.lists(conditions(), min_size=1, max_size=6))
def test_columnar_and_reference_give_identical_hits(recs, raw_conditions):
    nodes = []
    for raw in raw_conditions:
        try:
            nodes.append(parse_condition(raw, watch_lists=WATCH_LISTS))
        except ConditionError:
            continue
    frame = frame_from_records(recs)
    columnar = {
        hit.key: group_by_declaration(frame, hit.item_rows) for hit in evaluate(frame, list(enumerate(nodes)), WATCH)
    }
    for key, node in enumerate(nodes):
        expected = {}
        for row, record in enumerate(recs):
            items = matching_items(node, record, WATCH)
            if items:
                expected[row] = items
        assert columnar.get(key, {}) == expected, f"criterion {raw_conditions}"


def test_hit_items_are_grouped_in_ascending_order_whatever_the_order_of_hit_rows():
    """Found by the property test above: the evaluation may return a criterion's hit rows in column order."""
    from types import SimpleNamespace

    import numpy as np

    from risk_engine.columnar import group_by_declaration

    frame = SimpleNamespace(decl_of_item=np.array([0, 0, 1, 1, 1]), item_numbers=np.array([1, 2, 1, 2, 3]))
    assert group_by_declaration(frame, np.array([4, 1, 2, 0, 3])) == {0: [1, 2], 1: [1, 2, 3]}
