"""A :class:`~core.evaluation.comparison.Comparison` to JSON + columns and back, without pickle.

Scalars, strings, dicts and tuples become JSON (tagged where JSON would lose the type:
tuples, NaN/infinity, numpy scalars, dicts with keys JSON cannot keep). Arrays become
Parquet columns: arrays with one entry per cross-validation row (or per hold-out row) are
columns of one table each, so a million-row comparison is a few wide column writes; other
large arrays get a one-column table of their own; small ones (confusion matrices) stay in
the JSON with their dtype and shape. DataFrames become Parquet files. Folds are stored as
one small int8 column per fold (1 = training row, 2 = validation row).

Decoding only ever builds the dataclasses listed in :data:`DATACLASSES`, numeric numpy
arrays and DataFrames read by pyarrow: nothing in a saved run is executed or unpickled.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluation.comparison import CompareConfig, Comparison
from core.evaluation.crossval import HoldoutResult, StrategyResult
from core.evaluation.summary import DatasetSummary
from core.modelling.options import StrategyOptions

DATACLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Comparison,
        DatasetSummary,
        CompareConfig,
        StrategyOptions,
        StrategyResult,
        HoldoutResult,
    )
}
"""The only classes a saved run can hold (by name)."""

INLINE_MAX = 4096
"""Arrays with at most this many entries (that are not row-aligned) stay in the JSON."""

_NUMERIC_KINDS = "biuf"
_FOLD_TRAIN, _FOLD_VAL = 1, 2


def _dtype(name: object) -> np.dtype:
    """A numeric numpy dtype from its saved name; anything else is a corrupt run."""
    try:
        dtype = np.dtype(str(name))
    except TypeError:
        dtype = np.dtype(object)
    if dtype.kind not in _NUMERIC_KINDS:
        raise DataError(f"The saved run holds an array of unsupported type {name!r}")
    return dtype


def _float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


class Encoder:
    """Turns values into JSON-safe documents, collecting their arrays and DataFrames.

    ``row_counts`` names the row-aligned tables, e.g. ``{"cv": n, "holdout": m}``: an
    array whose first dimension is one of those counts becomes columns of that table.
    After encoding, :attr:`tables` maps table name -> {column: 1-D array} and
    :attr:`frames` maps frame name -> DataFrame.
    """

    def __init__(self, row_counts: Mapping[str, int]) -> None:
        self._by_length = {n: name for name, n in reversed(row_counts.items()) if n > 0}
        self._cv_rows = int(row_counts.get("cv", 0))
        self.tables: dict[str, dict[str, np.ndarray]] = {name: {} for name in row_counts}
        self.frames: dict[str, pd.DataFrame] = {}
        self._stored: list[tuple[np.ndarray, dict[str, Any]]] = []  # for de-duplication
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def encode(self, value: Any) -> Any:
        """A JSON-safe document for ``value`` (arrays and frames are collected aside)."""
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, np.generic):
            if value.dtype.kind not in _NUMERIC_KINDS:
                raise TypeError(f"cannot save a numpy {value.dtype} scalar")
            return {"$np": [value.dtype.name, self.encode(value.item())]}
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return _float(value)
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, Mapping):
            if all(isinstance(k, str) and not k.startswith("$") for k in value):
                return {k: self.encode(v) for k, v in value.items()}
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, pd.DataFrame):
            name = self._name("frame")
            self.frames[name] = value
            return {"$frame": name}
        if isinstance(value, Comparison):
            return self._comparison(value)
        if dataclasses.is_dataclass(value) and DATACLASSES.get(type(value).__name__) is type(value):
            fields = {
                f.name: self.encode(getattr(value, f.name)) for f in dataclasses.fields(value)
            }
            return {"$dc": [type(value).__name__, fields]}
        raise TypeError(f"cannot save a {type(value).__name__}")

    def _array(self, arr: np.ndarray) -> dict[str, Any]:
        if arr.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"cannot save an array of dtype {arr.dtype}")
        meta = {"dtype": arr.dtype.name, "shape": list(arr.shape)}
        table = self._by_length.get(arr.shape[0]) if arr.ndim else None
        if table is None and arr.size <= INLINE_MAX:
            data = arr.ravel().tolist()
            if arr.dtype.kind == "f":
                data = [_float(v) for v in data]
            return {"$array": {**meta, "data": data}}
        for seen, ref in self._stored:  # e.g. every strategy's identical fold_of_row
            if seen is arr or (
                seen.dtype == arr.dtype and seen.shape == arr.shape and np.array_equal(seen, arr)
            ):
                return ref
        if table is None:
            table = self._name("array")
            self.tables[table] = {"values": arr.ravel()}
            ref = {"$columns": {**meta, "table": table, "columns": ["values"]}}
        else:
            base = self._name("c")
            flat = arr.reshape(arr.shape[0], -1)
            names = [base] if arr.ndim == 1 else [f"{base}_{j}" for j in range(flat.shape[1])]
            for j, col in enumerate(names):
                self.tables[table][col] = arr if arr.ndim == 1 else flat[:, j]
            ref = {"$columns": {**meta, "table": table, "columns": names}}
        self._stored.append((arr, ref))
        return ref

    def _comparison(self, comparison: Comparison) -> dict[str, Any]:
        fields = {}
        for f in dataclasses.fields(comparison):
            value = getattr(comparison, f.name)
            fields[f.name] = self._folds(value) if f.name == "folds" else self.encode(value)
        return {"$dc": ["Comparison", fields]}

    def _folds(self, folds: tuple) -> Any:
        """Folds as int8 role columns (1 train, 2 validation) when that is lossless."""
        n = self._cv_rows
        if not n:
            return self.encode(folds)
        roles, dtypes = [], []
        for train, val in folds:
            role = np.zeros(n, dtype=np.int8)
            try:
                role[train], role[val] = _FOLD_TRAIN, _FOLD_VAL
            except IndexError:
                return self.encode(folds)
            if not (
                np.array_equal(np.flatnonzero(role == _FOLD_TRAIN), train)
                and np.array_equal(np.flatnonzero(role == _FOLD_VAL), val)
            ):
                return self.encode(folds)  # unsorted, repeated or overlapping rows
            roles.append(role)
            dtypes.append([np.asarray(train).dtype.name, np.asarray(val).dtype.name])
        names = []
        for role in roles:
            names.append(self._name("fold"))
            self.tables["cv"][names[-1]] = role
        return {"$folds": {"columns": names, "dtypes": dtypes}}


class Decoder:
    """Rebuilds what :class:`Encoder` wrote.

    ``table(name)`` returns a saved table as {column: 1-D array}; ``frame(name)`` a saved
    DataFrame. Only :data:`DATACLASSES` are ever constructed.
    """

    def __init__(
        self,
        table: Callable[[str], Mapping[str, np.ndarray]],
        frame: Callable[[str], pd.DataFrame],
    ) -> None:
        self._table = table
        self._frame = frame
        self._tables: dict[str, Mapping[str, np.ndarray]] = {}

    def _columns(self, table: str) -> Mapping[str, np.ndarray]:
        if table not in self._tables:
            self._tables[table] = self._table(str(table))
        return self._tables[table]

    def decode(self, doc: Any) -> Any:
        if isinstance(doc, list):
            return [self.decode(v) for v in doc]
        if not isinstance(doc, dict):
            return doc
        if len(doc) == 1:
            ((tag, body),) = doc.items()
            if tag.startswith("$"):
                return self._tagged(tag, body)
        return {k: self.decode(v) for k, v in doc.items()}

    def _tagged(self, tag: str, body: Any) -> Any:
        if tag == "$float":
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[body]
        if tag == "$tuple":
            return tuple(self.decode(v) for v in body)
        if tag == "$dict":
            return {self.decode(k): self.decode(v) for k, v in body}
        if tag == "$np":
            return _dtype(body[0]).type(self.decode(body[1]))
        if tag == "$array":
            data = [self.decode(v) for v in body["data"]]
            return np.array(data, dtype=_dtype(body["dtype"])).reshape(body["shape"])
        if tag == "$columns":
            return self._stacked(body)
        if tag == "$frame":
            return self._frame(str(body))
        if tag == "$folds":
            return self._folds(body)
        if tag == "$dc":
            return self._dataclass(*body)
        raise DataError(f"The saved run holds an unknown entry {tag!r}")

    def _stacked(self, body: dict[str, Any]) -> np.ndarray:
        dtype = _dtype(body["dtype"])
        columns = self._columns(body["table"])
        parts = [np.asarray(columns[c]) for c in body["columns"]]
        shape = tuple(int(d) for d in body["shape"])
        if len(parts) == 1:
            return parts[0].astype(dtype, copy=False).reshape(shape)
        out = np.empty((shape[0], len(parts)), dtype=dtype)
        for j, part in enumerate(parts):
            out[:, j] = part
        return out.reshape(shape)

    def _folds(self, body: dict[str, Any]) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        columns = self._columns("cv")
        folds = []
        for name, (train_dtype, val_dtype) in zip(body["columns"], body["dtypes"], strict=True):
            role = np.asarray(columns[name])
            folds.append(
                (
                    np.flatnonzero(role == _FOLD_TRAIN).astype(_dtype(train_dtype), copy=False),
                    np.flatnonzero(role == _FOLD_VAL).astype(_dtype(val_dtype), copy=False),
                )
            )
        return tuple(folds)

    def _dataclass(self, name: str, fields: dict[str, Any]) -> Any:
        cls = DATACLASSES.get(name)
        if cls is None:
            raise DataError(f"The saved run holds an unknown kind of record {name!r}")
        known = {f.name for f in dataclasses.fields(cls) if f.init}
        kwargs = {k: self.decode(v) for k, v in fields.items() if k in known}
        try:
            return cls(**kwargs)
        except DataError:
            # e.g. a strategy this version no longer lists: keep the run readable as saved
            obj = object.__new__(cls)
            for f in dataclasses.fields(cls):
                if f.name in kwargs:
                    value = kwargs[f.name]
                elif f.default is not dataclasses.MISSING:
                    value = f.default
                elif f.default_factory is not dataclasses.MISSING:
                    value = f.default_factory()
                else:
                    raise
                object.__setattr__(obj, f.name, value)
            return obj
