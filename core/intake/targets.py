"""Which column is the target, and what it says: target suggestion, target checks, task labels.

:func:`suggest_target` guesses the target for the select box; :func:`parse_target` checks the
chosen column(s) and turns them into class codes (binary/multiclass) or a 0/1 label matrix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.intake.columns import ColumnDecision, id_like_name, number_label, shorten, strip_text
from core.intake.reader import RawTable


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
_TRUE = frozenset({"1", "1.0", "true", "yes", "t"})
_FALSE = frozenset({"0", "0.0", "false", "no", "f"})
_CONTINUOUS_MIN = 10  # non-whole numeric targets with more distinct values are continuous

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


def _target_cardinality(col: str, s: pd.Series) -> int | None:
    """Distinct values if ``s`` could be a class column, else None (ID-like, continuous, ...)."""
    if id_like_name(col) or pd.api.types.is_datetime64_any_dtype(s.dtype):
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


# -- checking and encoding the target ----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ParsedTarget:
    """The target column(s) checked and encoded, for :func:`core.intake.dataset.build_dataset`."""

    columns: tuple[str, ...]  # the target column(s), as given (duplicates removed)
    y: np.ndarray  # class codes (n_kept,) or a 0/1 int8 label matrix (n_kept, n_labels)
    keep: np.ndarray  # bool per row of the file: False where the target is missing
    classes: tuple[str, ...]
    decisions: dict[str, ColumnDecision]  # schema entries of the target column(s)


def parse_target(
    frame: pd.DataFrame,
    target: str | Sequence[str],
    *,
    label_sep: str | None = None,
    max_classes: int = 50,
    notes: list[str],
) -> ParsedTarget:
    """Check the target column(s) of ``frame`` and encode them; appends what it noticed to ``notes``.

    One column: binary/multiclass (or multi-label with ``label_sep``, e.g. "a|b"); several
    0/1 columns: multi-label. Raises :class:`DataError` for a target that cannot be used.
    """
    targets = _check_targets(frame, target)
    if len(targets) > 1:
        if label_sep is not None:
            raise DataError(
                f"label_sep applies to one target column; got {len(targets)} columns",
                "Pick one column of label sets, or several 0/1 columns without label_sep",
            )
        y, keep, classes, decisions = _multilabel_columns(frame, targets, notes)
    elif label_sep is not None:
        y, keep, classes, decisions = _multilabel_sep(frame[targets[0]], label_sep, max_classes)
        empty = int(np.count_nonzero(y.sum(axis=1) == 0))
        if empty:
            many = empty != 1
            notes.append(
                f"{empty} row{'s' * many} of '{targets[0]}' carr{'y' if many else 'ies'} no "
                f"label (an empty label set); {'they are' if many else 'it is'} kept as "
                f"{'rows' if many else 'a row'} with none of the labels."
            )
    else:
        y, keep, classes, decisions = _single_target(frame[targets[0]], max_classes, notes)
    if y.ndim == 2 and len(classes) < 2:
        raise DataError(
            f"Only one label ('{classes[0]}') occurs in the target {', '.join(targets)}",
            "A multi-label target needs at least two labels: pick more label columns, check "
            "the label separator, or use a one-column (binary) target",
        )
    return ParsedTarget(tuple(targets), y, keep, classes, decisions)


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
            else (f"The columns are: {shorten(columns, 10)}")
        )
        raise DataError(f"Target column '{t}' is not in the file", hint)
    return targets


def _single_target(
    s: pd.Series, max_classes: int, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], dict[str, ColumnDecision]]:
    col = str(s.name)
    s = strip_text(s)
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
        labels = [number_label(u, v) for u, v in zip(uniques, numbers, strict=True)]
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
        bad = [number_label(None, b) for b in bad_values]
    else:
        text = s.astype("str").str.strip().str.lower()
        mapped = text.map(dict.fromkeys(_TRUE, 1.0) | dict.fromkeys(_FALSE, 0.0))
        bad = [repr(b) for b in pd.unique(s[s.notna() & mapped.isna()].astype("str"))]
        values = mapped.to_numpy(dtype=np.float64, na_value=np.nan)
    if len(bad):
        raise DataError(
            f"Target column '{col}' is not 0/1: found {shorten(bad, 5)}",
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
    present = s.notna().to_numpy()
    if not present.any():
        raise DataError(
            f"Target column '{col}' is empty: every value is missing", "Pick another column"
        )
    # an empty cell is an empty label set: a valid row that carries none of the labels
    keep = np.ones(len(s), dtype=bool)
    cells = s[present]
    if pd.api.types.is_float_dtype(cells.dtype) and np.all(cells == np.round(cells)):
        cells = cells.astype(np.int64)
    cells = pd.Series("", index=s.index, dtype="str").where(~present, cells.astype("str"))
    cells = cells.reset_index(drop=True)
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
