"""core.analysis.costs: every strategy's decision costs from a seeded comparison, the
results.json keys, the costs taken from the cost matrix, failed strategies left out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from core.analysis.costs import (
    cost_curves_detail_dict,
    cost_curves_dict,
    cost_sections,
    decision_costs,
    miss_and_alarm_costs,
)
from core.analysis.planes import default_positive
from core.errors import DataError
from core.evaluation.crossval import failed_result
from core.exports.results_json import results_dict
from core.metrics.decision_rules import default_cost_matrix
from core.modelling.options import StrategyOptions

TOL = 1e-12
TASKS = ("binary", "multiclass", "multilabel")


@pytest.mark.parametrize("task", TASKS)
def test_cost_curves_of_every_strategy(comparisons, task):
    c = comparisons[task]
    doc = cost_curves_dict(c)
    assert list(doc) == [n for n, r in c.results.items() if r.ok]
    for points in doc.values():
        assert len(points) == 101
        assert all(set(p) == {"pc", "cost"} for p in points)
        pc = np.array([p["pc"] for p in points])
        cost = np.array([p["cost"] for p in points])
        np.testing.assert_allclose(pc, np.linspace(0, 1, 101))
        assert np.all((cost >= 0) & (cost <= 1))
        assert np.all(cost <= np.minimum(pc, 1 - pc) + 1e-6)  # rounded to 6 decimals
    detail = cost_curves_detail_dict(c)
    assert detail["positive_class"] == default_positive(c) == c.important_class
    assert set(detail["strategies"]) == set(doc)
    for entry in detail["strategies"].values():
        assert 0 <= entry["fpr"] <= 1 and 0 <= entry["tpr"] <= 1
        assert len(entry["expected_cost"]) == 101
        at_eval = entry["expected_cost_at_evaluation"]
        assert set(at_eval) == {"actual", "best"}
        assert all(np.isfinite(v) and v >= 0 for v in at_eval.values())


def test_binary_matches_sklearn_and_the_default_costs(comparisons):
    c = comparisons["binary"]
    costs = decision_costs(c)
    j = c.classes.index(costs.positive_class)
    y = (np.asarray(c.y_true) == j).astype(int)
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    # the default cost matrix of cost_sensitive: a miss costs n_largest / n_class
    assert (costs.cost_fn, costs.cost_fp) == pytest.approx((n_neg / n_pos, 1.0))
    assert costs.evaluation_prevalence == pytest.approx(n_pos / y.size)
    assert costs.evaluation_pc == pytest.approx(0.5)  # that default balances the two costs
    for s in costs.strategies:
        pred = (np.asarray(c.results[s.strategy].oof_pred) == j).astype(int)
        tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
        assert (s.curve.fpr, s.curve.tpr) == pytest.approx((fp / (fp + tn), tp / (tp + fn)))
        expected = (fn * costs.cost_fn + fp * costs.cost_fp) / y.size  # at the evaluation share
        assert s.expected.at_evaluation[0] == pytest.approx(expected)


def test_the_given_cost_matrix_is_used(comparisons):
    c = comparisons["multiclass"]
    cost = ((0.0, 1.0, 2.0), (3.0, 0.0, 4.0), (5.0, 6.0, 0.0))
    given = replace(c, config=replace(c.config, options=StrategyOptions(cost_matrix=cost)))
    counts = np.bincount(np.asarray(c.y_true), minlength=3)
    j = c.classes.index(c.important_class)
    rest = [i for i in range(3) if i != j]
    w = counts[rest] / counts[rest].sum()
    c_fn, c_fp, source = miss_and_alarm_costs(given, c.important_class)
    assert c_fn == pytest.approx(float(w @ np.array(cost)[j, rest]))
    assert c_fp == pytest.approx(float(w @ np.array(cost)[rest, j]))
    assert source == (
        "from the cost matrix you gave, each averaged over the other classes, weighted by "
        "their rows"
    )


def test_the_default_is_worded_as_the_default_even_when_passed_as_given(comparisons):
    """The Strategies page passes its default matrix (validated options) as cost_matrix: the
    costs are the same numbers and the words say "default", never "the cost matrix given"."""
    c = comparisons["binary"]
    counts = np.bincount(np.asarray(c.y_true), minlength=2)
    j = c.classes.index(c.important_class)
    none = miss_and_alarm_costs(c, c.important_class)
    assert c.config.options.cost_matrix is None
    assert none[:2] == pytest.approx((counts.max() / counts[j], counts.max() / counts[1 - j]))
    assert none[2] == (
        "the default costs, as cost_sensitive uses them: an error on a true class costs the "
        "largest class's rows ÷ that class's rows"
    )
    matrix = tuple(map(tuple, default_cost_matrix(counts)))
    as_given = replace(c, config=replace(c.config, options=StrategyOptions(cost_matrix=matrix)))
    assert miss_and_alarm_costs(as_given, c.important_class) == none
    other = tuple(tuple(2 * v for v in row) for row in matrix)
    doubled = replace(c, config=replace(c.config, options=StrategyOptions(cost_matrix=other)))
    c_fn, c_fp, source = miss_and_alarm_costs(doubled, c.important_class)
    assert (c_fn, c_fp) == pytest.approx((2 * none[0], 2 * none[1]))
    assert source == "from the cost matrix you gave"
    predictions = replace(c, config=replace(c.config, mode="predictions"))
    words = miss_and_alarm_costs(predictions, c.important_class)[2]
    assert "cost_sensitive" not in words and words.startswith("the default costs: an error")
    ml = miss_and_alarm_costs(comparisons["multilabel"], comparisons["multilabel"].important_class)
    assert ml[2].startswith("the default costs: an error costs the rows of the larger side")
    for text in (none[2], words, ml[2], source):
        assert "given" not in text.replace("you gave", "") and "n_largest" not in text


def test_failed_strategies_are_left_out(comparisons):
    c = comparisons["binary"]
    broken = dict(c.results)
    broken["class_weight"] = failed_result(
        "class_weight", "boom", c.results["baseline"].fold_of_row
    )
    doc = cost_sections(replace(c, results=broken))
    assert "class_weight" not in doc["cost_curves"]
    assert "class_weight" not in doc["cost_curves_detail"]["strategies"]
    assert "baseline" in doc["cost_curves"]
    none_ran = {n: failed_result(n, "boom", r.fold_of_row) for n, r in c.results.items()}
    assert cost_sections(replace(c, results=none_ran)) == {
        "cost_curves": {},
        "cost_curves_detail": None,
    }


def test_another_positive_class_and_a_bad_one(comparisons):
    c = comparisons["multilabel"]
    other = next(cls for cls in c.classes if cls != c.important_class)
    assert decision_costs(c, other).positive_class == other
    with pytest.raises(DataError, match="cannot be the positive class"):
        decision_costs(c, "no such label")


def test_results_json_carries_the_cost_curves(comparisons):
    c = comparisons["binary"]
    doc = results_dict(c)
    assert doc["cost_curves"] == cost_curves_dict(c)
    assert doc["cost_curves_detail"]["positive_class"] == c.important_class
