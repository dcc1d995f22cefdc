"""(accuracy, F1) trade-offs of a :class:`~core.evaluation.comparison.Comparison`, per positive class.

Every strategy at every threshold of its pooled out-of-fold probabilities is one point of
the plane of a chosen positive class (binary: either class; multiclass: that class against
the rest; multi-label: that label present vs absent). The accuracy is the accuracy of that
two-way decision, so every point lies in the exact feasible region of
:func:`core.metrics.plane.f1_bounds` for the class's share of the cross-validation rows. The
Pareto front is taken over all those threshold points; each strategy's own decision rule
(its pooled ``oof_pred``) is an extra "operating point" that is drawn but not in the front.

:func:`sides` puts a class and its complement side by side (the minority and the majority
as positive) and says which one's F1-optimal cut gives the better balanced accuracy.
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
        """The non-dominated points (maximising accuracy and F1), by accuracy descending."""
        front = self.points[self.points["pareto"]]
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
    """The rarest class (label) in the cross-validation rows; on a tie the later one (so a
    balanced binary target keeps its conventional positive, the second class)."""
    options = positive_classes(comparison)
    if not options:
        raise DataError("No class has rows on both sides, so there is no (accuracy, F1) plane")
    shares = _shares(comparison)
    order = {c: i for i, c in enumerate(comparison.classes)}
    return min(options, key=lambda c: (shares[c], -order[c]))


def _shares(comparison: Comparison) -> dict[str, float]:
    y = np.asarray(comparison.y_true)
    if comparison.task == "multilabel":
        values = y.mean(axis=0)
    else:
        values = np.bincount(y, minlength=len(comparison.classes)) / y.size
    return {c: float(v) for c, v in zip(comparison.classes, values, strict=True)}


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


def plane(
    comparison: Comparison, positive: str | None = None, *, complement: bool = False
) -> PlaneView:
    """The plane with ``positive`` (default :func:`default_positive`) as the positive class,
    or with its complement as positive when ``complement`` (binary: the other class).

    One stable sort per strategy (:func:`core.metrics.plane.threshold_points`); the front is
    computed over every threshold point of every strategy.
    """
    positive = resolve_positive(comparison, positive)
    j = comparison.classes.index(positive)
    y = np.asarray(comparison.y_true)
    multilabel = comparison.task == "multilabel"
    y_bin = (y[:, j] == 1) if multilabel else (y == j)
    if complement:
        y_bin = ~y_bin
    pos_label, neg_label, x_label = _labels(comparison, positive, complement)
    sweeps, operating, counts = [], [], {}
    for name, result in comparison.results.items():
        if not result.ok:
            continue
        pred = np.asarray(result.oof_pred)
        pred_bin = (pred[:, j] == 1) if multilabel else (pred == j)
        operating.append(
            {
                "strategy": name,
                "threshold": np.nan,
                **confusion_point(y_bin, ~pred_bin if complement else pred_bin),
            }
        )
        if result.oof_proba is None:
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
        operating=pd.DataFrame(operating, columns=list(POINT_COLUMNS)),
        region=feasible_region(p, n_grid=DRAW_GRID),
        trivial=trivial_points(p),
        n_thresholds=counts,
    )


# --------------------------------------------------------------------------- two sides


@dataclass(frozen=True, eq=False)
class Sides:
    """A class and its complement as the positive class, side by side.

    ``table``: one row per strategy with a threshold sweep; for each side (``pos`` = the
    chosen class, ``neg`` = its complement) the F1-optimal cut's ``best_f1_*``,
    ``threshold_*`` (on that side's own probability), ``accuracy_*`` and
    ``balanced_accuracy_*``; ``better_balanced_accuracy`` is "positive", "complement" or
    "tie". Balanced accuracy does not depend on which class is called positive, so the
    two sides are comparable; best F1 is where they differ.
    """

    positive: PlaneView
    complement: PlaneView
    table: pd.DataFrame
    sentence: str

    @property
    def minority(self) -> PlaneView:
        return self.complement if self.positive.positive_share > 0.5 else self.positive

    @property
    def majority(self) -> PlaneView:
        return self.positive if self.positive.positive_share > 0.5 else self.complement


def _best_f1_rows(points: pd.DataFrame) -> pd.DataFrame:
    """Per strategy, the threshold row of highest F1 (ties: the highest threshold)."""
    if points.empty:
        return points
    idx = points.groupby("strategy", sort=False)["f1"].idxmax()
    return points.loc[idx.to_numpy()].set_index("strategy")


def sides(comparison: Comparison, positive: str | None = None) -> Sides:
    """``positive`` (default: the rarest class) and its complement as positive, compared at
    each side's F1-optimal threshold."""
    left = plane(comparison, positive)
    right = plane(comparison, resolve_positive(comparison, positive), complement=True)
    a, b = _best_f1_rows(left.points), _best_f1_rows(right.points)
    rows = []
    for name in a.index:
        ba_pos, ba_neg = (
            float(a.at[name, "balanced_accuracy"]),
            float(b.at[name, "balanced_accuracy"]),
        )
        gap = ba_pos - ba_neg
        rows.append(
            {
                "strategy": name,
                "best_f1_pos": float(a.at[name, "f1"]),
                "threshold_pos": float(a.at[name, "threshold"]),
                "accuracy_pos": float(a.at[name, "accuracy"]),
                "balanced_accuracy_pos": ba_pos,
                "best_f1_neg": float(b.at[name, "f1"]),
                "threshold_neg": float(b.at[name, "threshold"]),
                "accuracy_neg": float(b.at[name, "accuracy"]),
                "balanced_accuracy_neg": ba_neg,
                "better_balanced_accuracy": "tie"
                if abs(gap) <= TIE_TOLERANCE
                else ("positive" if gap > 0 else "complement"),
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "strategy",
            "best_f1_pos",
            "threshold_pos",
            "accuracy_pos",
            "balanced_accuracy_pos",
            "best_f1_neg",
            "threshold_neg",
            "accuracy_neg",
            "balanced_accuracy_neg",
            "better_balanced_accuracy",
        ],
    )
    return Sides(left, right, table, _sides_sentence(left, right, table))


def _name(view: PlaneView) -> str:
    return (
        f"'{view.positive_class}' ({view.role})"
        if view.role != "half"
        else f"'{view.positive_class}'"
    )


def _examples(table: pd.DataFrame, first: str, second: str, limit: int = 3) -> str:
    shown = [
        f"{r.strategy} {getattr(r, first):.3f} vs {getattr(r, second):.3f}"
        for r in table.head(limit).itertuples()
    ]
    return ", ".join(shown) + (", …" if len(table) > limit else "")


def _sides_sentence(left: PlaneView, right: PlaneView, table: pd.DataFrame) -> str:
    """Which side's F1-optimal cut has the better balanced accuracy, strategy by strategy."""
    if table.empty:
        return "No strategy produced probabilities, so no threshold can be compared."
    n = len(table)
    lead = "At the threshold of best F1,"
    sentences = []
    for side, winner, loser, a, b in (
        ("positive", left, right, "balanced_accuracy_pos", "balanced_accuracy_neg"),
        ("complement", right, left, "balanced_accuracy_neg", "balanced_accuracy_pos"),
    ):
        wins = table[table["better_balanced_accuracy"] == side]
        if wins.empty:
            continue
        count = "every strategy" if len(wins) == n else f"{len(wins)} of {n} strategies"
        sentences.append(
            f"{lead} {_name(winner)} as the positive class gives a better balanced accuracy "
            f"than {_name(loser)} for {count} ({_examples(wins, a, b)})."
        )
    ties = table[table["better_balanced_accuracy"] == "tie"]
    if not sentences:
        return (
            f"{lead} the balanced accuracy is the same whether {_name(left)} or {_name(right)} "
            "is the positive class, for every strategy."
        )
    if not ties.empty:
        sentences.append(f"The same either way: {', '.join(ties['strategy'])}.")
    return " ".join(sentences)
