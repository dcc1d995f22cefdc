"""Everything the Results page shows about one strategy, computed once from its pooled
out-of-fold predictions (curves, per-class areas, the train-vs-validation gap).

Curves are precomputed here so a threshold slider is a lookup (``at_threshold``), never a
refit or a re-sort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.analysis.planes import operating_points
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics import curves
from core.metrics import scores as metrics
from core.metrics.plane import feasible_region, trivial_points


@dataclass(frozen=True, eq=False)
class StrategyDetails:
    """Per-class curves and diagnostics of one strategy (one-vs-rest per class or label)."""

    name: str
    task: str
    classes: tuple[str, ...]
    threshold_curves: dict[str, pd.DataFrame]  # class -> threshold, tp, fp, fn, tn, precision, …
    pr_curves: dict[str, pd.DataFrame]
    roc_curves: dict[str, pd.DataFrame]
    calibration: dict[str, pd.DataFrame]
    average_precision: dict[str, float]
    roc_auc: dict[str, float]
    gap: pd.DataFrame  # class, train, validation, gap: per-class F1, means over folds
    tuned_thresholds: dict[str, float]  # class -> mean tuned threshold over folds (if tuned)
    default_thresholds: dict[str, float]  # the threshold the plain decision rule amounts to

    @property
    def probability_class(self) -> str | None:
        """Binary: the class whose probability the threshold applies to (code 1)."""
        return self.classes[1] if self.task == "binary" else None


def class_gap(result) -> pd.DataFrame:
    """Per-class F1 on training folds vs validation folds (means over folds), and the gap."""
    if not result.train_class_f1:
        return pd.DataFrame(columns=["class", "train", "validation", "gap"])
    train = pd.DataFrame(list(result.train_class_f1)).mean()
    val = pd.DataFrame(list(result.fold_class_f1)).mean()
    frame = pd.DataFrame({"class": train.index, "train": train.values})
    frame["validation"] = val.reindex(train.index).to_numpy()
    frame["gap"] = frame["train"] - frame["validation"]
    return frame.reset_index(drop=True)


def _tuned(comparison: Comparison, name: str) -> dict[str, float]:
    result = comparison.results[name]
    per_fold = [t for t in (result.thresholds or ()) if t is not None]
    if not per_fold or comparison.task == "multiclass":
        return {}  # multiclass tuning learns score offsets, not a threshold per class
    mean = np.mean(np.asarray(per_fold, dtype=float), axis=0)
    if comparison.task == "binary":
        return {comparison.classes[1]: float(np.ravel(mean)[0])}
    return {c: float(v) for c, v in zip(comparison.classes, mean, strict=True)}


def strategy_details(comparison: Comparison, name: str) -> StrategyDetails:
    """Curves and diagnostics of strategy ``name`` (which must have run successfully)."""
    result = comparison.results.get(name)
    if result is None or not result.ok:
        reason = "it was not run" if result is None else f"it failed: {result.error}"
        raise DataError(f"No results for strategy {name!r}: {reason}")
    y, proba = comparison.y_true, result.oof_proba
    classes, task = comparison.classes, comparison.task
    default = {c: 0.5 for c in classes}
    return StrategyDetails(
        name=name,
        task=task,
        classes=classes,
        threshold_curves=curves.threshold_curves(y, proba, classes, task),
        pr_curves=curves.pr_curves(y, proba, classes, task),
        roc_curves=curves.roc_curves(y, proba, classes, task),
        calibration=curves.calibration_by_class(y, proba, classes, task),
        average_precision=metrics.average_precision_per_class(y, proba, classes, task),
        roc_auc=metrics.roc_auc_per_class(y, proba, classes, task),
        gap=class_gap(result),
        tuned_thresholds=_tuned(comparison, name),
        default_thresholds=default,
    )


@dataclass(frozen=True)
class ThresholdPoint:
    """Class ``class_name`` against the rest when predicted for probability >= ``threshold``:
    the counts of rows and the metrics they give (0 where a ratio has no denominator)."""

    class_name: str
    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    specificity: float


def at_threshold(details: StrategyDetails, cls: str, threshold: float) -> ThresholdPoint:
    """Class ``cls`` against the rest at ``threshold``: a lookup in the precomputed curve
    (a binary search, no re-sort), so it suits a live slider."""
    if cls not in details.threshold_curves:
        raise DataError(f"Unknown class {cls!r}", "Choose one of: " + ", ".join(details.classes))
    found = curves.metrics_at_threshold(details.threshold_curves[cls], threshold)
    return ThresholdPoint(class_name=cls, **found)


def per_class_long(comparison: Comparison, metric: str = "f1") -> pd.DataFrame:
    """``strategy, class, value`` of one per-class metric for every successful strategy."""
    frames = []
    for name, result in comparison.results.items():
        if result.ok:
            part = result.per_class[["class", metric]].rename(columns={metric: "value"})
            part.insert(0, "strategy", name)
            frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["strategy", "class", "value"])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True, eq=False)
class SummaryPlane:
    """The Compare page's one (accuracy, F1) chart: a point per successful strategy.

    Binary: each strategy's operating point in the plane of ``positive_class``
    (:func:`core.analysis.planes.operating_points`) inside its exact feasible region;
    multiclass: accuracy vs macro F1; multi-label: label accuracy vs micro F1 (summary
    scores, so no region). The per-class planes with threshold sweeps are
    :func:`core.analysis.planes.plane`.
    """

    points: pd.DataFrame  # strategy, accuracy, f1
    x_label: str
    f1_label: str
    positive_class: str | None = None
    region: pd.DataFrame | None = None  # accuracy, f1_min, f1_max (binary only)
    trivial: dict | None = None


def accuracy_f1_plane(comparison: Comparison, positive: str | None = None) -> SummaryPlane:
    """Binary: accuracy vs F1 of ``positive`` (default :attr:`Comparison.important_class`)
    inside its exact feasible region; multiclass: accuracy vs macro F1; multi-label: label
    accuracy (1 - Hamming loss) vs micro F1."""
    ok = {n: r for n, r in comparison.results.items() if r.ok}
    if comparison.task == "binary":
        positive = positive or comparison.important_class
        points = operating_points(comparison, positive)[["strategy", "accuracy", "f1"]]
        p = float(np.mean(np.asarray(comparison.y_true) == comparison.classes.index(positive)))
        return SummaryPlane(
            points=points.reset_index(drop=True),
            x_label="Accuracy",
            f1_label=f"F1 of '{positive}'",
            positive_class=positive,
            region=feasible_region(p),
            trivial=trivial_points(p),
        )
    if comparison.task == "multiclass":
        rows = [(n, r.summary["accuracy"], r.summary["macro_f1"]) for n, r in ok.items()]
        return SummaryPlane(
            pd.DataFrame(rows, columns=["strategy", "accuracy", "f1"]), "Accuracy", "Macro F1"
        )
    rows = [(n, 1 - r.summary["hamming_loss"], r.summary["micro_f1"]) for n, r in ok.items()]
    return SummaryPlane(
        pd.DataFrame(rows, columns=["strategy", "accuracy", "f1"]),
        "Label accuracy (1 − Hamming loss)",
        "Micro F1",
    )
