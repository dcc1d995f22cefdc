"""core.metrics.ranking equals scikit-learn's roc_auc_score / average_precision_score
exactly (==, not approximately) on random scores with and without ties."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from core.metrics.ranking import average_precision, roc_auc


def _cases():
    rng = np.random.default_rng(0)
    for i in range(150):
        n = int(rng.integers(2, 400))
        y = (rng.random(n) < rng.uniform(0.02, 0.6)).astype(np.intp)
        if i % 3 == 0:
            scores = rng.integers(0, 5, n) / 4.0  # heavy ties
        elif i % 3 == 1:
            scores = rng.random(n)
        else:
            scores = np.round(rng.normal(y * 0.8, 1.0), 2)  # ties, negatives
        yield y, scores


@pytest.mark.parametrize("case", range(150))
def test_equal_to_scikit_learn_bit_for_bit(case):
    y, scores = list(_cases())[case]
    if 0 < y.sum() < y.size:
        assert roc_auc(y, scores) == roc_auc_score(y, scores)
    if y.sum() > 0:
        assert average_precision(y, scores) == average_precision_score(y, scores)


def test_undefined_cases_are_nan():
    y0 = np.zeros(5, dtype=int)
    assert np.isnan(roc_auc(y0, np.arange(5.0)))
    assert np.isnan(average_precision(y0, np.arange(5.0)))
    assert np.isnan(roc_auc(np.ones(5, dtype=int), np.arange(5.0)))
    assert average_precision(np.ones(5, dtype=int), np.arange(5.0)) == 1.0


def test_hand_example():
    # scores 0.8 (pos), 0.4 (neg), 0.35 (pos), 0.1 (neg): ROC AUC 3/4; AP (1 + 2/3) / 2
    y, s = np.array([1, 0, 1, 0]), np.array([0.8, 0.4, 0.35, 0.1])
    assert roc_auc(y, s) == pytest.approx(0.75)
    assert average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
