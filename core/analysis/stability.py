"""Threshold stability: how far a strategy's tuned decision moves between folds, and how much
its objective loses a small step either side of it.

A tuned decision is tuned again in every fold, on that fold's training rows. The values the
folds chose are in :attr:`StrategyResult.thresholds` (binary: one cut on the probability of
the positive class ``classes[1]``; multi-label: one cut per label; multiclass: one
log-probability offset per class, the first class the reference at 0). For the expected-cost
rule (binary) the per-fold value is the cut the rule acted as on the fold's rows
(:func:`core.analysis.decision.acted_as_cut`). :func:`threshold_stability` gives, per tuned
quantity, the per-fold values with their mean, sd, min, max and range, whether the range is
large (:data:`UNSTABLE_RANGE`), and the sensitivity: the objective of the class, pooled over
the folds' validation rows with each fold's own value, at that value and one step
(:data:`STEP`) below and above it.

The sensitivity uses the one threshold sweep: a row's *margin* is how far it is from its own
fold's decision (cuts: probability minus the fold's cut; offsets: the class's offset
log-probability minus the best other class's), so moving every fold's value by ``d`` is one
cut at ``d`` (or ``-d``) on the margins, read from
:func:`core.metrics.decision_rules.objective_by_cut`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.analysis.decision import acted_as_cut, decision_kind, fold_values
from core.evaluation.comparison import Comparison
from core.metrics.decision_rules import OBJECTIVE_TITLES, objective_by_cut

#: What each tuned kind moves, in words (``ThresholdStability.quantity``).
QUANTITIES: dict[str, str] = {
    "tuned_cuts": "cut",
    "offsets": "offset",
    "expected_cost": "acted_as_cut",
}
#: The step either side of the tuned value for the sensitivity: 0.05 on the probability
#: scale; 0.25 in log-probability units for offsets (about the same move for a class whose
#: probability is near 0.3, where 0.05 / (0.3 * 0.7) = 0.24).
STEP: dict[str, float] = {"cut": 0.05, "offset": 0.25, "acted_as_cut": 0.05}
NEAR_P = 0.3  # the probability at which the offset step is stated on the probability scale
#: A tuned value is unstable when its range over the folds is at least this: 0.2 on the
#: probability scale (the cut moves e.g. from 0.3 to 0.5), 1.0 in log-probability units for
#: offsets (the class's odds multiplied by factors e = 2.7 apart).
UNSTABLE_RANGE: dict[str, float] = {"cut": 0.2, "offset": 1.0, "acted_as_cut": 0.2}
_FIXED = 2.0  # margin of a row whose fold has no cut: beyond any step, decision kept as made
_TOL = 1e-12


@dataclass(frozen=True)
class TunedSpread:
    """One tuned quantity of one class over the folds, and the objective around it.

    ``fold_values``: the value of each fold, in fold order (NaN: the fold never predicts the
    class or label, or its decision was not one cut); ``mean``, ``sd`` (ddof=1; NaN with
    fewer than two values), ``min``, ``max``, ``range`` over the finite ones. ``at_value``,
    ``below`` and ``above``: the objective of the class against the rest, on the pooled
    validation rows, with each fold's own value, and with every fold's value one step lower
    and higher.
    """

    class_name: str
    fold_values: tuple[float, ...]
    mean: float
    sd: float
    min: float
    max: float
    range: float
    unstable: bool
    at_value: float
    below: float
    above: float

    @property
    def n_missing(self) -> int:
        """Folds without a value (never predicted, or not one cut)."""
        return sum(math.isnan(v) for v in self.fold_values)


@dataclass(frozen=True)
class ThresholdStability:
    """The per-fold spread of strategy ``strategy``'s tuned decision (see the module)."""

    strategy: str
    kind: str  # tuned_cuts, offsets or expected_cost (core.analysis.decision.DecisionKind)
    quantity: str  # cut, offset or acted_as_cut
    objective: str  # a key of OBJECTIVE_TITLES
    beta: float
    step: float
    unstable_range: float
    per_class: tuple[TunedSpread, ...]
    part: str = "fold"  # one part of the cross-validation in words: "fold", or "part"

    @property
    def objective_title(self) -> str:
        """The objective as named on screen (``F1``), with its beta for F-beta."""
        title = OBJECTIVE_TITLES[self.objective]
        return f"F{self.beta:g}" if self.objective == "fbeta" else title

    @property
    def unstable(self) -> tuple[TunedSpread, ...]:
        """The entries whose range over the folds is large."""
        return tuple(e for e in self.per_class if e.unstable)

    def entry(self, cls: str) -> TunedSpread | None:
        """The entry of class ``cls``, or None (not tuned, e.g. the offsets' reference)."""
        return next((e for e in self.per_class if e.class_name == cls), None)

    def number(self, value: float, cls: str) -> str:
        """``value`` written as this quantity of ``cls`` is: offsets signed with 2 decimals;
        cuts with 2 decimals, 3 where the class's lowest cut is below 0.1."""
        if self.quantity == "offset":
            return f"{value:+.2f}"
        e = self.entry(cls)
        return f"{value:.3f}" if e is not None and e.min < 0.1 else f"{value:.2f}"

    def what(self, cls: str) -> str:
        """The tuned quantity of ``cls`` in words (``the cut on the probability of 'yes'``)."""
        if self.quantity == "offset":
            return f"the offset of '{cls}' (log-probability units)"
        if self.quantity == "acted_as_cut":
            return f"the cut the expected-cost rule acted as on the probability of '{cls}'"
        return f"the cut on the probability of '{cls}'"

    @property
    def folds(self) -> str:
        """The cross-validation parts in words: ``folds``, or ``parts`` (the cross-fitting
        parts of a predictions file)."""
        return f"{self.part}s"

    def step_note(self) -> str:
        """What the step means for offsets (a sentence with a leading space), else ""."""
        if self.quantity != "offset":
            return ""
        moves = self.step * NEAR_P * (1 - NEAR_P)  # d p / d log p-offset ~ p (1 - p)
        return (
            f" Offsets are added to the log-probability; ±{self.step:g} moves a class near "
            f"probability {NEAR_P:g} by about ±{moves:.2f}."
        )

    def _range(self, e: TunedSpread, cls: str) -> str:
        word = "cut" if self.quantity != "offset" else "offset"
        sd = "" if math.isnan(e.sd) else f" (sd {self.number(e.sd, cls).lstrip('+')})"
        missing = ""
        if e.n_missing:
            why = "not one cut" if self.quantity == "acted_as_cut" else "never predicted"
            missing = f", {why} in {e.n_missing} of them"
        return (
            f"Across the {len(e.fold_values)} {self.folds} the {word} ranged "
            f"{self.number(e.min, cls)} to {self.number(e.max, cls)}{sd}{missing}."
        )

    def _around(self, e: TunedSpread, word: str, it: str, sep: str = ";") -> str:
        step = f"{self.step:g}"
        return (
            f"{self.objective_title} {e.at_value:.3f} at {word}{sep} {e.below:.3f} with {it} "
            f"{step} lower, {e.above:.3f} with it {step} higher"
        )

    def line(self, cls: str) -> str | None:
        """The range over the folds and the objective around the value, e.g. ``Across the 5
        folds the cut ranged 0.23 to 0.40 (sd 0.07). F1 0.612 at the cut; 0.598 with the cut
        0.05 lower, 0.601 with it 0.05 higher.`` (offsets: with :meth:`step_note`); None when
        ``cls`` has no entry."""
        e = self.entry(cls)
        if e is None:
            return None
        word = "the cut" if self.quantity != "offset" else "the offset"
        return f"{self._range(e, cls)} {self._around(e, word, word)}.{self.step_note()}"

    def moved(self, cls: str) -> str:
        """How far ``cls``'s value moved, for the finding (``the cut on the probability of
        'yes' moved from 0.10 to 0.60 (per fold: …); F1 0.500 at its value, 0.480 with it
        0.05 lower, …``)."""
        e, say = self.entry(cls), self.number
        return (
            f"{self.what(cls)} moved from {say(e.min, cls)} to {say(e.max, cls)} "
            f"({self.fold_text(cls)}); {self._around(e, 'its value', 'it', ',')}"
        )

    def fold_text(self, cls: str) -> str | None:
        """The per-fold values of ``cls`` (``per fold: 0.23, 0.31, …``; ``per part`` in
        predictions mode), or None."""
        e = self.entry(cls)
        if e is None:
            return None
        none = "not one cut" if self.quantity == "acted_as_cut" else "never"
        return f"per {self.part}: " + ", ".join(
            none if math.isnan(v) else self.number(v, cls) for v in e.fold_values
        )

    def sentence(self, cls: str) -> str | None:
        """The range, the per-fold values, then the objective around the value (and what an
        offset step means), as the Results page and the report say it."""
        e = self.entry(cls)
        if e is None:
            return None
        word = "the cut" if self.quantity != "offset" else "the offset"
        per = self.fold_text(cls).capitalize()
        return f"{self._range(e, cls)} {per}. {self._around(e, word, word)}.{self.step_note()}"

    def to_dict(self) -> dict[str, Any]:
        """The results.json ``threshold_stability`` block (docs/CONTRACTS.md)."""
        return {
            "quantity": self.quantity,
            "objective": self.objective,
            "step": self.step,
            "unstable_range": self.unstable_range,
            "per_class": [
                {
                    "class": e.class_name,
                    "fold_values": list(e.fold_values),
                    "mean": e.mean,
                    "sd": e.sd,
                    "min": e.min,
                    "max": e.max,
                    "range": e.range,
                    "unstable": e.unstable,
                    "at_value": e.at_value,
                    "below": e.below,
                    "above": e.above,
                }
                for e in self.per_class
            ],
        }


