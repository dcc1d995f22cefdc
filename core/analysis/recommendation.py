"""Which strategy to use, and how sure: the one notion of "best strategy" of a
:class:`~core.evaluation.comparison.Comparison` (Compare and Diagnosis pages, results.json,
report, runs).

The class that matters most defaults to :attr:`Comparison.important_class` (the config's
choice, else the rarest class of the cross-validation rows); the recommendation is chosen
from cross-validation alone, never from the hold-out.

Each strategy is compared with the baseline on the decision metric fold by fold with the
Bayesian correlated t-test (Corani & Benavoli 2015, ``rho = 1/k``) and a region of practical
equivalence (ROPE, default ±0.01, ``CompareConfig.rope``). Only strategies with skill on the
class count (:mod:`core.analysis.verdict`: F1 above always predicting the class, ranking
above chance). The verdict:

* ``no_skill`` -- no strategy, the baseline included, has skill: nothing is recommended;
* ``keep_baseline`` -- no strategy is better than the baseline beyond the ROPE with
  P(better) >= 0.95;
* ``clear_winner`` / ``equivalent`` -- of the strategies that are, the best by the pooled
  value and those not clearly worse than it (P(worse than the best beyond the ROPE) < 0.5)
  form a group; the simplest of the group (registry family, then registry order) is chosen,
  the rest are its ``alternatives``; one member alone is a clear winner;
* ``equivalent`` too when the baseline did not run or has no firm skill while others do but
  none is firmly better than it: the simplest of the best skilled group is chosen, and the
  baseline (when it ran) is among the alternatives.

Predictions mode (``config.mode == "predictions"``, :mod:`core.evaluation.scored`): the
models were trained elsewhere, not on the folds, so the entries are compared on the same rows
by a paired bootstrap of the rows (:mod:`core.analysis.paired`) in place of the fold test;
one entry alone in the best group is a clear winner, and ``evidence["mcnemar_p"]`` holds
McNemar's p of the chosen entry against each other one.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.analysis import verdict as skill
from core.analysis.paired import TEST_NAME, mcnemar_p, paired_bootstrap
from core.errors import DataError
from core.evaluation.comparison import BASELINE, Comparison
from core.evaluation.crossval import StrategyResult
from core.metrics import scores as metrics
from core.metrics import significance

DEFAULT_ROPE = significance.DEFAULT_ROPE
"""Default half-width of the region of practical equivalence (``CompareConfig.rope``)."""

VERDICTS = ("clear_winner", "equivalent", "keep_baseline", "no_skill")
"""What the recommendation can conclude, from the firmest to "nothing to tune"."""

P_BETTER = 0.95
"""Posterior probability of being better than the baseline beyond the ROPE that counts."""

P_WORSE_THAN_BEST = 0.5
"""A strategy at or above this P(worse than the best beyond the ROPE) is not its equal."""

PER_CLASS_METRICS = ("precision", "recall", "f1")
"""Metrics read for the important class; any other must be a summary metric."""


@dataclass(frozen=True)
class StrategyVerdict:
    """One successful strategy against the baseline, per fold, on the decision metric.

    ``p_*`` are the Bayesian correlated t-test's masses of (strategy - baseline) beyond,
    inside and below the ROPE (NaN without a baseline); ``roc_auc`` is the pooled
    out-of-fold ROC AUC of the class (None without probabilities); ``beats_trivial`` is the skill rule of
    :mod:`core.analysis.verdict`.
    """

    strategy: str
    value: float
    mean_delta: float
    p_better: float
    p_equivalent: float
    p_worse: float
    beats_trivial: bool
    roc_auc: float | None
    f1_ci_low: float = float("nan")  # bootstrap interval's low end of the class's pooled F1
    ranking_p: float = float("nan")  # Mann-Whitney p of ranking the class above chance

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe numbers (NaN as None), keyed as in ``evidence["strategies"]``."""
        return {
            "value": _num(self.value),
            "mean_delta": _num(self.mean_delta),
            "p_better": _num(self.p_better),
            "p_equivalent": _num(self.p_equivalent),
            "p_worse": _num(self.p_worse),
            "roc_auc": _num(self.roc_auc),
            "beats_trivial": bool(self.beats_trivial),
            "f1_ci_low": _num(self.f1_ci_low),
            "ranking_p": _num(self.ranking_p),
        }


