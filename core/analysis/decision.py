"""The decision a strategy actually made, for one class, as the Results page's threshold
panel states it beside the per-class table.

The table and confusion matrix count the pooled out-of-fold predictions (``oof_pred``). The
threshold slider explores single cuts on the pooled probabilities. The two agree only where
the strategy's decision *is* one cut: baseline-like strategies (0.5 / the most probable
class) nearly always, ``threshold_tuning`` (one tuned cut per fold, per-class offsets in
multiclass), ``cost_sensitive`` (the class of least expected cost) not in general.
:func:`decision_of` says which decision it was, its per-fold values, the counts it gave
(exactly the table's), where a slider of single cuts should start, what one cut there
gives, and whether the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.analysis.details import StrategyDetails, ThresholdPoint, at_threshold
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics.curves import metrics_at_threshold, threshold_curve_arrays
from core.modelling.strategies import STRATEGIES

#: ``cut``: one cut at 0.5 on the class's probability; ``argmax``: the most probable class;
#: ``tuned_cuts``: one tuned cut per fold; ``offsets``: per-class offsets per fold (multiclass
#: threshold tuning); ``expected_cost``: the class of least expected cost; ``given``: a
#: decision this module does not know (the predictions as made).
DecisionKind = Literal["cut", "argmax", "tuned_cuts", "offsets", "expected_cost", "given"]
DEFAULT_CUT = 0.5
SLIDER_STEP = 0.01  # the page's slider step: starts are rounded to it

_FOUND_BY: dict[str, str] = {
    "cut": "the decision",
    "argmax": "the most-probable-class rule",
    "tuned_cuts": "the per-fold cuts",
    "offsets": "the per-fold offsets",
    "expected_cost": "the expected-cost rule",
    "given": "the predictions as made",
}


@dataclass(frozen=True)
class Decision:
    """How strategy ``strategy`` decided class ``class_name``, and what one cut would give.

    ``per_fold``: the tuned cut of each fold (``tuned_cuts``; NaN where a fold never
    predicts the label), this class's offset of each fold (``offsets``), or the cut each
    fold's expected-cost rule amounted to on its rows (binary ``expected_cost``; NaN where
    it was not one cut); empty otherwise. Cuts apply to the probability of ``class_name``
    (binary class 0: one minus the cut on class 1). ``cut``: the one cut (``cut``) or the
    mean of ``per_fold``, else None. ``start``: the single cut nearest the decision, where
    the slider opens; ``single`` is that cut applied to the pooled probabilities.
    ``others``: with ``offsets``, the other classes' offsets of each fold (``(class,
    per-fold values)`` in class order), so a reference class (offset 0) can say them.
    """

    strategy: str
    class_name: str
    kind: DecisionKind
    per_fold: tuple[float, ...]
    cut: float | None
    start: float
    decided: ThresholdPoint  # the decision's own counts (``threshold`` NaN: not one cut)
    single: ThresholdPoint
    others: tuple[tuple[str, tuple[float, ...]], ...] = ()  # offsets: the other classes'
    part: str = "fold"  # "part": the cross-fitting parts of a predictions file

    @property
    def exact(self) -> bool:
        """True when the single cut at ``start`` gives exactly the decision's counts."""
        d, s = self.decided, self.single
        return (d.tp, d.fp, d.fn, d.tn) == (s.tp, s.fp, s.fn, s.tn)

    @property
    def is_one_cut(self) -> bool:
        """True when the decision is one cut on the pooled probabilities."""
        return self.kind == "cut"

    @property
    def description(self) -> str:
        """The decision in words, with its per-fold values (e.g. ``a tuned cut per fold:
        0.38, 0.41, 0.44, 0.40, 0.42 (mean 0.41)``)."""
        on = f"the probability of '{self.class_name}'"
        if self.kind == "cut":
            return f"one cut at {self.cut:.2f} on {on}"
        if self.kind == "argmax":
            return f"the most probable class (argmax), not one cut on {on}"
        if self.kind == "tuned_cuts":
            values = ", ".join("never" if np.isnan(v) else f"{v:.2f}" for v in self.per_fold)
            mean = "" if self.cut is None else f" (mean {self.cut:.2f})"
            return f"a tuned cut per {self.part} on {on}: {values}{mean}"
        if self.kind == "offsets":
            rule = (
                f"per-class offsets per {self.part}, added to the log-probabilities before "
                "the most probable class is taken (not one cut); "
            )
            if not any(self.per_fold):
                moved = "; ".join(
                    f"'{c}': " + ", ".join(f"{v:+.2f}" for v in values) for c, values in self.others
                )
                return rule + (
                    f"'{self.class_name}' is the reference (offset 0 in every {self.part}), the "
                    f"others move against it ({moved})"
                )
            values = ", ".join(f"{v:+.2f}" for v in self.per_fold)
            return rule + f"'{self.class_name}': {values}"
        if self.kind == "expected_cost":
            text = (
                "expected-cost rule (not a single cut): each row gets the class of least "
                "expected cost"
            )
            if self.per_fold and not np.isnan(self.per_fold).any():
                values = ", ".join(f"{v:.3f}" for v in self.per_fold)
                text += f"; per {self.part} it acted as a cut on {on} near {values}"
            return text
        return "the predictions as made (not a cut this app knows)"

    @property
    def start_basis(self) -> str:
        """Why the slider starts at ``start``, in words."""
        if self.kind == "cut":
            return "the decision's own cut"
        if self.kind == "tuned_cuts" and self.cut is not None:
            return "the mean of the per-fold cuts"
        if self.kind == "expected_cost" and self.cut is not None:
            return "the mean of the cuts the rule acted as"
        return "the single cut that agrees with the decision on the most rows"

    @property
    def difference(self) -> str | None:
        """One line when the single cut at ``start`` differs from the decision, else None."""
        if self.exact:
            return None
        d, s = self.decided, self.single
        positives = d.tp + d.fn
        return (
            f"A single cut at {self.start:.2f} finds {s.tp} of {positives} "
            f"'{self.class_name}' rows and flags {s.fp} others; "
            f"{_FOUND_BY[self.kind]} found {d.tp} and flagged {d.fp}."
        )


