"""(accuracy, F1) trade-offs of a :class:`~core.evaluation.comparison.Comparison`, per positive class.

Every strategy at every threshold of its pooled out-of-fold probabilities is one point of
the plane of a chosen positive class (binary: either class; multiclass: that class against
the rest; multi-label: that label present vs absent). The accuracy is the accuracy of that
two-way decision, so every point lies in the exact feasible region of
:func:`core.metrics.plane.f1_bounds` for the class's share of the cross-validation rows. The
Pareto front is taken over all those threshold points; each strategy's own decision rule
(its pooled ``oof_pred``) is an extra "operating point" that is drawn but not in the front.

:func:`operating_points` is the one owner of strategies' operating points in a plane (the
Compare page's binary accuracy-vs-F1 chart reads them too). :mod:`core.analysis.sides` puts
a class and its complement side by side.
results.json's ``tradeoff`` object and the report's figures are in
:mod:`core.exports.tradeoff_json`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics.plane import (
    TIE_TOLERANCE,
    feasible_region,
    pareto_front,
    threshold_points,
    trivial_points,
)

POINT_COLUMNS = (
    "strategy",
    "threshold",
    "accuracy",
    "f1",
    "tp",
    "fp",
    "fn",
    "tn",
    "recall_pos",
    "recall_neg",
    "balanced_accuracy",
    "precision",
)
"""Columns of every point frame (threshold sweeps, operating points, search points)."""

MAX_POINTS = 60
"""Threshold points kept per strategy when drawing or exporting (Pareto points always kept)."""

DRAW_GRID = 1001
"""Accuracies at which the region is sampled for drawing (a zoomed plot needs a fine grid to
show the curved boundary)."""


# --------------------------------------------------------------------------- points


def confusion_point(y_true_bin: Any, y_pred_bin: Any) -> dict[str, float]:
    """tp, fp, fn, tn and accuracy, f1, precision, recall_pos, recall_neg, balanced_accuracy
    of 0/1 predictions against 0/1 truth (0 where a ratio has no denominator)."""
    y = np.asarray(y_true_bin).astype(bool)
    p = np.asarray(y_pred_bin).astype(bool)
    if y.shape != p.shape or y.ndim != 1 or y.size == 0:
        raise DataError(
            f"Truth and predictions must be 1-D of equal, non-zero length. Got shapes {y.shape} "
            f"and {p.shape} instead"
        )
    tp, fp = int(np.sum(y & p)), int(np.sum(~y & p))
    fn, tn = int(np.sum(y & ~p)), int(np.sum(~y & ~p))

    def ratio(a: float, b: float) -> float:
        return float(a / b) if b > 0 else 0.0

    rec_pos, rec_neg = ratio(tp, tp + fn), ratio(tn, tn + fp)
    return {
        "accuracy": (tp + tn) / y.size,
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "recall_pos": rec_pos,
        "recall_neg": rec_neg,
        "balanced_accuracy": (rec_pos + rec_neg) / 2,
        "precision": ratio(tp, tp + fp),
    }


SHARED_POINT_KEY = ("threshold", "tp", "fp", "fn", "tn")
"""Columns that make two rows the same operating point: the same cut and the same counts
(so the same accuracy, F1 and every other rate)."""


def merge_shared_points(points: pd.DataFrame) -> pd.DataFrame:
    """``points`` with each operating point once: rows equal on :data:`SHARED_POINT_KEY`
    become the first of them, its ``strategy`` naming every strategy that reaches it in
    order ("baseline, threshold_tuning") and a ``strategies`` column holding them as a tuple.

    >>> rows = pd.DataFrame({"strategy": ["a", "b", "a"], "threshold": [0.5, 0.5, 0.2],
    ...                      "tp": [1, 1, 2], "fp": 0, "fn": [1, 1, 0], "tn": 2})
    >>> merge_shared_points(rows)[["strategy", "threshold", "strategies"]].to_dict("list")
    {'strategy': ['a, b', 'a'], 'threshold': [0.5, 0.2], 'strategies': [('a', 'b'), ('a',)]}
    """
    missing = [c for c in ("strategy", *SHARED_POINT_KEY) if c not in points.columns]
    if missing:
        raise DataError(f"Points need columns {missing!r} to be merged")
    group = points.groupby(list(SHARED_POINT_KEY), sort=False, dropna=False).ngroup()
    names: dict[int, tuple[str, ...]] = {}
    for g, name in zip(group.to_numpy(), points["strategy"].astype(str), strict=True):
        if name not in names.setdefault(int(g), ()):
            names[int(g)] += (name,)
    first = ~group.duplicated().to_numpy()
    merged = points[first].copy()
    shared = pd.Series([names[int(g)] for g in group.to_numpy()[first]], index=merged.index)
    merged["strategy"] = shared.map(", ".join).astype(object)
    merged["strategies"] = shared.astype(object)
    return merged


def _empty_points() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in POINT_COLUMNS})
    return frame.astype({"strategy": object})


@dataclass(frozen=True, eq=False)
class PlaneView:
    """One positive class's (accuracy, F1) plane: region, trivial classifiers, points, front.

    ``points`` has :data:`POINT_COLUMNS` plus ``pareto`` (bool): one row per distinct
    threshold of each strategy (predict positive when its probability >= ``threshold``;
    ``inf`` = never), strategies in comparison order, thresholds descending. ``operating``
    has the same columns (``threshold`` NaN): each strategy's own decisions.
    """

    positive_class: str
    negative_label: str  # the complement: the other class, or "not <class>"
    positive_share: float  # share of cross-validation rows in the positive class
    task: str
    x_label: str
    f1_label: str
    points: pd.DataFrame
    operating: pd.DataFrame
    region: pd.DataFrame  # accuracy, f1_min, f1_max on DRAW_GRID accuracies
    trivial: dict[str, dict[str, float]]
    n_thresholds: dict[str, int]  # strategy -> distinct thresholds before any thinning

    @property
    def pareto(self) -> pd.DataFrame:
        """The non-dominated points (maximising accuracy and F1), by accuracy descending,
        each operating point once (:func:`merge_shared_points`: strategies that share
        probabilities, such as baseline and threshold_tuning, reach the same points)."""
        front = merge_shared_points(self.points[self.points["pareto"]])
        return front.sort_values(["accuracy", "f1"], ascending=False, kind="stable")

    @property
    def role(self) -> str:
        """ "minority", "majority" or "half": the positive class's share of the rows."""
        if abs(self.positive_share - 0.5) <= TIE_TOLERANCE:
            return "half"
        return "minority" if self.positive_share < 0.5 else "majority"

    def thinned(self, max_per_strategy: int = MAX_POINTS) -> PlaneView:
        """The same view with at most about ``max_per_strategy`` points per strategy, spread
        evenly along each sweep's path in the plane; Pareto points, the two ends, the best-F1
        and best-accuracy points are always kept, so ``pareto`` is unchanged."""
        if isinstance(max_per_strategy, bool) or not isinstance(max_per_strategy, int):
            raise DataError(f"max_per_strategy must be an integer. Got {max_per_strategy!r}")
        if max_per_strategy < 2:
            raise DataError(f"max_per_strategy must be at least 2. Got {max_per_strategy!r}")
        keep = [
            rows.index[_thin_positions(rows, max_per_strategy)]
            for _, rows in self.points.groupby("strategy", sort=False)
        ]
        index = np.concatenate([k.to_numpy() for k in keep]) if keep else np.array([], int)
        return replace(self, points=self.points.loc[np.sort(index)])

    def with_points(self, extra: pd.DataFrame) -> PlaneView:
        """These points plus ``extra`` (e.g. a search's; columns :data:`POINT_COLUMNS`), the
        front recomputed over all of them."""
        missing = [c for c in POINT_COLUMNS if c not in extra.columns]
        if missing:
            raise DataError(f"Extra points lack columns {missing!r}")
        if extra.empty:
            return self
        both = pd.concat(
            [self.points.drop(columns="pareto"), extra[list(POINT_COLUMNS)]], ignore_index=True
        )
        both["pareto"] = pareto_front(both).to_numpy()
        return replace(self, points=both)


