"""Decision costs of a comparison: each strategy's cost curves (Drummond & Holte) and its
expected cost against the share of the positive class in use, for the user's cost matrix.

The positive class is one class against the rest (one label, multi-label): by default
:func:`core.analysis.planes.default_positive`, the comparison's important class. Each
strategy that ran is read from its pooled out-of-fold probabilities (the envelope: every cut
of P(positive)) and decisions (the line of what it actually decided); failed strategies are
left out. The costs of a miss and of a false alarm come from the configuration's cost matrix
(:class:`core.modelling.options.StrategyOptions`; worded as the default when it equals it),
else from the default the cost_sensitive strategy uses (:func:`core.metrics.decision_rules.default_cost_matrix`: missing a class costs
``n_largest / n_class``), counted on the cross-validation rows; multi-label: that default on
the label's own two sides. Maths in :mod:`core.metrics.cost_curves`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.analysis.planes import default_positive, positive_classes
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics.cost_curves import (
    CostCurve,
    ExpectedCost,
    cost_curve,
    expected_cost_curve,
    one_vs_rest_costs,
    probability_cost,
)
from core.metrics.decision_rules import check_cost_matrix, default_cost_matrix

DIGITS = 6  # decimals of the costs written to results.json


@dataclass(frozen=True, eq=False)
class StrategyCosts:
    """One strategy's cost curve (normalised) and expected cost (cost-matrix units)."""

    strategy: str
    curve: CostCurve
    expected: ExpectedCost


@dataclass(frozen=True, eq=False)
class DecisionCosts:
    """Every strategy's decision costs for one positive class (comparison order).

    ``cost_fn`` / ``cost_fp``: what missing a positive row / calling a negative row positive
    costs, over the right decision; ``cost_source`` says where they came from.
    ``evaluation_prevalence``: the positive share of the cross-validation rows;
    ``evaluation_pc``: the probability cost there, with these costs."""

    positive_class: str
    noun: str
    cost_fn: float
    cost_fp: float
    cost_source: str
    evaluation_prevalence: float
    evaluation_pc: float
    strategies: tuple[StrategyCosts, ...]
    negative_label: str = "the rest"


def _binary_problem(c: Comparison, j: int) -> tuple[np.ndarray, Any]:
    y = np.asarray(c.y_true)
    if c.task == "multilabel":
        return y[:, j].astype(np.int8), lambda pred: np.asarray(pred)[:, j]
    return (y == j).astype(np.int8), lambda pred: np.asarray(pred) == j


def _is_default(given: np.ndarray, counts: list[np.ndarray]) -> bool:
    """True when ``given`` is :func:`default_cost_matrix` of one of ``counts`` (the Strategies
    page passes its cost editor's default, or the validated options' default, as given)."""
    return any(
        n.min() > 0 and np.allclose(given, default_cost_matrix(n), rtol=1e-9, atol=0)
        for n in counts
    )


def miss_and_alarm_costs(c: Comparison, positive: str) -> tuple[float, float, str]:
    """``(C_fn, C_fp, source)`` of ``positive`` against the rest (see the module text);
    ``source`` says in words where the costs come from."""
    j = list(c.classes).index(positive)
    y = np.asarray(c.y_true)
    if c.task == "multilabel":
        n_pos = int(y[:, j].sum())
        cost = default_cost_matrix([y.shape[0] - n_pos, n_pos])
        c_fn, c_fp = one_vs_rest_costs(cost, 1)
        source = (
            "the default costs: an error costs the rows of the larger side ÷ the rows of its "
            "own side, the sides being the rows with the label and those without it"
        )
        return c_fn, c_fp, source
    counts = np.bincount(y, minlength=len(c.classes))
    given = getattr(c.config.options, "cost_matrix", None)
    averaged = (
        ", a false alarm averaged over the other classes, weighted by their rows"
        if len(c.classes) > 2
        else ""
    )
    uses = ", as cost_sensitive uses them" if c.config.mode != "predictions" else ""
    default = (
        f"the default costs{uses}: an error on a true class costs the largest class's rows ÷ "
        f"that class's rows{averaged}"
    )
    if given is not None:
        cost = check_cost_matrix(given, n_classes=len(c.classes))
        analysed = [c.dataset.class_counts.get(cls, 0) for cls in c.classes]
        if _is_default(cost, [np.asarray(analysed, dtype=float), counts.astype(float)]):
            source = default
        else:
            source = "from the cost matrix you gave" + (
                ", each averaged over the other classes, weighted by their rows"
                if len(c.classes) > 2
                else ""
            )
    else:
        cost, source = default_cost_matrix(np.maximum(counts, 1)), default
    c_fn, c_fp = one_vs_rest_costs(cost, j, class_weights=counts)
    return c_fn, c_fp, source