def objective_at(
    y_bin: np.ndarray, margin: np.ndarray, cuts: tuple[float, ...], objective: str, beta: float
) -> tuple[float, ...]:
    """The objective of predicting ``margin >= t`` against ``y_bin`` at each ``t`` of
    ``cuts``, from one sweep (:func:`objective_by_cut`)."""
    _, values = objective_by_cut(y_bin, margin, objective, beta)  # top 1, 2, … distinct margins
    distinct = np.unique(margin)
    out = []
    for t in cuts:
        kept = distinct.size - int(np.searchsorted(distinct, t, side="left"))
        # nothing predicted: F1, F-beta and MCC are 0 (zero_division=0), balanced accuracy 0.5
        nothing = 0.5 if objective == "balanced_accuracy" else 0.0
        out.append(float(values[kept - 1]) if kept else nothing)
    return tuple(out)


def _spread(
    cls: str, values: tuple[float, ...], limit: float, around: tuple[float, ...]
) -> TunedSpread:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    lo, hi = float(x.min()), float(x.max())
    return TunedSpread(
        class_name=cls,
        fold_values=values,
        mean=float(x.mean()),
        sd=float(x.std(ddof=1)) if x.size > 1 else float("nan"),
        min=lo,
        max=hi,
        range=hi - lo,
        unstable=hi - lo >= limit - _TOL,
        at_value=around[1],
        below=around[0],
        above=around[2],
    )


