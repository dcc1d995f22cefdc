"""core.metrics.cost_curves: Drummond & Holte cost curves and expected cost against the
positive share in use, checked by hand and against scikit-learn computed independently."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, roc_curve

from core.errors import DataError
from core.metrics.cost_curves import (
    cost_curve,
    default_grid,
    expected_cost_curve,
    one_vs_rest_costs,
    operating_points,
    probability_cost,
)
from core.metrics.prevalence import reestimate_at_prevalence

TOL = 1e-12


def hand_example() -> tuple[np.ndarray, np.ndarray]:
    """10 positives, 10 negatives; cuts give (FPR, TPR) = (0, 0), (0.1, 0.6), (0.4, 0.9), (1, 1).

    Score 0.9: 6 positives, 1 negative; 0.5: 3 and 3; 0.1: 1 and 6."""
    y = np.array([1] * 6 + [0] + [1] * 3 + [0] * 3 + [1] + [0] * 6)
    s = np.array([0.9] * 7 + [0.5] * 6 + [0.1] * 7)
    return y, s


def test_operating_points_of_the_hand_example():
    y, s = hand_example()
    fpr, tpr, threshold = operating_points(y, s)
    np.testing.assert_allclose(fpr, [0, 0.1, 0.4, 1])
    np.testing.assert_allclose(tpr, [0, 0.6, 0.9, 1])
    np.testing.assert_array_equal(threshold, [np.inf, 0.9, 0.5, 0.1])


def test_envelope_by_hand():
    # lines: (0,0): pc; A: 0.1 + 0.3 pc; B: 0.4 - 0.3 pc; (1,1): 1 - pc
    y, s = hand_example()
    pc = np.array([0.0, 0.1, 0.2, 0.25, 0.5, 0.8, 0.9, 1.0])
    curve = cost_curve(y, s, s >= 0.9, pc=pc)
    np.testing.assert_allclose(curve.envelope, [0, 0.1, 0.16, 0.175, 0.25, 0.16, 0.1, 0], atol=TOL)
    assert curve.envelope_threshold[1] == np.inf  # pc 0.1: never positive is cheapest
    assert curve.envelope_threshold[2] == 0.9 and curve.envelope_threshold[5] == 0.5
    assert curve.envelope_threshold[6] == 0.1  # pc 0.9: always positive is cheapest
    # the decisions made are point A: the line 0.1 + 0.3 pc
    assert (curve.fpr, curve.tpr) == pytest.approx((0.1, 0.6))
    np.testing.assert_allclose(curve.actual, 0.1 + 0.3 * pc, atol=TOL)
    np.testing.assert_allclose(curve.trivial, np.minimum(pc, 1 - pc))


@pytest.mark.parametrize("seed", range(5))
def test_envelope_never_above_the_trivial_classifiers(seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = (rng.random(n) < 0.1 + 0.1 * seed).astype(int)
    s = np.round(rng.random(n) * 0.6 + 0.4 * y * rng.random(n), 2)  # ties on purpose
    curve = cost_curve(y, s, s >= 0.5)
    np.testing.assert_array_equal(curve.pc, default_grid())
    assert curve.pc.size == 101
    assert np.all(curve.envelope <= np.minimum(curve.pc, 1 - curve.pc) + TOL)
    assert np.all(curve.envelope >= -TOL)
    # a cut of the same scores is one of the envelope's lines: never below the envelope
    assert np.all(curve.actual >= curve.envelope - TOL)
    # the envelope equals the least line over scikit-learn's ROC points (computed apart)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    brute = np.min(np.outer(curve.pc, 1 - tpr) + np.outer(1 - curve.pc, fpr), axis=1)
    np.testing.assert_allclose(curve.envelope, brute, atol=TOL)


def test_actual_line_from_sklearns_confusion_matrix():
    rng = np.random.default_rng(7)
    y = (rng.random(200) < 0.2).astype(int)
    s = rng.random(200)
    pred = rng.random(200) < 0.3  # any decisions, not a cut of the scores
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    tpr, fpr = tp / (tp + fn), fp / (fp + tn)
    curve = cost_curve(y, s, pred)
    assert (curve.fpr, curve.tpr) == pytest.approx((fpr, tpr))
    np.testing.assert_allclose(curve.actual, (1 - tpr) * curve.pc + fpr * (1 - curve.pc))


def test_expected_cost_against_prevalence_by_hand():
    y, s = hand_example()
    grid = np.array([0.0, 0.2, 0.5, 1.0])
    exp = expected_cost_curve(y, s, s >= 0.9, cost_fn=5.0, cost_fp=1.0, prevalence=grid)
    # own decisions, point A (FPR 0.1, TPR 0.6): pi * 0.4 * 5 + (1 - pi) * 0.1
    np.testing.assert_allclose(exp.actual, [0.1, 0.48, 1.05, 2.0], atol=TOL)
    # best cut: pi 0 never positive (0), 0.2 point B (0.1 + 0.32), 0.5 B (0.25 + 0.2),
    # 1 always positive (0)
    np.testing.assert_allclose(exp.best, [0, 0.42, 0.45, 0], atol=TOL)
    np.testing.assert_allclose(exp.always_negative, grid * 5)
    np.testing.assert_allclose(exp.always_positive, (1 - grid) * 1)
    assert exp.evaluation_prevalence == 0.5
    assert exp.at_evaluation == pytest.approx((1.05, 0.45))
    assert np.all(exp.best <= np.minimum(exp.always_negative, exp.always_positive) + TOL)


def test_expected_cost_matches_the_prevalence_reestimate():
    """The same assumption as core.metrics.prevalence (rates per true class carry over):
    its expected confusion at shares (1 - pi, pi) times the cost matrix is the actual cost."""
    rng = np.random.default_rng(3)
    y = (rng.random(250) < 0.15).astype(int)
    s = np.clip(rng.random(250) * 0.7 + 0.3 * y, 0, 1)
    pred = (s >= 0.45).astype(int)
    cost = np.array([[0.0, 2.0], [7.0, 0.0]])
    grid = np.array([0.05, 0.3, 0.9])
    exp = expected_cost_curve(y, s, pred, cost_fn=7.0, cost_fp=2.0, prevalence=grid)
    cm = confusion_matrix(y, pred)
    for pi, got in zip(grid, exp.actual, strict=True):
        shares = reestimate_at_prevalence(cm, [1 - pi, pi])["confusion"]
        assert got == pytest.approx(float((shares * cost).sum()))


def test_probability_cost():
    assert probability_cost(0.5, 1.0, 1.0) == pytest.approx(0.5)
    # the default cost matrix (a miss costs n_neg / n_pos) puts the evaluation share at 0.5
    assert probability_cost(0.16, 84 / 16, 1.0) == pytest.approx(0.5)
    assert probability_cost(0.2, 5.0, 1.0) == pytest.approx(1.0 / 1.8)
    np.testing.assert_allclose(probability_cost([0.0, 1.0], 3.0, 2.0), [0.0, 1.0])
    assert probability_cost(0.3, 0.0, 0.0) == pytest.approx(0.5)  # nothing costs anything


def test_one_vs_rest_costs_by_hand():
    assert one_vs_rest_costs([[0, 1], [5, 0]], 1) == pytest.approx((5.0, 1.0))
    assert one_vs_rest_costs([[0, 1], [5, 0]], 0) == pytest.approx((1.0, 5.0))
    assert one_vs_rest_costs([[1, 2], [6, 1]], 1) == pytest.approx((5.0, 1.0))  # over the diagonal
    cost = [[0, 1, 2], [3, 0, 4], [5, 6, 0]]
    # class 2 against classes 0 and 1 weighted 10 : 30 -> 0.25 / 0.75
    c_fn, c_fp = one_vs_rest_costs(cost, 2, class_weights=[10, 30, 99])
    assert c_fn == pytest.approx(0.25 * 5 + 0.75 * 6)
    assert c_fp == pytest.approx(0.25 * 2 + 0.75 * 4)
    assert one_vs_rest_costs(cost, 0) == pytest.approx((1.5, 4.0))  # equal weights


def test_errors_name_what_was_wrong():
    with pytest.raises(DataError, match="both the positive and the negative class"):
        cost_curve([1, 1, 1], [0.2, 0.5, 0.9], [1, 0, 1])
    with pytest.raises(DataError, match="must be 0 or 1"):
        cost_curve([0, 2, 1], [0.2, 0.5, 0.9], [1, 0, 1])
    with pytest.raises(DataError, match="grid must lie in"):
        cost_curve([0, 1], [0.2, 0.9], [0, 1], pc=[0.0, 1.5])
    with pytest.raises(DataError, match="same length"):
        cost_curve([0, 1], [0.2, 0.9], [0, 1, 1])
    with pytest.raises(DataError, match="finite and >= 0"):
        expected_cost_curve([0, 1], [0.2, 0.9], [0, 1], cost_fn=-1.0, cost_fp=1.0)
    with pytest.raises(DataError, match="code from 0 to 1"):
        one_vs_rest_costs([[0, 1], [1, 0]], 2)