@dataclass(frozen=True)
class Recommendation:
    """The recommended strategy, the verdict and why.

    ``strategy`` is None when every strategy failed or none has skill (``no_skill``);
    ``class_name`` is the class the metric was read for (None for a summary metric such as
    ``macro_f1``); ``p_value`` is the corrected resampled t-test over the folds of the chosen
    strategy against the baseline, when it applies.
    """

    strategy: str | None
    metric: str
    class_name: str | None
    value: float | None
    p_value: float | None
    reason: str
    verdict: str = "keep_baseline"
    alternatives: tuple[str, ...] = ()
    rope: float = DEFAULT_ROPE
    evidence: Mapping[str, Any] = field(default_factory=dict)
    per_strategy: tuple[StrategyVerdict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """results.json's ``recommendation`` object (key ``class`` for ``class_name``)."""
        return {
            "strategy": self.strategy,
            "metric": self.metric,
            "class": self.class_name,
            "value": self.value,
            "p_value": self.p_value,
            "reason": self.reason,
            "verdict": self.verdict,
            "alternatives": list(self.alternatives),
            "evidence": dict(self.evidence),
        }


def repeats_of(comparison: Comparison) -> int:
    """How many times the cross-validation was repeated (1 for runs saved before repeats)."""
    return int(getattr(comparison.config, "repeats", 1))


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _fold_p_value(
    comparison: Comparison, best: StrategyResult, base: StrategyResult, cls: str | None, metric: str
) -> float | None:
    """Corrected resampled t-test p of ``best`` vs ``base`` on the per-fold metric."""
    a = skill.fold_values(comparison, best, cls, metric)
    b = skill.fold_values(comparison, base, cls, metric)
    test = significance.corrected_resampled_ttest(
        a, b, n_train=float(np.mean(best.n_train)), n_test=float(np.mean(best.n_val))
    )
    return None if np.isnan(test.p_value) else float(test.p_value)


def _check(comparison: Comparison, cls: str, metric: str) -> None:
    if cls not in comparison.classes:
        raise DataError(
            f"Unknown important class {cls!r}",
            "Choose one of: " + ", ".join(map(repr, comparison.classes)),
        )
    if metric not in PER_CLASS_METRICS and metric not in comparison.metric_names():
        raise DataError(
            f"Cannot recommend by {metric!r}",
            "Use one of: " + ", ".join([*PER_CLASS_METRICS, *comparison.metric_names()]),
        )


_MEMO: weakref.WeakKeyDictionary[Comparison, dict[tuple[str, str, float], Recommendation]] = (
    weakref.WeakKeyDictionary()
)
"""Recommendations already made, per comparison (a Comparison never changes)."""


class _Judge:
    """Per-fold values and Bayesian comparisons of one comparison, class and metric."""

    def __init__(self, comparison: Comparison, cls: str, metric: str, rope: float) -> None:
        self.comparison, self.cls, self.metric, self.rope = comparison, cls, metric, rope
        self.per_class = metric in PER_CLASS_METRICS
        self.sign = -1.0 if metrics.is_loss(metric) else 1.0  # higher is better after this
        self.test_share = 1.0 / len(comparison.folds)
        self._folds: dict[str, np.ndarray] = {}
        # predictions mode: nothing was fitted on the folds, so rows are resampled instead
        self.paired_rows = getattr(comparison.config, "mode", "fit") == "predictions"

    def value(self, r: StrategyResult) -> float:
        if not self.per_class:
            return float(r.summary[self.metric])
        return skill.class_value(self.comparison, r, self.cls, self.metric)

    def folds(self, r: StrategyResult) -> np.ndarray:
        if r.name not in self._folds:
            shown = self.cls if self.per_class else None
            self._folds[r.name] = skill.fold_values(self.comparison, r, shown, self.metric)
        return self._folds[r.name]

    def versus(self, a: StrategyResult, b: StrategyResult) -> Any:
        """(strategy a - b) beyond, inside and below the ROPE: the Bayesian correlated
        t-test over the folds, or in predictions mode the paired bootstrap over the rows."""
        if self.paired_rows:
            cls = self.cls if self.per_class else None
            seed = int(self.comparison.config.seed)
            return paired_bootstrap(self.comparison, a, b, cls, self.metric, rope=self.rope,
                                    sign=self.sign, seed=seed)  # fmt: skip
        return significance.bayesian_correlated_ttest(
            self.sign * self.folds(a),
            self.sign * self.folds(b),
            rope=self.rope,
            test_share=self.test_share,
        )

    def verdict_of(
        self, r: StrategyResult, base: StrategyResult | None, trivial: float
    ) -> StrategyVerdict:
        ranked = skill.ranking(self.comparison, r, self.cls)
        auc, ranking_p = ranked if ranked is not None else (None, None)
        ci_low = skill.class_f1_ci_low(r, self.cls)
        pooled_f1 = skill.class_value(self.comparison, r, self.cls, "f1")
        nan = float("nan")
        test = self.versus(r, base) if base is not None else None
        return StrategyVerdict(
            strategy=r.name,
            value=self.value(r),
            mean_delta=float(np.mean(self.folds(r) - self.folds(base))) if base else nan,
            p_better=test.p_better if test else nan,
            p_equivalent=test.p_equivalent if test else nan,
            p_worse=test.p_worse if test else nan,
            beats_trivial=skill.has_skill(
                pooled_f1, trivial, ci_low, ranking_p, level=1 - P_BETTER
            ),
            roc_auc=auc,
            f1_ci_low=np.nan if ci_low is None else ci_low,
            ranking_p=np.nan if ranking_p is None else ranking_p,
        )

    def best_group(self, names: list[str]) -> list[str]:
        """The best of ``names`` by pooled value and those not clearly worse, simplest first."""
        results = self.comparison.results
        best = max(
            names,
            key=lambda n: (
                self.sign * self.value(results[n]),
                [-k for k in skill.simplicity_key(n)],
            ),
        )
        group = [best] + [
            n
            for n in names
            if n != best and self.versus(results[n], results[best]).p_worse < P_WORSE_THAN_BEST
        ]
        return sorted(group, key=skill.simplicity_key)


def recommendation_of(
    comparison: Comparison,
    important_class: str | None = None,
    *,
    metric: str | None = None,
    rope: float | None = None,
) -> Recommendation:
    """Which strategy serves the class that matters most, how sure that is, and at what cost
    elsewhere (see the module docstring for the verdict rules).

    ``important_class`` defaults to :attr:`Comparison.important_class`; ``metric`` defaults
    to that class's ``f1``; ``rope`` to the config's. A per-class metric (precision, recall,
    f1) is read for that class; a summary metric (e.g. ``macro_f1``) is read as is -- the skill
    rule always reads the class. Chosen from cross-validation alone, never from the hold-out.
    """
    cls = important_class or comparison.important_class
    metric = metric or "f1"
    _check(comparison, cls, metric)
    rope = float(getattr(comparison.config, "rope", DEFAULT_ROPE) if rope is None else rope)
    memo = _MEMO.setdefault(comparison, {})
    key = (cls, metric, rope)
    if key not in memo:  # results.json, the report, label_next and the run index all ask
        memo[key] = _recommend(comparison, cls, metric, rope)
    return memo[key]


def _recommend(comparison: Comparison, cls: str, metric: str, rope: float) -> Recommendation:
    judge = _Judge(comparison, cls, metric, rope)
    shown_class = cls if judge.per_class else None
    ok = [r for r in comparison.results.values() if r.ok]
    if not ok:
        return Recommendation(
            strategy=None,
            metric=metric,
            class_name=shown_class,
            value=None,
            p_value=None,
            reason="Every strategy failed, so there is nothing to recommend; see each "
            "strategy's error.",
            verdict="no_skill",
            rope=rope,
            evidence={"rope": rope},
        )
    share = skill.class_share(comparison, cls)
    trivial = skill.trivial_f1(share)
    base = comparison.baseline
    verdicts = tuple(judge.verdict_of(r, base, trivial) for r in ok)
    by_name = {v.strategy: v for v in verdicts}
    evidence = {
        "test": TEST_NAME
        if judge.paired_rows
        else "Bayesian correlated t-test (Corani & Benavoli 2015) over the folds",
        "rope": rope,
        "rho": judge.test_share,
        "folds": len(comparison.folds),
        "repeats": repeats_of(comparison),
        "paired_fold_scores": len(comparison.folds) * repeats_of(comparison),
        "same_folds_for_every_strategy": True,
        "p_better_needed": P_BETTER,
        "class_share": _num(share),
        "trivial_f1": _num(trivial),
        "strategies": {v.strategy: v.to_dict() for v in verdicts},
    }
    skilled = [v.strategy for v in verdicts if v.beats_trivial]
    winners = [
        n for n in skilled if n != BASELINE and base is not None and by_name[n].p_better >= P_BETTER
    ]
    if not skilled:
        chosen, verdict, alternatives = None, "no_skill", ()
    elif winners:
        group = judge.best_group(winners)
        chosen, alternatives = group[0], tuple(group[1:])
        verdict = "clear_winner" if len(group) == 1 else "equivalent"
    elif BASELINE in skilled:
        chosen, verdict, alternatives = BASELINE, "keep_baseline", ()
    else:  # the baseline is absent or has no firm skill, and nothing is firmly better than it
        group = judge.best_group(skilled)
        chosen, verdict = (
            group[0],
            "clear_winner" if judge.paired_rows and len(group) == 1 else "equivalent",
        )
        alternatives = tuple(group[1:]) + ((BASELINE,) if base is not None else ())
    value = judge.value(comparison.results[chosen]) if chosen else None
    p_value = None
    if chosen and base is not None and chosen != BASELINE and not judge.paired_rows:
        p_value = _fold_p_value(comparison, comparison.results[chosen], base, shown_class, metric)
    if chosen and judge.paired_rows:  # McNemar of the chosen entry against each other one
        best = comparison.results[chosen]
        evidence["mcnemar_p"] = {r.name: mcnemar_p(comparison, best, r) for r in ok
                                 if r.name != chosen}  # fmt: skip
    text = skill.Reason(comparison, cls, metric, rope, by_name, trivial, share)
    return Recommendation(
        strategy=chosen,
        metric=metric,
        class_name=shown_class,
        value=value,
        p_value=p_value,
        reason=text.of(verdict, chosen, alternatives, p_value, P_BETTER),
        verdict=verdict,
        alternatives=alternatives,
        rope=rope,
        evidence=evidence,
        per_strategy=verdicts,
    )
