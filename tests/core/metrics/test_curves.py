"""core.metrics.curves against scikit-learn, brute-force loops and hand-computed examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fake_preds import make_preds, one_hot
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from core.errors import DataError
from core.metrics import curves as C
from core.metrics.calibration import brier_score_loss_per_class
from core.tasks import TASK_KINDS

TOL = 1e-12


# ---------------------------------------------------------------- threshold sweep


def brute_force(y, s, t):
    pred = s >= t
    tp, fp = int(np.sum(pred & (y == 1))), int(np.sum(pred & (y == 0)))
    fn, tn = int(np.sum(~pred & (y == 1))), int(np.sum(~pred & (y == 0)))
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": skm.precision_score(y, pred, zero_division=0),
        "recall": skm.recall_score(y, pred, zero_division=0),
        "f1": skm.f1_score(y, pred, zero_division=0),
        "accuracy": skm.accuracy_score(y, pred),
        "specificity": tn / (tn + fp) if tn + fp else 0.0,
    }


@pytest.mark.parametrize("decimals", [1, None], ids=["ties", "distinct"])
def test_threshold_curve_matches_brute_force(decimals):
    rng = np.random.default_rng(1)
    y = (rng.random(60) < 0.3).astype(np.int8)
    s = rng.random(60)
    if decimals is not None:
        s = np.round(s, decimals)
    curve = C.threshold_curve(y, s)
    assert list(curve.columns) == list(C.THRESHOLD_COLUMNS)
    np.testing.assert_array_equal(curve["threshold"], np.append(np.unique(s), np.inf))
    for _, row in curve.iterrows():
        expected = brute_force(y, s, row["threshold"])
        for col, value in expected.items():
            assert row[col] == pytest.approx(value, abs=TOL), (row["threshold"], col)
    arrays = C.threshold_curve_arrays(y, s)
    pd.testing.assert_frame_equal(curve, pd.DataFrame(arrays))


def test_metrics_at_threshold_matches_brute_force():
    rng = np.random.default_rng(2)
    y = (rng.random(50) < 0.4).astype(bool)
    s = np.round(rng.random(50), 2)
    curve = C.threshold_curve(y, s)
    arrays = C.threshold_curve_arrays(y, s)
    ts = [-1.0, s.min(), 0.123, 0.5, s[7], np.nextafter(s[7], 2), s.max(), 1.5, np.inf]
    for t in ts:
        expected = brute_force(y.astype(int), s, t)
        for source in (curve, arrays):
            got = C.metrics_at_threshold(source, t)
            assert got["threshold"] == t
            assert type(got["tp"]) is int and type(got["f1"]) is float
            for col, value in expected.items():
                assert got[col] == pytest.approx(value, abs=TOL), (t, col)
    with pytest.raises(DataError, match="threshold is NaN"):
        C.metrics_at_threshold(curve, float("nan"))
    with pytest.raises(DataError, match="curve is empty"):
        C.metrics_at_threshold({"threshold": np.array([])}, 0.5)


def test_threshold_curve_edge_cases_and_errors():
    curve = C.threshold_curve_arrays(np.array([], dtype=int), np.array([]))
    assert curve["threshold"].tolist() == [np.inf] and curve["tn"].tolist() == [0]
    curve = C.threshold_curve([0, 0, 0], [0.2, 0.2, 0.9])  # no positives at all
    assert curve["recall"].eq(0).all() and curve["f1"].eq(0).all()
    assert curve["tn"].tolist() == [0, 2, 3]
    with pytest.raises(DataError, match="Scores contain NaN"):
        C.threshold_curve([0, 1], [0.1, np.nan])
    with pytest.raises(DataError, match=r"must be 0 or 1 .*Got values \[0, 1, 2\] instead"):
        C.threshold_curve([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match="same length"):
        C.threshold_curve([0, 1], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("task", TASK_KINDS)
def test_per_class_curves_are_one_vs_rest(task):
    y, _, proba, classes = make_preds(task, n=40)
    yb = y if task == "multilabel" else one_hot(y, len(classes))
    curves = C.threshold_curves(y, proba, classes, task)
    prs = C.pr_curves(y, proba, classes, task)
    rocs = C.roc_curves(y, proba, classes, task)
    cal = C.calibration_by_class(y, proba, classes, task, n_bins=5)
    brier = brier_score_loss_per_class(y, proba, classes, task)  # core.metrics.calibration
    for mapping in (curves, prs, rocs, cal, brier):
        assert list(mapping) == list(classes)
    for j, c in enumerate(classes):
        pd.testing.assert_frame_equal(curves[c], C.threshold_curve(yb[:, j], proba[:, j]))
        pd.testing.assert_frame_equal(prs[c], C.pr_curve(yb[:, j], proba[:, j]))
        pd.testing.assert_frame_equal(rocs[c], C.roc_curve_points(yb[:, j], proba[:, j]))
        pd.testing.assert_frame_equal(cal[c], C.calibration_bins(yb[:, j], proba[:, j], 5))
        assert brier[c] == pytest.approx(skm.brier_score_loss(yb[:, j], proba[:, j]))
    with pytest.raises(DataError, match="one column per class"):
        C.threshold_curves(y, proba[:, :1], classes, task)


# ---------------------------------------------------------------- PR, ROC, calibration


def test_pr_and_roc_curves_match_sklearn():
    y, _, proba, _ = make_preds("binary")
    pr = C.pr_curve(y, proba[:, 1])
    p, r, t = skm.precision_recall_curve(y, proba[:, 1], drop_intermediate=True)
    np.testing.assert_array_equal(pr["precision"], p)
    np.testing.assert_array_equal(pr["recall"], r)
    np.testing.assert_array_equal(pr["threshold"], np.append(t, np.inf))
    roc = C.roc_curve_points(y, proba[:, 1])
    fpr, tpr, t = skm.roc_curve(y, proba[:, 1], drop_intermediate=True)
    np.testing.assert_array_equal(roc[["threshold", "fpr", "tpr"]].to_numpy().T, [t, fpr, tpr])
    assert C.pr_curve(np.zeros(5, int), np.linspace(0, 1, 5)).empty
    assert C.roc_curve_points(np.ones(5, int), np.linspace(0, 1, 5)).empty
    assert list(C.roc_curve_points(np.ones(5, int), np.linspace(0, 1, 5))) == list(C.ROC_COLUMNS)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_bins_match_sklearn(strategy):
    y, _, proba, _ = make_preds("binary", n=200)
    bins = C.calibration_bins(y, proba[:, 1], n_bins=8, strategy=strategy)
    frac, mean = calibration_curve(y, proba[:, 1], n_bins=8, strategy=strategy)
    assert list(bins.columns) == list(C.CALIBRATION_COLUMNS)
    np.testing.assert_allclose(bins["fraction_positive"], frac)
    np.testing.assert_allclose(bins["mean_predicted"], mean)
    assert bins["count"].sum() == 200
    assert (bins["bin_lower"] <= bins["mean_predicted"]).all()
    assert (bins["mean_predicted"] <= bins["bin_upper"]).all()


def test_calibration_bins_omit_empty_bins_and_validate():
    bins = C.calibration_bins([0, 1, 1, 0, 1], [0.05, 0.1, 0.95, 0.92, 1.0], n_bins=10)
    assert bins[["bin_lower", "count"]].to_numpy().tolist() == [[0.0, 2], [0.9, 3]]
    assert bins["fraction_positive"].tolist() == pytest.approx([0.5, 2 / 3])
    with pytest.raises(DataError, match="n_bins must be a whole number.*Got 0 instead"):
        C.calibration_bins([0, 1], [0.1, 0.2], n_bins=0)
    with pytest.raises(DataError, match="'uniform' or 'quantile'. Got 'kmeans' instead"):
        C.calibration_bins([0, 1], [0.1, 0.2], strategy="kmeans")
    with pytest.raises(DataError, match="probabilities between 0 and 1"):
        C.calibration_bins([0, 1], [0.1, 1.2])
