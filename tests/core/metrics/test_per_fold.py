"""Per-fold ranking scores of one class and their t-intervals, against scipy/sklearn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from core.errors import DataError
from core.metrics.per_fold import mean_interval, paired_difference, per_fold_scores


def test_per_fold_scores_match_sklearn_fold_by_fold():
    rng = np.random.default_rng(0)
    y = (rng.random(90) < 0.3).astype(int)
    s = rng.random(90) + 0.5 * y
    folds = np.arange(90) % 3
    ap = per_fold_scores(y, s, folds, "average_precision")
    auc = per_fold_scores(y, s, folds, "roc_auc")
    for k in range(3):
        m = folds == k
        assert ap[k] == pytest.approx(average_precision_score(y[m], s[m]))
        assert auc[k] == pytest.approx(roc_auc_score(y[m], s[m]))


def test_undefined_folds_are_nan():
    y = np.array([0, 0, 1, 1, 1, 1])
    folds = np.array([0, 0, 1, 1, 2, 2])
    s = np.array([0.1, 0.2, 0.3, 0.4, np.nan, 0.6])
    ap = per_fold_scores(y, s, folds, "average_precision")
    auc = per_fold_scores(y, s, folds, "roc_auc")
    assert math.isnan(ap[0]) and ap[1] == pytest.approx(1.0) and math.isnan(ap[2])
    assert np.isnan(auc).all()  # fold 1 has no negative row
    with pytest.raises(DataError, match="Unknown per-fold metric"):
        per_fold_scores(y, s, folds, "f1")
    with pytest.raises(DataError, match="same length"):
        per_fold_scores(y, s[:3], folds, "roc_auc")


def test_mean_interval_is_the_student_t_interval():
    x = np.array([0.5, 0.7, 0.6, 0.9, np.nan])
    got = mean_interval(x)
    finite = x[:4]
    low, high = stats.t.interval(0.95, df=3, loc=finite.mean(), scale=stats.sem(finite))
    assert (got.mean, got.low, got.high, got.n) == (
        pytest.approx(finite.mean()),
        pytest.approx(low),
        pytest.approx(high),
        4,
    )
    assert got.se == pytest.approx(stats.sem(finite))
    assert got.contains(finite.mean()) and not got.contains(high + 0.01)
    flat = mean_interval([0.2, 0.2, 0.2])
    assert flat.low == flat.high == flat.mean == pytest.approx(0.2) and flat.se == 0.0
    single = mean_interval([0.3])
    assert single.mean == 0.3 and math.isnan(single.low) and not single.contains(0.3)
    assert single.to_dict() == {"mean": 0.3, "low": None, "high": None, "n": 1, "se": None}
    assert mean_interval([]).n == 0
    with pytest.raises(DataError, match="confidence"):
        mean_interval([1.0, 2.0], confidence=1.5)


def test_paired_difference():
    a, b = np.array([0.8, 0.7, 0.9]), np.array([0.6, 0.6, 0.6])
    got = paired_difference(a, b)
    ref = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert got.mean == pytest.approx(0.2)
    assert (got.low, got.high) == (pytest.approx(ref.low), pytest.approx(ref.high))
    with pytest.raises(DataError, match="same folds"):
        paired_difference(a, b[:2])
