"""Reading the columns of a predictions file (:mod:`core.intake.predictions`): which columns
hold a model's scores or labels, whether scores are probabilities, and their values as
numbers, each mismatch a :class:`~core.errors.DataError`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from core.errors import DataError
from core.intake.columns import shorten

ScoreKind = Literal["probability", "score", "label"]
SCORE_PREFIXES = ("proba_", "score_")
SINGLE_SCORE_NAMES = ("score", "proba", "probability", "prob", "y_score", "y_proba", "p")
PRED_NAMES = ("pred", "y_pred", "prediction", "predicted", "predicted_label")
ROW_COLUMNS = ("row", "row_id")
SUM_TOL = 0.01
"""Rows of probabilities of a single-label target must sum to 1 within this."""


def find_column(columns: Sequence[str], names: Sequence[str]) -> str | None:
    low = {c.lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def numbers(frame: pd.DataFrame, cols: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """Columns ``cols`` on ``rows`` as a float (n, len(cols)) matrix; DataError for text or NaN."""
    out = np.empty((len(rows), len(cols)))
    for j, col in enumerate(cols):
        s = frame[col].iloc[rows]
        values = pd.to_numeric(s, errors="coerce")
        bad = s[values.isna() & s.notna()]
        if len(bad):
            raise DataError(
                f"Score column '{col}' holds values that are not numbers: "
                + shorten([repr(str(v)) for v in pd.unique(bad.astype(str))], 3),
                "Scores must be numbers (probabilities, or raw scores such as logits)",
            )
        missing = np.flatnonzero(values.isna().to_numpy())
        if missing.size:
            raise DataError(
                f"Score column '{col}' has {missing.size} missing value(s) (data rows "
                + shorten([str(int(r)) for r in np.asarray(rows)[missing]], 5)
                + ")",
                "Every scored row needs a score; drop those rows or fill in the model's scores",
            )
        out[:, j] = values.to_numpy(dtype=np.float64)
        if not np.isfinite(out[:, j]).all():
            raise DataError(f"Score column '{col}' holds infinite values", "Give finite scores")
    return out


def score_kind(values: np.ndarray, task: str, single: bool) -> tuple[ScoreKind, str]:
    inside = bool(np.all((values >= 0) & (values <= 1)))
    if not inside:
        return "score", f"values from {values.min():.3g} to {values.max():.3g}, outside [0, 1]"
    if task != "multilabel" and not single:
        sums = values.sum(axis=1)
        if np.max(np.abs(sums - 1)) > SUM_TOL:
            return "score", f"in [0, 1] but rows sum from {sums.min():.3g} to {sums.max():.3g}"
    return "probability", "in [0, 1]"


def score_columns(
    inner: dict[str, str], classes: Sequence[str], task: str, prefixes: Sequence[str]
) -> tuple[tuple[str, ...], int | None]:
    """(columns aligned with the classes, or one column; the class a single column scores)."""
    low = {k.lower(): v for k, v in inner.items()}
    for prefix in (*prefixes, ""):
        found = {i: low[f"{prefix}{c}".lower()] for i, c in enumerate(classes)
                 if f"{prefix}{c}".lower() in low}  # fmt: skip
        unknown = [v for k, v in inner.items() if prefix and k.lower().startswith(prefix.lower())
                   and k[len(prefix):].lower() not in {c.lower() for c in classes}]  # fmt: skip
        if prefix and unknown and (found or len(unknown) > 1):
            raise DataError(
                f"Score column {unknown[0]!r} is for class {unknown[0][len(prefix) :]!r}, which "
                f"is not in the target (classes: {shorten([repr(c) for c in classes], 8)})",
                "Rename the column to the class it scores, or drop it",
            )
        if len(found) == len(classes):
            return tuple(found[i] for i in range(len(classes))), None
        if found and task == "binary":
            (i, col), = found.items()  # fmt: skip
            return (col,), i
        if found:
            missing = [c for i, c in enumerate(classes) if i not in found]
            raise DataError(
                f"Class {missing[0]!r} of the target has no score column (expected "
                f"'{prefix}{missing[0]}' beside {', '.join(map(repr, found.values()))})",
                "Give one score column per class (a class the model never predicts scores 0)",
            )
    if task == "binary":
        single = find_column(list(inner), [*(p.lower() for p in prefixes), *SINGLE_SCORE_NAMES])
        if single is not None:
            return (inner[single],), 1
    return (), None


def pred_columns(inner: dict[str, str], classes: Sequence[str], task: str) -> tuple[str, ...]:
    if task == "multilabel":
        low = {k.lower(): v for k, v in inner.items()}
        cols = [low.get(f"pred_{c}".lower()) for c in classes]
        if all(cols):
            return tuple(c for c in cols if c)
    single = find_column(list(inner), PRED_NAMES)
    return (inner[single],) if single else ()


def model_names(frame: pd.DataFrame, model_col: str) -> np.ndarray:
    """(rows,) model name of every row of the file; DataError for a row without one."""
    s = frame[model_col]
    missing = np.flatnonzero(s.isna().to_numpy())
    if missing.size:
        raise DataError(
            f"Column '{model_col}' is empty in {missing.size} row(s) (data rows "
            + shorten([str(int(r)) for r in missing], 5)
            + ")",
            "Name the model that scored every row",
        )
    return s.astype(str).str.strip().to_numpy(dtype=object)


def label_codes(s: pd.Series, classes: Sequence[str], col: str) -> np.ndarray:
    """Predicted labels -> class codes; DataError for a missing or unknown label."""
    if s.isna().any():
        raise DataError(f"Column '{col}' has missing predicted labels", "Give every row its label")
    if pd.api.types.is_numeric_dtype(s.dtype):
        text = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in s]
    else:
        text = [str(v).strip() for v in s]
    where = {c: i for i, c in enumerate(classes)}
    unknown = [t for t in dict.fromkeys(text) if t not in where]
    if unknown:
        raise DataError(
            f"Column '{col}' predicts {shorten([repr(u) for u in unknown], 3)}, not a class of "
            f"the target ({shorten([repr(c) for c in classes], 8)})",
            "Predicted labels must be written as the target's classes are",
        )
    return np.array([where[t] for t in text], dtype=np.intp)


def as_proba(
    raw: np.ndarray, kind: ScoreKind, score_class: int | None, task: str, k: int
) -> np.ndarray:
    """A model's values ``raw`` (n, columns) as (n, K) scores in [0, 1] for the views: as given
    for probabilities (a single binary column ``s`` of class ``score_class`` gives ``1 - s``
    to the other class); raw scores through the logistic function (one column, multi-label)
    or the softmax (one column per class); [0, 1] scores not summing to 1 divided by their
    row sum."""
    if score_class is not None:  # binary single column
        s = raw[:, 0] if kind == "probability" else 1 / (1 + np.exp(-raw[:, 0]))
        return np.column_stack([1 - s, s] if score_class == 1 else [s, 1 - s])
    if task == "multilabel":
        return raw.copy() if kind == "probability" else 1 / (1 + np.exp(-raw))
    if np.all((raw >= 0) & (raw <= 1)):
        sums = raw.sum(axis=1, keepdims=True)
        return np.divide(raw, sums, out=np.full_like(raw, 1 / k), where=sums > 0)
    z = np.exp(raw - raw.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def aligned_rows(
    frame: pd.DataFrame,
    models: Sequence[str],
    model_column: str | None,
    row_column: str | None,
    y_all: np.ndarray,
    keep: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Rows of the file of each of ``models``, aligned row for row (by ``row_column`` when
    given, else by order), and the row ids; DataError when the models scored other rows or
    give other true targets for them."""
    kept = np.flatnonzero(keep)
    if model_column is None:
        rows = {m: kept for m in models}
    else:
        model_of = model_names(frame, model_column)
        rows = {m: kept[model_of[kept] == m] for m in models}
    first_name, first = next(iter(rows.items()))
    ids = None
    if row_column is not None:
        ids = frame[row_column].to_numpy()
        for name, r in rows.items():
            dup = pd.Series(ids[r]).duplicated()
            if dup.any():
                raise DataError(
                    f"Row {ids[r][dup.to_numpy()][0]!r} of column '{row_column}' occurs "
                    f"twice for model {name!r}",
                    "Each model scores each row once",
                )
        where = {v: i for i, v in enumerate(ids[first])}
        for name, r in list(rows.items())[1:]:
            extra = [v for v in ids[r] if v not in where]
            if len(r) != len(first) or extra:
                raise DataError(
                    f"Models {first_name!r} and {name!r} scored different rows "
                    f"({len(first)} and {len(r)} rows"
                    + (f"; row {extra[0]!r} only for {name!r}" if extra else "")
                    + ")",
                    "Every model must score the same rows, so they can be compared row by row",
                )
            order = np.argsort([where[v] for v in ids[r]], kind="stable")
            rows[name] = r[order]
    else:
        for name, r in list(rows.items())[1:]:
            if len(r) != len(first):
                raise DataError(
                    f"Models {first_name!r} and {name!r} scored different rows "
                    f"({len(first)} and {len(r)} rows)",
                    f"Every model must score the same rows; add a '{ROW_COLUMNS[0]}' column "
                    "to match them",
                )
    for name, r in list(rows.items())[1:]:
        if not np.array_equal(y_all[r], y_all[first]):
            raise DataError(
                f"Models {first_name!r} and {name!r} give different true targets for the same rows",
                f"Match the rows of the models (a '{ROW_COLUMNS[0]}' column), in the same order",
            )
    row_ids = first.astype(np.int64)
    if ids is not None:
        numbers = pd.to_numeric(pd.Series(ids[first]), errors="coerce")
        if numbers.notna().all() and np.all(numbers == np.round(numbers)):
            row_ids = numbers.to_numpy(dtype=np.int64)
    return rows, row_ids


