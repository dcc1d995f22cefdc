"""CSV intake, target/task detection and feature typing -> :class:`Dataset`.

Everything the user uploads is validated here, once; nothing downstream re-checks it.
Decoding and parsing the file itself lives in :mod:`core.intake.reader`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

import numpy as np
import pandas as pd

from core.errors import DataError
from core.intake.reader import MAX_BYTES, read_csv_source

TaskKind = Literal["binary", "multiclass", "multilabel"]


@dataclass(frozen=True)
class ColumnDecision:
    """What intake did with one column of the file, and why (the schema report)."""

    column: str
    kind: str  # "target" | "numeric" | "categorical" | "datetime" | "dropped"
    reason: str


@dataclass(frozen=True, eq=False)
class RawTable:
    """A CSV decoded and split into columns, before a target is chosen."""

    frame: pd.DataFrame  # every column as read; index 0..n-1 = 0-based data row of the file
    name: str  # file name as uploaded (user text: escape before showing in HTML)
    content_hash: str  # sha256 hex of the raw bytes
    encoding: str
    delimiter: str
    notes: tuple[str, ...] = ()  # what intake noticed (e.g. "dropped 3 empty trailing columns")


@dataclass(frozen=True, eq=False)
class Dataset:
    """One clean, typed table with its target: the input of every later step.

    ``y`` holds integer codes into ``classes`` (shape ``(n,)``) for binary/multiclass,
    and a 0/1 ``int8`` matrix of shape ``(n, len(classes))`` for multi-label, where
    ``classes`` are the label names.
    """

    X: pd.DataFrame
    y: np.ndarray
    task: TaskKind
    classes: tuple[str, ...]
    target: tuple[str, ...]
    numeric_features: tuple[str, ...]
    categorical_features: tuple[str, ...]
    schema: tuple[ColumnDecision, ...]
    row_ids: np.ndarray  # 0-based data row of the uploaded file, per kept row
    n_dropped_missing_target: int = 0
    name: str = "data.csv"
    content_hash: str = ""
    label_sep: str | None = None
    notes: tuple[str, ...] = field(default=())
    # A stratified sample (core.intake.sampling): rows of the data it was drawn from, and the
    # sentence announcing it; its content_hash then ends in "#sample-<rows>-seed<seed>".
    sampled_from: int | None = None
    sample_note: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def is_multilabel(self) -> bool:
        return self.task == "multilabel"

    @property
    def class_counts(self) -> dict[str, int]:
        """Rows per class (multi-label: rows carrying each label), in ``classes`` order."""
        if self.is_multilabel:
            counts = np.asarray(self.y).sum(axis=0)
        else:
            counts = np.bincount(np.asarray(self.y), minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts, strict=True)}


@dataclass(frozen=True)
class TargetSuggestion:
    """A guess at the target column, for pre-filling the "Target column" select box."""

    column: str | None
    reason: str
    candidates: tuple[tuple[str, int], ...]  # (column, distinct values), best first
    label_columns: tuple[str, ...]  # 0/1-valued columns: possible multi-label targets


TARGET_NAMES = ("target", "label", "class", "y", "outcome", "churn", "fraud", "default",
                "diagnosis", "species", "category")  # fmt: skip
_STRONG_NAMES = frozenset({"target", "label", "class", "y", "outcome"})
_ID_TOKENS = frozenset({"id", "uuid", "guid", "key", "index", "idx", "row", "rowid", "pk"})
_TRUE = frozenset({"1", "1.0", "true", "yes", "t"})
_FALSE = frozenset({"0", "0.0", "false", "no", "f"})
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_MONTH = r"[A-Za-z]{3,9}\.?"
_DATE = re.compile(
    rf"^(\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}"
    rf"|\d{{1,2}}[ -]{_MONTH}[ -,]+\d{{2,4}}|{_MONTH} \d{{1,2}}(st|nd|rd|th)?,? \d{{2,4}})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%y",
                 "%d/%m/%y", "mixed")  # fmt: skip
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_COMPACT_DTYPES = frozenset({"int8", "int16", "int32", "float32"})  # see compact_numeric
_CONTINUOUS_MIN = 10  # non-whole numeric targets with more distinct values are continuous


def read_table(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> RawTable:
    """Read a CSV (path, bytes or binary file-like such as Streamlit's UploadedFile).

    Refuses what is not a CSV, detects the encoding and delimiter on the first 64 KB, then
    parses the whole file with pyarrow; ``frame.attrs["csv_engine"]`` says which parser ran.
    """
    got = read_csv_source(source, name=name, max_bytes=max_bytes)
    return RawTable(got.frame, got.name, got.content_hash, got.encoding, got.delimiter, got.notes)


def load_dataset(
    source: str | os.PathLike | bytes | BinaryIO,
    target: str | Sequence[str],
    *,
    label_sep: str | None = None,
    name: str | None = None,
) -> Dataset:
    """:func:`read_table` then :func:`build_dataset`."""
    return build_dataset(read_table(source, name=name), target, label_sep=label_sep)


def schema_frame(ds: Dataset) -> pd.DataFrame:
    """The schema report as a table with columns column, kind, reason."""
    rows = [(d.column, d.kind, d.reason) for d in ds.schema]
    return pd.DataFrame(rows, columns=["column", "kind", "reason"])


# -- target suggestion -------------------------------------------------------------------------


def suggest_target(raw: RawTable) -> TargetSuggestion:
    """Guess the target: a column named like one with 2..50 classes, else the last such column.

    The reason also names columns that look like delimited label sets ("a|b").
    """
    frame = raw.frame
    scored, labels, label_sets = [], [], []
    for pos, col in enumerate(frame.columns):
        s = frame[col]
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            sep = _label_set_sep(pd.Index(s.iloc[:20_000].dropna().unique()))
            if sep:
                label_sets.append(f"'{col}' looks like label sets separated by '{sep}'")
                continue
        k = _target_cardinality(str(col), s)
        if k is None:
            continue
        if k == 2 and _is_01(s):
            labels.append(str(col))
        scored.append((_name_rank(str(col)), -pos, str(col), k))
    scored.sort()
    candidates = tuple((col, k) for _, _, col, k in scored)
    if not scored:
        column, reason = None, "No column has 2 to 50 distinct values; pick the target yourself"
    elif scored[0][0] < 2:
        column, k = scored[0][2], scored[0][3]
        reason = f"'{column}' is named like a target and has {k} distinct values"
    else:
        column, k = scored[0][2], scored[0][3]
        reason = f"No column is named like a target; '{column}' is the last with {k} classes"
    if label_sets:
        reason += f"; {'; '.join(label_sets)} (a multi-label target with label_sep)"
    return TargetSuggestion(column, reason, candidates, tuple(labels))


def _name_rank(col: str) -> int:
    low = col.strip().lower()
    tokens = set(re.split(r"[^0-9a-z]+", low))
    if low in _STRONG_NAMES:
        return 0
    if (
        tokens & set(TARGET_NAMES)
        or low.startswith(("is_", "has_"))
        or re.match(r"(is|has)[A-Z]", col)
    ):
        return 1
    return 2


def _id_name(col: str) -> bool:
    tokens = set(re.split(r"[^0-9a-z]+", col.strip().lower()))
    return bool(tokens & _ID_TOKENS) or re.search(r"[a-z0-9](Id|ID)$", col.strip()) is not None


def _target_cardinality(col: str, s: pd.Series) -> int | None:
    """Distinct values if ``s`` could be a class column, else None (ID-like, continuous, ...)."""
    if _id_name(col) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return None
    if s.iloc[:20_000].nunique() > 50:  # cheap reject on a prefix before the full count
        return None
    if pd.api.types.is_float_dtype(s.dtype):
        values = s.dropna().to_numpy()
        if not np.array_equal(values, np.round(values)):
            return None
    k = int(s.nunique())
    present = int(s.notna().sum())
    if not 2 <= k <= 50 or (k > 2 and k >= 0.9 * present):
        return None
    return k


def _is_01(s: pd.Series) -> bool:
    try:
        values = _as_01(s, str(s.name))
    except DataError:
        return False
    return bool(np.nanmax(values) == 1 and np.nanmin(values) == 0)


# -- building the dataset ----------------------------------------------------------------------


def build_dataset(
    raw: RawTable,
    target: str | Sequence[str],
    *,
    label_sep: str | None = None,
    max_classes: int = 50,
) -> Dataset:
    """Check the target, detect the task, type every other column -> :class:`Dataset`.

    One column: binary/multiclass (or multi-label with ``label_sep``, e.g. "a|b"); several
    0/1 columns: multi-label. Rows with a missing target are dropped and counted.
    """
    frame = raw.frame
    targets = _check_targets(frame, target)
    notes = list(raw.notes)
    if len(targets) > 1:
        if label_sep is not None:
            raise DataError(
                f"label_sep applies to one target column; got {len(targets)} columns",
                "Pick one column of label sets, or several 0/1 columns without label_sep",
            )
        y, keep, classes, decisions = _multilabel_columns(frame, targets, notes)
    elif label_sep is not None:
        y, keep, classes, decisions = _multilabel_sep(frame[targets[0]], label_sep, max_classes)
    else:
        y, keep, classes, decisions = _single_target(frame[targets[0]], max_classes, notes)
    if y.ndim == 2 and len(classes) < 2:
        raise DataError(
            f"Only one label ('{classes[0]}') occurs in the target {', '.join(targets)}",
            "A multi-label target needs at least two labels: pick more label columns, check "
            "the label separator, or use a one-column (binary) target",
        )
    task: TaskKind = (
        "multilabel" if y.ndim == 2 else "binary" if len(classes) == 2 else "multiclass"
    )
    row_ids = np.flatnonzero(keep).astype(np.int64)
    n_dropped = int(frame.shape[0] - row_ids.size)
    if n_dropped:
        notes.append(f"Dropped {n_dropped} rows with a missing target ({', '.join(targets)}).")
    feats = frame if n_dropped == 0 else frame.iloc[row_ids]
    columns: dict[str, pd.Series] = {}
    for col in frame.columns:
        if col in decisions:
            continue
        decisions[col], values = _type_feature(str(col), feats[col], row_ids.size)
        if values is not None:
            columns[col] = values
    if not columns:
        dropped = [f"'{d.column}' ({d.reason})" for d in decisions.values() if d.kind == "dropped"]
        if not dropped:
            raise DataError(
                f"The file has no column besides the target ({', '.join(targets)})",
                "Add the feature columns to the file",
            )
        raise DataError(
            f"No usable feature column is left: {_shorten(dropped, 6)}",
            "Add feature columns to the file, or pick another target",
        )
    # copy=False: no consolidation into one 2-D block, so float64 columns of the file are
    # shared with the raw table instead of copied (half the memory of a big numeric file).
    X = pd.DataFrame(columns, copy=False)
    X.index = pd.RangeIndex(row_ids.size)
    schema = tuple(decisions[c] for c in frame.columns)
    kinds = {d.column: d.kind for d in schema}
    return Dataset(
        X=X,
        y=y,
        task=task,
        classes=classes,
        target=tuple(targets),
        numeric_features=tuple(c for c in X.columns if kinds[c] in ("numeric", "datetime")),
        categorical_features=tuple(c for c in X.columns if kinds[c] == "categorical"),
        schema=schema,
        row_ids=row_ids,
        n_dropped_missing_target=n_dropped,
        name=raw.name,
        content_hash=raw.content_hash,
        label_sep=label_sep,
        notes=tuple(notes),
    )


def _shorten(items: Sequence[str], limit: int) -> str:
    text = ", ".join(items[:limit])
    return text + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _check_targets(frame: pd.DataFrame, target: str | Sequence[str]) -> list[str]:
    targets = list(dict.fromkeys([target] if isinstance(target, str) else target))
    if not targets:
        raise DataError("No target column given", "Pick the column that holds each row's class")
    columns = [str(c) for c in frame.columns]
    for t in targets:
        if t in frame.columns:
            continue
        close = [c for c in columns if c.lower() == str(t).lower()]
        close += [c for c in difflib.get_close_matches(str(t), columns, n=3) if c not in close]
        hint = (
            f"Close matches: {', '.join(repr(c) for c in close)}"
            if close
            else (f"The columns are: {_shorten(columns, 10)}")
        )
        raise DataError(f"Target column '{t}' is not in the file", hint)
    return targets


def _strip(s: pd.Series) -> pd.Series:
    """Text stripped of surrounding blanks, blank text -> missing; other dtypes unchanged."""
    if not (pd.api.types.is_string_dtype(s.dtype) and s.dtype != object):
        return s
    out = s.str.strip()
    return out.mask(out == "")


def _single_target(
    s: pd.Series, max_classes: int, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], dict[str, ColumnDecision]]:
    col = str(s.name)
    s = _strip(s)
    keep = s.notna().to_numpy()
    if not keep.any():
        raise DataError(
            f"Target column '{col}' is empty: every value is missing", "Pick another column"
        )
    codes, uniques = pd.factorize(s[keep])
    k, n = len(uniques), int(keep.sum())
    not_numbers = (
        uniques.dtype == bool
        or pd.api.types.is_datetime64_any_dtype(uniques.dtype)
        or all(isinstance(u, (bool, np.bool_)) for u in uniques[:3])
    )
    numbers = None if not_numbers else pd.to_numeric(pd.Series(uniques), errors="coerce")
    if numbers is not None and numbers.isna().any():
        numbers = None
    if numbers is not None and k > _CONTINUOUS_MIN and not np.all(numbers == np.round(numbers)):
        raise DataError(
            f"Target column '{col}' looks continuous ({k} distinct values)",
            "Bin it into classes or pick another column",
        )
    sep = _label_set_sep(uniques) if pd.api.types.is_string_dtype(uniques.dtype) else None
    sep_hint = (
        f"The values look like label sets separated by '{sep}'; pass label_sep='{sep}' for a "
        "multi-label target"
        if sep
        else ""
    )
    if k > max_classes or (k > 2 and k >= 0.9 * n):
        what = "looks like an ID" if k >= 0.9 * n else f"has more than {max_classes} classes"
        raise DataError(
            f"Target column '{col}' {what}: {k} distinct values in {n} rows",
            sep_hint or "Pick the column that holds each row's class, or group rare classes",
        )
    if k == 1:
        raise DataError(
            f"Target column '{col}' has only one class: every value is '{uniques[0]}' "
            f"({n} row{'s' * (n != 1)})",
            "Pick a column with at least two classes",
        )
    if sep:
        notes.append(sep_hint + ".")
    if numbers is not None:
        labels = [_num_label(u, v) for u, v in zip(uniques, numbers, strict=True)]
        order = np.argsort(numbers.to_numpy(dtype=float), kind="stable")
    else:
        labels = [str(u) for u in uniques]
        order = np.argsort(np.array(labels, dtype=object), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    classes = tuple(labels[i] for i in order)
    task = "binary" if k == 2 else "multiclass"
    decision = ColumnDecision(col, "target", f"target ({task}: {k} classes)")
    return rank[codes].astype(np.int64), keep, classes, {col: decision}


def _num_label(raw: object, value: float) -> str:
    if isinstance(raw, str):
        return raw
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _label_set_sep(uniques: pd.Index) -> str | None:
    """'|', ';' or ',' if many distinct values are short labels joined by it, and the labels
    recur (across values, or alone as values), unlike the parts of e.g. "Smith, John"."""
    sample = pd.Series(uniques[:2000]).astype(str).str.strip()
    for sep in ("|", ";", ","):
        token = rf"[^{re.escape(sep)}]{{1,40}}"
        joined = sample[sample.str.fullmatch(rf"{token}(\s*{re.escape(sep)}\s*{token})+")]
        if len(joined) < 0.3 * len(sample):
            continue
        pieces = joined.str.split(sep, regex=False).explode().str.strip()
        if pieces.nunique() <= 0.5 * len(pieces) or pieces.isin(set(sample)).all():
            return sep
    return None


def _as_01(s: pd.Series, col: str) -> np.ndarray:
    """0/1 floats with NaN for missing; accepts true/false, yes/no, t/f, 1.0/0.0."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64)
    if pd.api.types.is_numeric_dtype(s.dtype):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        bad_values = pd.unique(values[~np.isnan(values) & (values != 0) & (values != 1)])
        bad = [_num_label(None, b) for b in bad_values]
    else:
        text = s.astype("str").str.strip().str.lower()
        mapped = text.map(dict.fromkeys(_TRUE, 1.0) | dict.fromkeys(_FALSE, 0.0))
        bad = [repr(b) for b in pd.unique(s[s.notna() & mapped.isna()].astype("str"))]
        values = mapped.to_numpy(dtype=np.float64, na_value=np.nan)
    if len(bad):
        raise DataError(
            f"Target column '{col}' is not 0/1: found {_shorten(bad, 5)}",
            "Each of several target columns must hold 0/1 (or true/false, yes/no); pick 0/1 "
            "columns, or use one column of label sets with label_sep",
        )
    return values


def _multilabel_columns(
    frame: pd.DataFrame, targets: list[str], notes: list[str]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], dict[str, ColumnDecision]]:
    matrix = np.column_stack([_as_01(frame[c], c) for c in targets])
    keep = ~np.isnan(matrix).any(axis=1)
    if not keep.any():
        raise DataError(
            f"Every row has a missing value in one of the target columns {', '.join(targets)}",
            "Fill in the 0/1 labels, or pick other columns",
        )
    y = matrix[keep].astype(np.int8)
    counts, n = y.sum(axis=0), int(keep.sum())
    if not counts.any():
        raise DataError(
            f"No label occurs: every value of {', '.join(targets)} is 0",
            "Pick label columns that hold a 1 in at least some rows",
        )
    decisions = {}
    for col, c in zip(targets, counts, strict=True):
        decisions[col] = (
            ColumnDecision(col, "target", f"label column: 1 in {c} of {n} rows ({c / n:.1%})")
            if c
            else ColumnDecision(
                col, "dropped", f"label that never occurs: every value is 0 ({n} rows)"
            )
        )
    never = [c for c, k in zip(targets, counts, strict=True) if k == 0]
    if never:
        notes.append(f"Dropped label(s) that never occur (all 0): {', '.join(never)}.")
    classes = tuple(c for c, k in zip(targets, counts, strict=True) if k)
    return np.ascontiguousarray(y[:, counts > 0]), keep, classes, decisions


