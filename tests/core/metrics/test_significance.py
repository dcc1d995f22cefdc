"""core.metrics.significance: bootstrap intervals and paired tests, against naive
resampling, scipy and hand-computed examples."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from fake_preds import make_preds
from scipy import stats
from sklearn import metrics as skm

from core.errors import DataError
from core.metrics import significance as S
from core.tasks import TASK_KINDS

# ---------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("task", TASK_KINDS)
def test_bootstrap_ci_contains_point_and_is_seeded(task):
    y, yp, _, classes = make_preds(task, n=300)
    ci = S.bootstrap_ci(y, yp, classes, task, n_boot=200, seed=7)
    labels = list(range(len(classes)))
    point = skm.f1_score(y, yp, labels=labels, average=None, zero_division=0)
    assert list(ci.per_class_f1) == list(classes)
    for c, f in zip(classes, point, strict=True):
        lo, hi = ci.per_class_f1[c].low, ci.per_class_f1[c].high
        assert lo <= f <= hi and lo < hi
    lo, hi = ci.macro_f1.low, ci.macro_f1.high
    assert lo < point.mean() < hi
    assert (ci.level, ci.n_boot) == (0.95, 200)
    assert S.bootstrap_ci(y, yp, classes, task, n_boot=200, seed=7) == ci
    assert S.bootstrap_ci(y, yp, classes, task, n_boot=200, seed=8) != ci


def test_bootstrap_ci_is_a_frozen_typed_result():
    y, yp, _, classes = make_preds("binary", n=80)
    ci = S.bootstrap_ci(y, yp, classes, "binary", n_boot=20, seed=1)
    assert isinstance(ci, S.BootstrapCI) and isinstance(ci.macro_f1, S.Interval)
    assert all(isinstance(v, S.Interval) for v in ci.per_class_f1.values())
    assert all(type(v.low) is float and type(v.high) is float for v in ci.per_class_f1.values())
    assert type(ci.level) is float and type(ci.n_boot) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        ci.macro_f1.low = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ci.level = 0.5  # type: ignore[misc]


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
        interval = ci.per_class_f1[c]
        np.testing.assert_allclose((interval.low, interval.high), (lo[j], hi[j]), atol=0.05)
    macro = (ci.macro_f1.low, ci.macro_f1.high)
    np.testing.assert_allclose(macro, np.percentile(f1.mean(axis=1), [5, 95]), atol=0.04)


def test_bootstrap_ci_perfect_predictions_and_errors():
    y, _, _, classes = make_preds("multiclass", n=50)
    ci = S.bootstrap_ci(y, y, classes, "multiclass", n_boot=50)
    assert ci.macro_f1 == S.Interval(1.0, 1.0)
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
