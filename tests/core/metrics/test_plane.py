"""Tests for core.metrics.plane: region bounds, threshold sweeps, Pareto fronts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
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
from core.metrics.plane import (
    f1_bounds,
    f1_bounds_counts,
    feasible_region,
    one_vs_rest_shares,
    pareto_front,
    random_guess_curve,
    threshold_points,
    threshold_points_both,
    trivial_points,
)

EXACT = 1e-12  # float round-off only


def _labels(tp: int, fp: int, fn: int, tn: int) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.r_[np.ones(tp + fn, int), np.zeros(fp + tn, int)]
    y_pred = np.r_[np.ones(tp, int), np.zeros(fn, int), np.ones(fp, int), np.zeros(tn, int)]
    return y_true, y_pred


# --------------------------------------------------------------------------- bounds


def _brute_force_bounds(n: int, n_pos: int) -> dict[int, tuple[float, float]]:
    """min/max F1 (scikit-learn, zero_division=0) per n_correct over every confusion matrix."""
    seen: dict[int, list[float]] = {}
    for tp, fp in itertools.product(range(n_pos + 1), range(n - n_pos + 1)):
        fn, tn = n_pos - tp, n - n_pos - fp
        # TP = FP = FN = 0 is sklearn's zero_division=0 case; skip the call to avoid its warning
        empty = tp + fp + fn == 0
        f1 = 0.0 if empty else f1_score(*_labels(tp, fp, fn, tn), zero_division=0)
        seen.setdefault(tp + tn, []).append(f1)
    return {c: (min(v), max(v)) for c, v in seen.items()}


@pytest.mark.parametrize("n", range(1, 13))
def test_bounds_match_brute_force_enumeration(n: int) -> None:
    for n_pos in range(n + 1):
        brute = _brute_force_bounds(n, n_pos)
        assert sorted(brute) == list(range(n + 1))  # every accuracy k/n is achievable
        correct = np.arange(n + 1)
        lo, hi = f1_bounds_counts(n, n_pos, correct)
        np.testing.assert_allclose(lo, [brute[c][0] for c in correct], atol=EXACT)
        np.testing.assert_allclose(hi, [brute[c][1] for c in correct], atol=EXACT)
        if 0 < n_pos < n:  # the continuous region contains them and is tight there
            clo, chi = f1_bounds(correct / n, n_pos / n)
            np.testing.assert_allclose(clo, lo, atol=EXACT)
            np.testing.assert_allclose(chi, hi, atol=EXACT)


def test_bounds_hand_values_and_shapes() -> None:
    lo, hi = f1_bounds(0.9, 0.1)  # t in [0, 0.1]: F1 max = 0.2 / 0.3
    assert lo.shape == () and float(lo) == 0.0
    assert float(hi) == pytest.approx(2 / 3, abs=EXACT)
    lo, hi = f1_bounds(np.array([[0.0, 1.0]]), 0.3)
    assert lo.shape == (1, 2)
    np.testing.assert_allclose(lo, [[0.0, 1.0]])  # C = 0 -> F1 = 0; C = 1 -> F1 = 1
    np.testing.assert_allclose(hi, [[0.0, 1.0]])
    lo, hi = f1_bounds(0.95, 0.2)  # t in [0.15, 0.2], err 0.05
    assert float(lo) == pytest.approx(0.3 / 0.35, abs=EXACT)
    assert float(hi) == pytest.approx(0.4 / 0.45, abs=EXACT)


def test_counts_zero_division_only_without_positives_or_errors() -> None:
    lo, hi = f1_bounds_counts(5, 0, [4, 5], zero_division=1.0)
    np.testing.assert_array_equal(lo, [0.0, 1.0])
    np.testing.assert_array_equal(hi, [0.0, 1.0])


def test_feasible_region_grid_and_kinks() -> None:
    region = feasible_region(0.2, n_grid=11)
    assert list(region.columns) == ["accuracy", "f1_min", "f1_max"]
    assert region["accuracy"].is_monotonic_increasing
    assert np.isclose(region["accuracy"], 0.2).sum() == 1  # kink already on the grid
    assert len(feasible_region(0.23, n_grid=11)) == 13  # two kinks added
    assert len(feasible_region(0.23, n_grid=11, include_kinks=False)) == 11
    assert (region["f1_min"] <= region["f1_max"]).all()
    lo, hi = f1_bounds(region["accuracy"], 0.2)
    np.testing.assert_array_equal(region["f1_min"], lo)
    np.testing.assert_array_equal(region["f1_max"], hi)


@pytest.mark.parametrize("p", [0.03, 0.2, 0.5, 0.8])
def test_trivial_points_lie_on_region_boundary(p: float) -> None:
    points = trivial_points(p)
    pos, neg = points["all_positive"], points["all_negative"]
    # independent: the constant classifiers on 1000 rows, scored by scikit-learn
    y = np.r_[np.ones(round(1000 * p), int), np.zeros(1000 - round(1000 * p), int)]
    assert pos["accuracy"] == pytest.approx(accuracy_score(y, np.ones_like(y)))
    assert pos["f1"] == pytest.approx(f1_score(y, np.ones_like(y)))
    assert neg["accuracy"] == pytest.approx(accuracy_score(y, np.zeros_like(y)))
    assert neg["f1"] == f1_score(y, np.zeros_like(y), zero_division=0) == 0.0
    assert pos["f1"] == pytest.approx(float(f1_bounds(pos["accuracy"], p)[1]), abs=EXACT)
    assert neg["f1"] == pytest.approx(float(f1_bounds(neg["accuracy"], p)[0]), abs=EXACT)


def test_random_guess_curve_inside_region_and_matches_expected_counts() -> None:
    p = 0.1
    curve = random_guess_curve(p, n_grid=21)
    lo, hi = f1_bounds(curve["accuracy"], p)
    assert ((curve["f1"] >= lo - EXACT) & (curve["f1"] <= hi + EXACT)).all()
    trivial = trivial_points(p)
    assert curve.iloc[0][["accuracy", "f1"]].tolist() == pytest.approx(
        list(trivial["all_negative"].values())
    )
    assert curve.iloc[-1][["accuracy", "f1"]].tolist() == pytest.approx(
        list(trivial["all_positive"].values())
    )
    # q = 0.5 on 1000 rows (100 positive): TP 50, FP 450, FN 50
    row = curve[np.isclose(curve["rate"], 0.5)].iloc[0]
    assert row["accuracy"] == pytest.approx(0.5)
    assert row["f1"] == pytest.approx(100 / 600)


def test_one_vs_rest_shares() -> None:
    assert one_vs_rest_shares({"a": 6, "b": 3, "c": 1}) == pytest.approx(
        {"a": 0.6, "b": 0.3, "c": 0.1}
    )
    shares = one_vs_rest_shares(pd.Series({"x": 30, "y": 50}), n_rows=100)  # multi-label
    assert shares == pytest.approx({"x": 0.3, "y": 0.5})
    assert list(shares) == ["x", "y"]


# --------------------------------------------------------------------------- thresholds


def _random_scores(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.15).astype(int)
    scores = np.round(np.clip(rng.normal(0.3 + 0.3 * y, 0.2), 0, 1), 2)  # rounding -> ties
    return y, scores


@pytest.mark.parametrize("seed", range(3))
def test_threshold_points_match_brute_force_loop(seed: int) -> None:
    y, scores = _random_scores(seed)
    frame = threshold_points(y, scores)
    expected_thresholds = np.r_[np.inf, np.unique(scores)[::-1]]
    np.testing.assert_array_equal(frame["threshold"], expected_thresholds)
    for row in frame.itertuples():
        pred = (scores >= row.threshold).astype(int)
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert (row.tp, row.fp, row.fn, row.tn) == (tp, fp, fn, tn)
        assert row.accuracy == pytest.approx(accuracy_score(y, pred), abs=EXACT)
        assert row.f1 == pytest.approx(f1_score(y, pred, zero_division=0), abs=EXACT)
        assert row.precision == pytest.approx(precision_score(y, pred, zero_division=0))
        assert row.recall_pos == pytest.approx(recall_score(y, pred), abs=EXACT)
        assert row.recall_neg == pytest.approx(recall_score(y, pred, pos_label=0), abs=EXACT)
        assert row.balanced_accuracy == pytest.approx(balanced_accuracy_score(y, pred), abs=EXACT)


@pytest.mark.parametrize("seed", range(5))
def test_every_threshold_point_lies_inside_its_region(seed: int) -> None:
    y, scores = _random_scores(seed, n=500)
    rng = np.random.default_rng(seed)
    scores = scores if seed % 2 else rng.random(y.size)  # with and without ties
    frame = threshold_points(y, scores)
    lo, hi = f1_bounds(frame["accuracy"], y.mean())
    assert (frame["f1"] >= lo - EXACT).all()
    assert (frame["f1"] <= hi + EXACT).all()
    clo, chi = f1_bounds_counts(y.size, int(y.sum()), frame["tp"] + frame["tn"])
    assert ((frame["f1"] >= clo - EXACT) & (frame["f1"] <= chi + EXACT)).all()


def test_threshold_points_both_sides() -> None:
    y, scores = _random_scores(0)
    sides = threshold_points_both(y, scores)
    assert sides.minority_label == 1
    pd.testing.assert_frame_equal(sides.minority_positive, threshold_points(y, scores))
    pd.testing.assert_frame_equal(sides.majority_positive, threshold_points(1 - y, 1 - scores))
    summary = sides.summary
    assert summary["minority_share"] == pytest.approx(y.mean())
    # swapping which class is positive cannot change balanced accuracy
    assert summary["best_balanced_accuracy"]["better"] == "tie"
    f1s = summary["best_f1"]
    assert f1s["majority_positive"] == pytest.approx(sides.majority_positive["f1"].max())
    assert f1s["better"] == "majority_positive"  # majority F1 is high on an easy majority
    # labels given the other way round: minority is 0, sides swap
    flipped = threshold_points_both(1 - y, 1 - scores)
    assert flipped.minority_label == 0
    assert flipped.summary["best_f1"]["minority_positive"] == pytest.approx(
        f1s["minority_positive"]
    )


def test_threshold_points_both_reports_majority_win_on_hand_example() -> None:
    # 2 positives of 10; scores separate nothing -> minority F1 best 2*2/(2*2+8)
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    sides = threshold_points_both(y, np.full(10, 0.5))
    assert sides.summary["best_f1"]["minority_positive"] == pytest.approx(4 / 12)
    assert sides.summary["best_f1"]["majority_positive"] == pytest.approx(16 / 18)
    assert sides.summary["best_f1"]["better"] == "majority_positive"


# --------------------------------------------------------------------------- Pareto


def _brute_force_pareto(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    keep = np.ones(xs.size, dtype=bool)
    for i in range(xs.size):
        for j in range(xs.size):
            if xs[j] >= xs[i] and ys[j] >= ys[i] and (xs[j] > xs[i] or ys[j] > ys[i]):
                keep[i] = False
                break
    return keep


@pytest.mark.parametrize("seed", range(6))
def test_pareto_front_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 150
    if seed < 3:  # small integer grid: many ties and exact duplicates
        xs, ys = rng.integers(0, 8, n).astype(float), rng.integers(0, 8, n).astype(float)
    else:
        xs, ys = rng.random(n), rng.random(n)
        xs[:20] = xs[20:40]  # duplicated points
        ys[:20] = ys[20:40]
    points = pd.DataFrame({"accuracy": xs, "f1": ys}, index=rng.permutation(n) + 1000)
    mask = pareto_front(points)
    assert mask.name == "pareto"
    assert mask.index.equals(points.index)
    np.testing.assert_array_equal(mask.to_numpy(), _brute_force_pareto(xs, ys))


def test_pareto_front_hand_example_and_custom_columns() -> None:
    points = pd.DataFrame(
        {"a": [1.0, 1.0, 0.5, 0.5, 0.2, 1.0], "b": [0.2, 0.2, 0.8, 0.8, 0.8, 0.1]}
    )
    mask = pareto_front(points, x="a", y="b")
    assert mask.tolist() == [True, True, True, True, False, False]
    assert pareto_front(points.iloc[:0], x="a", y="b").empty


def test_pareto_front_of_threshold_sweep() -> None:
    y, scores = _random_scores(1)
    frame = threshold_points(y, scores)
    mask = pareto_front(frame)
    expected = _brute_force_pareto(frame["accuracy"].to_numpy(), frame["f1"].to_numpy())
    np.testing.assert_array_equal(mask.to_numpy(), expected)
    assert mask.any()


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: f1_bounds(0.5, 0.0), "strictly between 0 and 1. Got 0.0"),
        (lambda: f1_bounds(0.5, "x"), "must be a number. Got 'x'"),
        (lambda: f1_bounds(1.2, 0.3), r"Accuracy must lie in \[0, 1\]"),
        (lambda: f1_bounds([0.5, np.nan], 0.3), "NaN or infinity"),
        (lambda: f1_bounds_counts(0, 0, 0), "n must be an integer of at least 1"),
        (lambda: f1_bounds_counts(5, 6, 2), "n_pos cannot exceed n"),
        (lambda: f1_bounds_counts(5, 2, 2.5), "whole numbers in"),
        (lambda: f1_bounds_counts(5, 2, [6]), "whole numbers in"),
        (lambda: feasible_region(0.3, n_grid=1), "n_grid must be an integer of at least 2"),
        (lambda: trivial_points(1.0), "strictly between 0 and 1"),
        (lambda: one_vs_rest_shares({}), "non-empty mapping"),
        (lambda: one_vs_rest_shares({"a": -1, "b": 3}), "non-negative"),
        (lambda: one_vs_rest_shares({"a": 5}, n_rows=3), "no count exceeds"),
        (lambda: threshold_points([0, 1, 2], [0.1, 0.2, 0.3]), "only 0 and 1"),
        (lambda: threshold_points([0, 1], [0.1]), "equal length"),
        (lambda: threshold_points([1, 1], [0.1, 0.2]), "needs both classes"),
        (lambda: threshold_points([0, 1], [0.1, np.inf]), "NaN or infinity"),
        (lambda: pareto_front(pd.DataFrame({"accuracy": [1.0]})), "Missing \\['f1'\\]"),
        (
            lambda: pareto_front(pd.DataFrame({"accuracy": [1.0], "f1": [np.nan]})),
            "NaN or infinity",
        ),
    ],
)
def test_validation_errors(call, match: str) -> None:
    with pytest.raises(DataError, match=match):
        call()
