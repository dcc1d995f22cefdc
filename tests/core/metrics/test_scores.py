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