def _thin_positions(rows: pd.DataFrame, max_points: int) -> np.ndarray:
    n = len(rows)
    if n <= max_points:
        return np.arange(n)
    acc, f1 = rows["accuracy"].to_numpy(), rows["f1"].to_numpy()
    arc = np.r_[0.0, np.cumsum(np.hypot(np.diff(acc), np.diff(f1)))]
    targets = np.linspace(0.0, arc[-1], max_points)
    spread = np.clip(np.searchsorted(arc, targets), 0, n - 1)
    must = [0, n - 1, int(np.argmax(f1)), int(np.argmax(acc))]
    must += np.flatnonzero(rows["pareto"].to_numpy()).tolist()
    return np.unique(np.r_[spread, must])


def positive_classes(comparison: Comparison) -> list[str]:
    """Classes (labels) that can be the positive class: every one with rows on both sides."""
    y = np.asarray(comparison.y_true)
    found = []
    for j, cls in enumerate(comparison.classes):
        pos = y[:, j] == 1 if comparison.task == "multilabel" else y == j
        if 0 < pos.sum() < pos.size:
            found.append(cls)
    return found


def default_positive(comparison: Comparison) -> str:
    """:attr:`Comparison.important_class` when it can be the positive class, else the first
    of :meth:`Comparison.class_rarity` (rarest in the cross-validation rows, ties to the
    earlier class) that can."""
    options = positive_classes(comparison)
    if not options:
        raise DataError("No class has rows on both sides, so there is no (accuracy, F1) plane")
    if comparison.important_class in options:
        return comparison.important_class
    return next(c for c in comparison.class_rarity() if c in options)


