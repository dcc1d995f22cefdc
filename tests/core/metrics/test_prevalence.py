"""Tests for core.metrics.prevalence: metrics re-estimated at the class shares in use, and the
warning when those shares differ strongly from the evaluation data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)

from core.errors import DataError
from core.metrics.prevalence import prevalence_shift_warning, reestimate_at_prevalence

EXACT = 1e-12  # float round-off only
SAMPLING = 0.005  # resampled test set vs re-estimate


# --------------------------------------------------------------------------- prevalence


def _metrics_from_counts(cm: np.ndarray) -> dict[str, object]:
    """Build label vectors from an integer confusion matrix and score them with sklearn."""
    k = cm.shape[0]
    y_true = np.concatenate([np.full(int(cm[i, j]), i) for i in range(k) for j in range(k)])
    y_pred = np.concatenate([np.full(int(cm[i, j]), j) for i in range(k) for j in range(k)])
    labels = list(range(k))
    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "precision": precision_score(y_true, y_pred, labels=labels, average=None),
        "recall": recall_score(y_true, y_pred, labels=labels, average=None),
        "f1": f1_score(y_true, y_pred, labels=labels, average=None),
        "macro_f1": f1_score(y_true, y_pred, average="macro"),
        "weighted_f1": f1_score(y_true, y_pred, average="weighted"),
    }


def _check_against(result: dict, expected: dict, tol: float) -> None:
    per_class, summary = result["per_class"], result["summary"]
    for name in ("precision", "recall", "f1"):
        np.testing.assert_allclose(per_class[name], expected[name], atol=tol)
    for name in ("accuracy", "balanced_accuracy", "macro_f1", "weighted_f1"):
        assert summary[name] == pytest.approx(expected[name], abs=tol)


def test_reestimate_binary_hand_example() -> None:
    cm = np.array([[90, 10], [20, 80]])  # balanced evaluation set: rows true neg, pos
    result = reestimate_at_prevalence(cm, [0.95, 0.05], classes=["neg", "pos"], n=2000)
    np.testing.assert_allclose(result["rates"], [[0.9, 0.1], [0.2, 0.8]])
    np.testing.assert_allclose(result["confusion"], [[0.855, 0.095], [0.01, 0.04]], atol=EXACT)
    counts = result["confusion_counts"]
    np.testing.assert_allclose(counts, [[1710, 190], [20, 80]], atol=1e-9)
    _check_against(result, _metrics_from_counts(np.round(counts).astype(int)), EXACT)
    pos = result["per_class"].set_index("class").loc["pos"]
    assert pos["precision"] == pytest.approx(0.04 / 0.135)
    assert pos["precision_eval"] == pytest.approx(80 / 90)
    assert pos["f1"] == pytest.approx(0.08 / 0.185)
    assert result["summary"]["accuracy"] == pytest.approx(0.895)
    assert result["summary"]["eval_accuracy"] == pytest.approx(0.85)
    assert "will not hold in use" in result["warning"]


def test_reestimate_three_class_hand_example() -> None:
    cm = np.array([[40, 5, 5], [10, 30, 10], [0, 10, 40]])
    result = reestimate_at_prevalence(cm, [0.8, 0.1, 0.1], n=1000)
    expected_counts = np.array([[640, 80, 80], [20, 60, 20], [0, 20, 80]])
    np.testing.assert_allclose(result["confusion_counts"], expected_counts, atol=1e-9)
    _check_against(result, _metrics_from_counts(expected_counts), EXACT)
    assert "confusion_counts" not in reestimate_at_prevalence(cm, [0.8, 0.1, 0.1])
    assert list(result["per_class"]["class"]) == ["0", "1", "2"]


def test_reestimate_at_same_prevalence_reproduces_evaluation_metrics() -> None:
    cm = np.array([[50, 7, 3], [4, 20, 6], [1, 2, 7]])
    result = reestimate_at_prevalence(cm, cm.sum(axis=1) / cm.sum())
    _check_against(result, _metrics_from_counts(cm), EXACT)
    np.testing.assert_allclose(
        result["per_class"]["precision"], result["per_class"]["precision_eval"]
    )
    assert result["warning"] is None


def test_reestimate_matches_resampled_test_set() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    rates = np.array([[0.85, 0.10, 0.05], [0.15, 0.75, 0.10], [0.05, 0.15, 0.80]])
    y = rng.integers(0, 3, n)  # balanced evaluation set, the trap
    cum = rates.cumsum(axis=1)[y]
    y_pred = (rng.random(n)[:, None] > cum).sum(axis=1)
    cm = confusion_matrix(y, y_pred, labels=[0, 1, 2])
    target = np.array([0.90, 0.07, 0.03])
    result = reestimate_at_prevalence(cm, target)
    take = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), round(target[c] * n)) for c in range(3)]
    )
    resampled = _metrics_from_counts(confusion_matrix(y[take], y_pred[take], labels=[0, 1, 2]))
    _check_against(result, resampled, SAMPLING)
    # the trap is real: the rare class's precision collapses in use
    rare = result["per_class"].iloc[2]
    assert rare["precision_eval"] > 0.8 > 0.4 > rare["precision"]


def test_prevalence_shift_warning() -> None:
    assert prevalence_shift_warning([0.5, 0.5], [0.55, 0.45]) is None
    message = prevalence_shift_warning([0.5, 0.5], [0.97, 0.03], classes=["ok", "fraud"])
    assert "class 'fraud' is 50.0% of the evaluation rows but 3.0% in use (16.7x)" in message
    assert "in all, 47% of the rows would have to change class to match" in message
    assert "Precision, accuracy and F1 measured on the evaluation data will not hold" in message
    # ratio alone (small total variation) still warns; zero share never divides by zero
    assert prevalence_shift_warning([0.95, 0.05], [0.99, 0.01]) is not None
    zero = prevalence_shift_warning([0.9, 0.1, 0.0], [0.9, 0.05, 0.05])
    assert "class '2' is 0.0% of the evaluation rows but 5.0% in use;" in zero
    assert prevalence_shift_warning([0.9, 0.1], [0.9, 0.1], max_ratio=1.5) is None


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: reestimate_at_prevalence(np.ones((2, 3)), [0.5, 0.5]), "must be square"),
        (lambda: reestimate_at_prevalence(-np.ones((2, 2)), [0.5, 0.5]), "non-negative counts"),
        (
            lambda: reestimate_at_prevalence([[1, 0], [0, 0]], [0.5, 0.5], classes=["a", "b"]),
            r"Class \['b'\] has no rows",
        ),
        (lambda: reestimate_at_prevalence(np.eye(2), [0.5]), r"one share per class \(2\)"),
        (lambda: reestimate_at_prevalence(np.eye(2), [90, 10]), r"must sum to 1.*sum 100"),
        (lambda: reestimate_at_prevalence(np.eye(2), [1.2, -0.2]), "must be non-negative"),
        (lambda: reestimate_at_prevalence(np.eye(2), [0.5, 0.5], n=0), "positive integer"),
        (
            lambda: reestimate_at_prevalence(np.eye(2), [0.5, 0.5], classes=["a"]),
            "one class name per row",
        ),
        (lambda: prevalence_shift_warning([0.5, 0.5], [0.2, 0.3, 0.5]), "one share per class"),
    ],
)
def test_validation_errors(call, match: str) -> None:
    with pytest.raises(DataError, match=match):
        call()


def test_near_one_shares_are_normalised() -> None:
    result = reestimate_at_prevalence(np.eye(3) * 10, [0.33, 0.33, 0.33])
    np.testing.assert_allclose(result["per_class"]["target_share"], [1 / 3] * 3)
    assert result["confusion"].sum() == pytest.approx(1.0)
