"""Metrics re-estimated at the class shares expected in use (deployment prevalence).

The classifier's behaviour per true class (its rates ``P(pred=j | true=i)``) is assumed to
carry over from the evaluation data; precision, accuracy and F1 then follow from the new
shares, while per-class recall and balanced accuracy do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.metrics.inputs import finite_array, safe_div

SHARE_TOLERANCE = 0.01  # class shares may miss a sum of 1 by this much; they are then rescaled


def _check_shares(shares: Any, k: int, name: str) -> np.ndarray:
    arr = finite_array(shares, name)
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
        "precision": safe_div(diag, cols, zero_division),
        "f1": safe_div(2 * diag, rows + cols, zero_division),
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
    cm = finite_array(confusion, "The confusion matrix")
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
    a = finite_array(eval_shares, "Evaluation class shares")
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
        + f"; in all, {tv:.0%} of the rows would have to change class to match. Precision, accuracy and F1 measured on the evaluation "
        "data will not hold in use (per-class recall and balanced accuracy do, if the "
        "classifier behaves the same on each class). Read the metrics re-estimated at the "
        "deployment shares instead."
    )
