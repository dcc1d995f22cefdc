"""Per-fold ranking scores of one class and their t-intervals, against scipy/sklearn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from core.errors import DataError
from core.metrics.per_fold import (
    OUTLIER_ALPHA,
    OUTLIER_MIN_FOLDS,
    OUTLIER_MIN_GAP,
    fold_spread,
    grubbs_critical,
    mean_interval,
    paired_difference,
    per_fold_scores,
)


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


# --------------------------------------------------------------------------- spread over folds


@pytest.mark.parametrize(
    ("n", "table"), [(3, 1.155), (4, 1.481), (5, 1.715), (6, 1.887), (10, 2.290)]
)
def test_grubbs_critical_values_match_the_published_table(n, table):
    # G(0.05, n) as tabulated to 3 decimals in analytical-chemistry references (e.g. the
    # LibreTexts "Critical Values for Grubb's Test" appendix; n = 3 is rounded up there)
    assert grubbs_critical(n) == pytest.approx(table, abs=1e-3)
    assert grubbs_critical(n) < (n - 1) / math.sqrt(n)  # below the largest G n values allow
    assert math.isnan(grubbs_critical(2))


def test_fold_spread_flags_the_one_fold_far_from_the_others():
    x = [0.80, 0.81, 0.79, 0.80, 0.40]
    s = fold_spread(x)
    assert s.n == 5 and s.low == 0.40 and s.high == 0.81
    assert s.mean == pytest.approx(3.60 / 5)
    assert s.sd == pytest.approx(np.std(x, ddof=1))
    # G = |0.40 - 0.72| / 0.179 = 1.787 > 1.715, and 0.40 lies 0.40 from the others' 0.80
    assert (0.72 - 0.40) / s.sd > grubbs_critical(5)
    assert s.outlier_fold == 4 and s.outlier_value == 0.40


def test_fold_spread_does_not_flag_ordinary_wobble():
    s = fold_spread([0.8, 0.82, 0.78, 0.81, 0.79])
    assert s.outlier_fold is None and math.isnan(s.outlier_value)
    assert s.mean == pytest.approx(0.8) and s.sd == pytest.approx(math.sqrt(0.001 / 4))
    # a real sample's average precision over 5 folds: fold 2 is 0.055 above the others'
    # mean, but G = 1.52 < 1.715 — ordinary spread, not an outlier
    assert fold_spread([0.89, 0.85, 0.92, 0.864, 0.856]).outlier_fold is None
    assert fold_spread([0.5, 0.7, 0.9, 0.6, 0.8]).outlier_fold is None  # G = 1.26
    assert fold_spread([0.5, 0.5, 0.5, 0.5, 0.9, 0.1]).outlier_fold is None  # G = 1.58 < 1.887


def test_the_absolute_floor_decides_when_the_other_folds_agree():
    # the others agree exactly: G is as large as 5 values allow, the 0.05 gap decides
    assert fold_spread([0.8, 0.8, 0.8, 0.8, 0.78]).outlier_fold is None  # 0.02 <= 0.05
    assert fold_spread([0.8, 0.8, 0.8, 0.8, 0.74]).outlier_fold == 4  # 0.06 > 0.05
    assert fold_spread([0.8, 0.8, 0.8]).outlier_fold is None  # nothing differs
    assert fold_spread([0.1, 0.1, 0.1, 0.1]).outlier_fold is None  # float noise only
    assert OUTLIER_ALPHA == 0.05 and OUTLIER_MIN_GAP == 0.05 and OUTLIER_MIN_FOLDS == 3


def test_only_the_most_distant_fold_is_flagged_and_a_high_fold_counts_too():
    s = fold_spread([0.20, 0.21, 0.19, 0.20, 0.60])  # too good is as odd as too bad
    assert s.outlier_fold == 4 and s.outlier_value == 0.60
    s = fold_spread([0.0, 0.63, 0.519, 0.52, 0.513])  # a fold that found nothing
    assert s.outlier_fold == 0 and s.outlier_value == 0.0
    s = fold_spread([0.5, 0.8, 0.8])  # three folds: fold 0 is 0.3 from the others (sd 0)
    assert s.outlier_fold == 0
    assert fold_spread([0.8, 0.8, 0.8, 0.4, 0.4]).outlier_fold is None  # two alike: G = 1.10


def test_fold_spread_skips_nan_folds_and_keeps_their_numbering():
    s = fold_spread([0.80, np.nan, 0.81, 0.79, 0.80, 0.40])
    assert s.n == 5 and s.mean == pytest.approx(0.72)
    assert s.outlier_fold == 5 and s.outlier_value == 0.40  # index in the given folds
    few = fold_spread([0.8, np.nan, 0.1])  # two finite folds: never flagged
    assert few.n == 2 and few.outlier_fold is None
    assert few.sd == pytest.approx(np.std([0.8, 0.1], ddof=1))
    one = fold_spread([np.nan, 0.7])
    assert one.n == 1 and one.mean == 0.7 and one.low == one.high == 0.7 and math.isnan(one.sd)
    none = fold_spread([np.nan, np.nan])
    assert none.n == 0 and math.isnan(none.mean) and math.isnan(none.low)
    assert fold_spread([]).n == 0


def test_fold_spread_to_dict_is_json_ready():
    d = fold_spread([0.80, 0.81, 0.79, 0.80, 0.40]).to_dict()
    assert set(d) == {"mean", "sd", "low", "high", "n", "outlier_fold", "outlier_value"}
    assert d["outlier_fold"] == 4 and d["n"] == 5 and d["low"] == 0.40
    empty = fold_spread([np.nan]).to_dict()
    assert empty["mean"] is None and empty["sd"] is None and empty["outlier_fold"] is None
    assert empty["outlier_value"] is None and empty["n"] == 0