def _multilabel_sep(
    s: pd.Series, label_sep: str, max_classes: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], dict[str, ColumnDecision]]:
    col = str(s.name)
    if not isinstance(label_sep, str) or not label_sep:
        raise DataError(
            f"label_sep must be a non-empty string such as '|'. Got {label_sep!r} instead",
            "Pass the character that separates the labels in each cell",
        )
    keep = s.notna().to_numpy()
    if not keep.any():
        raise DataError(
            f"Target column '{col}' is empty: every value is missing", "Pick another column"
        )
    cells = s[keep]
    if pd.api.types.is_float_dtype(cells.dtype) and np.all(cells == np.round(cells)):
        cells = cells.astype(np.int64)
    cells = cells.astype("str").reset_index(drop=True)
    pieces = cells.str.split(label_sep, regex=False).explode().str.strip()
    pieces = pieces[pieces.notna() & (pieces != "")]
    codes, uniques = pd.factorize(pieces)
    k = len(uniques)
    if k == 0:
        raise DataError(
            f"Target column '{col}' holds no labels once split on '{label_sep}'",
            "Check label_sep, or pick another column",
        )
    if k > max_classes:
        raise DataError(
            f"Target column '{col}' has {k} distinct labels; at most {max_classes} are supported",
            "Check label_sep, merge rare labels, or pick another column",
        )
    numbers = pd.to_numeric(pd.Series(uniques), errors="coerce")
    key = numbers.to_numpy() if numbers.notna().all() else np.array(uniques, dtype=object)
    order = np.argsort(key, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    y = np.zeros((cells.size, k), dtype=np.int8)
    y[pieces.index.to_numpy(), rank[codes]] = 1
    reason = f"target (multi-label: {k} labels separated by '{label_sep}')"
    return (
        y,
        keep,
        tuple(str(uniques[i]) for i in order),
        {col: ColumnDecision(col, "target", reason)},
    )


# -- feature typing ----------------------------------------------------------------------------


def _drop(col: str, reason: str) -> tuple[ColumnDecision, None]:
    return ColumnDecision(col, "dropped", reason), None


def _type_feature(col: str, s: pd.Series, n: int) -> tuple[ColumnDecision, pd.Series | None]:
    """Decide what one feature column becomes: numeric, datetime, categorical or dropped."""
    is_numeric = pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "boolean":
        s, is_numeric = s.astype("float64"), True  # booleans with gaps -> 1/0/NaN
    elif not is_numeric and not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = _strip(s.astype("str"))
    n_missing = int(s.isna().sum())
    present = n - n_missing
    if present == 0:
        return _drop(col, f"all missing ({n} rows)")
    if n_missing > 0.95 * n:
        return _drop(col, f"{n_missing / n:.0%} missing ({n_missing} of {n} rows)")
    missing = f"; {n_missing} missing" if n_missing else ""
    if is_numeric:
        return _numeric(col, s, present, missing)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        days = _days(s)
        if days.nunique() == 1:
            return _drop(col, f"constant: every value is {s.dropna().iloc[0]}{missing}")
        return ColumnDecision(col, "datetime", f"datetime -> days since 1970-01-01{missing}"), days
    return _text(col, s, n, present, missing)


def _numeric(
    col: str, s: pd.Series, present: int, missing: str
) -> tuple[ColumnDecision, pd.Series | None]:
    held = s.dtype.name if s.dtype.name in _COMPACT_DTYPES else None
    s = s.astype(np.float64)
    values = s.to_numpy()
    lo, hi = np.nanmin(values), np.nanmax(values)
    if lo == hi:
        return _drop(col, f"constant: every value is {_num_label(None, lo)}{missing}")
    if hi - lo == present - 1 or _id_name(col):  # cheap gate before counting distinct values
        k = int(s.nunique())
        whole = np.array_equal(values[~np.isnan(values)], np.round(values[~np.isnan(values)]))
        sequence = whole and k == present and hi - lo == present - 1 and present >= 3
        if sequence or (_id_name(col) and k >= 0.95 * present):
            what = " (an integer sequence)" if sequence else ""
            return _drop(col, f"ID-like: {k} distinct values in {present} rows{what}")
    read_as = f"; read as {held} (lossless)" if held else ""
    return ColumnDecision(col, "numeric", f"numeric{missing}{read_as}"), s


def _days(s: pd.Series) -> pd.Series:
    s = s.dt.tz_localize("UTC") if s.dt.tz is None else s.dt.tz_convert("UTC")
    return (s - _EPOCH) / pd.Timedelta(days=1)


def _text(
    col: str, s: pd.Series, n: int, present: int, missing: str
) -> tuple[ColumnDecision, pd.Series | None]:
    counts = s.value_counts()
    k, uniques = len(counts), counts.index
    if k == 1:
        return _drop(col, f"constant: every value is '{uniques[0]}'{missing}")
    sample = pd.Series(uniques[:200])
    id_like = f"ID-like: {k} distinct values in {present} rows"
    if k >= 0.95 * present and (_id_name(col) or sample.str.fullmatch(_UUID).mean() >= 0.95):
        return _drop(col, id_like)
    numbers = pd.to_numeric(pd.Series(uniques), errors="coerce").to_numpy()
    share = counts.to_numpy()[~np.isnan(numbers)].sum() / present
    if share >= 0.95:
        values = pd.to_numeric(s, errors="coerce")
        bad = [repr(u) for u in uniques[np.isnan(numbers)]]
        reason = f"{present - int(values.notna().sum())} non-numeric values ({_shorten(bad, 3)}) read as missing"
        return ColumnDecision(col, "numeric", f"numeric; {reason}{missing}"), values.astype(
            np.float64
        )
    if sample.str.fullmatch(_DATE).mean() >= 0.8:
        parsed = _parse_dates(pd.Series(uniques))
        share = counts.to_numpy()[parsed.notna().to_numpy()].sum() / present
        if share >= 0.95:
            days = s.map(pd.Series(_days(parsed).to_numpy(), index=uniques))
            reason = (
                f"datetime: {share:.0%} of {present} values parse as dates -> days since 1970-01-01"
            )
            return ColumnDecision(col, "datetime", reason), days.astype(np.float64)
    limit = max(50, int(0.05 * n))
    if k <= limit:
        return ColumnDecision(
            col, "categorical", f"categorical: {k} distinct values{missing}"
        ), _as_objects(s)
    if k == present and not sample.str.contains(r"\s").any():
        return _drop(col, id_like)
    return _drop(
        col, f"high-cardinality text: {k} distinct values in {n} rows (over {limit} to one-hot)"
    )


def _as_objects(s: pd.Series) -> pd.Series:
    """``s.astype(object)`` with one Python string per distinct value, not one per row
    (a million rows of a few categories then cost 8 MB of pointers, not 60 MB of strings)."""
    codes, uniques = pd.factorize(s)
    table = np.append(np.asarray(uniques, dtype=object), np.nan)  # code -1 (missing) -> NaN
    return pd.Series(table[codes], index=s.index, name=s.name, dtype=object)


def _parse_dates(values: pd.Series) -> pd.Series:
    """UTC datetimes (NaT where unparsable) in the first format that fits >= 95% of values."""
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(values, errors="coerce", format=fmt, utc=True)
        if parsed.notna().mean() >= 0.95:
            break
    return parsed
