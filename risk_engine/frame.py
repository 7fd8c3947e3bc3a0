"""The columnar form of a batch of declaration versions, for bulk evaluation.

Rows are goods items (sorted by declaration); declaration-level columns have one
row per declaration and are broadcast to items through ``decl_of_item``. Every
non-numeric column is dictionary-encoded (pandas.factorize): a leaf is evaluated
once per distinct value and gathered by code, and an inverted index (codes ->
rows) lets a criterion start from the few rows its most selective leaf allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from risk_engine.catalogue import FIELDS, FieldType, Level
from risk_engine.conditions import normalise_text


@dataclass
class EncodedColumn:
    """Codes into ``uniques`` for CODE, TEXT, LIST (tuples) and BOOL fields."""

    codes: np.ndarray  # int32 per row of the column's level
    uniques: np.ndarray  # object array of distinct normalised values
    _order: np.ndarray | None = field(default=None, repr=False)
    _bounds: np.ndarray | None = field(default=None, repr=False)

    def counts(self) -> np.ndarray:
        self._index()
        return np.diff(self._bounds)

    @property
    def order(self) -> np.ndarray:
        """Row numbers grouped by code (ascending code, rows ascending within a code)."""
        self._index()
        return self._order

    @property
    def bounds(self) -> np.ndarray:
        """Rows of code ``c`` are ``order[bounds[c]:bounds[c + 1]]``."""
        self._index()
        return self._bounds

    def rows_for(self, matching_codes: np.ndarray) -> np.ndarray:
        """Row numbers whose code is one of ``matching_codes``, unordered (callers sort what they keep:
        sorting every candidate set was a third of the engine's time)."""
        self._index()
        if len(matching_codes) == 0:
            return np.empty(0, dtype=np.int64)
        return np.concatenate([self._order[self._bounds[code] : self._bounds[code + 1]] for code in matching_codes])

    def _index(self) -> None:
        if self._order is None:
            self._order = np.argsort(self.codes, kind="stable")
            self._bounds = np.searchsorted(self.codes[self._order], np.arange(len(self.uniques) + 1), side="left")


def encode(values: list[Any], *, sort: bool = False) -> EncodedColumn:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=sort, use_na_sentinel=False)
    return EncodedColumn(codes.astype(np.int32, copy=False), np.asarray(uniques, dtype=object))


def encode_normalised(values: list[Any], kind: FieldType) -> EncodedColumn:
    """Normalise each distinct raw value once, then re-encode by normalised value.

    Normalised values are coded in sorted order, so the rows of codes sharing a prefix (HS 8703..)
    lie next to each other in the column's index and a criterion reads them as one slice.
    """
    raw = encode(values)
    regrouped = encode([normalise_value(kind, value) for value in raw.uniques], sort=True)
    return EncodedColumn(regrouped.codes[raw.codes], regrouped.uniques)


@dataclass
class Frame:
    version_ids: np.ndarray  # per declaration row
    decl_of_item: np.ndarray  # per item row: its declaration row
    item_numbers: np.ndarray  # per item row
    columns: dict[str, EncodedColumn | np.ndarray]  # field name -> column (numbers: float64 ndarray)
    decl_starts: np.ndarray = field(init=False)  # item rows of declaration i: [starts[i], starts[i+1])

    def __post_init__(self) -> None:
        self.decl_starts = np.searchsorted(self.decl_of_item, np.arange(len(self.version_ids) + 1), side="left")

    @property
    def n_decl(self) -> int:
        return len(self.version_ids)

    @property
    def n_items(self) -> int:
        return len(self.decl_of_item)

    def items_of(self, decl_rows: np.ndarray) -> np.ndarray:
        """Item rows of the given declaration rows (sorted)."""
        if len(decl_rows) == 0:
            return np.empty(0, dtype=np.int64)
        starts, ends = self.decl_starts[decl_rows], self.decl_starts[decl_rows + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        return np.arange(lengths.sum()) + offsets

    def value(self, name: str, row: int) -> Any:
        column = self.columns[name]
        if isinstance(column, EncodedColumn):
            return column.uniques[column.codes[row]]
        return float(column[row])

    def record(self, decl_row: int) -> dict[str, Any]:
        """One declaration as the reference evaluator's record (for explanations)."""
        decl = {name: self.value(name, decl_row) for name, spec in FIELDS.items() if spec.level == Level.DECLARATION}
        items = []
        for row in range(self.decl_starts[decl_row], self.decl_starts[decl_row + 1]):
            item = {name: self.value(name, row) for name, spec in FIELDS.items() if spec.level == Level.ITEM}
            item["item_number"] = int(self.item_numbers[row])
            items.append(item)
        return {"decl": decl, "items": items}


def normalise_value(kind: FieldType, value: Any) -> Any:
    """How a raw value is held in records and frames (shared by every loader).

    Missing values (None, or the NaN pandas uses for them) become "" / () / NaN / False.
    """
    if kind == FieldType.NUMBER:
        return math.nan if value is None else float(value)
    if kind == FieldType.BOOL:
        return value is True or (isinstance(value, np.bool_) and bool(value))
    if kind == FieldType.LIST:
        return tuple(code.upper() for code in value) if isinstance(value, tuple | list) else ()
    if not isinstance(value, str):
        return ""
    if kind == FieldType.TEXT:
        return normalise_text(value)
    return value.strip().upper()


def frame_from_records(records: list[dict[str, Any]]) -> Frame:
    """Build a frame from normalised records (tests, single declarations, the oracle)."""
    decl_values: dict[str, list] = {name: [] for name, spec in FIELDS.items() if spec.level == Level.DECLARATION}
    item_values: dict[str, list] = {name: [] for name, spec in FIELDS.items() if spec.level == Level.ITEM}
    decl_of_item, item_numbers = [], []
    for index, record in enumerate(records):
        for name in decl_values:
            decl_values[name].append(record["decl"][name])
        for item in record["items"]:
            decl_of_item.append(index)
            item_numbers.append(item["item_number"])
            for name in item_values:
                item_values[name].append(item[name])
    return build_frame(
        version_ids=np.arange(len(records)),
        decl_values=decl_values,
        item_values=item_values,
        decl_of_item=np.asarray(decl_of_item, dtype=np.int64),
        item_numbers=np.asarray(item_numbers, dtype=np.int32),
    )


def build_frame(
    *,
    version_ids: np.ndarray,
    decl_values: dict[str, list],
    item_values: dict[str, list],
    decl_of_item: np.ndarray,
    item_numbers: np.ndarray,
) -> Frame:
    """Columns from raw values (None allowed; lists as tuples), normalised once per distinct value."""
    columns: dict[str, EncodedColumn | np.ndarray] = {}
    for name, values in (decl_values | item_values).items():
        kind = FIELDS[name].type
        if kind == FieldType.NUMBER:
            columns[name] = pd.Series(values, dtype="float64").to_numpy()
        else:
            columns[name] = encode_normalised(values, kind)
    return Frame(np.asarray(version_ids), decl_of_item, item_numbers, columns)
