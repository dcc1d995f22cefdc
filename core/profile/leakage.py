"""How well each feature on its own separates one class from the rest: a leakage screen.

A feature that alone tells a class apart almost perfectly (ROC AUC >= 0.99) is more often a
copy of the target (an ID assigned after the fact, a status column filled in later) than a
genuine signal; every score built on it is then too good to be true.

- Numeric feature: ROC AUC of the raw value, ``max(auc, 1 - auc)`` (either direction
  separates); a missing value counts as one more value, below all others.
- Categorical feature: ROC AUC of the class rate of the row's category, computed out of fold
  (5 stratified folds): each row is scored by the rate its category has in the *other* folds,
  smoothed towards the overall rate, so a per-row ID cannot separate by memorising itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from core.errors import DataError
from core.intake.dataset import Dataset
from core.intake.sampling import stratified_rows

ENCODING_FOLDS = 5
PRIOR_WEIGHT = 1.0  # rows' worth of the overall rate mixed into each category's rate


def class_labels(ds: Dataset, class_name: str) -> np.ndarray:
    """0/1 per row: the row is (multi-label: carries) ``class_name``."""
    if class_name not in ds.classes:
        raise DataError(
            f"Unknown class {class_name!r}", "Choose one of: " + ", ".join(map(repr, ds.classes))
        )
    j = ds.classes.index(class_name)
    y = np.asarray(ds.y)
    return (y[:, j] if ds.is_multilabel else (y == j)).astype(np.int8)


def _two_sided_auc(y: np.ndarray, values: np.ndarray) -> float:
    auc = float(roc_auc_score(y, values))
    return max(auc, 1.0 - auc)


def _numeric_values(column: pd.Series) -> np.ndarray:
    x = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros_like(x)
    return np.where(finite, x, np.min(x[finite]) - 1.0)


def _out_of_fold_rate(column: pd.Series, y: np.ndarray, seed: int) -> np.ndarray:
    """Each row's category's class rate in the other folds, smoothed towards the overall rate
    (an unseen category gets the overall rate itself)."""
    cats = column.astype("string").fillna("<missing>").to_numpy(dtype=object)
    n_splits = min(ENCODING_FOLDS, int(y.sum()), int(y.size - y.sum()))
    encoded = np.empty(y.size, dtype=np.float64)
    prior = float(y.mean())  # one constant for every fold: an unseen category scores the same
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for train, val in folds.split(np.zeros(y.size), y):
        frame = pd.DataFrame({"c": cats[train], "y": y[train]})
        grouped = frame.groupby("c", sort=False)["y"].agg(["sum", "count"])
        rate = (grouped["sum"] + PRIOR_WEIGHT * prior) / (grouped["count"] + PRIOR_WEIGHT)
        encoded[val] = pd.Series(cats[val]).map(rate).fillna(prior).to_numpy(dtype=np.float64)
    return encoded


def single_feature_auc(
    ds: Dataset, class_name: str, max_rows: int = 20_000, seed: int = 0
) -> list[tuple[str, float]]:
    """``(feature, ROC AUC)`` of every feature alone against ``class_name``, best first.

    AUC is ``max(auc, 1 - auc)`` (0.5 = no separation, 1 = perfect). Computed on a stratified
    sample of ``max_rows`` rows (drawn with ``seed``) when the data are larger. Empty when the
    class has fewer than 2 rows or every row belongs to it (nothing to separate). A
    categorical feature whose class has fewer than 2 rows outside it scores 0.5.
    """
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 10:
        raise DataError(f"max_rows must be a whole number of at least 10. Got {max_rows!r} instead")
    y = class_labels(ds, class_name)
    rows = np.arange(ds.n_rows)
    if ds.n_rows > max_rows:
        rows = stratified_rows(y, max_rows, seed)
    y = y[rows]
    n_pos = int(y.sum())
    if n_pos < 2 or n_pos == y.size:
        return []
    X = ds.X.iloc[rows].reset_index(drop=True)
    found: list[tuple[str, float]] = []
    for col in ds.numeric_features:
        found.append((str(col), _two_sided_auc(y, _numeric_values(X[col]))))
    for col in ds.categorical_features:
        if y.size - n_pos < 2:
            found.append((str(col), 0.5))
            continue
        found.append((str(col), _two_sided_auc(y, _out_of_fold_rate(X[col], y, seed))))
    found = [(c, a if math.isfinite(a) else 0.5) for c, a in found]
    return sorted(found, key=lambda item: -item[1])
