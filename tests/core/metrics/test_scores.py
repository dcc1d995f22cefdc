"""core.metrics.scores (and the input checks of core.metrics.inputs) against scikit-learn and
hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fake_preds import make_preds, one_hot
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as skm

from core.errors import DataError
from core.metrics import scores as M
from core.tasks import TASK_KINDS

TOL = 1e-12


# ---------------------------------------------------------------- per-class table, summary


@pytest.mark.parametrize("task", TASK_KINDS)
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
        "average_precision": skm.average_precision_score(y, proba[:, 1])
        if task == "binary"
        else skm.average_precision_score(one_hot(y, k), proba, average="macro"),
    }


@pytest.mark.parametrize("task", TASK_KINDS)
def test_summary_scores_match_sklearn(task):
    y, yp, proba, classes = make_preds(task)
    got = M.summary_scores(y, yp, proba, classes, task)
    expected = expected_summary(task, y, yp, proba)
    assert set(got) == {m for m, spec in M.SUMMARY_METRICS.items() if task in spec.tasks}
    assert set(got) == set(expected)
    for name, value in got.items():
        assert type(value) is float
        assert value == pytest.approx(expected[name], abs=1e-10), name


@pytest.mark.parametrize("task", TASK_KINDS)
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
    # the positive class's AP, as scikit-learn's binary score (not the mean over both
    # classes, which an easy majority would inflate)
    assert s["average_precision"] == pytest.approx(skm.average_precision_score(y, proba[:, 1]))
    per_class = M.average_precision_per_class(y, proba, classes, "binary")
    assert per_class[classes[0]] == pytest.approx(skm.average_precision_score(y == 0, proba[:, 0]))


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


@pytest.mark.parametrize("task", TASK_KINDS)
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


@pytest.mark.parametrize("task", TASK_KINDS)
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


# ---------------------------------------------------------------- bit-identity of the counts


def _count_cases():
    """Single-label (y, y_pred, K) cases: random, skewed, absent classes, constant columns."""
    rng = np.random.default_rng(17)
    cases = []
    for k in (2, 3, 5):
        for n in (1, 2, 7, 60, 1013, 20_000):
            cases.append((rng.integers(0, k, n), rng.integers(0, k, n), k))
            skew = np.r_[0.9, np.full(k - 1, 0.1 / (k - 1))]
            y = rng.choice(k, n, p=skew)
            yp = np.where(rng.random(n) < 0.8, y, rng.choice(k, n, p=skew))
            cases.append((y, yp, k))
        cases += [
            (np.zeros(9, int), np.zeros(9, int), k),  # one class only
            (np.zeros(9, int), np.full(9, k - 1), k),  # constant, disjoint
            (np.r_[np.zeros(5, int), np.ones(4, int)], np.zeros(9, int), k),  # constant pred
            (np.zeros(9, int), np.r_[np.zeros(5, int), np.ones(4, int)], k),  # constant truth
            (np.arange(30) % 2, np.arange(30) % k, k),  # prediction has an unseen class
            (np.arange(30) % k, (np.arange(30) + 1) % k, k),  # never right
        ]
    return cases


def test_count_scores_are_bit_identical_to_sklearn():
    """The count-based summary scores and per-class table equal scikit-learn's exactly (==),
    as results.json / metrics.csv must not change by a single bit."""
    for y, yp, k in _count_cases():
        classes = [f"c{j}" for j in range(k)]
        labels = list(range(k))
        task = "binary" if k == 2 else "multiclass"
        got = M.summary_scores(y, yp, None, classes, task)
        expected = {
            f"{a}_f1": skm.f1_score(y, yp, labels=labels, average=a, zero_division=0)
            for a in ("macro", "weighted", "micro")
        } | {"accuracy": skm.accuracy_score(y, yp)}
        if len(np.union1d(y, yp)) > 1:  # a single shared class: see the test below
            expected |= {
                "mcc": skm.matthews_corrcoef(y, yp),
                "cohen_kappa": skm.cohen_kappa_score(y, yp, labels=labels),
            }
        for name, value in expected.items():
            assert got[name] == float(value), (name, y.size, k)
            assert M.score(name, y, yp, None, classes, task) == got[name]
        present = np.bincount(y, minlength=k) > 0
        recalls = skm.recall_score(y, yp, labels=labels, average=None, zero_division=0)
        assert got["balanced_accuracy"] == float(recalls[present].mean())
        table = M.per_class_table(y, yp, classes, task)
        p, r, f, s = skm.precision_recall_fscore_support(
            y, yp, labels=labels, average=None, zero_division=0
        )
        mcm = skm.multilabel_confusion_matrix(y, yp, labels=labels)
        tn, fp = mcm[:, 0, 0], mcm[:, 0, 1]
        spec = np.divide(tn, tn + fp, out=np.zeros(k), where=(tn + fp) > 0)
        for column, want in (("precision", p), ("recall", r), ("f1", f), ("specificity", spec)):
            assert table[column].to_numpy().tobytes() == want.astype(np.float64).tobytes()
        assert table["support"].tolist() == s.tolist()
        cm = M.confusion(y, yp, classes, task)
        sk_cm = skm.confusion_matrix(y, yp, labels=labels)
        assert cm.dtype == sk_cm.dtype and np.array_equal(cm, sk_cm)


def test_count_scores_of_one_shared_class():
    """Truth and prediction one single class: MCC 0.0 (sklearn's value), kappa NaN."""
    got = M.summary_scores(np.zeros(4, int), np.zeros(4, int), None, ["a", "b"], "binary")
    assert got["mcc"] == 0.0 and math.isnan(got["cohen_kappa"])
    assert got["accuracy"] == got["micro_f1"] == got["balanced_accuracy"] == 1.0
    assert got["macro_f1"] == 0.5 and got["weighted_f1"] == 1.0