def fold_parts(
    frame: pd.DataFrame, col: str | None, rows: dict[str, np.ndarray]
) -> np.ndarray | None:
    """The fold column on the aligned rows as parts 0..F-1 (None without one); DataError
    when it is missing somewhere, differs between models or has a single value."""
    if col is None:
        return None
    s = frame[col]
    first = next(iter(rows.values()))
    if s.iloc[first].isna().any():
        raise DataError(f"Column '{col}' has missing values", "Give every row its part (fold)")
    for name, r in rows.items():
        if not np.array_equal(
            s.iloc[r].astype(str).to_numpy(), s.iloc[first].astype(str).to_numpy()
        ):
            raise DataError(f"Model {name!r} puts rows in other folds than the first model",
                            f"A row keeps one '{col}' for every model")  # fmt: skip
    codes, uniques = pd.factorize(s.iloc[first], sort=True)
    if len(uniques) < 2:
        raise DataError(
            f"Column '{col}' has a single value, so nothing is left to tune decisions on",
            f"Give at least two parts in '{col}', or drop the column to use seeded parts",
        )
    return codes.astype(np.intp)


def pred_values(
    frame: pd.DataFrame,
    cols: Sequence[str],
    rows: np.ndarray,
    task: str,
    classes: Sequence[str],
    label_sep: str | None,
) -> np.ndarray:
    """A model's own decisions in ``cols`` on ``rows``: class codes (n,), or a 0/1 (n, K)
    matrix for multi-label (``pred_<label>`` columns, or one column of label sets)."""
    if task != "multilabel":
        return label_codes(frame[cols[0]].iloc[rows], classes, cols[0])
    if len(cols) > 1:
        values = numbers(frame, cols, rows)
        if not np.isin(values, (0, 1)).all():
            raise DataError(f"Predicted-label columns {', '.join(cols)} must hold 0/1")
        return values.astype(np.int8)
    col = cols[0]
    if label_sep is None:
        raise DataError(
            f"Column '{col}' holds predicted label sets but no label separator was given",
            "Pass --label-sep, or give pred_<label> 0/1 columns",
        )
    where = {c: i for i, c in enumerate(classes)}
    out = np.zeros((len(rows), len(classes)), dtype=np.int8)
    for i, cell in enumerate(frame[col].iloc[rows]):
        for part in ("" if pd.isna(cell) else str(cell)).split(label_sep):
            part = part.strip()
            if part and part not in where:
                raise DataError(f"Column '{col}' predicts label {part!r}, not a target label")
            if part:
                out[i, where[part]] = 1
    return out
