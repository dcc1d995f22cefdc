"""Leak-free cross-validation of one strategy (core.evaluation.crossval): no resampled row
reaches a score, pooled metrics equal scikit-learn, failures, the hold-out."""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import make_ds as shared_make_ds
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

import core.evaluation.fold as ev
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.crossval import evaluate_strategy
from core.evaluation.fold import evaluate_fold
from core.evaluation.splits import make_folds, subset
from core.intake.dataset import Dataset
from core.modelling.options import StrategyOptions
from core.modelling.strategies import get_strategy

OPTS = StrategyOptions()
MODEL = "logistic_regression"
RANKING_TOL = 1e-12  # ranking scores are means of per-class sklearn scores: equal up to ulps


def make_ds(task: str = "binary", n: int = 150, seed: int = 0) -> Dataset:
    """Small seeded dataset; row_ids are not positions (as after dropped target rows)."""
    return shared_make_ds(task, n, seed, row_ids=np.arange(n) * 2 + 1)


# --------------------------------------------------------------------------- leak-freeness


@pytest.mark.parametrize("strategy", ["random_over", "smote"])
def test_no_resampled_row_reaches_a_score(strategy, monkeypatch):
    """The classifier is spied on: what it is fitted on vs every row it ever scores."""
    ds = make_ds("multiclass")
    folds = make_folds(ds, cv=3, seed=0)
    fitted: list[np.ndarray] = []
    scored: list[np.ndarray] = []
    real_fit, real_decision = LogisticRegression.fit, LogisticRegression.decision_function

    def spy_fit(self, X, y, *args, **kwargs):
        fitted.append(np.array(X, dtype=np.float64))
        return real_fit(self, X, y, *args, **kwargs)

    def spy_decision(self, X):
        scored.append(np.array(X, dtype=np.float64))
        return real_decision(self, X)

    monkeypatch.setattr(LogisticRegression, "fit", spy_fit)
    monkeypatch.setattr(LogisticRegression, "decision_function", spy_decision)
    result = evaluate_strategy(ds, strategy, model=MODEL, options=OPTS, folds=folds)

    assert result.ok, result.error
    # resampling happened inside fit: the classifier saw more rows than the training fold
    assert len(fitted) == 3
    for (tr, _), X_fit in zip(folds, fitted, strict=True):
        assert X_fit.shape[0] > tr.size
    # every row scored is an original row: predict_proba (the prediction is its most probable
    # class) once on validation and training rows, nothing else (no duplicated or synthetic row)
    assert sum(x.shape[0] for x in scored) == ds.n_rows * len(folds)
    scored_rows = {r.tobytes() for x in scored for r in x}
    for (tr, _), X_fit in zip(folds, fitted, strict=True):
        new_rows = X_fit[tr.size :]  # imblearn appends resampled rows after the originals
        if strategy == "smote":
            assert not any(r.tobytes() in scored_rows for r in new_rows)
    # out-of-fold support equals the true class counts: each row predicted exactly once
    assert result.per_class["support"].tolist() == list(ds.class_counts.values())
    assert np.array_equal(np.bincount(result.fold_of_row), [va.size for _, va in folds])


class _Spy:
    """Wraps a real estimator and records which rows (DataFrame index) it sees."""

    def __init__(self, inner, log):
        self.inner, self.log = inner, log

    def fit(self, X, y):
        self.log.append(("fit", X.index.to_numpy()))
        self.inner.fit(X, y)
        return self

    def predict(self, X):
        self.log.append(("predict", X.index.to_numpy()))
        return self.inner.predict(X)

    def predict_proba(self, X):
        return self.inner.predict_proba(X)


def _patch_build(monkeypatch, make):
    """Make every strategy's build return ``make(real_estimator)``."""

    class Fake:
        def __init__(self, name):
            self.real = get_strategy(name)

        def build(self, ds, **kwargs):
            return make(self.real.build(ds, **kwargs))

    monkeypatch.setattr(ev, "get_strategy", Fake)


def test_fit_sees_only_training_rows_and_validation_rows_are_predicted_once(monkeypatch):
    ds = make_ds("binary")
    folds = make_folds(ds, cv=3, seed=0)
    log: list[tuple[str, np.ndarray]] = []
    _patch_build(monkeypatch, lambda est: _Spy(est, log))
    result = evaluate_strategy(ds, "random_over", model=MODEL, options=OPTS, folds=folds)
    assert result.ok
    fits = [rows for kind, rows in log if kind == "fit"]
    predicted = [rows for kind, rows in log if kind == "predict"]
    for k, (tr, va) in enumerate(folds):
        assert np.array_equal(fits[k], tr)
        assert np.array_equal(predicted[2 * k], va)  # validation rows, then training rows
        assert np.array_equal(predicted[2 * k + 1], tr)
    assert np.array_equal(result.fold_of_row[folds[1][1]], np.ones(folds[1][1].size))


