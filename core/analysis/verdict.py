"""The numbers behind the recommendation's verdict, per strategy and class.

Pure reads of a :class:`~core.evaluation.comparison.Comparison`: per-fold values of the
decision metric, per-fold ROC AUC of the class, the trivial "always this class" F1, whether a
strategy has any skill on the class, and how simple a strategy is (its registry family).
:mod:`core.analysis.recommendation` turns them into a verdict.

Skill rule (documented in DESIGN terms as "beats the trivial classifier"): a strategy has
skill on class ``c`` when both

* its pooled cross-validated F1 of ``c`` -- and the lower end of that F1's 95% bootstrap
  interval over rows (``f1_ci_low`` of the per-class table) -- is above ``2p / (1 + p)``,
  the F1 of always predicting ``c`` (``p`` = share of ``c`` on the cross-validation rows),
  and
* it ranks ``c`` above chance: its pooled out-of-fold probability of ``c`` puts the rows
  of ``c`` above the others (pooled ROC AUC above 0.5) by a one-sided Mann-Whitney test at
  the 5% level; without probabilities this part is not asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

from core.evaluation.comparison import BASELINE, Comparison
from core.evaluation.crossval import StrategyResult
from core.modelling.strategies import STRATEGIES

if TYPE_CHECKING:
    from core.analysis.recommendation import StrategyVerdict

_COST_METRICS = {
    "macro_f1": "macro F1",
    "accuracy": "accuracy",
    "micro_f1": "micro F1",
    "hamming_loss": "Hamming loss",
}
"""What the recommendation reports as the cost elsewhere (the first two a task has)."""

SIMPLICITY = {
    "baseline": 0,
    "threshold": 1,
    "weighting": 2,
    "cost": 3,
    "undersampling": 4,
    "oversampling": 5,
    "hybrid": 6,
    "ensemble": 7,
    "decomposition": 7,
    "novelty": 7,
}
"""Rank of each registry family, simplest first: baseline < threshold tuning < class weights
< cost-sensitive < under-sampling < over-sampling (random, then SMOTE-like in registry order)
< SMOTE + cleaning hybrids < ensembles, one-vs-rest and one-class."""


def simplicity_key(name: str) -> tuple[int, int]:
    """Sort key of strategy ``name``, simplest first: its family's :data:`SIMPLICITY` rank,
    then its place in the registry (which lists each family simplest first, e.g.
    random_over < smote < borderline_smote < adasyn)."""
    order = list(STRATEGIES)
    strategy = STRATEGIES.get(name)
    rank = SIMPLICITY.get(strategy.family, len(SIMPLICITY)) if strategy else len(SIMPLICITY)
    return (rank, order.index(name) if name in order else len(order))


def probability_text(p: float, bar: float) -> str:
    """``p`` with two decimals, or four when two would put it on the other side of ``bar``
    (0.9499 against a bar of 0.95 reads "0.9499", not "0.95", which would meet it)."""
    short = f"{p:.2f}"
    return short if (float(short) >= bar) == (p >= bar) else f"{p:.4f}"


def class_truth(comparison: Comparison, cls: str) -> np.ndarray:
    """(n,) bool: whether each cross-validation row is (carries) class ``cls``."""
    k = comparison.classes.index(cls)
    y = np.asarray(comparison.y_true)
    return (y[:, k] == 1) if y.ndim == 2 else (y == k)


def class_share(comparison: Comparison, cls: str) -> float:
    """Share of the cross-validation rows that are (carry) class ``cls``."""
    truth = class_truth(comparison, cls)
    return float(truth.mean()) if truth.size else float("nan")


def trivial_f1(share: float) -> float:
    """F1 of always predicting a class of prevalence ``share``: ``2p / (1 + p)``."""
    return 2 * share / (1 + share) if share > 0 else 0.0


def _class_pred(comparison: Comparison, result: StrategyResult, cls: str) -> np.ndarray:
    k = comparison.classes.index(cls)
    pred = np.asarray(result.oof_pred)
    return (pred[:, k] == 1) if pred.ndim == 2 else (pred == k)


def _prf(truth: np.ndarray, pred: np.ndarray, metric: str) -> float:
    tp = float(np.sum(truth & pred))
    fp = float(np.sum(~truth & pred))
    fn = float(np.sum(truth & ~pred))
    den = {"precision": tp + fp, "recall": tp + fn, "f1": 2 * tp + fp + fn}[metric]
    return (2 * tp if metric == "f1" else tp) / den if den > 0 else 0.0


def fold_values(
    comparison: Comparison, result: StrategyResult, cls: str | None, metric: str
) -> np.ndarray:
    """Per-fold validation values of ``metric``: of class ``cls`` for precision / recall / f1
    (F1 as stored per fold; precision and recall recomputed from the out-of-fold
    predictions of each fold, ``zero_division=0``), else the summary metric as stored.

    With repeated cross-validation the folds of repeats 2..R follow those of the first
    (``StrategyResult.repeat_scores``): every strategy has the same folds in the same order,
    so the values stay paired."""
    key = metric if cls is None else f"{metric}[{cls}]"
    later = np.array([s.get(key, np.nan) for s in result.repeat_scores], dtype=np.float64)
    return np.concatenate([_first_fold_values(comparison, result, cls, metric), later])


def _first_fold_values(
    comparison: Comparison, result: StrategyResult, cls: str | None, metric: str
) -> np.ndarray:
    if cls is None:
        return np.array([s.get(metric, np.nan) for s in result.fold_scores], dtype=np.float64)
    if metric == "f1" and result.fold_class_f1:
        return np.array([f.get(cls, np.nan) for f in result.fold_class_f1], dtype=np.float64)
    truth, pred = class_truth(comparison, cls), _class_pred(comparison, result, cls)
    fold, k = np.asarray(result.fold_of_row), len(comparison.folds)
    tp, fp, fn = (
        np.bincount(fold, weights=(a & b).astype(np.float64), minlength=k)
        for a, b in ((truth, pred), (~truth, pred), (truth, ~pred))
    )
    num = 2 * tp if metric == "f1" else tp
    den = {"precision": tp + fp, "recall": tp + fn, "f1": 2 * tp + fp + fn}[metric]
    return np.divide(num, den, out=np.zeros(k), where=den > 0)


def class_value(comparison: Comparison, result: StrategyResult, cls: str, metric: str) -> float:
    """Pooled out-of-fold ``metric`` (precision, recall or f1) of class ``cls``: the
    strategy's per-class table, else recomputed from its predictions (``zero_division=0``)."""
    table = result.per_class
    if table is not None and metric in table.columns:
        row = table[table["class"].astype(str) == cls]
        if len(row):
            return float(row[metric].iloc[0])
    return _prf(class_truth(comparison, cls), _class_pred(comparison, result, cls), metric)


