"""ROC AUC and average precision of one binary problem, from the one threshold sweep.

The same numbers as scikit-learn's ``roc_auc_score`` and ``average_precision_score``, bit
for bit (the same counts at the same distinct cuts, then the very operations of
``roc_curve`` with ``drop_intermediate=True`` and the trapezoid, and of
``precision_recall_curve`` with the step integral), without their input validation, which
costs as much as the sort on the 10,000-row score vectors every fold scores. Inputs are
checked by the callers (:func:`core.metrics.inputs.prepare`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import trapezoid

from core.metrics.sweep import cut_counts


def _counts(y_true_bin: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(fps, tps) as float64 at every distinct cut, highest first (scikit-learn's order)."""
    sweep = cut_counts(y_true_bin, scores)
    return sweep.fp[1:].astype(np.float64), sweep.tp[1:].astype(np.float64)


def roc_auc(y_true_bin: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve; NaN unless both outcomes occur."""
    fps, tps = _counts(y_true_bin, scores)
    if fps.size == 0 or tps[-1] == 0 or fps[-1] == 0:
        return float("nan")
    if fps.size > 2:  # roc_curve's drop_intermediate: keep the corners only
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[keep], tps[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return float(trapezoid(tps / tps[-1], fps / fps[-1]))


def average_precision(y_true_bin: ArrayLike, scores: ArrayLike) -> float:
    """Average precision (the step integral of precision over recall); NaN without a
    positive row."""
    fps, tps = _counts(y_true_bin, scores)
    if tps.size == 0 or tps[-1] == 0:
        return float("nan")
    predicted = tps + fps
    precision = np.where(predicted != 0, np.divide(tps, predicted), 0.0)
    recall = tps / tps[-1]
    precision, recall = np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))