# --------------------------------------------------------------------------- pooled metrics


def _sklearn_summary(task, y, pred, proba):
    if task == "multilabel":
        return {
            "macro_f1": f1_score(y, pred, average="macro", zero_division=0),
            "weighted_f1": f1_score(y, pred, average="weighted", zero_division=0),
            "micro_f1": f1_score(y, pred, average="micro", zero_division=0),
            "samples_f1": f1_score(y, pred, average="samples", zero_division=0),
            "hamming_loss": hamming_loss(y, pred),
            "subset_accuracy": accuracy_score(y, pred),
        }, {
            "roc_auc": roc_auc_score(y, proba, average="macro"),
            "average_precision": average_precision_score(y, proba, average="macro"),
        }
    onehot = label_binarize(y, classes=range(proba.shape[1]))
    if onehot.shape[1] == 1:
        onehot = np.hstack([1 - onehot, onehot])
    return {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "macro_f1": f1_score(y, pred, average="macro"),
        "weighted_f1": f1_score(y, pred, average="weighted"),
        "micro_f1": f1_score(y, pred, average="micro"),
        "mcc": matthews_corrcoef(y, pred),
        "cohen_kappa": cohen_kappa_score(y, pred),
    }, {
        "roc_auc": roc_auc_score(y, proba[:, 1])
        if task == "binary"
        else roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "average_precision": average_precision_score(y, proba[:, 1])
        if task == "binary"
        else average_precision_score(onehot, proba, average="macro"),
    }


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_pooled_metrics_equal_sklearn_on_the_oof_predictions(task):
    ds = make_ds(task)
    folds = make_folds(ds, cv=3, seed=0)
    result = evaluate_strategy(ds, "baseline", model=MODEL, options=OPTS, folds=folds)
    assert result.ok and result.warnings == ()
    y, pred, proba = np.asarray(ds.y), result.oof_pred, result.oof_proba
    assert pred.shape == y.shape and proba.shape == (ds.n_rows, len(ds.classes))
    exact, ranking = _sklearn_summary(task, y, pred, proba)
    for metric, value in exact.items():
        assert result.summary[metric] == value, metric
    for metric, value in ranking.items():
        assert result.summary[metric] == pytest.approx(value, rel=RANKING_TOL), metric
    p, r, f, s = precision_recall_fscore_support(y, pred, zero_division=0)
    table = result.per_class
    assert table["class"].tolist() == list(ds.classes)
    assert np.array_equal(table["precision"], p) and np.array_equal(table["recall"], r)
    assert np.array_equal(table["f1"], f) and np.array_equal(table["support"], s)
    assert np.all((table["f1_ci_low"] <= table["f1"]) & (table["f1"] <= table["f1_ci_high"]))
    low, high = result.summary_ci["macro_f1"]
    assert low <= result.summary["macro_f1"] <= high
    cm = multilabel_confusion_matrix(y, pred) if task == "multilabel" else confusion_matrix(y, pred)
    assert np.array_equal(result.confusion, cm)
    # per-fold validation scores are those of the pooled predictions restricted to the fold
    for k, (_, va) in enumerate(folds):
        assert result.fold_scores[k]["macro_f1"] == f1_score(
            y[va], pred[va], average="macro", zero_division=0
        )
        f1_fold = f1_score(y[va], pred[va], average=None, zero_division=0)
        assert list(result.fold_class_f1[k].values()) == f1_fold.tolist()


def test_training_scores_are_those_of_the_fitted_training_rows():
    ds = make_ds("binary")
    folds = make_folds(ds, cv=3, seed=0)
    result = evaluate_strategy(ds, "baseline", model=MODEL, options=OPTS, folds=folds)
    assert len(result.train_scores) == len(result.fold_scores) == 3
    assert result.n_train == tuple(tr.size for tr, _ in folds)
    tr = folds[0][0]
    train_ds = subset(ds, tr)
    est = get_strategy("baseline").build(train_ds, model=MODEL, seed=0, options=OPTS)
    pred = est.fit(train_ds.X, train_ds.y).predict(train_ds.X)
    assert result.train_scores[0]["accuracy"] == accuracy_score(train_ds.y, pred)
    assert (
        list(result.train_class_f1[0].values()) == f1_score(train_ds.y, pred, average=None).tolist()
    )
    gap = result.gap()
    row = gap[(gap["fold"] == 0) & (gap["metric"] == "f1[pos]")].iloc[0]
    assert row["gap"] == row["train"] - result.fold_class_f1[0]["pos"]
    assert len(result.fit_seconds) == 3 and min(result.fit_seconds) > 0


def test_tuned_thresholds_are_kept_per_fold():
    ds = make_ds("binary")
    folds = make_folds(ds, cv=3, seed=0)
    result = evaluate_strategy(ds, "threshold_tuning", model=MODEL, options=OPTS, folds=folds)
    assert result.ok
    assert len(result.thresholds) == 3
    assert all(len(t) == 1 and 0 < t[0] < 1 for t in result.thresholds)
    plain = evaluate_strategy(ds, "baseline", model=MODEL, options=OPTS, folds=folds)
    assert plain.thresholds is None


