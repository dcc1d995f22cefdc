"""core.metrics.scores and core.metrics.curves against scikit-learn and hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from imblearn.metrics import geometric_mean_score
from scipy import stats
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from core.errors import DataError
from core.metrics import curves as C
from core.metrics import scores as M
from core.metrics import significance as S

TASKS = ("binary", "multiclass", "multilabel")
TOL = 1e-12


def make_preds(task: str, n: int = 120, seed: int = 0):
    """Seeded, imperfect predictions: (y_true, y_pred, proba, classes)."""
    rng = np.random.default_rng(seed)
    if task == "multilabel":
        classes = ("w", "x", "y", "z")
        y = (rng.random((n, 4)) < [0.1, 0.3, 0.5, 0.15]).astype(np.int8)
        proba = np.clip(0.45 * y + 0.6 * rng.random((n, 4)), 0, 1)
        return y, (proba >= 0.5).astype(np.int8), proba, classes
    classes = ("neg", "pos") if task == "binary" else ("a", "b", "c")
    k = len(classes)
    y = rng.choice(k, size=n, p=[0.75, 0.25] if k == 2 else [0.6, 0.3, 0.1])
    proba = rng.dirichlet(np.ones(k), size=n)
    proba[np.arange(n), y] += 0.6
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba.argmax(axis=1), proba, classes


def one_hot(y, k):
    return np.eye(k, dtype=np.int8)[y]


# ---------------------------------------------------------------- per-class table, summary


@pytest.mark.parametrize("task", TASKS)
def test_per_class_table_matches_sklearn(task):
    y, yp, _, classes = make_preds(task)
    table = M.per_class_table(y, yp, classes, task)
    labels = list(range(len(classes)))
    p, r, f, s = skm.precision_recall_fscore_support(
        y, yp, labels=labels, average=None, zero_division=0
    )
    assert list(table.columns) == list(M.PER_CLASS_COLUMNS)
    assert table["class"].tolist() == list(classes)
    np.testing.assert_allclose(table["precision"], p, atol=TOL)
    np.testing.assert_allclose(table["recall"], r, atol=TOL)
    np.testing.assert_allclose(table["f1"], f, atol=TOL)
    np.testing.assert_array_equal(table["support"], s)
    mcm = skm.multilabel_confusion_matrix(y, yp, labels=labels)
    np.testing.assert_allclose(table["specificity"], mcm[:, 0, 0] / mcm[:, 0, :].sum(axis=1))


def expected_summary(task, y, yp, proba):
    f1 = {
        f"{a}_f1": skm.f1_score(
            y, yp, labels=list(range(proba.shape[1])), average=a, zero_division=0
        )
        for a in ("macro", "weighted", "micro")
    }
    if task == "multilabel":
        return f1 | {
            "samples_f1": skm.f1_score(y, yp, average="samples", zero_division=0),
            "hamming_loss": skm.hamming_loss(y, yp),
            "subset_accuracy": skm.accuracy_score(y, yp),
            "roc_auc": skm.roc_auc_score(y, proba, average="macro"),
            "average_precision": skm.average_precision_score(y, proba, average="macro"),
        }
    k = proba.shape[1]
    auc = (
        skm.roc_auc_score(y, proba[:, 1])
        if task == "binary"
        else skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=list(range(k)))
    )
    return f1 | {
        "accuracy": skm.accuracy_score(y, yp),
        "balanced_accuracy": skm.balanced_accuracy_score(y, yp),
        "mcc": skm.matthews_corrcoef(y, yp),
        "g_mean": geometric_mean_score(y, yp, average="multiclass"),
        "cohen_kappa": skm.cohen_kappa_score(y, yp),
        "roc_auc": auc,
        "average_precision": skm.average_precision_score(one_hot(y, k), proba, average="macro"),
    }


@pytest.mark.parametrize("task", TASKS)
def test_summary_scores_match_sklearn(task):
    y, yp, proba, classes = make_preds(task)
    got = M.summary_scores(y, yp, proba, classes, task)
    expected = expected_summary(task, y, yp, proba)
    assert set(got) == {m for m, spec in M.SUMMARY_METRICS.items() if task in spec.tasks}
    assert set(got) == set(expected)
    for name, value in got.items():
        assert type(value) is float
        assert value == pytest.approx(expected[name], abs=1e-10), name


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("metric", list(M.SUMMARY_METRICS))
def test_score_equals_summary_entry(task, metric):
    y, yp, proba, classes = make_preds(task, seed=3)
    if task not in M.SUMMARY_METRICS[metric].tasks:
        with pytest.raises(DataError, match=f"Metric '{metric}' does not apply to {task}"):
            M.score(metric, y, yp, proba, classes, task)
        return
    expected = M.summary_scores(y, yp, proba, classes, task)[metric]
    assert M.score(metric, y, yp, proba, classes, task) == expected


def test_metric_registry_directions():
    assert M.SUMMARY_METRICS["hamming_loss"] == (frozenset({"multilabel"}), False)
    assert all(
        spec.higher_is_better for m, spec in M.SUMMARY_METRICS.items() if m != "hamming_loss"
    )
    with pytest.raises(TypeError):
        M.SUMMARY_METRICS["new"] = M.MetricSpec(frozenset(), True)  # read-only


def test_ranking_scores_undefined_give_nan():
    y, yp, proba, classes = make_preds("multiclass")
    y_missing_c, yp_missing = np.where(y == 2, 0, y), np.where(yp == 2, 0, yp)
    s = M.summary_scores(y_missing_c, yp_missing, proba, classes, "multiclass")
    assert math.isnan(s["roc_auc"]) and math.isnan(s["average_precision"])
    assert s["macro_f1"] == pytest.approx(
        skm.f1_score(y_missing_c, yp_missing, labels=[0, 1, 2], average="macro", zero_division=0)
    )
    s = M.summary_scores(y, yp, None, classes, "multiclass")
    assert math.isnan(s["roc_auc"]) and math.isnan(s["average_precision"])
    # binary truth with one class only: AUC and kappa undefined, no warning raised
    zeros = np.zeros(20, dtype=int)
    s = M.summary_scores(zeros, zeros, np.full((20, 2), 0.5), ("n", "p"), "binary")
    assert math.isnan(s["roc_auc"]) and math.isnan(s["cohen_kappa"])
    assert s["accuracy"] == 1.0


def test_binary_roc_auc_uses_positive_class_column():
    y, yp, proba, classes = make_preds("binary")
    proba = proba.copy()
    proba[:, 0] = np.random.default_rng(5).random(len(y))  # unrelated column for class 0
    s = M.summary_scores(y, yp, proba, classes, "binary")
    assert s["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba[:, 1]))
    ap = [skm.average_precision_score(y == j, proba[:, j]) for j in (0, 1)]
    assert s["average_precision"] == pytest.approx(np.mean(ap))  # macro over both classes


def test_multilabel_ranking_scores_skip_constant_labels():
    y, yp, proba, classes = make_preds("multilabel")
    y = y.copy()
    y[:, 0] = 0  # label "w" never occurs
    s = M.summary_scores(y, yp, proba, classes, "multilabel")
    assert s["roc_auc"] == pytest.approx(skm.roc_auc_score(y[:, 1:], proba[:, 1:]))
    assert s["average_precision"] == pytest.approx(
        skm.average_precision_score(y[:, 1:], proba[:, 1:])
    )
    assert math.isnan(M.roc_auc_per_class(y, proba, classes, "multilabel")["w"])


def test_balanced_accuracy_and_g_mean_when_prediction_has_unseen_class():
    y = np.array([0, 0, 0, 1, 1, 1])
    yp = np.array([0, 2, 0, 1, 1, 0])
    s = M.summary_scores(y, yp, None, ("a", "b", "c"), "multiclass")
    with pytest.warns(UserWarning, match="y_pred contains classes not in y_true"):
        expected = skm.balanced_accuracy_score(y, yp)
    assert s["balanced_accuracy"] == pytest.approx(expected) == pytest.approx(4 / 6)
    assert s["g_mean"] == pytest.approx(math.sqrt(2 / 3 * 2 / 3))


@pytest.mark.parametrize("task", TASKS)
def test_per_class_ranking_scores_match_sklearn(task):
    y, _, proba, classes = make_preds(task)
    yb = y if task == "multilabel" else one_hot(y, len(classes))
    ap = M.average_precision_per_class(y, proba, classes, task)
    auc = M.roc_auc_per_class(y, proba, classes, task)
    assert list(ap) == list(auc) == list(classes)
    for j, c in enumerate(classes):
        assert ap[c] == pytest.approx(skm.average_precision_score(yb[:, j], proba[:, j]))
        assert auc[c] == pytest.approx(skm.roc_auc_score(yb[:, j], proba[:, j]))


def test_input_errors():
    y, yp, proba, classes = make_preds("multiclass", n=10)
    with pytest.raises(DataError, match="Unknown task kind.*Got 'ordinal' instead"):
        M.summary_scores(y, yp, proba, classes, "ordinal")
    with pytest.raises(DataError, match=r"y_pred must be integer class codes of shape \(10,\)"):
        M.per_class_table(y, yp[:5], classes, "multiclass")
    with pytest.raises(DataError, match=r"y_true holds values outside 0..2"):
        M.per_class_table(y + 1, yp, classes, "multiclass")
    with pytest.raises(DataError, match=r"proba must have shape \(10, 3\)"):
        M.summary_scores(y, yp, proba[:, :2], classes, "multiclass")
    with pytest.raises(DataError, match="no rows to score"):
        M.summary_scores(y[:0], yp[:0], None, classes, "multiclass")
    with pytest.raises(DataError, match="y_true must be a 0/1 matrix"):
        M.per_class_table(y, yp, classes, "multilabel")
    with pytest.raises(DataError, match="Unknown metric.*Got 'f2' instead"):
        M.score("f2", y, yp, proba, classes, "multiclass")


# ---------------------------------------------------------------- confusion


@pytest.mark.parametrize("task", TASKS)
def test_confusion_matches_sklearn(task):
    y, yp, _, classes = make_preds(task)
    labels = list(range(len(classes)))
    cm = M.confusion(y, yp, classes, task)
    if task == "multilabel":
        expected = skm.multilabel_confusion_matrix(y, yp)
        assert cm.shape == (4, 2, 2)
    else:
        expected = skm.confusion_matrix(y, yp, labels=labels)
    np.testing.assert_array_equal(cm, expected)


def test_normalise_confusion():
    cm = np.array([[5, 3, 0], [0, 0, 0], [1, 1, 2]])
    by_true = M.normalise_confusion(cm, "true")
    np.testing.assert_allclose(by_true.sum(axis=1), [1, 0, 1])  # empty row stays zero
    np.testing.assert_allclose(by_true[0], [5 / 8, 3 / 8, 0])
    by_pred = M.normalise_confusion(cm, "pred")
    np.testing.assert_allclose(by_pred.sum(axis=0), [1, 1, 1])
    np.testing.assert_allclose(by_pred[:, 2], [0, 0, 1])
    y, yp, _, classes = make_preds("multiclass")
    full = M.normalise_confusion(M.confusion(y, yp, classes, "multiclass"), "true")
    np.testing.assert_allclose(full, skm.confusion_matrix(y, yp, normalize="true"))
    y, yp, _, classes = make_preds("multilabel")
    stack = M.normalise_confusion(M.confusion(y, yp, classes, "multilabel"), "true")
    np.testing.assert_allclose(stack.sum(axis=2), 1.0)
    with pytest.raises(DataError, match="by 'true' or 'pred'. Got 'all' instead"):
        M.normalise_confusion(cm, "all")


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


@pytest.mark.parametrize("task", TASKS)
def test_per_class_curves_are_one_vs_rest(task):
    y, _, proba, classes = make_preds(task, n=40)
    yb = y if task == "multilabel" else one_hot(y, len(classes))
    curves = C.threshold_curves(y, proba, classes, task)
    prs = C.pr_curves(y, proba, classes, task)
    rocs = C.roc_curves(y, proba, classes, task)
    cal = C.calibration_by_class(y, proba, classes, task, n_bins=5)
    brier = C.brier_score_loss_per_class(y, proba, classes, task)
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


# ---------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("task", TASKS)
def test_bootstrap_ci_contains_point_and_is_seeded(task):
    y, yp, _, classes = make_preds(task, n=300)
    ci = S.bootstrap_ci(y, yp, classes, task, n_boot=200, seed=7)
    labels = list(range(len(classes)))
    point = skm.f1_score(y, yp, labels=labels, average=None, zero_division=0)
    assert list(ci["per_class_f1"]) == list(classes)
    for c, f in zip(classes, point, strict=True):
        lo, hi = ci["per_class_f1"][c]
        assert lo <= f <= hi and lo < hi
    lo, hi = ci["macro_f1"]
    assert lo < point.mean() < hi
    assert (ci["level"], ci["n_boot"]) == (0.95, 200)
    assert S.bootstrap_ci(y, yp, classes, task, n_boot=200, seed=7) == ci
    assert S.bootstrap_ci(y, yp, classes, task, n_boot=200, seed=8) != ci


def naive_bootstrap(y, yp, k, n_boot, rng):
    """Row resampling spelled out: per-class F1 of every resample."""
    out = np.empty((n_boot, k))
    for b in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        out[b] = skm.f1_score(y[idx], yp[idx], labels=list(range(k)), average=None, zero_division=0)
    return out


@pytest.mark.parametrize(
    ("task", "n"), [("multiclass", 400), ("multilabel", 60), ("multilabel", 3000)]
)
def test_bootstrap_ci_agrees_with_naive_row_resampling(task, n):
    # multiclass and the large multi-label case take the multinomial path, n=60 the index path
    y, yp, _, classes = make_preds(task, n=n, seed=4)
    if task == "multilabel" and n > 1000:
        y, yp, classes = y[:, :2], yp[:, :2], classes[:2]
    ci = S.bootstrap_ci(y, yp, classes, task, n_boot=1000, seed=0, level=0.9)
    f1 = naive_bootstrap(y, yp, len(classes), 400, np.random.default_rng(1))
    lo, hi = np.percentile(f1, [5, 95], axis=0)
    for j, c in enumerate(classes):
        np.testing.assert_allclose(ci["per_class_f1"][c], (lo[j], hi[j]), atol=0.05)
    np.testing.assert_allclose(ci["macro_f1"], np.percentile(f1.mean(axis=1), [5, 95]), atol=0.04)


def test_bootstrap_ci_perfect_predictions_and_errors():
    y, _, _, classes = make_preds("multiclass", n=50)
    ci = S.bootstrap_ci(y, y, classes, "multiclass", n_boot=50)
    assert ci["macro_f1"] == (1.0, 1.0)
    with pytest.raises(DataError, match="n_boot must be a whole number of at least 2. Got 1"):
        S.bootstrap_ci(y, y, classes, "multiclass", n_boot=1)
    with pytest.raises(DataError, match="level must lie strictly between 0 and 1.*Got 95"):
        S.bootstrap_ci(y, y, classes, "multiclass", level=95)


# ---------------------------------------------------------------- paired tests


def test_corrected_resampled_ttest_hand_example():
    a = [0.80, 0.82, 0.78, 0.85, 0.81]
    b = [0.78, 0.80, 0.79, 0.80, 0.78]
    # d = [.02, .02, -.01, .05, .03]: mean .022, var(ddof=1) = 1.88e-3 / 4 = 4.7e-4,
    # corrected by (1/5 + 20/80) = 0.45 -> t = .022 / sqrt(2.115e-4) = 1.5127512
    t, p = S.corrected_resampled_ttest(a, b, n_train=80, n_test=20)
    assert t == pytest.approx(1.5127512, abs=1e-7)
    assert p == pytest.approx(0.2048901, abs=1e-7)  # 2 * stats.t.sf(t, df=4)
    assert 0.2 < p < 0.21  # uncorrected t = 2.269 would give p ~ 0.086
    result = S.corrected_resampled_ttest(a, b, n_train=80, n_test=20)
    assert (result.statistic, result.p_value) == (t, p)
    t_rev, p_rev = S.corrected_resampled_ttest(b, a, n_train=80, n_test=20)
    assert (t_rev, p_rev) == pytest.approx((-t, p))


def test_corrected_resampled_ttest_degenerate_cases_and_errors():
    kw = {"n_train": 80, "n_test": 20}
    assert S.corrected_resampled_ttest([0.5, 0.7], [0.5, 0.7], **kw) == (0.0, 1.0)
    assert S.corrected_resampled_ttest([0.5, 0.75], [0.25, 0.5], **kw) == (math.inf, 0.0)
    assert S.corrected_resampled_ttest([0.25, 0.5], [0.5, 0.75], **kw) == (-math.inf, 0.0)
    t, p = S.corrected_resampled_ttest([0.5, np.nan], [0.4, 0.3], **kw)
    assert math.isnan(t) and math.isnan(p)
    with pytest.raises(DataError, match="at least two per-fold scores"):
        S.corrected_resampled_ttest([0.5], [0.4], **kw)
    with pytest.raises(DataError, match="equally long"):
        S.corrected_resampled_ttest([0.5, 0.6], [0.4, 0.5, 0.6], **kw)
    with pytest.raises(DataError, match="positive row counts. Got 0 and 20"):
        S.corrected_resampled_ttest([0.5, 0.6], [0.4, 0.5], n_train=0, n_test=20)


def mcnemar_data(only_a: int, only_b: int, both: int = 10, neither: int = 3):
    """Binary rows where exactly `only_a` rows are right only for A, etc."""
    y = np.zeros(only_a + only_b + both + neither, dtype=int)
    right_a = np.r_[np.ones(only_a), np.zeros(only_b), np.ones(both), np.zeros(neither)]
    right_b = np.r_[np.zeros(only_a), np.ones(only_b), np.ones(both), np.zeros(neither)]
    return y, np.where(right_a == 1, y, 1 - y), np.where(right_b == 1, y, 1 - y)


def test_mcnemar_exact_small_counts():
    stat, p = S.mcnemar_test(*mcnemar_data(7, 2))
    # two-sided exact binomial: 2 * (C(9,0) + C(9,1) + C(9,2)) / 2^9 = 92 / 512
    assert (stat, p) == pytest.approx((2.0, 92 / 512))
    assert p == pytest.approx(stats.binomtest(2, 9, 0.5).pvalue)
    assert S.mcnemar_test(*mcnemar_data(0, 0)) == (0.0, 1.0)


def test_mcnemar_chi_square_with_continuity_correction():
    stat, p = S.mcnemar_test(*mcnemar_data(30, 12))
    assert stat == pytest.approx((18 - 1) ** 2 / 42)
    assert p == pytest.approx(math.erfc(math.sqrt(stat / 2)))  # chi-square sf, 1 dof


def test_mcnemar_multilabel_units():
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    a = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])  # rows right: 0, 3
    b = np.array([[1, 1], [0, 1], [1, 1], [1, 1]])  # rows right: 1, 2
    # rows: only A right {0, 3}, only B right {1, 2} -> b = c = 2
    assert S.mcnemar_test(y, a, b) == pytest.approx((2.0, 1.0))
    # cells: only A right 3 ((0,1), (3,0), (3,1)), only B right 2 ((1,1), (2,1))
    stat, p = S.mcnemar_test(y, a, b, multilabel_unit="element")
    assert (stat, p) == pytest.approx((2.0, stats.binomtest(2, 5, 0.5).pvalue))
    with pytest.raises(DataError, match="'row' or 'element'. Got 'label' instead"):
        S.mcnemar_test(y, a, b, multilabel_unit="label")
    with pytest.raises(DataError, match="same shape"):
        S.mcnemar_test(y, a[:2], b)
