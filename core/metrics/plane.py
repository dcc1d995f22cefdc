"""The (accuracy, F1) plane: feasible region, trivial classifiers, threshold sweeps, Pareto
fronts, and metrics re-estimated at the class shares expected in use.

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

SHARE_TOLERANCE = 0.01  # class shares may miss a sum of 1 by this much; they are then rescaled
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


def _float_array(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric. Got {str(values)[:80]!r} instead") from None
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} must be finite numbers; found NaN or infinity", "Drop those rows")
    return arr


def _safe_div(num: np.ndarray, den: np.ndarray, zero_division: float = 0.0) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), float(zero_division))


# --------------------------------------------------------------------------- region bounds


def f1_bounds(
    accuracy: float | np.ndarray | Sequence[float], p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (min, max) F1 over all binary classifiers with this accuracy, positive share ``p``.

    ``accuracy`` is a scalar or array in ``[0, 1]``; both results have its shape (0-d for a
    scalar: use ``float()``). Lower end: ``t = max(0, C + p - 1)``; upper: ``t = min(p, C)``.
    """
    p = _check_p(p)
    acc = _float_array(accuracy, "Accuracy")
    if np.any((acc < 0) | (acc > 1)):
        bad = acc[(acc < 0) | (acc > 1)].ravel()[:3].tolist()
        raise DataError(f"Accuracy must lie in [0, 1]. Got {bad!r} instead")
    t_hi = np.minimum(p, acc)
    t_lo = np.minimum(np.maximum(0.0, acc + p - 1.0), t_hi)  # clip float noise at C = 1
    err = 1.0 - acc
    return _safe_div(2 * t_lo, 2 * t_lo + err), _safe_div(2 * t_hi, 2 * t_hi + err)


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
    correct = _float_array(n_correct, "n_correct")
    if np.any(correct != np.round(correct)) or np.any((correct < 0) | (correct > n)):
        bad = correct[(correct != np.round(correct)) | (correct < 0) | (correct > n)]
        raise DataError(
            f"n_correct must be whole numbers in [0, {n}]. Got {bad.ravel()[:3].tolist()!r} instead"
        )
    k_hi = np.minimum(n_pos, correct)
    k_lo = np.maximum(0.0, correct - (n - n_pos))
    err = n - correct
    return (
        _safe_div(2 * k_lo, 2 * k_lo + err, zero_division),
        _safe_div(2 * k_hi, 2 * k_hi + err, zero_division),
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
    values = _float_array(counts.to_numpy(), "Class counts")
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
    s = _float_array(scores, "Scores")
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
    all-negative row (threshold ``inf``) first; thresholds descend. One sort + cumulative sums.

    Columns: threshold, accuracy, f1, tp, fp, fn, tn, recall_pos, recall_neg,
    balanced_accuracy, precision (0 when nothing is predicted positive).
    """
    y, s = _check_binary_scores(y_true_bin, scores)
    order = np.argsort(s, kind="stable")[::-1]
    s_sorted, y_sorted = s[order], y[order]
    last = np.r_[np.flatnonzero(s_sorted[1:] != s_sorted[:-1]), s.size - 1]  # end of each tie block
    tp = np.r_[0, np.cumsum(y_sorted)[last]]
    fp = np.r_[0, last + 1] - tp
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    fn, tn = n_pos - tp, n_neg - fp
    recall_pos, recall_neg = tp / n_pos, tn / n_neg
    return pd.DataFrame(
        {
            "threshold": np.r_[np.inf, s_sorted[last]],
            "accuracy": (tp + tn) / y.size,
            "f1": 2 * tp / (2 * tp + fp + fn),  # fn + tp = n_pos > 0
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "recall_pos": recall_pos,
            "recall_neg": recall_neg,
            "balanced_accuracy": (recall_pos + recall_neg) / 2,
            "precision": _safe_div(tp, tp + fp),
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
    xs = _float_array(points[x].to_numpy(), f"Column {x!r}")
    ys = _float_array(points[y].to_numpy(), f"Column {y!r}")
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


# --------------------------------------------------------------------------- deployment prevalence


def _check_shares(shares: Any, k: int, name: str) -> np.ndarray:
    arr = _float_array(shares, name)
    if arr.ndim != 1 or arr.size != k:
        raise DataError(
            f"{name} need one share per class ({k}). Got {np.ravel(arr).tolist()!r} instead"
        )
    if np.any(arr < 0):
        raise DataError(f"{name} must be non-negative. Got {arr.tolist()!r} instead")
    total = float(arr.sum())
    if abs(total - 1.0) > SHARE_TOLERANCE + 1e-9:  # 0.33 * 3 passes despite float noise
        raise DataError(
            f"{name} must sum to 1. Got {arr.tolist()!r} (sum {total:g}) instead",
            "Give fractions such as 0.9 and 0.1, not percentages or counts",
        )
    return arr / total


def _class_names(classes: Sequence[str] | None, k: int) -> list[str]:
    names = [str(i) for i in range(k)] if classes is None else [str(c) for c in classes]
    if len(names) != k:
        raise DataError(
            f"Need one class name per row of the confusion matrix ({k}). Got {names!r} instead"
        )
    return names


def _rates(shares_matrix: np.ndarray, zero_division: float) -> dict[str, np.ndarray]:
    diag, rows, cols = np.diag(shares_matrix), shares_matrix.sum(axis=1), shares_matrix.sum(axis=0)
    return {
        "precision": _safe_div(diag, cols, zero_division),
        "f1": _safe_div(2 * diag, rows + cols, zero_division),
        "accuracy": np.asarray(diag.sum()),
    }


def reestimate_at_prevalence(
    confusion: np.ndarray,
    target_shares: Sequence[float],
    *,
    classes: Sequence[str] | None = None,
    n: int | None = None,
    zero_division: float = 0.0,
) -> dict[str, Any]:
    """Expected metrics when the class shares in use are ``target_shares``.

    ``confusion`` is K x K counts from evaluation data (rows true, columns predicted). The
    classifier's behaviour per true class, ``R[i, j] = P(pred=j | true=i)``, is assumed to
    carry over, so the expected confusion in use is ``diag(target) @ R``. Returns ``rates``
    (R), ``confusion`` (shares, sums to 1), ``confusion_counts`` (times ``n``, only when ``n``
    is given; expected counts, not rounded), ``per_class`` (class, eval_share, target_share,
    recall, precision_eval, precision, f1_eval, f1, predicted_share), ``summary`` (accuracy,
    balanced_accuracy, macro_f1, weighted_f1 and their ``eval_`` versions) and ``warning``
    (:func:`prevalence_shift_warning`). Recall and balanced accuracy do not change.
    """
    cm = _float_array(confusion, "The confusion matrix")
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] < 2:
        raise DataError(
            f"The confusion matrix must be square with at least 2 classes. Got shape {cm.shape} instead"
        )
    if np.any(cm < 0):
        raise DataError(
            "The confusion matrix must hold non-negative counts; found a negative entry"
        )
    k = cm.shape[0]
    names = _class_names(classes, k)
    support = cm.sum(axis=1)
    if np.any(support == 0):
        empty = [names[i] for i in np.flatnonzero(support == 0)]
        raise DataError(
            f"Class {empty!r} has no rows in the evaluation data, so its rates cannot be estimated",
            "Evaluate on data that contains every class",
        )
    target = _check_shares(target_shares, k, "Target class shares")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1):
        raise DataError(f"n must be a positive integer. Got {n!r} instead")
    rates = cm / support[:, None]
    shares = target[:, None] * rates
    eval_shares = support / support.sum()
    new, old = _rates(shares, zero_division), _rates(cm / cm.sum(), zero_division)
    recall = np.diag(rates)
    per_class = pd.DataFrame(
        {
            "class": names,
            "eval_share": eval_shares,
            "target_share": target,
            "recall": recall,
            "precision_eval": old["precision"],
            "precision": new["precision"],
            "f1_eval": old["f1"],
            "f1": new["f1"],
            "predicted_share": shares.sum(axis=0),
        }
    )
    summary = {
        "accuracy": float(new["accuracy"]),
        "balanced_accuracy": float(recall.mean()),
        "macro_f1": float(new["f1"].mean()),
        "weighted_f1": float(new["f1"] @ target),
        "eval_accuracy": float(old["accuracy"]),
        "eval_macro_f1": float(old["f1"].mean()),
        "eval_weighted_f1": float(old["f1"] @ eval_shares),
    }
    out: dict[str, Any] = {"rates": rates, "confusion": shares}
    if n is not None:
        out["confusion_counts"] = shares * int(n)
    out.update(
        per_class=per_class,
        summary=summary,
        warning=prevalence_shift_warning(eval_shares, target, classes=names),
    )
    return out


def prevalence_shift_warning(
    eval_shares: Sequence[float],
    target_shares: Sequence[float],
    *,
    classes: Sequence[str] | None = None,
    max_ratio: float = 2.0,
    max_total_variation: float = 0.2,
) -> str | None:
    """A warning when evaluation and deployment class shares differ strongly (some class's
    share changes by more than ``max_ratio`` times, or total variation exceeds
    ``max_total_variation``); ``None`` when they are close."""
    a = _float_array(eval_shares, "Evaluation class shares")
    a = _check_shares(a, a.size, "Evaluation class shares")
    b = _check_shares(target_shares, a.size, "Target class shares")
    names = _class_names(classes, a.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((a == 0) & (b == 0), 1.0, np.maximum(a / b, b / a))
    tv = 0.5 * float(np.abs(a - b).sum())
    if not (np.any(ratio > max_ratio) or tv > max_total_variation):
        return None
    worst = [i for i in np.argsort(-ratio, kind="stable")[:3] if ratio[i] > max_ratio]
    changes = "; ".join(
        f"class '{names[i]}' is {a[i]:.1%} of the evaluation rows but {b[i]:.1%} in use"
        + (f" ({ratio[i]:.1f}x)" if np.isfinite(ratio[i]) else "")
        for i in worst
    )
    return (
        "The class shares expected in use differ strongly from the evaluation data"
        + (f": {changes}" if changes else "")
        + f"; total variation {tv:.2f}. Precision, accuracy and F1 measured on the evaluation "
        "data will not hold in use (per-class recall and balanced accuracy do, if the "
        "classifier behaves the same on each class). Read the metrics re-estimated at the "
        "deployment shares instead."
    )