def fold_roc_auc(comparison: Comparison, result: StrategyResult, cls: str) -> np.ndarray | None:
    """Per-fold ROC AUC of class ``cls`` from the out-of-fold probabilities (one vs rest);
    None without probabilities; NaN for a fold whose validation rows hold one side only."""
    if result.oof_proba is None:
        return None
    score = np.asarray(result.oof_proba)[:, comparison.classes.index(cls)]
    truth, fold = class_truth(comparison, cls), np.asarray(result.fold_of_row)
    out = []
    for k in range(len(comparison.folds)):
        t, s = truth[fold == k], score[fold == k]
        both = 0 < t.sum() < t.size and np.all(np.isfinite(s))
        out.append(float(roc_auc_score(t, s)) if both else np.nan)
    return np.asarray(out)


def ranking(comparison: Comparison, result: StrategyResult, cls: str) -> tuple[float, float] | None:
    """``(roc_auc, p)``: the pooled out-of-fold ROC AUC of class ``cls`` (one vs rest) and the
    one-sided Mann-Whitney p that it is above 0.5 (normal approximation with tie and
    continuity corrections, as ``scipy.stats.mannwhitneyu(method="asymptotic")``); None
    without probabilities or without both sides. One ranking of the rows."""
    if result.oof_proba is None:
        return None
    score = np.asarray(result.oof_proba, dtype=np.float64)[:, comparison.classes.index(cls)]
    truth = class_truth(comparison, cls)
    n1, n = int(truth.sum()), truth.size
    n0 = n - n1
    if not (n1 and n0) or not np.all(np.isfinite(score)):
        return None
    order = np.argsort(score)
    ordered = score[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # tie groups
    ties = np.diff(np.r_[starts, n]).astype(np.float64)
    mid_rank = starts + (ties + 1) / 2  # average 1-based rank of each group
    group_pos = np.bincount(np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1,
                            weights=truth[order].astype(np.float64), minlength=len(starts))  # fmt: skip
    u = float(mid_rank @ group_pos) - n1 * (n1 + 1) / 2
    tie_term = float(np.sum(ties**3 - ties)) / (n * (n - 1))
    sigma = np.sqrt(n1 * n0 / 12 * ((n + 1) - tie_term))
    p = float(stats.norm.sf((u - n1 * n0 / 2 - 0.5) / sigma)) if sigma > 0 else 1.0
    return u / (n1 * n0), p


def class_f1_ci_low(result: StrategyResult, cls: str) -> float | None:
    """Lower end of the 95% bootstrap interval (over rows) of the pooled F1 of ``cls``, from
    the strategy's per-class table; None when the table has none."""
    table = result.per_class
    if table is None or "f1_ci_low" not in table.columns:
        return None
    row = table[table["class"].astype(str) == cls]
    low = float(row["f1_ci_low"].iloc[0]) if len(row) else float("nan")
    return low if np.isfinite(low) else None


def has_skill(
    pooled_f1: float,
    trivial: float,
    f1_ci_low: float | None,
    ranking_p: float | None,
    *,
    level: float = 0.05,
) -> bool:
    """The skill rule of this module: pooled F1 and the lower end of its bootstrap interval
    (when known) above ``trivial``, and ranking above chance (Mann-Whitney ``ranking_p`` of
    :func:`ranking` below ``level``; not asked without probabilities)."""
    if not pooled_f1 > trivial or (f1_ci_low is not None and not f1_ci_low > trivial):
        return False
    return ranking_p is None or ranking_p < level


class Reason:
    """The plain-language ``reason`` of each verdict of
    :func:`core.analysis.recommendation.recommendation_of`."""

    def __init__(
        self,
        comparison: Comparison,
        cls: str,
        metric: str,
        rope: float,
        by_name: Mapping[str, StrategyVerdict],
        trivial: float,
        share: float,
    ) -> None:
        self.c, self.metric, self.by_name = comparison, metric, by_name
        self.trivial, self.share = trivial, share
        name = {"f1": "F1", "precision": "precision", "recall": "recall"}.get(metric, metric)
        kind = "label" if comparison.task == "multilabel" else "class"
        self.kind = f"{kind} {cls!r}"
        self.what = f"{name} of {self.kind}" if metric in ("f1", "precision", "recall") else metric
        self.rope = f"±{rope:g}"
        repeats, k = int(getattr(comparison.config, "repeats", 1)), len(comparison.folds)
        self.over = (
            f"over {repeats} repeats × {k} folds (same folds for every strategy)"
            if repeats > 1
            else "over the folds"
        )

    def _cost(self, chosen: str) -> str:
        best, base = self.c.results[chosen], self.c.baseline
        if base is None:
            return "; no baseline ran, so the cost elsewhere is not known"
        costs = [
            f"{label} {best.summary[m] - base.summary[m]:+.3f}"
            for m, label in _COST_METRICS.items()
            if m in best.summary and m in base.summary and m != self.metric
        ][:2]
        return "; versus the baseline, " + " and ".join(costs) if costs else ""

    def _on_rows(
        self, verdict: str, chosen: str, alternatives: tuple[str, ...], v: StrategyVerdict
    ) -> str:
        """Predictions mode: entries scored on the same rows, compared by resampling rows."""
        head = (
            f"{chosen} reaches {v.value:.3f} on {self.what} on these rows (predictions of "
            "models trained elsewhere: nothing was refitted; tuned decisions are cross-fitted)"
        )
        test = "a paired bootstrap of the rows (1000 resamples, not a fold t-test)"
        others = [x for x in self.by_name.values() if x.strategy != chosen and x.beats_trivial]
        if verdict == "clear_winner" and not others:
            return head + f"; no other entry beats always predicting {self.kind}."
        if verdict == "clear_winner":
            return (
                head + f"; every other entry with skill is worse beyond {self.rope} in at "
                f"least half of the draws of {test}."
            )
        if verdict == "keep_baseline":
            return head + f"; no entry beats the one named baseline beyond {self.rope} by {test}."
        return (
            head + f"; by {test}, " + ", ".join(alternatives)
            + (" is" if len(alternatives) == 1 else " are")
            + f" not firmly worse (worse beyond {self.rope} in fewer than half of the draws), "
            "so the best by its value on the rows comes first."
        )  # fmt: skip

    def of(
        self,
        verdict: str,
        chosen: str | None,
        alternatives: tuple[str, ...],
        p: float | None,
        p_better_needed: float,
    ) -> str:
        """The reason for ``verdict`` choosing ``chosen`` (``p``: corrected t-test p)."""
        v = self.by_name.get(chosen) if chosen else None
        base = self.by_name.get(BASELINE)
        if verdict == "no_skill":
            aucs = [x.roc_auc for x in self.by_name.values() if x.roc_auc is not None]
            auc = f" (best ROC AUC {max(aucs):.3f})" if aucs else ""
            ranked = [x for x in self.by_name.values() if x.ranking_p < 1 - p_better_needed]
            head = (
                f"No strategy, the baseline included, firmly beats always predicting "
                f"{self.kind} (F1 {self.trivial:.3f} at a share of {self.share:.1%})"
            )
            if not ranked:
                return (
                    f"{head} while ranking it above chance{auc}. The model cannot tell this "
                    "class from the rest: the features carry no usable signal for it, so "
                    "there is nothing to tune; more informative features (or checking the "
                    "labels) would be needed."
                )
            return (
                f"{head}. The ranking is above chance{auc}, but no decision is firmly better "
                "than flagging every row, so there is no usable signal to tune yet; more "
                "labelled rows of this class would be needed to tell."
            )
        assert v is not None
        if getattr(self.c.config, "mode", "fit") == "predictions":
            return self._on_rows(verdict, chosen, alternatives, v)
        if verdict == "keep_baseline":
            rivals = [x for x in self.by_name.values() if x.strategy != BASELINE]
            skilled = [x for x in rivals if x.beats_trivial and np.isfinite(x.p_better)]
            top = max(skilled, key=lambda x: x.p_better, default=None)
            if top is not None:
                shown = probability_text(top.p_better, p_better_needed)
                tail = f" (the closest, {top.strategy}, has P(better) = {shown})"
            else:
                tail = " (none of the others beats always predicting the class)" if rivals else ""
            return (
                f"Keep the baseline: no strategy beats it on {self.what} beyond {self.rope} "
                f"with P(better) >= {p_better_needed:g}{tail}; the baseline reaches {v.value:.3f}."
            )
        head = f"{chosen} reaches {v.value:.3f} on {self.what} in cross-validation"
        if base is not None and chosen != BASELINE:
            head += f", against {base.value:.3f} for the baseline"
            tests = []
            if np.isfinite(v.p_better):
                tests.append(
                    f"Bayesian correlated t-test {self.over}: P(better beyond {self.rope}) "
                    f"= {probability_text(v.p_better, p_better_needed)}"
                )
            if p is not None:
                again = "over the same folds" if "repeats" in self.over else self.over
                tests.append(f"corrected t-test {again}: p = {p:.3g}")
            if tests:
                head += " (" + "; ".join(tests) + ")"
        firm = np.isfinite(v.p_better) and v.p_better >= p_better_needed
        if verdict == "clear_winner":
            body = "; it is the only strategy clearly better than the baseline"
        elif not firm:
            body = (
                "; the baseline "
                + (
                    "did not run"
                    if base is None
                    else "does not clearly beat always predicting the class"
                )
                + ", and no strategy is firmly better than it, so this is the simplest of the "
                "best strategies that do"
            )
        else:
            body = "; it is the simplest of the strategies practically as good as the best"
        if alternatives:
            label = "practically equivalent" if firm else "not firmly worse"
            body += f" ({label}: " + ", ".join(alternatives) + ")"
        return head + body + self._cost(chosen) + "."