def counts_of(y_true_bin: np.ndarray, pred_bin: np.ndarray, cls: str = "") -> ThresholdPoint:
    """Counts and metrics of 0/1 predictions ``pred_bin`` against 0/1 labels ``y_true_bin``
    (class ``cls`` against the rest): the threshold sweep's own counting
    (:func:`core.metrics.curves.threshold_curve_arrays`) with the predictions as the scores,
    read at the cut 1; ``threshold`` is NaN, the decision not being one cut."""
    p = np.asarray(pred_bin).astype(np.float64)
    try:
        found = metrics_at_threshold(threshold_curve_arrays(y_true_bin, p), 1.0)
    except DataError as err:
        raise DataError(f"Labels and predictions must be 1-D of the same length: {err}") from None
    return ThresholdPoint(class_name=cls, **{**found, "threshold": float("nan")})


def nearest_cut(scores: np.ndarray, pred_bin: np.ndarray, step: float = SLIDER_STEP) -> float:
    """The cut on the grid ``0, step, …, 1`` whose ``scores >= cut`` disagrees with
    ``pred_bin`` on the fewest rows (ties: the one nearest 0.5)."""
    s = np.asarray(scores, dtype=float)
    p = np.asarray(pred_bin).astype(bool)
    order = np.argsort(s, kind="stable")
    s_sorted, p_sorted = s[order], p[order]
    pos_below = np.concatenate([[0], np.cumsum(p_sorted)])  # predicted, with score < cut
    neg_below = np.concatenate([[0], np.cumsum(~p_sorted)])
    grid = np.round(np.arange(0.0, 1.0 + step / 2, step), 10)
    below = np.searchsorted(s_sorted, grid, side="left")
    wrong = pos_below[below] + (neg_below[-1] - neg_below[below])
    best = np.flatnonzero(wrong == wrong.min())
    return float(grid[best[np.argmin(np.abs(grid[best] - DEFAULT_CUT))]])


