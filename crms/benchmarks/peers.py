"""Peers for the engine benchmark: the same criteria compiled to Polars expressions and to DuckDB SQL.

Both peers get what an expert would give them: one table of goods items whose text and code columns
are the frame's dictionary codes (declaration columns broadcast to items), numbers with missing
values as nulls, and each leaf evaluated on the column dictionary first (the same per-distinct-value
masks the engine uses), so a leaf becomes ``code IN (...)`` over integers. Polars evaluates a block of
criteria in one ``select`` (its expression engine shares work between them); DuckDB runs one query per
criterion. Every criterion's hit rows are checked identical to the engine's.

Both are optional bench dependencies (``pip install -e ".[bench]"``); without them the bench says so.
Thread counts are fixed when the peer loads, so :func:`limit_to_one_core` must run first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from risk_engine.catalogue import FieldType
from risk_engine.columnar import BatchEvaluator
from risk_engine.conditions import All, Any_, Leaf, Node, Not, leaves
from risk_engine.frame import Frame
from risk_engine.reference import WatchList

Criteria = list[tuple[Any, Node]]
PEERS = ("polars", "duckdb")


def limit_to_one_core() -> int:
    """Pin this process (numpy, Polars, DuckDB) to one core; returns the core."""
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    os.environ["POLARS_MAX_THREADS"] = "1"
    return core


def available() -> dict[str, bool]:
    found = {}
    for name in PEERS:
        try:
            __import__(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return found


def fields_of(criteria: Criteria) -> list[str]:
    return sorted({leaf.field.name for _key, node in criteria for leaf in leaves(node)})


def item_table(frame: Frame, names: list[str]) -> dict[str, np.ndarray]:
    """Per goods item: dictionary codes (int32) or numbers (float64, NaN when missing)."""
    columns = BatchEvaluator(frame, {})
    return {name: np.ascontiguousarray(columns.item_values(name)) for name in names}


class _Leaves:
    """A leaf on its column dictionary: the codes that satisfy it (or all / none)."""

    def __init__(self, frame: Frame, watch_lists: dict[str, WatchList]):
        self.dictionary = BatchEvaluator(frame, watch_lists)

    def codes(self, leaf: Leaf) -> tuple[str, list[int]]:
        mask = self.dictionary.unique_mask(leaf)
        hit = int(mask.sum())
        if hit == 0:
            return "none", []
        if hit == len(mask):
            return "all", []
        if hit * 2 > len(mask):
            return "not_in", np.flatnonzero(~mask).tolist()
        return "in", np.flatnonzero(mask).tolist()


# --- Polars ---------------------------------------------------------------------------------------


def polars_hits(
    frame: Frame, criteria: Criteria, watch_lists: dict[str, WatchList], table: Any, block: int = 100
) -> dict[Any, np.ndarray]:
    import polars as pl

    dictionary = _Leaves(frame, watch_lists)

    def leaf(node: Leaf) -> pl.Expr:
        column = pl.col(node.field.name)
        if node.field.type != FieldType.NUMBER:
            how, codes = dictionary.codes(node)
            if how in ("none", "all"):
                return pl.repeat(how == "all", pl.len())  # a bare literal would be one row, not a column
            found = column.is_in(pl.Series(codes, dtype=pl.Int32).implode())
            return found if how == "in" else ~found
        op, value = node.op, node.value
        if op == "is_empty":
            return column.is_null()
        if op == "is_not_empty":
            return column.is_not_null()
        if op in ("neq", "not_in"):
            same = (
                (column == value) if op == "neq" else column.is_in(pl.Series(list(value), dtype=pl.Float64).implode())
            )
            return ~same.fill_null(False)
        compare: dict[str, Callable[[], pl.Expr]] = {
            "eq": lambda: column == value,
            "in": lambda: column.is_in(pl.Series(list(value), dtype=pl.Float64).implode()),
            "gt": lambda: column > value,
            "gte": lambda: column >= value,
            "lt": lambda: column < value,
            "lte": lambda: column <= value,
            "between": lambda: column.is_between(value[0], value[1]),
        }
        return compare[op]().fill_null(False)

    def compile_node(node: Node) -> pl.Expr:
        if isinstance(node, Leaf):
            return leaf(node)
        if isinstance(node, Not):
            return ~compile_node(node.child)
        parts = [compile_node(child) for child in node.children]
        return pl.all_horizontal(parts) if isinstance(node, All) else pl.any_horizontal(parts)

    hits: dict[Any, np.ndarray] = {}
    for start in range(0, len(criteria), block):
        chunk = criteria[start : start + block]
        result = table.select([compile_node(node).alias(f"c{index}") for index, (_key, node) in enumerate(chunk)])
        for index, (key, _node) in enumerate(chunk):
            rows = np.flatnonzero(result.get_column(f"c{index}").to_numpy())
            if len(rows):
                hits[key] = rows
    return hits


def polars_table(columns: dict[str, np.ndarray]) -> Any:
    import polars as pl

    return pl.DataFrame(
        {
            name: pl.Series(name, values, nan_to_null=True) if values.dtype.kind == "f" else values
            for name, values in columns.items()
        }
    )


# --- DuckDB ---------------------------------------------------------------------------------------


def _sql_number(value: float) -> str:
    return repr(float(value))


def duckdb_hits(
    frame: Frame, criteria: Criteria, watch_lists: dict[str, WatchList], connection: Any
) -> dict[Any, np.ndarray]:
    dictionary = _Leaves(frame, watch_lists)

    def leaf(node: Leaf) -> str:
        column = f'"{node.field.name}"'
        if node.field.type != FieldType.NUMBER:
            how, codes = dictionary.codes(node)
            if how in ("none", "all"):
                return "true" if how == "all" else "false"
            listed = ", ".join(map(str, codes))
            return f"{column} {'IN' if how == 'in' else 'NOT IN'} ({listed})"
        op, value = node.op, node.value
        if op == "is_empty":
            return f"{column} IS NULL"
        if op == "is_not_empty":
            return f"{column} IS NOT NULL"
        if op in ("in", "not_in"):
            same = f"coalesce({column} IN ({', '.join(map(_sql_number, value))}), false)"
            return same if op == "in" else f"NOT {same}"
        if op == "between":
            return f"coalesce({column} BETWEEN {_sql_number(value[0])} AND {_sql_number(value[1])}, false)"
        symbol = {"eq": "=", "neq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        test = f"coalesce({column} {symbol} {_sql_number(value)}, false)"
        return f"NOT {test}" if op == "neq" else test

    def compile_node(node: Node) -> str:
        if isinstance(node, Leaf):
            return leaf(node)
        if isinstance(node, Not):
            return f"NOT ({compile_node(node.child)})"
        joiner = " AND " if isinstance(node, All) else " OR "
        assert isinstance(node, All | Any_)
        return "(" + joiner.join(compile_node(child) for child in node.children) + ")"

    hits: dict[Any, np.ndarray] = {}
    for key, node in criteria:
        found = connection.execute(f"SELECT row FROM items WHERE {compile_node(node)}").fetchnumpy()["row"]
        if len(found):
            hits[key] = np.sort(np.asarray(found, dtype=np.int64))
    return hits


def duckdb_connection(columns: dict[str, np.ndarray], *, threads: int) -> Any:
    import duckdb
    import pandas as pd

    # Nullable floats: a missing number is NULL, as Polars' null, so comparisons with it are false.
    frame = pd.DataFrame(
        {
            name: pd.array(values, dtype="Float64") if values.dtype.kind == "f" else values
            for name, values in columns.items()
        }
    )
    frame.insert(0, "row", np.arange(len(frame), dtype=np.int64))
    connection = duckdb.connect()
    connection.execute(f"SET threads = {int(threads)}")
    connection.register("source", frame)
    connection.execute("CREATE TABLE items AS SELECT * FROM source")
    connection.unregister("source")
    return connection


def same_hits(ours: dict[Any, np.ndarray], theirs: dict[Any, np.ndarray]) -> list[Any]:
    """Keys of criteria whose hit rows differ (an empty list: identical)."""
    keys = set(ours) | set(theirs)
    empty = np.empty(0, dtype=np.int64)
    return sorted(
        (key for key in keys if not np.array_equal(np.sort(ours.get(key, empty)), theirs.get(key, empty))), key=str
    )
