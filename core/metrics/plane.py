"""The (accuracy, F1) plane: feasible region, trivial classifiers, threshold sweeps and Pareto
fronts. Metrics re-estimated at the class shares expected in use are in
:mod:`core.metrics.prevalence`.

Binary geometry, in shares of the n rows: with positive share ``p`` and accuracy ``C`` the
true-positive share ``t`` satisfies ``max(0, C + p - 1) <= t <= min(p, C)``, and since
``FP + FN = 1 - C``, ``F1 = 2t / (2t + 1 - C)``. For ``C < 1`` F1 strictly increases with
``t``, so the two ends of the ``t`` interval are the exact F1 bounds, and every F1 between
them is reached. Every ``C`` in ``[0, 1]`` is feasible: ``C = t + tn`` with ``0 <= t <= p``
and ``0 <= tn <= 1 - p``, so ``C`` sweeps ``[0, 1]`` (``C = 0``: all rows wrong, ``C = 1``:
all right). The 0/0 case ``2t + 1 - C = 0`` needs ``t = 0`` and ``C = 1``; ``C = 1`` forces
``t = p``, so it cannot happen for ``0 < p < 1``. With counts it happens only when there are
no positive rows and no errors; F1 is then ``zero_division`` (0 by default, as scikit-learn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.metrics.inputs import finite_array, safe_div
from core.metrics.sweep import cut_counts

TIE_TOLERANCE = 1e-12  # "better" in summaries needs a gap larger than this


# --------------------------------------------------------------------------- validation


def _check_p(p: float) -> float:
    try:
        value = float(p)
    except (TypeError, ValueError):
        raise DataError(f"The positive-class share must be a number. Got {p!r} instead") from None
    if not 0.0 < value < 1.0:  # NaN fails too
        raise DataError(
            f"The positive-class share must lie strictly between 0 and 1. Got {p!r} instead",
            "An (accuracy, F1) region needs rows of both classes",
        )
    return value


def _check_grid(n_grid: int) -> int:
    if isinstance(n_grid, bool) or not isinstance(n_grid, int | np.integer) or n_grid < 2:
        raise DataError(f"n_grid must be an integer of at least 2. Got {n_grid!r} instead")
    return int(n_grid)


# --------------------------------------------------------------------------- region bounds


def f1_bounds(
    accuracy: float | np.ndarray | Sequence[float], p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (min, max) F1 over all binary classifiers with this accuracy, positive share ``p``.

    ``accuracy`` is a scalar or array in ``[0, 1]``; both results have its shape (0-d for a
    scalar: use ``float()``). Lower end: ``t = max(0, C + p - 1)``; upper: ``t = min(p, C)``.
    """
    p = _check_p(p)
    acc = finite_array(accuracy, "Accuracy")
    if np.any((acc < 0) | (acc > 1)):
        bad = acc[(acc < 0) | (acc > 1)].ravel()[:3].tolist()
        raise DataError(f"Accuracy must lie in [0, 1]. Got {bad!r} instead")
    t_hi = np.minimum(p, acc)
    t_lo = np.minimum(np.maximum(0.0, acc + p - 1.0), t_hi)  # clip float noise at C = 1
    err = 1.0 - acc
    return safe_div(2 * t_lo, 2 * t_lo + err), safe_div(2 * t_hi, 2 * t_hi + err)