def _negative_label(c: Comparison, positive: str) -> str:
    if c.task == "binary":
        return next(cls for cls in c.classes if cls != positive)
    return f"not {positive}" if c.task == "multilabel" else "the rest"


def decision_costs(c: Comparison, positive: str | None = None) -> DecisionCosts | None:
    """The decision costs of every strategy that ran, ``positive`` against the rest (None:
    :func:`core.analysis.planes.default_positive`); None when no class has rows on both sides
    or no strategy ran. DataError for a class that cannot be positive."""
    options = positive_classes(c)
    if not options:
        return None
    positive = default_positive(c) if positive is None else str(positive)
    if positive not in options:
        raise DataError(
            f"'{positive}' cannot be the positive class: it needs rows on both sides",
            "Valid: " + ", ".join(options),
        )
    j = list(c.classes).index(positive)
    y, decided = _binary_problem(c, j)
    c_fn, c_fp, source = miss_and_alarm_costs(c, positive)
    shown = []
    for name, result in c.results.items():
        if not result.ok or result.oof_proba is None or result.oof_pred is None:
            continue
        scores = np.asarray(result.oof_proba, dtype=np.float64)[:, j]
        pred = decided(result.oof_pred).astype(np.int8)
        shown.append(
            StrategyCosts(
                strategy=name,
                curve=cost_curve(y, scores, pred),
                expected=expected_cost_curve(y, scores, pred, c_fn, c_fp),
            )
        )
    if not shown:
        return None
    pi = float(y.mean())
    return DecisionCosts(
        positive_class=positive,
        noun="label" if c.task == "multilabel" else "class",
        cost_fn=c_fn,
        cost_fp=c_fp,
        cost_source=source,
        evaluation_prevalence=pi,
        evaluation_pc=float(probability_cost(pi, c_fn, c_fp)),
        strategies=tuple(shown),
        negative_label=_negative_label(c, positive),
    )


def _points(xs: np.ndarray, ys: np.ndarray, x: str, y: str) -> list[dict[str, float]]:
    return [
        {x: round(float(a), DIGITS), y: round(float(b), DIGITS)}
        for a, b in zip(xs, ys, strict=True)
    ]


def cost_curves_dict(c: Comparison, costs: DecisionCosts | None = None) -> dict[str, Any]:
    """results.json ``cost_curves``: ``{strategy: [{pc, cost}]}``, the lower envelope (the
    least normalised expected cost over every cut of the strategy's probabilities) on the
    grid 0, 0.01, ..., 1 of the probability cost; ``{}`` when there is nothing to show."""
    costs = decision_costs(c) if costs is None else costs
    if costs is None:
        return {}
    return {
        s.strategy: _points(s.curve.pc, s.curve.envelope, "pc", "cost") for s in costs.strategies
    }


