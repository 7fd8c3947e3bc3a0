"""The engine's peers in the benchmark (Polars, DuckDB) find exactly the engine's hit rows.

Three independent evaluations of the same parsed criteria: if the benchmark's "identical hit rows"
check ever disagrees, this test finds the case on small generated data first.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crms.benchmarks import peers
from risk_engine.columnar import evaluate
from risk_engine.conditions import ConditionError, parse_condition
from risk_engine.frame import frame_from_records
from tests.risk_engine.strategies import WATCH_LISTS, conditions, records
from tests.risk_engine.test_parity import WATCH


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(recs=records(), raw_conditions=st.lists(conditions(), min_size=1, max_size=6))
def test_polars_and_duckdb_find_the_engines_hit_rows(recs, raw_conditions):
    criteria = []
    for key, raw in enumerate(raw_conditions):
        try:
            criteria.append((key, parse_condition(raw, watch_lists=WATCH_LISTS)))
        except ConditionError:
            continue
    frame = frame_from_records(recs)
    ours = {hit.key: hit.item_rows for hit in evaluate(frame, criteria, WATCH)}
    for rows in ours.values():
        assert np.all(np.diff(rows) > 0), "hit rows are ascending and unique"
    columns = peers.item_table(frame, peers.fields_of(criteria))
    assert peers.same_hits(ours, peers.polars_hits(frame, criteria, WATCH, peers.polars_table(columns))) == []
    connection = peers.duckdb_connection(columns, threads=1)
    try:
        assert peers.same_hits(ours, peers.duckdb_hits(frame, criteria, WATCH, connection)) == []
    finally:
        connection.close()