def f1_bounds_counts(
    n: int,
    n_pos: int,
    n_correct: int | np.ndarray | Sequence[int],
    *,
    zero_division: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (min, max) F1 over integer confusion matrices of ``n`` rows, ``n_pos`` positive,
    with ``n_correct`` right (scalar or array). TP runs over
    ``[max(0, n_correct - (n - n_pos)), min(n_pos, n_correct)]``; F1 = 2TP / (2TP + n - n_correct).
    ``n_pos`` may be 0 or ``n``; F1 is ``zero_division`` when TP = FP = FN = 0.
    """
    for name, value, low in (("n", n, 1), ("n_pos", n_pos, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise DataError(f"{name} must be an integer of at least {low}. Got {value!r} instead")
    if n_pos > n:
        raise DataError(f"n_pos cannot exceed n ({n}). Got {n_pos!r} instead")
    correct = finite_array(n_correct, "n_correct")
    if np.any(correct != np.round(correct)) or np.any((correct < 0) | (correct > n)):
        bad = correct[(correct != np.round(correct)) | (correct < 0) | (correct > n)]
        raise DataError(
            f"n_correct must be whole numbers in [0, {n}]. Got {bad.ravel()[:3].tolist()!r} instead"
        )
    k_hi = np.minimum(n_pos, correct)
    k_lo = np.maximum(0.0, correct - (n - n_pos))
    err = n - correct
    return (
        safe_div(2 * k_lo, 2 * k_lo + err, zero_division),
        safe_div(2 * k_hi, 2 * k_hi + err, zero_division),
    )


def feasible_region(p: float, *, n_grid: int = 201, include_kinks: bool = True) -> pd.DataFrame:
    """Columns ``accuracy``, ``f1_min``, ``f1_max`` on ``n_grid`` evenly spaced accuracies in
    [0, 1], sorted. With ``include_kinks`` the two corners of the boundary (accuracy ``p`` and
    ``1 - p``, where the trivial classifiers sit) are added, so a drawn polygon is exact there.
    """
    p = _check_p(p)
    acc = np.linspace(0.0, 1.0, _check_grid(n_grid))
    if include_kinks:
        acc = np.unique(np.r_[acc, p, 1.0 - p])
    lo, hi = f1_bounds(acc, p)
    return pd.DataFrame({"accuracy": acc, "f1_min": lo, "f1_max": hi})


def trivial_points(p: float) -> dict[str, dict[str, float]]:
    """The constant classifiers: ``all_positive`` (accuracy p, F1 2p/(1+p)) sits on the upper
    boundary, ``all_negative`` (accuracy 1-p, F1 0) on the lower one."""
    p = _check_p(p)
    return {
        "all_positive": {"accuracy": p, "f1": 2 * p / (1 + p)},
        "all_negative": {"accuracy": 1.0 - p, "f1": 0.0},
    }


def random_guess_curve(p: float, *, n_grid: int = 101) -> pd.DataFrame:
    """Classifiers that predict positive at rate ``q`` independently of the row (extra).

    Expected shares TP = pq, FP = (1-p)q, FN = p(1-q), so accuracy = pq + (1-p)(1-q) and the
    F1 of the expected counts is 2pq / (p + q) (the large-sample F1, not E[F1] of a small
    sample). q = 0 and q = 1 are the two trivial points. Columns: ``rate``, ``accuracy``, ``f1``.
    """
    p = _check_p(p)
    q = np.linspace(0.0, 1.0, _check_grid(n_grid))
    return pd.DataFrame(
        {"rate": q, "accuracy": p * q + (1 - p) * (1 - q), "f1": 2 * p * q / (p + q)}
    )


def one_vs_rest_shares(
    class_counts: Mapping[str, int] | pd.Series, *, n_rows: int | None = None
) -> dict[str, float]:
    """Positive share of each class taken as the positive class, in the given order.

    Shares are count / total count; for multi-label pass ``n_rows`` (labels overlap, so each
    label's share is rows carrying it / rows). A share of 0 or 1 has no region.
    """
    counts = pd.Series(class_counts) if isinstance(class_counts, Mapping) else class_counts
    if not isinstance(counts, pd.Series) or counts.empty:
        raise DataError(
            f"class_counts must be a non-empty mapping of class to count. Got {class_counts!r} instead"
        )
    values = finite_array(counts.to_numpy(), "Class counts")
    if np.any(values < 0):
        raise DataError(f"Class counts must be non-negative. Got {counts.to_dict()!r} instead")
    total = float(values.sum()) if n_rows is None else float(n_rows)
    if total <= 0 or np.any(values > total):
        raise DataError(
            f"Class counts need a positive total that no count exceeds. Got counts {counts.to_dict()!r}, total {total:g} instead"
        )
    return {str(c): float(v / total) for c, v in zip(counts.index, values, strict=True)}


# --------------------------------------------------------------------------- threshold sweeps


def _check_binary_scores(y_true_bin: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true_bin)
    s = finite_array(scores, "Scores")
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise DataError(
            f"y_true_bin and scores must be 1-D of equal length. Got shapes {y.shape} and {s.shape} instead"
        )
    if not np.isin(y, [0, 1]).all():
        raise DataError(
            f"y_true_bin must hold only 0 and 1. Got values {pd.unique(y.ravel())[:5].tolist()!r} instead"
        )
    y = y.astype(np.int64)
    if y.sum() in (0, y.size):
        raise DataError(
            "y_true_bin needs both classes (some 0 and some 1)",
            "A threshold sweep needs positives and negatives",
        )
    return y, s


def threshold_points(y_true_bin: Any, scores: Any) -> pd.DataFrame:
    """One row per distinct threshold (predict positive when ``score >= threshold``), plus the
    all-negative row (threshold ``inf``) first; thresholds descend. The counts are
    :func:`core.metrics.sweep.cut_counts`.

    Columns: threshold, accuracy, f1, tp, fp, fn, tn, recall_pos, recall_neg,
    balanced_accuracy, precision (0 when nothing is predicted positive).
    """
    y, s = _check_binary_scores(y_true_bin, scores)
    threshold, tp, fp, n_pos, n_neg = cut_counts(y, s)
    fn, tn = n_pos - tp, n_neg - fp
    recall_pos, recall_neg = tp / n_pos, tn / n_neg
    return pd.DataFrame(
        {
            "threshold": threshold,
            "accuracy": (tp + tn) / y.size,
            "f1": 2 * tp / (2 * tp + fp + fn),  # fn + tp = n_pos > 0
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "recall_pos": recall_pos,
            "recall_neg": recall_neg,
            "balanced_accuracy": (recall_pos + recall_neg) / 2,
            "precision": safe_div(tp, tp + fp),
        }
    )


@dataclass(frozen=True, eq=False)
class ThresholdSides:
    """Threshold sweeps with the minority class, then the majority class, as positive."""

    minority_positive: pd.DataFrame
    majority_positive: pd.DataFrame
    minority_label: int  # which value of y_true_bin is the minority (1 on a tie)
    summary: dict[str, Any]


def _compare(a: float, b: float) -> dict[str, Any]:
    better = (
        "tie"
        if abs(a - b) <= TIE_TOLERANCE
        else ("minority_positive" if a > b else "majority_positive")
    )
    return {"minority_positive": a, "majority_positive": b, "better": better}


def threshold_points_both(y_true_bin: Any, scores_pos: Any) -> ThresholdSides:
    """Sweep with each class as positive (the other side uses ``1 - y`` and ``1 - scores``).

    ``summary`` compares the best F1 and best balanced accuracy of the two sides. Balanced
    accuracy (and accuracy) do not depend on which class is called positive and both sides
    cut the same sorted scores, so those come out equal ("tie") unless ``1 - score`` merges
    scores that differ by less than float precision; best F1 is where the sides differ.
    """
    y, s = _check_binary_scores(y_true_bin, scores_pos)
    minority = 1 if y.sum() * 2 <= y.size else 0
    ones, flipped = threshold_points(y, s), threshold_points(1 - y, 1.0 - s)
    mino, majo = (ones, flipped) if minority == 1 else (flipped, ones)
    summary = {
        "minority_label": minority,
        "minority_share": float(np.mean(y == minority)),
        "best_f1": _compare(float(mino["f1"].max()), float(majo["f1"].max())),
        "best_balanced_accuracy": _compare(
            float(mino["balanced_accuracy"].max()), float(majo["balanced_accuracy"].max())
        ),
    }
    return ThresholdSides(mino, majo, minority, summary)


# --------------------------------------------------------------------------- Pareto front


def pareto_front(points: pd.DataFrame, x: str = "accuracy", y: str = "f1") -> pd.Series:
    """Boolean mask (index of ``points``, name ``pareto``) of the non-dominated points when
    maximising ``x`` and ``y``. A point is dominated when another has >= on both and > on at
    least one; so exact duplicates of a non-dominated point are all kept. O(n log n).
    """
    if not isinstance(points, pd.DataFrame):
        raise DataError(f"Points must be a DataFrame. Got {type(points).__name__} instead")
    missing = [c for c in (x, y) if c not in points.columns]
    if missing:
        raise DataError(f"Points need columns {x!r} and {y!r}. Missing {missing!r}")
    xs = finite_array(points[x].to_numpy(), f"Column {x!r}")
    ys = finite_array(points[y].to_numpy(), f"Column {y!r}")
    mask = np.zeros(xs.size, dtype=bool)
    if xs.size:
        order = np.lexsort((-ys, -xs))  # x descending, then y descending
        xo, yo = xs[order], ys[order]
        starts = np.r_[0, np.flatnonzero(xo[1:] != xo[:-1]) + 1]  # blocks of equal x
        block_max = yo[starts]  # y descends within a block
        best_before = np.r_[-np.inf, np.maximum.accumulate(block_max)[:-1]]  # max y at larger x
        block_of = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, xo.size]))
        keep = (yo == block_max[block_of]) & (yo > best_before[block_of])
        mask[order] = keep
    return pd.Series(mask, index=points.index, name="pareto")