def cost_curves_detail_dict(c: Comparison, costs: DecisionCosts | None = None) -> dict | None:
    """results.json ``cost_curves_detail`` (docs/CONTRACTS.md): the positive class, the costs
    used, and per strategy the rates of its own decisions (their cost line is
    ``(1 - tpr) * pc + fpr * (1 - pc)``) and the expected cost per row against the positive
    share in use; None when there is nothing."""
    costs = decision_costs(c) if costs is None else costs
    if costs is None:
        return None
    return {
        "positive_class": costs.positive_class,
        "cost_false_negative": costs.cost_fn,
        "cost_false_positive": costs.cost_fp,
        "cost_source": costs.cost_source,
        "evaluation_prevalence": costs.evaluation_prevalence,
        "evaluation_pc": costs.evaluation_pc,
        "strategies": {
            s.strategy: {
                "fpr": s.curve.fpr,
                "tpr": s.curve.tpr,
                "expected_cost": [
                    {
                        "prevalence": round(float(p), DIGITS),
                        "actual": round(float(a), DIGITS),
                        "best": round(float(b), DIGITS),
                    }
                    for p, a, b in zip(
                        s.expected.prevalence, s.expected.actual, s.expected.best, strict=True
                    )
                ],
                "expected_cost_at_evaluation": {
                    "actual": s.expected.at_evaluation[0],
                    "best": s.expected.at_evaluation[1],
                },
            }
            for s in costs.strategies
        },
    }


def cost_sections(c: Comparison) -> dict[str, Any]:
    """Both results.json keys, computed once: ``cost_curves`` and ``cost_curves_detail``."""
    costs = decision_costs(c)
    return {
        "cost_curves": cost_curves_dict(c, costs),
        "cost_curves_detail": cost_curves_detail_dict(c, costs),
    }


def costs_table(costs: DecisionCosts) -> pd.DataFrame:
    """Per strategy: the rates of its own decisions and the expected cost per row at the
    evaluation share, for those decisions and for the cheapest cut (columns ``strategy``,
    ``recall``, ``false_positive_rate``, ``cost_own``, ``cost_best``)."""
    return pd.DataFrame(
        [
            {
                "strategy": s.strategy,
                "recall": s.curve.tpr,
                "false_positive_rate": s.curve.fpr,
                "cost_own": s.expected.at_evaluation[0],
                "cost_best": s.expected.at_evaluation[1],
            }
            for s in costs.strategies
        ],
        columns=["strategy", "recall", "false_positive_rate", "cost_own", "cost_best"],
    )


def reading_notes(costs: DecisionCosts) -> tuple[str, str]:
    """How to read the two figures (plain text, user names quoted as given): the cost
    curves, then the expected cost against the share in use."""
    pos, neg = costs.positive_class, costs.negative_label
    rest = neg if neg == "the rest" else f"'{neg}'"
    cost_words = (
        f"a miss costs {costs.cost_fn:.3g} and a false alarm {costs.cost_fp:.3g}; "
        f"{costs.cost_source}"
    )
    curves = (
        f"'{pos}' against {rest}. The x axis folds the share of '{pos}' and the two error "
        "costs into one number, the probability cost PC(+): 0 when only false alarms cost, 1 "
        "when only misses do. The y axis is the expected cost as a share of the most a "
        "classifier could lose at that PC; lower is better. Solid: each strategy's cheapest cut "
        "of its probabilities at each PC (the lower envelope of every cut); dashed: its own "
        "decisions, one straight line (own decisions that are not one cut of these "
        "probabilities, such as a cut per fold or a choice among several classes, can dip "
        f"below the envelope). The grey tent is the trivial classifiers (always {rest}: "
        f"cost PC; always '{pos}': 1 − PC): a strategy helps only where it is below the tent. "
        f"With these costs ({cost_words}) at the evaluation share "
        f"({costs.evaluation_prevalence:.1%}), PC is {costs.evaluation_pc:.2f}: the dotted line."
    )
    expected = (
        f"The expected cost per row, in the units of the costs ({cost_words}), if '{pos}' were "
        "the share on the x axis in use. Each strategy's rates per class are assumed to carry "
        "over from the evaluation data, as in Deployment prevalence. Solid: the cut cheapest "
        "at each share; dashed: its own decisions; grey: the trivial classifiers. The dotted "
        f"line marks the evaluation share ({costs.evaluation_prevalence:.1%})."
    )
    return curves, expected
