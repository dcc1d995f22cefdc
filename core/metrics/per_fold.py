"""Per-fold scores of one class from pooled out-of-fold predictions, and their spread.

Pure functions on numpy arrays: ``y_bin`` holds the class against the rest (0/1), ``scores``
its predicted probability and ``fold_of_row`` the validation fold of each row (as in
:class:`core.evaluation.crossval.StrategyResult`). Used where a paired, fold-by-fold view of a
ranking score is needed (the diagnosis, the recommendation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from core.errors import DataError

RANKING_METRICS = ("average_precision", "roc_auc")


@dataclass(frozen=True)
class Interval:
    """Mean of ``n`` finite values, its standard error and Student-t confidence interval.

    ``low``/``high``/``se`` are NaN with fewer than two values; ``low == high == mean``
    (``se`` 0) when the values do not vary.
    """

    mean: float
    low: float
    high: float
    n: int
    se: float = math.nan  # sample std (ddof=1) / sqrt(n)

    def contains(self, value: float) -> bool:
        """True when ``value`` lies in ``[low, high]`` (False when the interval is undefined)."""
        return bool(self.low <= value <= self.high)

    def to_dict(self) -> dict[str, float | int | None]:
        """``mean, low, high, n, se``; NaN becomes None."""

        def clean(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "mean": clean(self.mean),
            "low": clean(self.low),
            "high": clean(self.high),
            "n": self.n,
            "se": clean(self.se),
        }


def mean_interval(values: np.ndarray | list[float], confidence: float = 0.95) -> Interval:
    """Mean and ``confidence`` Student-t interval of the finite ``values`` (NaN are skipped)."""
    if not 0 < confidence < 1:
        raise DataError(f"confidence must be between 0 and 1. Got {confidence!r} instead")
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    if np.ptp(x) == 0:
        return Interval(mean, mean, mean, n, 0.0)
    se = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * se
    return Interval(mean, mean - half, mean + half, n, se)


def per_fold_scores(
    y_bin: np.ndarray, scores: np.ndarray, fold_of_row: np.ndarray, metric: str
) -> np.ndarray:
    """``metric`` ("average_precision" or "roc_auc") of ``scores`` on each fold's rows.

    Folds are ``0 .. max(fold_of_row)``; NaN for a fold where the metric is undefined (AP
    without a positive row, ROC AUC without both outcomes) or a score is missing.
    """
    if metric not in RANKING_METRICS:
        raise DataError(
            f"Unknown per-fold metric {metric!r}", "Use one of: " + ", ".join(RANKING_METRICS)
        )
    y = np.asarray(y_bin).astype(np.int8).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    folds = np.asarray(fold_of_row).ravel()
    if not (y.shape == s.shape == folds.shape):
        raise DataError(
            "Labels, scores and fold ids must have the same length. "
            f"Got {y.shape}, {s.shape} and {folds.shape} instead"
        )
    n_folds = int(folds.max()) + 1 if folds.size else 0
    out = np.full(n_folds, np.nan)
    for k in range(n_folds):
        mask = folds == k
        yk, sk = y[mask], s[mask]
        n_pos = int(yk.sum())
        if n_pos == 0 or not np.all(np.isfinite(sk)):
            continue
        if metric == "average_precision":
            out[k] = average_precision_score(yk, sk)
        elif n_pos < yk.size:
            out[k] = roc_auc_score(yk, sk)
    return out


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> Interval:
    """Mean and t-interval of the per-fold differences ``a - b`` (folds where both are finite)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise DataError(f"Paired scores need the same folds. Got {a.shape} and {b.shape} instead")
    return mean_interval(a - b, confidence)
