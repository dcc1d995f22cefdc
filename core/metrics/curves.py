"""Score curves: threshold sweeps, precision-recall, ROC and calibration.

Pure functions on numpy arrays. The one-vs-rest helpers follow the conventions of
:mod:`core.metrics.scores` (``classes`` are names; single-label ``y_true`` holds integer codes,
multi-label ``y_true`` is a 0/1 matrix; ``proba`` is ``(n, K)`` in ``classes`` order).

``threshold_curve`` precomputes the confusion counts at every distinct score with one
sort, so a threshold slider only needs :func:`metrics_at_threshold` (a binary search).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve

from core.errors import DataError
from core.metrics.inputs import check_task
from core.metrics.sweep import cut_counts

THRESHOLD_COLUMNS = (
    "threshold",
    "tp",
    "fp",
    "fn",
    "tn",
    "precision",
    "recall",
    "f1",
    "accuracy",
    "specificity",
)
_COUNT_COLUMNS = ("tp", "fp", "fn", "tn")
PR_COLUMNS = ("threshold", "precision", "recall")
ROC_COLUMNS = ("threshold", "fpr", "tpr")
CALIBRATION_COLUMNS = ("bin_lower", "bin_upper", "mean_predicted", "fraction_positive", "count")


# ---------------------------------------------------------------- input checks


def _binary_inputs(y_true_bin: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels and float64 scores, both 1-D and of equal length."""
    y = np.asarray(y_true_bin)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise DataError(
            "Binary labels and scores must be 1-D arrays of the same length. "
            f"Got shapes {y.shape} and {s.shape} instead"
        )
    if y.dtype.kind in "iu":
        bad = bool(y.size) and (y.min() < 0 or y.max() > 1)
    elif y.dtype.kind == "b":
        bad = False
    else:
        bad = not np.isin(y, (0, 1)).all()
        if not bad:
            y = y.astype(np.int8)
    if bad:
        raise DataError(
            "Binary labels must be 0 or 1 (1 = positive). "
            f"Got values {np.unique(y)[:5].tolist()} instead"
        )
    return y, s


