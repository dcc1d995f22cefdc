"""core.evaluation.fold: one fold's fit predicts once (from the probabilities, equal to
``predict``; decision rules are always asked), and scores a stratified sample of its training
rows above the limit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_ds
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    f1_score,
)

import core.evaluation.fold as ev
from core.evaluation.fold import evaluate_fold
from core.evaluation.splits import make_folds, subset
from core.modelling.options import StrategyOptions
from core.modelling.strategies import get_strategy

OPTS = StrategyOptions()
MODEL = "logistic_regression"


# --------------------------------------------------------------------------- predicting once


@pytest.mark.slow
@pytest.mark.parametrize("model", ["logistic_regression", "random_forest", "hist_gradient_boosting",
                                   "mlp"])  # fmt: skip
@pytest.mark.parametrize("strategy", ["baseline", "class_weight", "smote", "balanced_random_forest",
                                      "easy_ensemble", "one_vs_rest"])  # fmt: skip
def test_prediction_from_probabilities_equals_predict(model, strategy):
    """For plain classifiers the prediction is read off predict_proba (one pass, not two):
    it must be exactly what the estimator's own predict says."""
    ds = make_ds("multiclass", n=240)
    tr, va = make_folds(ds, cv=3, seed=0)[0]
    train = subset(ds, tr)
    est = get_strategy(strategy).build(train, model=model, seed=0, options=OPTS)
    est.fit(train.X, train.y)
    X_val = ds.X.iloc[va]
    pred, proba = ev._predict(est, X_val, len(ds.classes), multilabel=False)
    np.testing.assert_array_equal(pred, est.predict(X_val))
    np.testing.assert_array_equal(proba, est.predict_proba(X_val))


@pytest.mark.parametrize("strategy", ["threshold_tuning", "cost_sensitive", "one_class"])
def test_decision_rules_are_always_asked_to_predict(strategy, monkeypatch):
    """Thresholds, costs and one-class decisions are not the most probable class: their own
    predict must be called."""
    ds = make_ds("multiclass", n=240)
    tr, va = make_folds(ds, cv=3, seed=0)[0]
    train = subset(ds, tr)
    est = get_strategy(strategy).build(train, model=MODEL, seed=0, options=OPTS)
    est.fit(train.X, train.y)
    called = []
    real = type(est).predict
    monkeypatch.setattr(
        type(est), "predict", lambda self, X: called.append(len(X)) or real(self, X)
    )
    pred, _ = ev._predict(est, ds.X.iloc[va], len(ds.classes), multilabel=False)
    assert called == [len(va)]
    np.testing.assert_array_equal(pred, real(est, ds.X.iloc[va]))


@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
def test_training_rows_scored_are_a_stratified_sample_above_the_limit(task, monkeypatch):
    """Above TRAIN_SCORE_ROWS training rows, the gap is scored on a seeded stratified sample
    of that many: the scores are sklearn's on exactly those rows."""
    monkeypatch.setattr(ev, "TRAIN_SCORE_ROWS", 60)
    ds = make_ds(task, n=300)
    tr, va = make_folds(ds, cv=3, seed=0)[1]
    scored_sizes = []
    real = LogisticRegression.predict_proba

    def spy(self, X):
        scored_sizes.append(len(X))
        return real(self, X)

    monkeypatch.setattr(LogisticRegression, "predict_proba", spy)
    fit = evaluate_fold(ds, "baseline", MODEL, OPTS, 0, 1, tr, va)
    assert fit.status == "ok"
    assert len(tr) > 60 and 60 in scored_sizes and len(tr) not in scored_sizes
    rows = ev._scored_train_rows(ds, tr, 0 + 1)
    assert len(rows) == 60
    np.testing.assert_array_equal(rows, ev._scored_train_rows(ds, tr, 1))  # seeded
    # every class keeps rows in the sample, and the score is sklearn's on exactly these rows
    train = subset(ds, tr)
    est = get_strategy("baseline").build(train, model=MODEL, seed=0, options=OPTS)
    est.fit(train.X, train.y)
    y_rows = np.asarray(train.y)[rows]
    pred = est.predict(train.X.iloc[rows])
    if task == "multilabel":
        assert (y_rows.sum(axis=0) > 0).all()
    else:
        assert set(y_rows) == set(np.asarray(train.y))
    assert fit.train_scores["macro_f1"] == pytest.approx(
        f1_score(y_rows, pred, average="macro", zero_division=0), abs=1e-12
    )
    # at or below the limit, every training row is scored
    monkeypatch.setattr(ev, "TRAIN_SCORE_ROWS", len(tr))
    np.testing.assert_array_equal(ev._scored_train_rows(ds, tr, 1), np.arange(len(tr)))
