"""Per-fold scores of one class from pooled out-of-fold predictions, and their spread.

Pure functions on numpy arrays: ``y_bin`` holds the class against the rest (0/1), ``scores``
its predicted probability and ``fold_of_row`` the validation fold of each row (as in
:class:`core.evaluation.crossval.StrategyResult`). Used where a paired, fold-by-fold view of a
ranking score is needed (the diagnosis, the recommendation). :func:`fold_spread` summarises
any per-fold scores (mean, sd, range) and flags one fold far from the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from core.errors import DataError

RANKING_METRICS = ("average_precision", "roc_auc")
OUTLIER_ALPHA = 0.05
"""Level of Grubbs' test for one outlier fold (two-sided): see :func:`fold_spread`."""
OUTLIER_MIN_GAP = 0.05
"""A flagged fold also lies more than this far (in the score's units) from the other folds' mean."""
OUTLIER_MIN_FOLDS = 3
"""With fewer finite fold scores than this, no fold is ever flagged."""


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


@dataclass(frozen=True)
class FoldSpread:
    """The spread of one score over the cross-validation folds (NaN folds skipped).

    ``mean`` and ``sd`` (ddof=1; NaN with fewer than two folds) of the ``n`` finite fold
    scores, ``low``/``high`` their minimum and maximum. ``outlier_fold`` is the 0-based
    index (in the given fold order, NaN folds counted) of the single fold flagged by
    :func:`fold_spread`'s rule, else None; ``outlier_value`` is its score (NaN when none).
    """

    mean: float
    sd: float
    low: float
    high: float
    n: int
    outlier_fold: int | None = None
    outlier_value: float = math.nan

    def to_dict(self) -> dict[str, float | int | None]:
        """``mean, sd, low, high, n, outlier_fold, outlier_value``; NaN becomes None."""

        def clean(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "mean": clean(self.mean),
            "sd": clean(self.sd),
            "low": clean(self.low),
            "high": clean(self.high),
            "n": self.n,
            "outlier_fold": self.outlier_fold,
            "outlier_value": clean(self.outlier_value),
        }


def grubbs_critical(n: int, alpha: float = OUTLIER_ALPHA) -> float:
    """Critical value of Grubbs' two-sided test for one outlier among ``n`` values:
    ``(n-1)/sqrt(n) * sqrt(t**2 / (n-2+t**2))``, ``t`` the upper ``alpha/(2n)`` quantile of
    Student's t with ``n-2`` degrees of freedom (NaN for ``n < 3``)."""
    if n < 3:
        return math.nan
    t = float(stats.t.isf(alpha / (2 * n), n - 2))
    return (n - 1) / math.sqrt(n) * math.sqrt(t * t / (n - 2 + t * t))


def _outlier_position(x: np.ndarray) -> int | None:
    """Position in ``x`` (finite values) of the fold :func:`fold_spread` flags, or None."""
    if x.size < OUTLIER_MIN_FOLDS:
        return None
    sd = float(x.std(ddof=1))
    if sd == 0:
        return None
    distance = np.abs(x - x.mean())
    i = int(np.argmax(distance))  # the first on a tie
    gap = abs(float(x[i]) - float(np.delete(x, i).mean()))
    if float(distance[i]) / sd > grubbs_critical(x.size) and gap > OUTLIER_MIN_GAP:
        return i
    return None


def fold_spread(values: np.ndarray | Sequence[float]) -> FoldSpread:
    """Mean, sd (ddof=1), range and outlier fold of per-fold scores; NaN folds are skipped.

    The outlier rule: Grubbs' test for one outlier at level :data:`OUTLIER_ALPHA`. The fold
    farthest from the mean is flagged when its distance over the sd exceeds
    :func:`grubbs_critical` **and** it lies more than :data:`OUTLIER_MIN_GAP` from the mean
    of the other folds — so a wobble between very stable folds is not flagged, and when the
    other folds agree exactly the absolute gap decides. At most that one fold is flagged;
    with fewer than :data:`OUTLIER_MIN_FOLDS` finite folds none is. Under normal noise a
    score is flagged by chance about ``OUTLIER_ALPHA`` of the time.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    where = np.flatnonzero(np.isfinite(x))
    finite = x[where]
    n = int(finite.size)
    if n == 0:
        return FoldSpread(math.nan, math.nan, math.nan, math.nan, 0)
    sd = float(finite.std(ddof=1)) if n > 1 else math.nan
    spread = FoldSpread(float(finite.mean()), sd, float(finite.min()), float(finite.max()), n)
    pos = _outlier_position(finite)
    if pos is None:
        return spread
    return replace(spread, outlier_fold=int(where[pos]), outlier_value=float(finite[pos]))


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