def resolve_positive(comparison: Comparison, positive: str | None) -> str:
    """``positive`` checked against :func:`positive_classes`; None = the default."""
    if positive is None:
        return default_positive(comparison)
    options = positive_classes(comparison)
    if str(positive) not in options:
        noun = "label" if comparison.task == "multilabel" else "class"
        raise DataError(
            f"Unknown positive {noun} {positive!r}",
            f"Choose one of: {', '.join(map(repr, options))}",
        )
    return str(positive)


def _labels(comparison: Comparison, positive: str, complement: bool) -> tuple[str, str, str]:
    """(positive label, negative label, accuracy axis label) of the two-way problem."""
    others = [c for c in comparison.classes if c != positive]
    rest = others[0] if comparison.task == "binary" else f"not {positive}"
    pos, neg = (rest, positive) if complement else (positive, rest)
    if comparison.task == "binary":
        return pos, neg, "Accuracy"
    if comparison.task == "multiclass":
        return pos, neg, f"Accuracy of '{positive}' vs rest"
    return pos, neg, f"Accuracy on label '{positive}'"


def _truth(comparison: Comparison, positive: str, complement: bool) -> np.ndarray:
    """0/1 truth of the two-way problem: ``positive`` (or, with ``complement``, not it)."""
    j = comparison.classes.index(positive)
    y = np.asarray(comparison.y_true)
    y_bin = (y[:, j] == 1) if comparison.task == "multilabel" else (y == j)
    return ~y_bin if complement else y_bin


def operating_points(
    comparison: Comparison, positive: str | None = None, *, complement: bool = False
) -> pd.DataFrame:
    """Each successful strategy's own decisions as one point of the plane of ``positive``
    (default :func:`default_positive`; its complement when ``complement``).

    The one owner of strategies' (accuracy, F1) operating points: columns
    :data:`POINT_COLUMNS` (``threshold`` NaN), one row per strategy in comparison order.
    """
    positive = resolve_positive(comparison, positive)
    j = comparison.classes.index(positive)
    y_bin = _truth(comparison, positive, complement)
    rows = []
    for name, result in comparison.results.items():
        if not result.ok:
            continue
        pred = np.asarray(result.oof_pred)
        pred_bin = (pred[:, j] == 1) if comparison.task == "multilabel" else (pred == j)
        point = confusion_point(y_bin, ~pred_bin if complement else pred_bin)
        rows.append({"strategy": name, "threshold": np.nan, **point})
    return pd.DataFrame(rows, columns=list(POINT_COLUMNS))


def plane(
    comparison: Comparison, positive: str | None = None, *, complement: bool = False
) -> PlaneView:
    """The plane with ``positive`` (default :func:`default_positive`) as the positive class,
    or with its complement as positive when ``complement`` (binary: the other class).

    One sweep per strategy (:func:`core.metrics.plane.threshold_points`); the front is
    computed over every threshold point of every strategy.
    """
    positive = resolve_positive(comparison, positive)
    j = comparison.classes.index(positive)
    y_bin = _truth(comparison, positive, complement)
    pos_label, neg_label, x_label = _labels(comparison, positive, complement)
    sweeps, counts = [], {}
    for name, result in comparison.results.items():
        if not result.ok or result.oof_proba is None:
            continue
        score = np.asarray(result.oof_proba)[:, j]
        if complement:  # binary: the other class's own column; else "not j" = 1 - P(j)
            score = (
                np.asarray(result.oof_proba)[:, 1 - j]
                if comparison.task == "binary"
                else 1.0 - score
            )
        sweep = threshold_points(y_bin.astype(np.int64), score)
        sweep.insert(0, "strategy", name)
        sweeps.append(sweep[list(POINT_COLUMNS)])
        counts[name] = len(sweep)
    points = pd.concat(sweeps, ignore_index=True) if sweeps else _empty_points()
    points["pareto"] = pareto_front(points).to_numpy()
    p = float(np.mean(y_bin))
    return PlaneView(
        positive_class=pos_label,
        negative_label=neg_label,
        positive_share=p,
        task=comparison.task,
        x_label=x_label,
        f1_label=f"F1 of '{pos_label}'",
        points=points,
        operating=operating_points(comparison, positive, complement=complement),
        region=feasible_region(p, n_grid=DRAW_GRID),
        trivial=trivial_points(p),
        n_thresholds=counts,
    )
