"""Uncertainty and significance: bootstrap confidence intervals of F1, and paired tests of a
strategy against the baseline (Nadeau & Bengio's corrected resampled t-test over folds,
McNemar on pooled predictions; the Bayesian correlated t-test with a region of practical
equivalence, Corani & Benavoli). Same conventions as :mod:`core.metrics.scores`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from scipy import stats

from core.errors import DataError
from core.metrics.inputs import prepare

# ---------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class Interval:
    """A confidence interval ``[low, high]``."""

    low: float
    high: float


@dataclass(frozen=True)
class BootstrapCI:
    """Percentile bootstrap intervals of F1 at confidence ``level`` from ``n_boot`` resamples."""

    per_class_f1: Mapping[str, Interval]  # class name -> interval, in ``classes`` order
    macro_f1: Interval
    level: float
    n_boot: int


def _outcome_patterns(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct per-label outcome rows (0 tn, 1 fp, 2 fn, 3 tp) and each row's pattern id."""
    outcome = 2 * y_true.astype(np.int64) + y_pred
    k = outcome.shape[1]
    if k > 31:  # too many labels to pack two bits each into one int64 key
        patterns, row_pattern = np.unique(outcome, axis=0, return_inverse=True)
        return patterns, row_pattern.ravel()
    shifts = 2 * np.arange(k, dtype=np.int64)
    keys, row_pattern = np.unique(
        np.bitwise_or.reduce(outcome << shifts, axis=1), return_inverse=True
    )
    return (keys[:, None] >> shifts) & 3, row_pattern


