"""Bulk evaluation of many criteria over a frame of goods items (numpy, no per-row Python).

For each criterion the evaluator first asks which rows could possibly match: among
the leaves every match must satisfy (the conjunction at the top of the tree) it
picks the one that allows the fewest rows, using the dictionary of each column
and its inverted index; only those rows are then evaluated. Leaf results over a
column's distinct values are shared between all criteria of the batch.

When that most selective leaf is a goods-item leaf (HS code, origin, description...), the
rest of the criterion is read in that column's index order: the candidate rows of a code
(or of neighbouring codes, since codes follow sorted values) are one contiguous slice, and
the other columns are kept permuted into the same order once per batch, so evaluating a
criterion reads memory sequentially instead of gathering rows at random. Declaration-level
columns are broadcast to goods items once per batch for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from risk_engine.catalogue import FIELDS, FieldType, Level
from risk_engine.conditions import All, Any_, Leaf, Node, Not
from risk_engine.frame import EncodedColumn, Frame
from risk_engine.matching import word_pattern
from risk_engine.reference import WatchList

Candidates = tuple[int, Callable[[], np.ndarray]]  # (estimated rows, materialise)
Index = slice | np.ndarray  # positions evaluated: a contiguous slice or an array of positions
Columns = Callable[[str], np.ndarray]  # field name -> its values (codes or numbers) per position
FEW_WORDS = 8  # contains_any with at most this many words reuses one mask per word across criteria


@dataclass(frozen=True)
class CriterionHits:
    key: Any
    item_rows: np.ndarray  # item rows that satisfy the whole condition, ascending


def _mask_over(values: np.ndarray, test: Callable[[Any], bool]) -> np.ndarray:
    return np.fromiter((test(value) for value in values), dtype=bool, count=len(values))


def _subset(index: Index, alive: np.ndarray) -> Index:
    if isinstance(index, slice):
        return alive + index.start
    return index[alive]


class BatchEvaluator:
    def __init__(self, frame: Frame, watch_lists: dict[str, WatchList]):
        self.frame = frame
        self.watch_lists = watch_lists
        self._masks: dict[tuple, np.ndarray] = {}
        self._weighted_counts: dict[str, np.ndarray] = {}
        self._items_per_decl = np.diff(frame.decl_starts)
        self._per_item: dict[str, np.ndarray] = {}
        self._in_order: dict[tuple[str, str], np.ndarray] = {}
        self._codes_of: dict[str, dict[Any, int]] = {}
        self._holding: dict[str, dict[str, np.ndarray]] = {}
        self._as_text: dict[str, np.ndarray] = {}

    # --- per-column helpers, built once per batch -----------------------------------------
    def item_values(self, name: str) -> np.ndarray:
        """The column's codes (or numbers) per goods-item row; declaration columns broadcast."""
        values = self._per_item.get(name)
        if values is None:
            column = self.frame.columns[name]
            values = column.codes if isinstance(column, EncodedColumn) else column
            if self._level(name) == Level.DECLARATION:
                values = values[self.frame.decl_of_item]
            self._per_item[name] = values
        return values

    def values_in_order_of(self, sort_name: str, name: str) -> np.ndarray:
        """``item_values(name)`` permuted into the index order of column ``sort_name``."""
        key = (sort_name, name)
        values = self._in_order.get(key)
        if values is None:
            values = self._in_order[key] = self.item_values(name)[self.frame.columns[sort_name].order]
        return values

    def _level(self, name: str) -> Level:
        return FIELDS[name].level

    def _code_of(self, name: str) -> dict[Any, int]:
        codes = self._codes_of.get(name)
        if codes is None:
            uniques = self.frame.columns[name].uniques
            codes = self._codes_of[name] = {value: code for code, value in enumerate(uniques.tolist())}
        return codes

    def _codes_holding(self, name: str) -> dict[str, np.ndarray]:
        """For a list column (routes): country -> codes of the routes passing through it."""
        holding = self._holding.get(name)
        if holding is None:
            lists: dict[str, list[int]] = {}
            for code, route in enumerate(self.frame.columns[name].uniques.tolist()):
                for element in set(route):
                    lists.setdefault(element, []).append(code)
            holding = self._holding[name] = {key: np.asarray(codes, dtype=np.int64) for key, codes in lists.items()}
        return holding

    def _text(self, name: str) -> np.ndarray:
        text = self._as_text.get(name)
        if text is None:
            text = self._as_text[name] = np.asarray(self.frame.columns[name].uniques.tolist(), dtype=str)
        return text

    # --- leaves -------------------------------------------------------------------------
    def unique_mask(self, leaf: Leaf) -> np.ndarray:
        """The leaf's truth for each distinct value of its (dictionary-encoded) column."""
        mask = self._masks.get(leaf.key)
        if mask is None:
            mask = self._masks[leaf.key] = self._encoded_mask(leaf, leaf.field.name)
        return mask

    def _codes_mask(self, name: str, values: Any) -> np.ndarray:
        mask = np.zeros(len(self.frame.columns[name].uniques), dtype=bool)
        codes = self._code_of(name)
        found = [codes[value] for value in values if value in codes]
        mask[found] = True
        return mask

    def _encoded_mask(self, leaf: Leaf, name: str) -> np.ndarray:
        op, expected = leaf.op, leaf.value
        uniques = self.frame.columns[name].uniques
        if op in ("eq", "neq"):
            equal = self._codes_mask(name, (expected,))
            return equal if op == "eq" else ~equal
        if op in ("in", "not_in"):
            found = self._codes_mask(name, expected)
            return found if op == "in" else ~found
        if op == "starts_with":
            prefixes = (expected,) if isinstance(expected, str) else tuple(expected)
            if len(uniques) == 0:
                return np.zeros(0, dtype=bool)
            text = self._text(name)
            mask = np.zeros(len(uniques), dtype=bool)
            for prefix in prefixes:
                mask |= np.char.startswith(text, prefix)
            return mask
        if op == "any_in":
            holding = self._codes_holding(name)
            mask = np.zeros(len(uniques), dtype=bool)
            for element in expected:
                codes = holding.get(element)
                if codes is not None:
                    mask[codes] = True
            return mask
        if op == "contains_any":
            if len(expected) == 1 or len(expected) > FEW_WORDS:
                pattern = word_pattern(expected)
                return _mask_over(uniques, lambda value: pattern.search(value) is not None)
            mask = np.zeros(len(uniques), dtype=bool)  # a few words: one shared pass per word
            for word in expected:
                mask |= self.unique_mask(Leaf(leaf.field, "contains_any", (word,), (word,)))
            return mask
        if op in ("is_empty", "is_not_empty"):
            empty = self._codes_mask(name, ((), ""))
            return empty if op == "is_empty" else ~empty
        if op == "in_watch_list":
            watch = self.watch_lists.get(expected)
            if watch is None:
                return np.zeros(len(uniques), dtype=bool)
            if watch.prefix:
                prefixes = tuple(watch.values)
                return _mask_over(uniques, lambda value: bool(value) and value.startswith(prefixes))
            return self._codes_mask(name, watch.values)
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

    def _leaf(self, leaf: Leaf, values: np.ndarray) -> np.ndarray:
        if leaf.field.type == FieldType.NUMBER:
            return self._number_mask(leaf, values)
        return self.unique_mask(leaf)[values]

    def _node(self, node: Node, columns: Columns, index: Index, size: int) -> np.ndarray:
        """The node's truth at ``size`` positions ``index`` of the given column layout."""
        if isinstance(node, Leaf):
            return self._leaf(node, columns(node.field.name)[index])
        if isinstance(node, Not):
            return ~self._node(node.child, columns, index, size)
        if isinstance(node, All):
            keep = np.ones(size, dtype=bool)
            for position, child in enumerate(node.children):
                if position == 0:
                    keep = self._node(child, columns, index, size)
                    continue
                alive = np.flatnonzero(keep)
                if len(alive) == 0:
                    break
                if len(alive) == size:
                    keep = self._node(child, columns, index, size)
                else:
                    keep[alive] = self._node(child, columns, _subset(index, alive), len(alive))
            return keep
        found = np.zeros(size, dtype=bool)
        for position, child in enumerate(node.children):
            if position == 0:
                found = self._node(child, columns, index, size)
                continue
            open_positions = np.flatnonzero(~found)
            if len(open_positions) == 0:
                break
            if len(open_positions) == size:
                found = self._node(child, columns, index, size)
            else:
                found[open_positions] = self._node(child, columns, _subset(index, open_positions), len(open_positions))
        return found

    def node_on_rows(self, node: Node, rows: np.ndarray) -> np.ndarray:
        """The node's truth for the given goods-item rows."""
        return self._node(node, self.item_values, rows, len(rows))

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
        """Rows that might satisfy ``node`` (None: any row might); materialised rows are unordered."""
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

    def _starting_leaf(self, node: Node) -> tuple[Leaf, Node | None] | None:
        """The goods-item leaf to read the criterion in the order of, and what remains to check.

        Only when that leaf is itself the criterion or a direct part of its top conjunction (every
        match satisfies it) and no other part allows fewer rows.
        """
        if isinstance(node, Leaf):
            usable = node.field.level == Level.ITEM and node.field.type != FieldType.NUMBER
            return (node, None) if usable else None
        if not isinstance(node, All):
            return None
        best: tuple[int, int] | None = None  # (estimate, child position)
        overall = None
        for position, child in enumerate(node.children):
            option = self.candidates(child)
            if option is None:
                continue
            if overall is None or option[0] < overall:
                overall = option[0]
            usable = isinstance(child, Leaf) and child.field.level == Level.ITEM
            if usable and (best is None or option[0] < best[0]):
                best = (option[0], position)
        if best is None or best[0] > overall:
            return None
        rest = node.children[: best[1]] + node.children[best[1] + 1 :]
        return node.children[best[1]], (All(rest) if rest else None)

    def _hits_in_order(self, leaf: Leaf, rest: Node | None) -> np.ndarray:
        name = leaf.field.name
        column = self.frame.columns[name]
        codes = np.flatnonzero(self.unique_mask(leaf))
        starts, ends = column.bounds[codes], column.bounds[codes + 1]
        filled = ends > starts
        starts, ends = starts[filled], ends[filled]
        if len(starts) == 0:
            return np.empty(0, dtype=np.int64)
        joined = np.flatnonzero(starts[1:] != ends[:-1])  # neighbouring codes form one slice
        starts = np.concatenate((starts[:1], starts[1:][joined]))
        ends = np.concatenate((ends[:-1][joined], ends[-1:]))

        def columns(field_name: str) -> np.ndarray:
            return self.values_in_order_of(name, field_name)

        parts = []
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            rows = column.order[start:end]
            if rest is not None:
                rows = rows[self._node(rest, columns, slice(start, end), end - start)]
            parts.append(rows)
        if len(parts) == 1:
            return parts[0].copy()
        return np.sort(np.concatenate(parts), kind="stable")  # sorted runs: a merge, not a full sort

    def hits(self, key: Any, node: Node) -> CriterionHits:
        start = self._starting_leaf(node)
        if start is not None:
            return CriterionHits(key, self._hits_in_order(*start))
        option = self.candidates(node)
        if option is None:
            keep = self._node(node, self.item_values, slice(0, self.frame.n_items), self.frame.n_items)
            return CriterionHits(key, np.flatnonzero(keep))
        if option[0] == 0:
            return CriterionHits(key, np.empty(0, dtype=np.int64))
        rows = option[1]()
        return CriterionHits(key, np.sort(rows[self.node_on_rows(node, rows)]))


def _union(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def evaluate(frame: Frame, criteria: list[tuple[Any, Node]], watch_lists: dict[str, WatchList]) -> list[CriterionHits]:
    """Every criterion over every row of the frame; only criteria with hits are returned."""
    evaluator = BatchEvaluator(frame, watch_lists)
    found = (evaluator.hits(key, node) for key, node in criteria)
    return [hit for hit in found if len(hit.item_rows)]


def group_by_declaration(frame: Frame, item_rows: np.ndarray) -> dict[int, list[int]]:
    """Declaration row -> item numbers in ascending order, for one criterion's hit rows (which the
    evaluation may return in any order: it reads criteria in their most selective column's order)."""
    decl_rows = frame.decl_of_item[item_rows]
    numbers = frame.item_numbers[item_rows]
    order = np.lexsort((numbers, decl_rows))
    decl_rows, numbers = decl_rows[order], numbers[order]
    grouped: dict[int, list[int]] = {}
    for decl_row, number in zip(decl_rows.tolist(), numbers.tolist(), strict=True):
        grouped.setdefault(decl_row, []).append(number)
    return grouped