def acted_as_cut(
    scores: np.ndarray, pred_bin: np.ndarray, fold_of_row: np.ndarray
) -> tuple[float, ...]:
    """Per fold: the midpoint between the highest score not predicted and the lowest score
    predicted, where the fold's decision separates them (a cut), else NaN. Also read by
    :mod:`core.analysis.stability`."""
    cuts = []
    for fold in np.unique(fold_of_row[fold_of_row >= 0]):
        rows = fold_of_row == fold
        s, p = scores[rows], pred_bin[rows]
        if not p.any() or p.all():
            cuts.append(float("nan"))
            continue
        lo, hi = float(s[~p].max()), float(s[p].min())
        cuts.append((lo + hi) / 2 if lo < hi else float("nan"))
    return tuple(cuts)


def decision_kind(comparison: Comparison, name: str) -> DecisionKind:
    """Which kind of decision strategy ``name`` makes (:data:`DecisionKind`)."""
    result = comparison.results[name]
    strategy = STRATEGIES.get(name)
    if strategy is not None and strategy.family == "cost":
        return "expected_cost"
    if result.thresholds is not None:
        return "offsets" if comparison.task == "multiclass" else "tuned_cuts"
    if strategy is None:
        return "given"
    return "argmax" if comparison.task == "multiclass" else "cut"


def fold_values(result, index: int) -> tuple[float, ...]:
    """Entry ``index`` of each fold's tuned cuts (``result.thresholds``), NaN where a fold
    has none or never predicts (a cut above 1)."""
    values = []
    for fold in result.thresholds or ():
        value = float("nan") if fold is None else float(np.ravel(fold)[index])
        values.append(value if value <= 1.0 else float("nan"))  # above 1: never predicted
    return tuple(values)


def decision_of(comparison: Comparison, details: StrategyDetails, cls: str) -> Decision:
    """The decision strategy ``details.name`` made for class ``cls``: its kind, per-fold
    values, the counts from its pooled predictions (as the table), and the single cut on
    the pooled probabilities nearest it (binary tuned cuts: their mean; one cut: 0.5)."""
    name = details.name
    classes = list(comparison.classes)
    if cls not in classes:
        raise DataError(f"Unknown class {cls!r}", "Choose one of: " + ", ".join(classes))
    result = comparison.results[name]
    j = classes.index(cls)
    y, pred, proba = comparison.y_true, np.asarray(result.oof_pred), result.oof_proba
    multilabel = comparison.task == "multilabel"
    y_bin = y[:, j] if multilabel else np.asarray(y) == j
    pred_bin = (pred[:, j] if multilabel else pred == j).astype(bool)
    scores = np.asarray(proba, dtype=float)[:, j]
    binary = comparison.task == "binary"
    kind = decision_kind(comparison, name)
    per_fold: tuple[float, ...] = ()
    others: tuple[tuple[str, tuple[float, ...]], ...] = ()
    cut: float | None = None
    if kind == "cut":
        cut = DEFAULT_CUT
    elif kind == "tuned_cuts":
        per_fold = fold_values(result, 0 if binary else j)
        if binary and j == 0:  # the tuned cuts are on the probability of class 1
            per_fold = tuple(1.0 - v for v in per_fold)
        finite = [v for v in per_fold if not np.isnan(v)]
        cut = float(np.mean(finite)) if finite else None
    elif kind == "offsets":
        folds = [np.ravel(f) for f in result.thresholds if f is not None]
        per_fold = tuple(float(f[j]) for f in folds)
        others = tuple(
            (c, tuple(float(f[i]) for f in folds)) for i, c in enumerate(classes) if i != j
        )
    elif kind == "expected_cost" and binary:
        per_fold = acted_as_cut(scores, pred_bin, np.asarray(result.fold_of_row))
        if per_fold and not np.isnan(per_fold).any():
            cut = float(np.mean(per_fold))
    if cut is not None:
        start = round(float(np.clip(round(cut / SLIDER_STEP) * SLIDER_STEP, 0.0, 1.0)), 2)
    else:
        start = nearest_cut(scores, pred_bin)
    return Decision(
        strategy=name,
        class_name=cls,
        kind=kind,
        per_fold=per_fold,
        cut=cut,
        start=start,
        decided=counts_of(y_bin, pred_bin, cls),
        single=at_threshold(details, cls, start),
        others=others,
        part="part" if comparison.config.mode == "predictions" else "fold",
    )
