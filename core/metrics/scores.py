"""Metrics: per-class tables, summary scores and confusion matrices.

Conventions shared by every function here and in :mod:`core.metrics.curves` (checked by
:func:`core.metrics.inputs.prepare`):

- ``classes``: class names (multi-label: label names), in code order.
- Single-label (``task`` "binary" / "multiclass"): ``y_true`` and ``y_pred`` are integer
  codes of shape ``(n,)`` into ``classes``; ``proba`` is ``(n, K)`` with columns in code
  order.
- Multi-label (``task`` "multilabel"): ``y_true`` and ``y_pred`` are 0/1 matrices of shape
  ``(n, K)``; ``proba`` holds per-label probabilities, shape ``(n, K)``.

scikit-learn does the scoring wherever it has the metric, always with ``labels=`` and
``zero_division=0`` passed explicitly; a metric that is undefined comes back as NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    cohen_kappa_score,
    f1_score,
    hamming_loss,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

from core.errors import DataError
from core.metrics.curves import one_vs_rest
from core.metrics.inputs import Preds, check_task, prepare
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


# ---------------------------------------------------------------- tables and matrices


def per_class_table(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str], task: str
) -> pd.DataFrame:
    """Precision, recall, F1, support and specificity per class or label.

    One row per class in ``classes`` order (binary: both classes). Columns
    :data:`PER_CLASS_COLUMNS`; a ratio with a zero denominator is 0.
    """
    d = prepare(y_true, y_pred, None, classes, task)
    precision, recall, f1, support = precision_recall_fscore_support(
        d.y_true, d.y_pred, labels=d.labels, average=None, zero_division=0
    )
    mcm = multilabel_confusion_matrix(d.y_true, d.y_pred, labels=d.labels)
    tn, fp = mcm[:, 0, 0], mcm[:, 0, 1]
    specificity = np.divide(tn, tn + fp, out=np.zeros(len(tn)), where=(tn + fp) > 0)
    return pd.DataFrame(
        {
            "class": pd.Series(d.classes, dtype="str"),
            "precision": precision.astype(np.float64),
            "recall": recall.astype(np.float64),
            "f1": f1.astype(np.float64),
            "support": support.astype(np.int64),
            "specificity": specificity,
        }
    )


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
    return d.cm


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


def _ap(y_bin: np.ndarray, scores: np.ndarray) -> float:
    return average_precision_score(y_bin, scores, pos_label=1)


def _per_class(d: Preds, fn: Callable[[np.ndarray, np.ndarray], float]) -> np.ndarray:
    """``fn(labels, scores)`` one-vs-rest per class, NaN where undefined.

    Average precision needs a positive row; ROC AUC needs a positive and a negative row.
    """
    out = np.full(len(d.classes), np.nan)
    for j, (_, y_bin, scores) in enumerate(one_vs_rest(d.y_true, d.proba, d.classes, d.task)):
        n_pos = int(np.count_nonzero(y_bin))
        if n_pos > 0 and (n_pos < y_bin.size or fn is _ap):
            out[j] = fn(y_bin, scores)
    return out


def average_precision_per_class(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, float]:
    """One-vs-rest average precision per class (binary: both classes) or label.

    NaN for a class with no positive rows (AP is undefined there).
    """
    d = prepare(y_true, None, proba, classes, task)
    return dict(zip(d.classes, _per_class(d, _ap).tolist(), strict=True))


def roc_auc_per_class(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, float]:
    """One-vs-rest ROC AUC per class or label; NaN unless both outcomes occur."""
    d = prepare(y_true, None, proba, classes, task)
    return dict(zip(d.classes, _per_class(d, roc_auc_score).tolist(), strict=True))


# ---------------------------------------------------------------- summary metrics


def _f1(average: str) -> Callable[[Preds], float]:
    def compute(d: Preds) -> float:
        return f1_score(d.y_true, d.y_pred, labels=d.labels, average=average, zero_division=0)

    return compute


def _g_mean(d: Preds) -> float:
    recalls = d.present_recalls
    return 0.0 if (recalls == 0).any() else float(np.exp(np.mean(np.log(recalls))))


def _one_class_only(d: Preds) -> bool:
    """Truth and prediction are the same single class: chance agreement is 1."""
    rows, cols = d.cm.sum(axis=1), d.cm.sum(axis=0)
    return int(rows @ cols) == int(rows.sum()) ** 2


def _mcc(d: Preds) -> float:
    # sklearn scores a constant truth or prediction 0.0; checked first because its
    # internal confusion matrix (no labels= argument) warns on a single label.
    return 0.0 if _one_class_only(d) else matthews_corrcoef(d.y_true, d.y_pred)


def _cohen_kappa(d: Preds) -> float:
    # undefined (sklearn warns and returns NaN) when chance agreement is 1
    if _one_class_only(d):
        return float("nan")
    return cohen_kappa_score(d.y_true, d.y_pred, labels=d.labels)


def _ranking_macro(d: Preds, fn: Callable[[np.ndarray, np.ndarray], float]) -> float:
    """Macro over classes of a ranking score; NaN without ``proba``.

    Single-label needs every class present (else NaN); multi-label averages the labels
    where the score is defined. Binary ROC AUC and average precision are those of the
    positive class (code 1), as scikit-learn's binary scores: the mean of both classes' AP
    would hide a weak minority behind an easy majority.
    """
    if d.proba is None:
        return float("nan")
    values = _per_class(d, fn)
    if d.task == "binary":
        return float(values[1])
    if d.multilabel:
        values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


_METRIC_FUNCS: dict[str, Callable[[Preds], float]] = {
    "accuracy": lambda d: accuracy_score(d.y_true, d.y_pred),
    "balanced_accuracy": lambda d: float(d.present_recalls.mean()),
    "macro_f1": _f1("macro"),
    "weighted_f1": _f1("weighted"),
    "micro_f1": _f1("micro"),
    "samples_f1": _f1("samples"),
    "mcc": _mcc,
    "g_mean": _g_mean,
    "cohen_kappa": _cohen_kappa,
    "hamming_loss": lambda d: hamming_loss(d.y_true, d.y_pred),
    "subset_accuracy": lambda d: accuracy_score(d.y_true, d.y_pred),
    "roc_auc": lambda d: _ranking_macro(d, roc_auc_score),
    "average_precision": lambda d: _ranking_macro(d, _ap),
}


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
    return {
        name: float(_METRIC_FUNCS[name](d))
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
    return float(_METRIC_FUNCS[metric_name](prepare(y_true, y_pred, proba, classes, task)))


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
