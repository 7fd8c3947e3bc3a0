"""Bulk evaluation of many criteria over a frame of goods items (numpy, no per-row Python).

For each criterion the evaluator first asks which rows could possibly match: among
the leaves every match must satisfy (the conjunction at the top of the tree) it
picks the one that allows the fewest rows, using the dictionary of each column
and its inverted index; only those rows are then evaluated. Leaf results over a
column's distinct values are shared between all criteria of the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from risk_engine.catalogue import FieldType, Level
from risk_engine.conditions import All, Any_, Leaf, Node, Not
from risk_engine.frame import EncodedColumn, Frame
from risk_engine.matching import word_pattern
from risk_engine.reference import WatchList

Candidates = tuple[int, Callable[[], np.ndarray]]  # (estimated rows, materialise)


@dataclass(frozen=True)
class CriterionHits:
    key: Any
    item_rows: np.ndarray  # item rows that satisfy the whole condition


def _mask_over(values: np.ndarray, test: Callable[[Any], bool]) -> np.ndarray:
    return np.fromiter((test(value) for value in values), dtype=bool, count=len(values))


class BatchEvaluator:
    def __init__(self, frame: Frame, watch_lists: dict[str, WatchList]):
        self.frame = frame
        self.watch_lists = watch_lists
        self._masks: dict[tuple, np.ndarray] = {}
        self._weighted_counts: dict[str, np.ndarray] = {}
        self._items_per_decl = np.diff(frame.decl_starts)

    # --- leaves -------------------------------------------------------------------------
    def unique_mask(self, leaf: Leaf) -> np.ndarray:
        """The leaf's truth for each distinct value of its (dictionary-encoded) column."""
        mask = self._masks.get(leaf.key)
        if mask is None:
            column = self.frame.columns[leaf.field.name]
            mask = self._masks[leaf.key] = self._encoded_mask(leaf, column.uniques)
        return mask

    def _encoded_mask(self, leaf: Leaf, uniques: np.ndarray) -> np.ndarray:
        op, expected = leaf.op, leaf.value
        if op in ("eq", "neq"):
            equal = _mask_over(uniques, lambda value: value == expected)
            return equal if op == "eq" else ~equal
        if op in ("in", "not_in"):
            wanted = set(expected)
            found = _mask_over(uniques, lambda value: value in wanted)
            return found if op == "in" else ~found
        if op == "starts_with":
            return _mask_over(uniques, lambda value: value.startswith(expected))
        if op == "any_in":
            wanted = set(expected)
            return _mask_over(uniques, lambda value: not wanted.isdisjoint(value))
        if op == "contains_any":
            pattern = word_pattern(expected)
            return _mask_over(uniques, lambda value: pattern.search(value) is not None)
        if op in ("is_empty", "is_not_empty"):
            empty = _mask_over(uniques, lambda value: len(value) == 0)
            return empty if op == "is_empty" else ~empty
        if op == "in_watch_list":
            watch = self.watch_lists.get(expected)
            if watch is None:
                return np.zeros(len(uniques), dtype=bool)
            if watch.prefix:
                prefixes = tuple(watch.values)
                return _mask_over(uniques, lambda value: bool(value) and value.startswith(prefixes))
            return _mask_over(uniques, lambda value: value in watch.values)
        raise ValueError(f"operator {op} does not apply to encoded columns")

    def _number_mask(self, leaf: Leaf, values: np.ndarray) -> np.ndarray:
        op, expected = leaf.op, leaf.value
        with np.errstate(invalid="ignore"):
            if op == "eq":
                return values == expected
            if op == "neq":
                return ~(values == expected)
            if op == "in":
                return np.isin(values, expected)
            if op == "not_in":
                return ~np.isin(values, expected)
            if op == "gt":
                return values > expected
            if op == "gte":
                return values >= expected
            if op == "lt":
                return values < expected
            if op == "lte":
                return values <= expected
            if op == "between":
                return (values >= expected[0]) & (values <= expected[1])
            if op == "is_empty":
                return np.isnan(values)
            if op == "is_not_empty":
                return ~np.isnan(values)
        raise ValueError(f"operator {op} does not apply to numbers")

    def leaf_on_rows(self, leaf: Leaf, rows: np.ndarray) -> np.ndarray:
        column = self.frame.columns[leaf.field.name]
        at = self.frame.decl_of_item[rows] if leaf.field.level == Level.DECLARATION else rows
        if isinstance(column, EncodedColumn):
            return self.unique_mask(leaf)[column.codes[at]]
        return self._number_mask(leaf, column[at])

    def node_on_rows(self, node: Node, rows: np.ndarray) -> np.ndarray:
        if isinstance(node, Leaf):
            return self.leaf_on_rows(node, rows)
        if isinstance(node, Not):
            return ~self.node_on_rows(node.child, rows)
        if isinstance(node, All):
            keep = np.ones(len(rows), dtype=bool)
            for child in node.children:
                alive = np.flatnonzero(keep)
                if len(alive) == 0:
                    break
                keep[alive] = self.node_on_rows(child, rows[alive])
            return keep
        found = np.zeros(len(rows), dtype=bool)
        for child in node.children:
            open_rows = np.flatnonzero(~found)
            if len(open_rows) == 0:
                break
            found[open_rows] = self.node_on_rows(child, rows[open_rows])
        return found

    # --- candidate rows ----------------------------------------------------------------------
    def _item_weighted_counts(self, leaf: Leaf) -> np.ndarray:
        """Per distinct value: how many item rows carry it."""
        name = leaf.field.name
        counts = self._weighted_counts.get(name)
        if counts is None:
            column = self.frame.columns[name]
            weights = self._items_per_decl if leaf.field.level == Level.DECLARATION else None
            counts = np.bincount(column.codes, weights=weights, minlength=len(column.uniques)).astype(np.int64)
            self._weighted_counts[name] = counts
        return counts

    def candidates(self, node: Node) -> Candidates | None:
        """Rows that might satisfy ``node`` (None: any row might)."""
        if isinstance(node, Leaf):
            if node.field.type == FieldType.NUMBER:
                return None
            mask = self.unique_mask(node)
            estimate = int(self._item_weighted_counts(node)[mask].sum())
            column = self.frame.columns[node.field.name]

            def materialise() -> np.ndarray:
                rows = column.rows_for(np.flatnonzero(mask))
                return self.frame.items_of(rows) if node.field.level == Level.DECLARATION else rows

            return estimate, materialise
        if isinstance(node, All):
            options = [option for option in map(self.candidates, node.children) if option is not None]
            return min(options, key=lambda option: option[0]) if options else None
        if isinstance(node, Any_):
            options = [self.candidates(child) for child in node.children]
            if any(option is None for option in options):
                return None
            return sum(option[0] for option in options), lambda: _union([option[1]() for option in options])
        return None

    def hits(self, key: Any, node: Node) -> CriterionHits:
        option = self.candidates(node)
        if option is None:
            rows = np.arange(self.frame.n_items)
        elif option[0] == 0:
            return CriterionHits(key, np.empty(0, dtype=np.int64))
        else:
            rows = option[1]()
        return CriterionHits(key, rows[self.node_on_rows(node, rows)])


def _union(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def evaluate(frame: Frame, criteria: list[tuple[Any, Node]], watch_lists: dict[str, WatchList]) -> list[CriterionHits]:
    """Every criterion over every row of the frame; only criteria with hits are returned."""
    evaluator = BatchEvaluator(frame, watch_lists)
    found = (evaluator.hits(key, node) for key, node in criteria)
    return [hit for hit in found if len(hit.item_rows)]


def group_by_declaration(frame: Frame, item_rows: np.ndarray) -> dict[int, list[int]]:
    """Declaration row -> item numbers, for one criterion's hit rows."""
    decl_rows = frame.decl_of_item[item_rows]
    numbers = frame.item_numbers[item_rows]
    grouped: dict[int, list[int]] = {}
    for decl_row, number in zip(decl_rows.tolist(), numbers.tolist(), strict=True):
        grouped.setdefault(decl_row, []).append(number)
    return grouped
