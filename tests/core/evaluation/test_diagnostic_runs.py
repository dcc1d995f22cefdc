"""Pieces of the diagnostic fits (core.evaluation.diagnostic_runs), checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import make_ds
from sklearn.metrics import average_precision_score, f1_score

from core.evaluation.diagnostic_runs import (
    MIN_STRATUM_ROWS,
    class_column,
    dummy_decisions,
    mean_std,
    nested_subsamples,
    pooled_class_scores,
)


def test_nested_subsamples_are_stratified_nested_and_whole_at_one():
    strata = np.array([0] * 80 + [1] * 12 + [2] * 3)
    train_idx = np.arange(100, 100 + len(strata))
    shares = (0.25, 0.5, 1.0)
    subs = nested_subsamples(strata, train_idx, shares, seed=7)
    by_row = dict(zip(train_idx, strata, strict=True))
    for share, rows in zip(shares, subs, strict=True):
        assert np.all(np.diff(rows) > 0)  # sorted, no repeat
        counts = np.bincount([by_row[r] for r in rows], minlength=3)
        want = [max(math.ceil(share * n), min(n, MIN_STRATUM_ROWS)) for n in (80, 12, 3)]
        assert counts.tolist() == want
    assert set(subs[0]) <= set(subs[1]) <= set(subs[2])
    assert np.array_equal(subs[-1], train_idx)
    again = nested_subsamples(strata, train_idx, shares, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(subs, again, strict=True))
    other = nested_subsamples(strata, train_idx, shares, seed=8)
    assert not np.array_equal(subs[0], other[0])


def test_class_column():
    ds = make_ds("multiclass", n=30)
    assert np.array_equal(class_column(ds, 2), (ds.y == 2).astype(int))
    ml = make_ds("multilabel", n=30)
    assert np.array_equal(class_column(ml, 1), ml.y[:, 1])


def test_mean_std_leaves_out_nan():
    assert mean_std([1.0, math.nan, 3.0]) == (2.0, pytest.approx(math.sqrt(2)))
    mean, std = mean_std([math.nan])
    assert math.isnan(mean) and math.isnan(std)
    assert math.isnan(mean_std([0.5])[1])


def test_pooled_class_scores_match_sklearn():
    ds = make_ds("binary", n=40)
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 2, 40)
    score = rng.random(40)
    folds = [(np.arange(20, 40), np.arange(20)), (np.arange(20), np.arange(20, 40))]
    f1, ap, fold_f1, fold_ap = pooled_class_scores(ds, 1, folds, pred, score)
    y = ds.y == 1
    assert f1 == pytest.approx(f1_score(y, pred))
    assert ap == pytest.approx(average_precision_score(y, score))
    assert fold_f1 == pytest.approx([f1_score(y[:20], pred[:20]), f1_score(y[20:], pred[20:])])
    assert fold_ap[1] == pytest.approx(average_precision_score(y[20:], score[20:]))


def test_dummy_scores_the_training_share_and_decides_the_majority():
    ds = make_ds("binary", n=40)
    folds = [(np.arange(20, 40), np.arange(20)), (np.arange(20), np.arange(20, 40))]
    pred, score = dummy_decisions(ds, 1, folds)
    y = (ds.y == 1).astype(int)
    assert np.allclose(score[:20], y[20:].mean()) and np.allclose(score[20:], y[:20].mean())
    assert not pred.any()  # the class is the minority
    pred0, score0 = dummy_decisions(ds, 0, folds)  # the majority class: always predicted
    assert pred0.all() and np.allclose(score0[:20], 1 - y[20:].mean())
