"""core.analysis.deployment: metrics re-estimated at the shares met in use, checked against a
resampled test set at those shares."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
)

from core.analysis.deployment import (
    deployment_estimate,
    evaluation_shares,
    holdout_shares,
    normalise_shares,
)
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison

EXACT = 1e-12
SAMPLING = 0.01  # resampled deployment set vs re-estimate (200,000 rows)


def _resample(y: np.ndarray, pred: np.ndarray, target: np.ndarray, n: int, seed: int):
    rng = np.random.default_rng(seed)
    take = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), round(t * n)) for c, t in enumerate(target)]
    )
    return y[take], pred[take]


@pytest.mark.parametrize("task", ("binary", "multiclass"))
def test_deployment_estimate_equals_a_resampled_test_set(comparisons, task):
    comparison = comparisons[task]
    k = len(comparison.classes)
    target = np.array([0.5, 0.5]) if k == 2 else np.array([0.2, 0.3, 0.5])
    est = deployment_estimate(comparison, "class_weight", target, n=1000)
    y, pred = _resample(comparison.y_true, comparison.results["class_weight"].oof_pred, target,
                        200_000, 0)  # fmt: skip
    labels = list(range(k))
    assert est.summary["accuracy"] == pytest.approx(accuracy_score(y, pred), abs=SAMPLING)
    assert est.summary["macro_f1"] == pytest.approx(
        f1_score(y, pred, average="macro", labels=labels), abs=SAMPLING
    )
    np.testing.assert_allclose(
        est.per_class["precision"],
        precision_score(y, pred, average=None, labels=labels, zero_division=0),
        atol=SAMPLING,
    )
    np.testing.assert_allclose(
        est.confusion, confusion_matrix(y, pred, labels=labels) / y.size, atol=SAMPLING
    )
    np.testing.assert_allclose(est.confusion_counts, est.confusion * 1000)
    assert est.warning is not None and "differ strongly" in est.warning  # the trap
    same = deployment_estimate(comparison, "class_weight", evaluation_shares(comparison))
    assert same.warning is None
    assert same.summary["accuracy"] == pytest.approx(
        comparison.results["class_weight"].summary["accuracy"], abs=EXACT
    )


def test_deployment_estimate_per_label(comparisons):
    comparison = comparisons["multilabel"]
    result = comparison.results["baseline"]
    evals = evaluation_shares(comparison)
    target = {label: 0.5 for label in comparison.classes}
    est = deployment_estimate(comparison, "baseline", target)
    assert list(est.per_class["class"]) == list(comparison.classes)
    for j, label in enumerate(comparison.classes):
        y, pred = _resample(comparison.y_true[:, j], result.oof_pred[:, j], np.array([0.5, 0.5]),
                            200_000, j)  # fmt: skip
        row = est.per_class.iloc[j]
        assert row["f1"] == pytest.approx(f1_score(y, pred), abs=SAMPLING)
        assert row["eval_share"] == pytest.approx(evals[label])
    assert "differ strongly" in est.warning
    same = deployment_estimate(comparison, "baseline", evals)
    assert same.warning is None
    assert same.summary["macro_f1"] == pytest.approx(result.per_class["f1"].mean(), abs=EXACT)


def test_holdout_shares_and_normalisation(datasets):
    comparison = run_comparison(
        datasets["binary"],
        CompareConfig(strategies=("baseline",), cv=3, seed=0, holdout=0.2, n_jobs=1),
    )
    hold = holdout_shares(comparison)
    y = comparison.holdout_y_true
    assert hold == pytest.approx({"no": np.mean(y == 0), "yes": np.mean(y == 1)})
    assert holdout_shares(run_comparison(
        datasets["binary"], CompareConfig(strategies=("baseline",), cv=3, n_jobs=1)
    )) is None  # fmt: skip
    counts = normalise_shares({"no": 990, "yes": 10}, ("no", "yes"), multilabel=False)
    np.testing.assert_allclose(counts, [0.99, 0.01])
    np.testing.assert_allclose(
        normalise_shares([0.2, 0.7], ("a", "b"), multilabel=True), [0.2, 0.7]
    )


@pytest.mark.parametrize(
    ("shares", "multilabel", "match"),
    [
        ({"no": 1.0}, False, "exactly one value per class.*missing \\['yes'\\]"),
        ([0.5, "x"], False, "must be numbers"),
        ([0.5, -0.1], False, "non-negative numbers. Got \\[0.5, -0.1\\]"),
        ([0.0, 0.0], False, "must not all be zero"),
        ([0.5, 20.0], True, "from 0 to 1. Got \\[0.5, 20.0\\]"),
        ([0.5], False, "one value per class \\(2\\)"),
    ],
)
def test_bad_deployment_shares(shares, multilabel, match):
    with pytest.raises(DataError, match=match):
        normalise_shares(shares, ("no", "yes"), multilabel=multilabel)


def test_deployment_estimate_needs_a_successful_strategy(comparisons):
    with pytest.raises(DataError, match="No results for strategy 'smote': it was not run"):
        deployment_estimate(comparisons["binary"], "smote", [0.5, 0.5])


# --------------------------------------------------------------------------- predictions mode


def _balanced_test_set():
    """The analyst's story: a balanced test set on which the rare class has TPR 0.98 and
    FPR 0.27 (labels only: 98 of 100 rows of class 1 found, 27 of 100 others flagged)."""
    import pandas as pd

    from core.evaluation.scored import comparison_from_predictions
    from core.intake.predictions import load_predictions

    y = np.r_[np.ones(100, int), np.zeros(100, int)]
    pred = np.r_[np.ones(98, int), np.zeros(2, int), np.ones(27, int), np.zeros(73, int)]
    frame = pd.DataFrame({"y": y, "pred": pred})
    pset = load_predictions(frame.to_csv(index=False).encode(), target="y")
    return comparison_from_predictions(pset, cv=2)


def test_prevalence_formula_reproduces_the_analysts_precision():
    from core.analysis.deployment import deployment_dict

    comparison = _balanced_test_set()
    pi = 1 / 11.5
    found = deployment_dict(comparison, {"0": 1 - pi, "1": pi})
    row = found["strategies"]["model"]["per_class"][1]
    # precision = pi*TPR / (pi*TPR + (1-pi)*FPR)
    expected = pi * 0.98 / (pi * 0.98 + (1 - pi) * 0.27)
    assert row["precision"] == pytest.approx(expected, abs=EXACT)
    assert row["precision"] == pytest.approx(0.26, abs=0.005)
    assert row["recall"] == pytest.approx(0.98, abs=EXACT)
    assert row["precision_eval"] == pytest.approx(98 / 125, abs=EXACT)
    assert "differ strongly" in found["warning"]  # the balanced test set was the trap
    assert found["shares"] == pytest.approx({"0": 1 - pi, "1": pi})


def test_complete_shares_fills_in_the_classes_left_out():
    from core.analysis.deployment import complete_shares

    comparison = _balanced_test_set()
    shares, note = complete_shares({"1": 0.1}, comparison)
    assert shares == pytest.approx({"0": 0.9, "1": 0.1}) and "'0' 0.9" in note
    assert complete_shares({"0": 3, "1": 1}, comparison) == ({"0": 3.0, "1": 1.0}, None)
    with pytest.raises(DataError, match=r"Unknown class '7' in the deployment shares"):
        complete_shares({"7": 0.1}, comparison)
    with pytest.raises(DataError, match=r"sum to 1.2, over 1, with '0' left out"):
        complete_shares({"1": 1.2}, comparison)
