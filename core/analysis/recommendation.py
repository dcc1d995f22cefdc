"""Which strategy to use: the one notion of "best strategy" of a
:class:`~core.evaluation.comparison.Comparison` (Compare page, results.json, report, runs).

The class that matters most defaults to :attr:`Comparison.important_class` (the config's
choice, else the rarest class of the cross-validation rows); the recommendation is chosen
from cross-validation alone, never from the hold-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError
from core.evaluation.comparison import BASELINE, Comparison
from core.evaluation.crossval import StrategyResult
from core.metrics import scores as metrics
from core.metrics import significance

PER_CLASS_METRICS = ("precision", "recall", "f1")
"""Metrics read for the important class; any other must be a summary metric."""

_COST_METRICS = {
    "macro_f1": "macro F1",
    "accuracy": "accuracy",
    "micro_f1": "micro F1",
    "hamming_loss": "Hamming loss",
}
"""What the recommendation reports as the cost elsewhere (the first two a task has)."""


@dataclass(frozen=True)
class Recommendation:
    """The recommended strategy and why.

    ``strategy`` is None when every strategy failed; ``class_name`` is the class the metric
    was read for (None for a summary metric such as ``macro_f1``); ``p_value`` is the
    corrected resampled t-test over the folds against the baseline, when it applies.
    """

    strategy: str | None
    metric: str
    class_name: str | None
    value: float | None
    p_value: float | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """results.json's ``recommendation`` object (key ``class`` for ``class_name``)."""
        return {
            "strategy": self.strategy,
            "metric": self.metric,
            "class": self.class_name,
            "value": self.value,
            "p_value": self.p_value,
            "reason": self.reason,
        }


def _class_value(result: StrategyResult, cls: str, metric: str) -> float:
    table = result.per_class
    row = table[table["class"].astype(str) == cls]
    return float(row[metric].iloc[0]) if len(row) else np.nan


def _fold_p_value(
    best: StrategyResult, base: StrategyResult, cls: str | None, metric: str
) -> float | None:
    """Corrected resampled t-test p of ``best`` vs ``base`` on the per-fold metric.

    Per-class: only F1 is kept per fold; other per-class metrics give None.
    """
    if cls is not None and metric != "f1":
        return None
    if cls is not None:
        a = [f[cls] for f in best.fold_class_f1]
        b = [f[cls] for f in base.fold_class_f1]
    else:
        a = [s[metric] for s in best.fold_scores]
        b = [s[metric] for s in base.fold_scores]
    test = significance.corrected_resampled_ttest(
        a, b, n_train=float(np.mean(best.n_train)), n_test=float(np.mean(best.n_val))
    )
    return None if np.isnan(test.p_value) else float(test.p_value)


def _signed(x: float) -> str:
    return f"{x:+.3f}"


def recommendation_of(
    comparison: Comparison, important_class: str | None = None, *, metric: str | None = None
) -> Recommendation:
    """Which strategy serves the class that matters most, and at what cost elsewhere.

    ``important_class`` defaults to :attr:`Comparison.important_class`; ``metric`` defaults
    to that class's ``f1``. A per-class metric (precision, recall, f1) is read for that
    class; a summary metric (e.g. ``macro_f1``) is read as is. Ties go to the higher macro
    F1, then to the earlier strategy. Chosen from cross-validation alone, never from the
    hold-out.
    """
    cls = important_class or comparison.important_class
    if cls not in comparison.classes:
        raise DataError(
            f"Unknown important class {cls!r}",
            "Choose one of: " + ", ".join(map(repr, comparison.classes)),
        )
    metric = metric or "f1"
    if metric not in PER_CLASS_METRICS and metric not in comparison.metric_names():
        raise DataError(
            f"Cannot recommend by {metric!r}",
            "Use one of: " + ", ".join([*PER_CLASS_METRICS, *comparison.metric_names()]),
        )
    per_class = metric in PER_CLASS_METRICS
    shown_class = cls if per_class else None
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
        )
    metric_name = {"f1": "F1", "precision": "precision", "recall": "recall"}.get(metric, metric)
    what = f"{metric_name} of {'label' if comparison.task == 'multilabel' else 'class'} {cls!r}"
    shown = what if per_class else metric

    def value(r: StrategyResult) -> float:
        return _class_value(r, cls, metric) if per_class else float(r.summary[metric])

    order = {r.name: i for i, r in enumerate(ok)}

    def rank_key(r: StrategyResult) -> tuple[float, float, int]:
        v = value(r) if metrics.is_loss(metric) else -value(r)
        return (np.inf if np.isnan(v) else v, -r.summary.get("macro_f1", 0.0), order[r.name])

    best = min(ok, key=rank_key)
    reason = f"{best.name} reaches the best {shown} in cross-validation ({value(best):.3f})"
    base = comparison.baseline
    p_value = None
    if base is not None and best.name != BASELINE:
        reason += f", against {value(base):.3f} for the baseline"
        p_value = _fold_p_value(best, base, shown_class, metric)
        if p_value is not None:
            reason += f" (corrected t-test over the folds: p = {p_value:.3g})"
        costs = [
            f"{label} {_signed(best.summary[m] - base.summary[m])}"
            for m, label in _COST_METRICS.items()
            if m in best.summary and m in base.summary and m != metric
        ][:2]
        if costs:
            reason += "; versus the baseline, " + " and ".join(costs)
    elif base is not None:
        reason += "; no strategy improved on the baseline, so keep it"
    else:
        reason += "; no baseline ran, so the cost elsewhere is not known"
    return Recommendation(
        strategy=best.name,
        metric=metric,
        class_name=shown_class,
        value=value(best),
        p_value=p_value,
        reason=reason + ".",
    )