def _cut_margin(
    scores: np.ndarray, pred_bin: np.ndarray, fold_of_row: np.ndarray, values: tuple[float, ...]
) -> np.ndarray:
    """Score minus the row's own fold's cut; rows of a fold without one keep their decision."""
    cuts = np.asarray(values, dtype=float)[fold_of_row]
    fixed = np.where(pred_bin, _FIXED, -_FIXED)
    return np.where(np.isfinite(cuts), scores - np.nan_to_num(cuts), fixed)


def _offset_margin(
    proba: np.ndarray, j: int, fold_of_row: np.ndarray, offsets: np.ndarray, pred_bin: np.ndarray
) -> np.ndarray:
    """Class ``j``'s offset log-probability minus the best other class's, with each row's own
    fold's offsets (``offsets``: folds x classes); ties go as the decision went."""
    logp = np.log(np.maximum(proba, np.finfo(float).tiny)) + offsets[fold_of_row]
    others = np.delete(logp, j, axis=1).max(axis=1)
    margin = logp[:, j] - others
    margin[(margin == 0) & ~pred_bin] = -np.finfo(float).tiny
    return margin


def threshold_stability(comparison: Comparison, name: str) -> ThresholdStability | None:
    """The per-fold spread of strategy ``name``'s tuned decision and the objective around it,
    or None when it tunes nothing per fold (or did not run). Binary: the positive class
    (``classes[1]``); multiclass offsets: every class but the reference (the first);
    multi-label: every label tuned in at least one fold."""
    result = comparison.results.get(name)
    if result is None or not result.ok or result.oof_proba is None:
        return None
    kind = decision_kind(comparison, name)
    task = comparison.task
    if kind not in QUANTITIES or (kind == "expected_cost" and task != "binary"):
        return None
    quantity = QUANTITIES[kind]
    options = comparison.config.options
    objective, beta = ("f1", 1.0)
    if kind != "expected_cost":
        objective, beta = options.threshold_objective, float(options.beta)
    step, limit = STEP[quantity], UNSTABLE_RANGE[quantity]
    classes = list(comparison.classes)
    folds = np.asarray(result.fold_of_row)
    proba = np.asarray(result.oof_proba, dtype=float)
    pred = np.asarray(result.oof_pred)
    y = np.asarray(comparison.y_true)
    table = (
        np.array([np.ravel(f) for f in result.thresholds], dtype=float)
        if kind == "offsets"
        else None
    )
    entries = []
    for j, cls in enumerate(classes):
        if (task == "binary" and j != 1) or (kind == "offsets" and j == 0):
            continue
        y_bin = y[:, j] if task == "multilabel" else y == j
        pred_bin = (pred[:, j] if task == "multilabel" else pred == j).astype(bool)
        if table is not None:  # offsets: folds x classes
            values = tuple(float(v) for v in table[:, j])
            margin = _offset_margin(proba, j, folds, table, pred_bin)
            around = objective_at(y_bin, margin, (step, 0.0, -step), objective, beta)
        else:
            if kind == "tuned_cuts":
                values = fold_values(result, 0 if task == "binary" else j)
            else:
                values = acted_as_cut(proba[:, j], pred_bin, folds)
            if not np.isfinite(values).any():
                continue
            margin = _cut_margin(proba[:, j], pred_bin, folds, values)
            around = objective_at(y_bin, margin, (-step, 0.0, step), objective, beta)
        entries.append(_spread(cls, values, limit, around))
    if not entries:
        return None
    return ThresholdStability(
        strategy=name,
        kind=kind,
        quantity=quantity,
        objective=objective,
        beta=beta,
        step=step,
        unstable_range=limit,
        per_class=tuple(entries),
        part="part" if comparison.config.mode == "predictions" else "fold",
    )


def tuned_column(comparison: Comparison, cls: str) -> dict[str, str]:
    """Per strategy that tunes its decision, its tuned value for ``cls`` (binary: the
    positive class, whose probability the cut is on) as the mean and the range over the
    folds, e.g. ``cut 0.34 (0.33 to 0.35)``, with ``, unstable`` when the range is large:
    the Compare page's column."""
    target = comparison.classes[1] if comparison.task == "binary" else cls
    out = {}
    for name in comparison.results:
        stability = threshold_stability(comparison, name)
        entry = None if stability is None else stability.entry(target)
        if entry is None:
            continue
        word, say = stability.quantity.replace("_", " "), stability.number
        spread = f"{say(entry.min, target)} to {say(entry.max, target)}"
        out[name] = f"{word} {say(entry.mean, target)} ({spread})" + ", unstable" * entry.unstable
    return out