def bootstrap_ci(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: Sequence[str],
    task: str,
    *,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> BootstrapCI:
    """Percentile bootstrap CIs over rows for per-class F1 and macro F1.

    Returns a :class:`BootstrapCI` (an :class:`Interval` per class and for macro F1, with
    ``level`` and ``n_boot``). F1 follows ``zero_division=0``.

    Rows are grouped by their confusion pattern (single-label: the (true, predicted)
    cell; multi-label: the tn/fp/fn/tp outcome of every label), and a resample only
    needs how often each pattern is drawn: a multinomial draw when there are few
    patterns (the exact distribution of row resampling), else resampled row indices
    counted with ``np.bincount``. Cost ``O(n_boot * patterns * K)``; no sklearn calls.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise DataError(f"n_boot must be a whole number of at least 2. Got {n_boot!r} instead")
    if not 0 < level < 1:
        raise DataError(
            f"level must lie strictly between 0 and 1, e.g. 0.95. Got {level!r} instead"
        )
    d = prepare(y_true, y_pred, None, classes, task)
    n, k = d.y_true.shape[0], len(d.classes)
    if d.multilabel:
        patterns, row_pattern = _outcome_patterns(d.y_true, d.y_pred)
        tp_of, fp_of, fn_of = (patterns == c for c in (3, 1, 2))
    else:
        row_pattern = d.y_true * k + d.y_pred
        cells = np.arange(k * k)
        eye = np.eye(k, dtype=bool)
        tp_of = eye[cells // k] & eye[cells % k]
        fp_of = ~eye[cells // k] & eye[cells % k]
        fn_of = eye[cells // k] & ~eye[cells % k]
    n_patterns = tp_of.shape[0]
    counts = np.bincount(row_pattern, minlength=n_patterns)
    rng = np.random.default_rng(seed)
    contrib = np.concatenate([tp_of, fp_of, fn_of], axis=1).astype(np.float64)  # (m, 3K)
    f1 = np.zeros((n_boot, k))
    use_multinomial = n_patterns * 8 < n  # cheaper than drawing n row indices per resample
    chunk = max(1, 2_000_000 // (n_patterns if use_multinomial else n))  # bounds memory
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        if use_multinomial:
            drawn = rng.multinomial(n, counts / n, size=size)
        else:
            drawn = np.empty((size, n_patterns))
            for r, rows in enumerate(rng.integers(0, n, size=(size, n))):
                drawn[r] = np.bincount(row_pattern[rows], minlength=n_patterns)
        tp, fp, fn = np.split(drawn @ contrib, 3, axis=1)
        den = 2 * tp + fp + fn
        np.divide(2 * tp, den, out=f1[start : start + size], where=den > 0)
    alpha = (1 - level) / 2
    q = [100 * alpha, 100 * (1 - alpha)]
    lo, hi = np.percentile(f1, q, axis=0)
    macro_lo, macro_hi = np.percentile(f1.mean(axis=1), q)
    return BootstrapCI(
        per_class_f1={
            c: Interval(float(a), float(b)) for c, a, b in zip(d.classes, lo, hi, strict=True)
        },
        macro_f1=Interval(float(macro_lo), float(macro_hi)),
        level=float(level),
        n_boot=int(n_boot),
    )


# ---------------------------------------------------------------- paired tests


class PairedTestResult(NamedTuple):
    """``(statistic, p_value)`` of a paired test; unpacks like a plain tuple."""

    statistic: float
    p_value: float


def corrected_resampled_ttest(
    scores_a: Sequence[float], scores_b: Sequence[float], *, n_train: float, n_test: float
) -> PairedTestResult:
    """Nadeau & Bengio (2003) corrected resampled t-test on paired per-fold scores.

    ``t = mean(d) / sqrt(var(d, ddof=1) * (1/k + n_test/n_train))`` with ``d = a - b`` over
    ``k`` folds; two-sided ``p`` from Student's t with ``k - 1`` degrees of freedom.
    Returns ``(t, p)``; positive ``t`` means ``a`` scored higher. ``n_train`` and
    ``n_test`` are rows per training / validation fold (a mean over folds is fine).
    Zero variance (every difference identical): ``(0.0, 1.0)`` if they are all 0, else
    ``(±inf, 0.0)``, a constant non-zero difference. Any NaN score gives ``(nan, nan)``.
    """
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise DataError(
            "The t-test needs two equally long lists of at least two per-fold scores. "
            f"Got shapes {a.shape} and {b.shape} instead"
        )
    if n_train <= 0 or n_test <= 0:
        raise DataError(
            f"n_train and n_test must be positive row counts. Got {n_train} and {n_test} instead"
        )
    diff = a - b
    if np.isnan(diff).any():
        return PairedTestResult(float("nan"), float("nan"))
    k = diff.size
    mean = float(diff.mean())
    if np.ptp(diff) == 0:
        if mean == 0:
            return PairedTestResult(0.0, 1.0)
        return PairedTestResult(float(np.copysign(np.inf, mean)), 0.0)
    var = float(diff.var(ddof=1)) * (1.0 / k + n_test / n_train)
    t = mean / np.sqrt(var)
    return PairedTestResult(float(t), float(2 * stats.t.sf(abs(t), df=k - 1)))


def mcnemar_test(
    y_true: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    *,
    multilabel_unit: Literal["row", "element"] = "row",
) -> PairedTestResult:
    """McNemar's test of two classifiers on the same rows: ``(statistic, p_value)``.

    Each trial is correct or not: single-label, a row; multi-label, by default a row
    predicted exactly (subset correctness, so rows stay the independent units), or each
    (row, label) cell with ``multilabel_unit="element"``. With ``b`` = only A right and
    ``c`` = only B right: if ``b + c < 25`` the exact two-sided binomial test
    (statistic ``min(b, c)``), else chi-square with continuity correction
    ``(|b - c| - 1)^2 / (b + c)`` on 1 dof. No discordant trials gives ``(0.0, 1.0)``.
    """
    if multilabel_unit not in ("row", "element"):
        raise DataError(
            f"multilabel_unit must be 'row' or 'element'. Got {multilabel_unit!r} instead"
        )
    yt, pa, pb = (np.asarray(v) for v in (y_true, pred_a, pred_b))
    if yt.shape != pa.shape or yt.shape != pb.shape or yt.ndim not in (1, 2):
        raise DataError(
            "McNemar's test needs truth and both predictions with the same shape. "
            f"Got {yt.shape}, {pa.shape} and {pb.shape} instead"
        )
    right_a, right_b = pa == yt, pb == yt
    if yt.ndim == 2 and multilabel_unit == "row":
        right_a, right_b = right_a.all(axis=1), right_b.all(axis=1)
    b = int(np.count_nonzero(right_a & ~right_b))
    c = int(np.count_nonzero(~right_a & right_b))
    if b + c == 0:
        return PairedTestResult(0.0, 1.0)
    if b + c < 25:
        p_exact = min(1.0, 2 * float(stats.binom.cdf(min(b, c), b + c, 0.5)))
        return PairedTestResult(float(min(b, c)), p_exact)
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    return PairedTestResult(float(statistic), float(stats.chi2.sf(statistic, df=1)))


# ---------------------------------------------------------------- Bayesian correlated t-test

DEFAULT_ROPE = 0.01
"""Half-width of the region of practical equivalence of a per-fold score difference."""


class BayesianComparison(NamedTuple):
    """Posterior of ``a - b`` (Student t: ``mean``, ``scale``, ``df``) and its three masses."""

    p_better: float  # P(a - b > rope)
    p_equivalent: float  # P(|a - b| <= rope)
    p_worse: float  # P(a - b < -rope)
    mean: float
    scale: float
    df: int


def bayesian_correlated_ttest(
    scores_a: Sequence[float],
    scores_b: Sequence[float],
    *,
    rope: float = DEFAULT_ROPE,
    test_share: float,
) -> BayesianComparison:
    """Bayesian correlated t-test (Corani & Benavoli 2015) of paired per-fold scores.

    With ``d = a - b`` over ``n`` folds and ``rho = test_share`` (the correlation between
    folds; ``1/k`` for k-fold cross-validation), the posterior of the mean difference is
    Student t with ``n - 1`` degrees of freedom, location ``mean(d)`` and scale
    ``sqrt((1/n + rho/(1 - rho)) * var(d, ddof=1))``. Returns the masses right of ``rope``
    (a better), inside ``[-rope, rope]`` (practically equivalent) and left of ``-rope`` (a
    worse) -- the same numbers as ``baycomp.CorrelatedTTest.probs(b, a, rope)``. Zero
    variance gives 0/1 masses at the mean; any NaN score gives NaN masses.
    """
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise DataError(
            "The Bayesian t-test needs two equally long lists of at least two per-fold "
            f"scores. Got shapes {a.shape} and {b.shape} instead"
        )
    if not 0 < test_share < 1:
        raise DataError(f"test_share must lie strictly between 0 and 1. Got {test_share!r}")
    if not rope >= 0:
        raise DataError(f"rope must be a number >= 0. Got {rope!r} instead")
    diff = a - b
    n = diff.size
    if np.isnan(diff).any():
        nan = float("nan")
        return BayesianComparison(nan, nan, nan, nan, nan, n - 1)
    mean = float(diff.mean())
    var = float(diff.var(ddof=1)) * (1.0 / n + test_share / (1.0 - test_share))
    scale = float(np.sqrt(var))
    if var == 0:
        better, worse = float(mean > rope), float(mean < -rope)
        if rope == 0 and mean == 0:
            better = worse = 0.5
    else:
        better = float(stats.t.sf(rope, n - 1, loc=mean, scale=scale))
        worse = float(stats.t.cdf(-rope, n - 1, loc=mean, scale=scale))
    return BayesianComparison(better, max(0.0, 1.0 - better - worse), worse, mean, scale, n - 1)