def test_same_seed_gives_the_same_numbers():
    ds = make_ds("multiclass")
    runs = [
        evaluate_strategy(
            ds, "smote", model=MODEL, options=OPTS, folds=make_folds(ds, cv=3, seed=7), seed=7
        )
        for _ in range(2)
    ]
    a, b = runs
    assert np.array_equal(a.oof_pred, b.oof_pred) and np.array_equal(a.oof_proba, b.oof_proba)
    assert a.summary == b.summary and a.fold_scores == b.fold_scores
    pd.testing.assert_frame_equal(a.per_class, b.per_class)


# --------------------------------------------------------------------------- failures


def test_smote_with_a_two_row_class_fails_with_its_reason_while_baseline_runs():
    ds = make_ds("multiclass")
    y = np.asarray(ds.y).copy()
    y[np.flatnonzero(y == 2)[2:]] = 0  # class "z" keeps 2 rows: 1 per training fold
    tiny = replace(ds, y=y)
    folds = make_folds(tiny, cv=2, seed=0)
    smote = evaluate_strategy(tiny, "smote", model=MODEL, options=OPTS, folds=folds)
    assert smote.status == "failed" and smote.oof_pred is None
    assert smote.error.startswith("fold 1: ")
    assert "SMOTE needs at least 2 rows of class 'z'" in smote.error
    base = evaluate_strategy(tiny, "baseline", model=MODEL, options=OPTS, folds=folds)
    assert base.ok


def test_internal_error_becomes_a_failed_result_and_is_logged(monkeypatch, caplog):
    class Broken:
        def fit(self, X, y):
            raise RuntimeError("boom")

    _patch_build(monkeypatch, lambda est: Broken())
    ds = make_ds()
    tr, va = make_folds(ds, cv=3)[1]
    with caplog.at_level(logging.ERROR, logger="core.evaluation.fold"):
        fit = evaluate_fold(ds, "baseline", MODEL, OPTS, 0, 1, tr, va)
    assert fit.status == "failed"
    assert fit.error == "fold 2: internal error: RuntimeError: boom"
    assert "internal error" in caplog.text


def test_value_error_from_fit_is_a_plain_reason(monkeypatch):
    class Refuses:
        def fit(self, X, y):
            raise ValueError("Input contains\nsomething odd")

    _patch_build(monkeypatch, lambda est: Refuses())
    ds = make_ds()
    tr, va = make_folds(ds, cv=3)[0]
    fit = evaluate_fold(ds, "baseline", MODEL, OPTS, 0, 0, tr, va)
    assert fit.error == "fold 1: Input contains something odd"


def test_warnings_while_fitting_are_recorded_not_raised(monkeypatch):
    class Noisy(_Spy):
        def fit(self, X, y):
            warnings.warn("did not converge", UserWarning, stacklevel=1)
            return super().fit(X, y)

    _patch_build(monkeypatch, lambda est: Noisy(est, []))
    ds = make_ds()
    tr, va = make_folds(ds, cv=3)[0]
    fit = evaluate_fold(ds, "baseline", MODEL, OPTS, 0, 0, tr, va)
    assert fit.status == "ok"
    assert fit.warnings == ("UserWarning: did not converge",)


# --------------------------------------------------------------------------- hold-out


@pytest.mark.slow
def test_holdout_is_untouched_by_cross_validation():
    ds = make_ds("binary")
    config = CompareConfig(
        strategies=("baseline", "smote"), model=MODEL, cv=3, holdout=0.25, n_jobs=1
    )
    first = run_comparison(ds, config)
    hold_rows = np.flatnonzero(np.isin(ds.row_ids, first.holdout_row_ids))
    assert hold_rows.size == 38
    assert np.intersect1d(first.row_ids, first.holdout_row_ids).size == 0
    assert first.row_ids.size + hold_rows.size == ds.n_rows
    # scramble the hold-out rows' features: cross-validation must not notice at all
    X = ds.X.copy()
    X.iloc[hold_rows] = np.random.default_rng(0).normal(size=(hold_rows.size, X.shape[1]))
    second = run_comparison(replace(ds, X=X), config)
    for name in config.strategies:
        a, b = first.results[name], second.results[name]
        assert np.array_equal(a.oof_pred, b.oof_pred) and a.summary == b.summary
        assert a.fold_scores == b.fold_scores and a.train_scores == b.train_scores
        assert a.holdout.summary != b.holdout.summary  # ...while the hold-out scores do
        y_hold = np.asarray(ds.y)[hold_rows]
        assert a.holdout.summary["macro_f1"] == f1_score(y_hold, a.holdout.pred, average="macro")
