"""Metrics: per-class tables, summary scores and confusion matrices.

Conventions shared by every function here and in :mod:`core.metrics.curves` (checked by
:func:`core.metrics.inputs.prepare`):

- ``classes``: class names (multi-label: label names), in code order.
- Single-label (``task`` "binary" / "multiclass"): ``y_true`` and ``y_pred`` are integer
  codes of shape ``(n,)`` into ``classes``; ``proba`` is ``(n, K)`` with columns in code
  order.
- Multi-label (``task`` "multilabel"): ``y_true`` and ``y_pred`` are 0/1 matrices of shape
  ``(n, K)``; ``proba`` holds per-label probabilities, shape ``(n, K)``.

Single-label count scores come from one confusion matrix with scikit-learn's arithmetic;
scikit-learn does the other scoring, always with ``labels=`` and ``zero_division=0``
passed explicitly; a metric that is undefined comes back as NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    hamming_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

from core.errors import DataError
from core.metrics.curves import one_vs_rest
from core.metrics.inputs import Preds, check_task, prepare, safe_div
from core.metrics.ranking import average_precision, roc_auc
from core.tasks import SINGLE_LABEL, TASK_KINDS

PER_CLASS_COLUMNS = ("class", "precision", "recall", "f1", "support", "specificity")

# How each summary metric is named on screen and in reports.
METRIC_TITLES = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "macro_f1": "Macro F1",
    "weighted_f1": "Weighted F1",
    "micro_f1": "Micro F1",
    "samples_f1": "Samples F1",
    "mcc": "MCC",
    "g_mean": "G-mean",
    "cohen_kappa": "Cohen's kappa",
    "roc_auc": "ROC AUC",
    "average_precision": "Average precision",
    "hamming_loss": "Hamming loss",
    "subset_accuracy": "Subset accuracy",
}


def metric_title(metric: str) -> str:
    """The display name of a summary metric (``macro_f1`` -> "Macro F1")."""
    return METRIC_TITLES.get(metric, metric.replace("_", " "))


_SINGLE = frozenset(SINGLE_LABEL)
_MULTI = frozenset(TASK_KINDS) - _SINGLE
_ALL = frozenset(TASK_KINDS)


class MetricSpec(NamedTuple):
    """Which task kinds a summary metric applies to, and its direction."""

    tasks: frozenset[str]
    higher_is_better: bool


#: Every metric :func:`summary_scores` reports, in report order (read-only).
SUMMARY_METRICS: Mapping[str, MetricSpec] = MappingProxyType(
    {
        "accuracy": MetricSpec(_SINGLE, True),
        "balanced_accuracy": MetricSpec(_SINGLE, True),
        "macro_f1": MetricSpec(_ALL, True),
        "weighted_f1": MetricSpec(_ALL, True),
        "micro_f1": MetricSpec(_ALL, True),
        "samples_f1": MetricSpec(_MULTI, True),
        "mcc": MetricSpec(_SINGLE, True),
        "g_mean": MetricSpec(_SINGLE, True),
        "cohen_kappa": MetricSpec(_SINGLE, True),
        "hamming_loss": MetricSpec(_MULTI, False),
        "subset_accuracy": MetricSpec(_MULTI, True),
        "roc_auc": MetricSpec(_ALL, True),
        "average_precision": MetricSpec(_ALL, True),
    }
)


# ---------------------------------------------------------------- single-label counts
# Every count-based single-label score from one confusion matrix, with scikit-learn's own
# floating-point operations in its order (the tests compare with ==), minus its input checks.


class _Counts(NamedTuple):
    cm: np.ndarray  # (K, K) int64, rows true, columns predicted
    tp: np.ndarray  # per class: true positives, predicted, true (support)
    pred: np.ndarray
    true: np.ndarray


def _counts(d: Preds) -> _Counts:
    """The confusion counts of checked single-label codes (equal to sklearn's matrix)."""
    k = len(d.classes)
    pairs = np.asarray(d.y_true, dtype=np.intp) * k + np.asarray(d.y_pred, dtype=np.intp)
    cm = np.bincount(pairs, minlength=k * k).astype(np.int64, copy=False).reshape(k, k)
    return _Counts(cm, np.diag(cm).copy(), cm.sum(axis=0), cm.sum(axis=1))


def _f_scores(tp: np.ndarray, true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """F1 per entry as sklearn's ``precision_recall_fscore_support``: 2tp / (true + pred)."""
    return safe_div(2 * tp.astype(float), 1 * true.astype(float) + pred.astype(float))


def _present_recalls(c: _Counts) -> np.ndarray:
    return c.tp[c.true > 0] / c.true[c.true > 0]


def _one_class_only(c: _Counts) -> bool:
    """Truth and prediction are the same single class: chance agreement is 1."""
    return int(c.true @ c.pred) == int(c.true.sum()) ** 2


def _f1_counts(average: str) -> Callable[[_Counts], float]:
    def compute(c: _Counts) -> float:
        if average == "micro":
            c = _Counts(c.cm, *(v.sum(keepdims=True) for v in (c.tp, c.pred, c.true)))
        f = _f_scores(c.tp, c.true, c.pred)
        return float(np.average(f, weights=c.true) if average == "weighted" else np.nanmean(f))

    return compute


def _g_mean(c: _Counts) -> float:
    recalls = _present_recalls(c)
    return 0.0 if (recalls == 0).any() else float(np.exp(np.mean(np.log(recalls))))


def _mcc(c: _Counts) -> float:
    # sklearn's 0.0 for a constant truth or prediction; its matrix of the classes present
    # differs from ours only by absent classes, exact zeros in these integer-valued sums
    if _one_class_only(c):
        return 0.0
    t, p = c.cm.sum(axis=1, dtype=np.float64), c.cm.sum(axis=0, dtype=np.float64)
    n = p.sum()
    cov_ytyp = np.trace(c.cm, dtype=np.float64) * n - np.dot(t, p)
    cov_ypyp_ytyt = (n**2 - np.dot(p, p)) * (n**2 - np.dot(t, t))
    return 0.0 if cov_ypyp_ytyt == 0 else float(cov_ytyp / np.sqrt(cov_ypyp_ytyt))


def _cohen_kappa(c: _Counts) -> float:
    # undefined (sklearn warns and returns NaN) when chance agreement is 1
    if _one_class_only(c):
        return float("nan")
    confusion = c.cm.astype(np.float64)
    sum0, sum1 = np.sum(confusion, axis=0), np.sum(confusion, axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    w_mat = 1.0 - np.eye(len(sum0))  # sklearn's ones with a zero diagonal
    # sum(w_mat * expected) is 0 only for the one class excluded above
    return float(1 - np.sum(w_mat * confusion) / np.sum(w_mat * expected))


_COUNT_FUNCS: dict[str, Callable[[_Counts], float]] = {
    "accuracy": lambda c: float(np.float64(np.trace(c.cm)) / c.cm.sum()),
    "balanced_accuracy": lambda c: float(_present_recalls(c).mean()),
    "macro_f1": _f1_counts("macro"),
    "weighted_f1": _f1_counts("weighted"),
    "micro_f1": _f1_counts("micro"),
    "mcc": _mcc,
    "g_mean": _g_mean,
    "cohen_kappa": _cohen_kappa,
}
"""The single-label summary metrics computed from :func:`_counts`."""


# ---------------------------------------------------------------- tables and matrices


def per_class_table(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], task: str
) -> pd.DataFrame:
    """Precision, recall, F1, support and specificity per class or label.

    One row per class in ``classes`` order (binary: both classes). Columns
    :data:`PER_CLASS_COLUMNS`; a ratio with a zero denominator is 0.
    """
    d = prepare(y_true, y_pred, None, classes, task)
    if d.multilabel:
        precision, recall, f1, support = precision_recall_fscore_support(
            d.y_true, d.y_pred, labels=d.labels, average=None, zero_division=0
        )
        mcm = multilabel_confusion_matrix(d.y_true, d.y_pred, labels=d.labels)
        tn, fp = mcm[:, 0, 0], mcm[:, 0, 1]
    else:
        c = _counts(d)
        precision, recall = safe_div(c.tp, c.pred), safe_div(c.tp, c.true)
        f1, support = _f_scores(c.tp, c.true, c.pred), c.true
        tn, fp = len(d.y_true) - c.pred - c.true + c.tp, c.pred - c.tp  # exact integers
    specificity = np.divide(tn, tn + fp, out=np.zeros(len(tn)), where=(tn + fp) > 0)
    return pd.DataFrame({
        "class": pd.Series(d.classes, dtype="str"), "precision": precision.astype(np.float64),
        "recall": recall.astype(np.float64), "f1": f1.astype(np.float64),
        "support": support.astype(np.int64), "specificity": specificity,
    })  # fmt: skip


def confusion(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], task: str
) -> np.ndarray:
    """Confusion counts in ``classes`` order.

    Single-label: ``(K, K)``, rows true, columns predicted. Multi-label: ``(K, 2, 2)``,
    one ``[[tn, fp], [fn, tp]]`` per label (sklearn's ``multilabel_confusion_matrix``).
    """
    d = prepare(y_true, y_pred, None, classes, task)
    if d.multilabel:
        return multilabel_confusion_matrix(d.y_true, d.y_pred, labels=d.labels)
    return _counts(d).cm


def normalise_confusion(cm: np.ndarray, by: Literal["true", "pred"]) -> np.ndarray:
    """Shares of each row (``by="true"``) or column (``by="pred"``), 0 where the total is 0.

    Works on the last two axes, so a multi-label ``(K, 2, 2)`` stack is normalised per label.
    """
    if by not in ("true", "pred"):
        raise DataError(f"Normalise the confusion matrix by 'true' or 'pred'. Got {by!r} instead")
    counts = np.asarray(cm, dtype=np.float64)
    if counts.ndim < 2:
        raise DataError(
            f"A confusion matrix needs two dimensions. Got shape {counts.shape} instead"
        )
    totals = counts.sum(axis=-1 if by == "true" else -2, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


# ---------------------------------------------------------------- ranking scores per class


def _per_class(
    d: Preds, fn: Callable[[np.ndarray, np.ndarray], float], only: int | None = None
) -> np.ndarray:
    """``fn(labels, scores)`` one-vs-rest per class, NaN where undefined.

    Average precision needs a positive row; ROC AUC needs a positive and a negative row.
    ``only``: score that class code alone (the others stay NaN).
    """
    out = np.full(len(d.classes), np.nan)
    for j, (_, y_bin, scores) in enumerate(one_vs_rest(d.y_true, d.proba, d.classes, d.task)):
        if only is not None and j != only:
            continue
        n_pos = int(np.count_nonzero(y_bin))
        if n_pos > 0 and (n_pos < y_bin.size or fn is average_precision):
            out[j] = fn(y_bin, scores)
    return out


def average_precision_per_class(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, float]:
    """One-vs-rest average precision per class (binary: both classes) or label.

    NaN for a class with no positive rows (AP is undefined there).
    """
    d = prepare(y_true, None, proba, classes, task)
    return dict(zip(d.classes, _per_class(d, average_precision).tolist(), strict=True))


def roc_auc_per_class(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, float]:
    """One-vs-rest ROC AUC per class or label; NaN unless both outcomes occur."""
    d = prepare(y_true, None, proba, classes, task)
    return dict(zip(d.classes, _per_class(d, roc_auc).tolist(), strict=True))


# ---------------------------------------------------------------- summary metrics


def _f1(average: str) -> Callable[[Preds], float]:
    def compute(d: Preds) -> float:
        return f1_score(d.y_true, d.y_pred, labels=d.labels, average=average, zero_division=0)

    return compute


def _ranking_macro(d: Preds, fn: Callable[[np.ndarray, np.ndarray], float]) -> float:
    """Macro over classes of a ranking score; NaN without ``proba``.

    Single-label needs every class present (else NaN); multi-label averages the labels
    where the score is defined. Binary ROC AUC and average precision are those of the
    positive class (code 1), as scikit-learn's binary scores: the mean of both classes' AP
    would hide a weak minority behind an easy majority.
    """
    if d.proba is None:
        return float("nan")
    if d.task == "binary":
        return float(_per_class(d, fn, only=1)[1])
    values = _per_class(d, fn)
    if d.multilabel:
        values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


_METRIC_FUNCS: dict[str, Callable[[Preds], float]] = {
    "macro_f1": _f1("macro"),
    "weighted_f1": _f1("weighted"),
    "micro_f1": _f1("micro"),
    "samples_f1": _f1("samples"),
    "hamming_loss": lambda d: hamming_loss(d.y_true, d.y_pred),
    "subset_accuracy": lambda d: accuracy_score(d.y_true, d.y_pred),
    "roc_auc": lambda d: _ranking_macro(d, roc_auc),
    "average_precision": lambda d: _ranking_macro(d, average_precision),
}
"""Multi-label metrics (scikit-learn) and the ranking scores; single-label counts: above."""


def _metric(name: str, d: Preds, counts: _Counts | None) -> float:
    if counts is not None and name in _COUNT_FUNCS:
        return float(_COUNT_FUNCS[name](counts))
    return float(_METRIC_FUNCS[name](d))


def summary_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    task: str,
) -> dict[str, float]:
    """Every metric of :data:`SUMMARY_METRICS` that applies to ``task``, as plain floats.

    Single-label: accuracy, balanced_accuracy (mean recall over classes present, as
    sklearn), macro/weighted/micro F1, mcc, g_mean (geometric mean of those recalls),
    cohen_kappa, roc_auc (binary: class code 1; multiclass: one-vs-rest macro, NaN if a
    class is absent), average_precision (binary: of class code 1, the positive class;
    multiclass: macro over classes, NaN if a class is absent). Multi-label: micro/macro/weighted/samples F1, hamming_loss,
    subset_accuracy, roc_auc and average_precision (macro over the labels where defined).
    ``proba=None`` gives NaN for the ranking scores.
    """
    d = prepare(y_true, y_pred, proba, classes, task)
    counts = None if d.multilabel else _counts(d)
    return {
        name: _metric(name, d, counts)
        for name, spec in SUMMARY_METRICS.items()
        if task in spec.tasks
    }


def score(
    metric_name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    classes: Sequence[str],
    task: str,
) -> float:
    """One metric of :data:`SUMMARY_METRICS`, equal to ``summary_scores(...)[metric_name]``."""
    spec = SUMMARY_METRICS.get(metric_name)
    if spec is None:
        raise DataError(
            f"Unknown metric. Choose one of {', '.join(SUMMARY_METRICS)}. "
            f"Got {metric_name!r} instead"
        )
    check_task(task)
    if task not in spec.tasks:
        usable = [m for m, s in SUMMARY_METRICS.items() if task in s.tasks]
        raise DataError(
            f"Metric {metric_name!r} does not apply to {task} targets. "
            f"Choose one of {', '.join(usable)}"
        )
    d = prepare(y_true, y_pred, proba, classes, task)
    counts = _counts(d) if metric_name in _COUNT_FUNCS and not d.multilabel else None
    return _metric(metric_name, d, counts)


_HEADLINE_SINGLE = ("accuracy", "balanced_accuracy", "macro_f1", "mcc", "roc_auc")
#: The summary metrics shown first for each task kind (headline tiles, hold-out tables), in order.
HEADLINE_METRICS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"binary": _HEADLINE_SINGLE, "multiclass": _HEADLINE_SINGLE,
     "multilabel": ("micro_f1", "macro_f1", "samples_f1", "hamming_loss", "subset_accuracy")}
)  # fmt: skip


def is_loss(metric: str) -> bool:
    """True when lower is better for ``metric`` (its :data:`SUMMARY_METRICS` direction)."""
    spec = SUMMARY_METRICS.get(metric)
    return spec is not None and not spec.higher_is_better