def one_vs_rest(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(class name, 0/1 labels, scores)`` per class or label, in ``classes`` order.

    Binary targets yield both classes (class 0 scored by ``proba[:, 0]``).
    """
    check_task(task)
    y = np.asarray(y_true)
    p = np.asarray(proba, dtype=np.float64)
    k = len(classes)
    if p.ndim != 2 or p.shape != (y.shape[0], k):
        raise DataError(
            f"Probabilities must have one row per sample and one column per class, shape "
            f"({y.shape[0]}, {k}). Got shape {p.shape} instead"
        )
    for j, name in enumerate(classes):
        y_bin = y[:, j] if task == "multilabel" else (y == j).astype(np.int8)
        yield str(name), y_bin, p[:, j]


# ---------------------------------------------------------------- threshold sweep


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` as float64, 0 where ``den`` is 0 (the ``zero_division=0`` convention)."""
    out = np.zeros(num.shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _share(num: np.ndarray, total: int) -> np.ndarray:
    """``num / total`` for a scalar total, all zeros when ``total`` is 0."""
    return num / total if total else np.zeros(num.shape, dtype=np.float64)


def threshold_curve_arrays(y_true_bin: np.ndarray, scores: np.ndarray) -> dict[str, np.ndarray]:
    """Confusion counts and metrics at every distinct score, as numpy arrays.

    Row ``i`` predicts positive when ``score >= threshold[i]``. Thresholds ascend: the first
    row is the smallest score (everything positive) and the last row has threshold
    ``+inf`` (nothing positive): :func:`core.metrics.sweep.cut_counts` reversed. Keys are
    :data:`THRESHOLD_COLUMNS`.
    """
    y, s = _binary_inputs(y_true_bin, scores)
    sweep = cut_counts(y, s)  # highest cut first: reverse to ascending, +inf last
    thresholds, tp, fp = sweep.threshold[::-1].copy(), sweep.tp[::-1].copy(), sweep.fp[::-1].copy()
    n_pos, n = sweep.n_pos, sweep.n_pos + sweep.n_neg
    m = thresholds.size
    predicted_pos = tp + fp
    tn = sweep.n_neg - fp
    precision = np.zeros(m, dtype=np.float64)  # every row but the last predicts something
    np.divide(tp[:-1], predicted_pos[:-1], out=precision[:-1])
    f1 = _ratio(tp, predicted_pos + n_pos)  # 2tp / (2tp + fp + fn) = tp / ((pp + n_pos) / 2)
    f1 *= 2.0
    return {
        "threshold": thresholds,
        "tp": tp,
        "fp": fp,
        "fn": n_pos - tp,
        "tn": tn,
        "precision": precision,
        "recall": _share(tp, n_pos),
        "f1": f1,
        "accuracy": _share(tp + tn, n),
        "specificity": _share(tn, n - n_pos),
    }


def threshold_curve(y_true_bin: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """:func:`threshold_curve_arrays` as a DataFrame (columns :data:`THRESHOLD_COLUMNS`)."""
    return pd.DataFrame(threshold_curve_arrays(y_true_bin, scores), columns=THRESHOLD_COLUMNS)


def metrics_at_threshold(
    curve: pd.DataFrame | Mapping[str, np.ndarray], t: float
) -> dict[str, float | int]:
    """Counts and metrics when predicting positive for ``score >= t``, from a curve.

    ``curve`` comes from :func:`threshold_curve` or :func:`threshold_curve_arrays`; the
    lookup is one ``np.searchsorted`` (no re-sort), so it suits a live slider. The returned
    ``threshold`` is ``t`` itself.
    """
    t = float(t)
    if np.isnan(t):
        raise DataError("The threshold is NaN. Pass a number such as 0.5")
    thresholds = np.asarray(curve["threshold"])
    if thresholds.size == 0:
        raise DataError("The threshold curve is empty. Build it with threshold_curve()")
    i = min(int(np.searchsorted(thresholds, t, side="left")), thresholds.size - 1)
    row: dict[str, float | int] = {"threshold": t}
    for col in THRESHOLD_COLUMNS[1:]:
        value = np.asarray(curve[col])[i]
        row[col] = int(value) if col in _COUNT_COLUMNS else float(value)
    return row


def threshold_curves(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, pd.DataFrame]:
    """One-vs-rest :func:`threshold_curve` per class (binary: both classes) or label."""
    return {
        name: threshold_curve(yb, s) for name, yb, s in one_vs_rest(y_true, proba, classes, task)
    }


# ---------------------------------------------------------------- PR and ROC


def pr_curve(y_true_bin: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Precision-recall points (columns :data:`PR_COLUMNS`), thresholds ascending.

    From :func:`sklearn.metrics.precision_recall_curve` with ``drop_intermediate=True``;
    sklearn's final point (precision 1, recall 0) gets threshold ``+inf``. Empty when
    ``y_true_bin`` has no positives (the curve is undefined).
    """
    y, s = _binary_inputs(y_true_bin, scores)
    if not y.any():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PR_COLUMNS})
    precision, recall, thresholds = precision_recall_curve(
        y.astype(np.int8), s, pos_label=1, drop_intermediate=True
    )
    return pd.DataFrame(
        {
            "threshold": np.append(thresholds.astype(np.float64), np.inf),
            "precision": precision,
            "recall": recall,
        }
    )


def roc_curve_points(y_true_bin: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """ROC points (columns :data:`ROC_COLUMNS`), thresholds descending from ``+inf``.

    From :func:`sklearn.metrics.roc_curve` with ``drop_intermediate=True``. Empty when
    ``y_true_bin`` lacks positives or negatives (the curve is undefined).
    """
    y, s = _binary_inputs(y_true_bin, scores)
    n_pos = int(np.count_nonzero(y))
    if n_pos == 0 or n_pos == y.size:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in ROC_COLUMNS})
    fpr, tpr, thresholds = roc_curve(y.astype(np.int8), s, pos_label=1, drop_intermediate=True)
    return pd.DataFrame({"threshold": thresholds.astype(np.float64), "fpr": fpr, "tpr": tpr})


def pr_curves(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, pd.DataFrame]:
    """One-vs-rest :func:`pr_curve` per class (binary: both classes) or label."""
    return {name: pr_curve(yb, s) for name, yb, s in one_vs_rest(y_true, proba, classes, task)}


def roc_curves(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, pd.DataFrame]:
    """One-vs-rest :func:`roc_curve_points` per class (binary: both classes) or label."""
    return {
        name: roc_curve_points(yb, s) for name, yb, s in one_vs_rest(y_true, proba, classes, task)
    }


# ---------------------------------------------------------------- calibration


def calibration_bins(
    y_true_bin: np.ndarray,
    proba: np.ndarray,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> pd.DataFrame:
    """Reliability-diagram bins (columns :data:`CALIBRATION_COLUMNS`); empty bins omitted.

    Binning matches :func:`sklearn.calibration.calibration_curve`: ``uniform`` splits
    [0, 1] into equal widths, ``quantile`` uses percentiles of ``proba``; a value on an
    inner edge falls in the lower bin.
    """
    y, p = _binary_inputs(y_true_bin, proba)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise DataError(f"n_bins must be a whole number of at least 1. Got {n_bins!r} instead")
    if p.size and (np.isnan(p).any() or p.min() < 0 or p.max() > 1):
        raise DataError("Calibration needs probabilities between 0 and 1. Got values outside")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        if p.size == 0:
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in CALIBRATION_COLUMNS})
        edges = np.percentile(p, np.linspace(0.0, 100.0, n_bins + 1))
    else:
        raise DataError(
            f"Unknown binning strategy. Use 'uniform' or 'quantile'. Got {strategy!r} instead"
        )
    ids = np.searchsorted(edges[1:-1], p)
    count = np.bincount(ids, minlength=n_bins)
    sum_p = np.bincount(ids, weights=p, minlength=n_bins)
    sum_y = np.bincount(ids, weights=y.astype(np.float64), minlength=n_bins)
    keep = count > 0
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1][keep],
            "bin_upper": edges[1:][keep],
            "mean_predicted": sum_p[keep] / count[keep],
            "fraction_positive": sum_y[keep] / count[keep],
            "count": count[keep].astype(np.int64),
        }
    )


def calibration_by_class(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: Sequence[str],
    task: str,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> dict[str, pd.DataFrame]:
    """One-vs-rest :func:`calibration_bins` per class (binary: both classes) or label."""
    return {
        name: calibration_bins(yb, s, n_bins=n_bins, strategy=strategy)
        for name, yb, s in one_vs_rest(y_true, proba, classes, task)
    }
