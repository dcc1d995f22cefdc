"""The recommendation's verdict on constructed cases, and the numbers behind it
(core.analysis.verdict, the Bayesian correlated t-test of core.metrics.significance)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from helpers import dataset_from
from scipy import stats
from sklearn.metrics import f1_score, precision_score, roc_auc_score

from core.analysis import verdict
from core.analysis.recommendation import recommendation_of
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.metrics.significance import DEFAULT_ROPE, bayesian_correlated_ttest

# --------------------------------------------------------------------------- the t-test


def test_bayesian_correlated_ttest_by_hand():
    a = np.array([0.50, 0.55, 0.61, 0.58, 0.52])
    b = np.array([0.48, 0.50, 0.55, 0.57, 0.50])
    d = a - b  # 0.02 0.05 0.06 0.01 0.02: mean 0.032, var(ddof=1) 0.00047
    assert d.mean() == pytest.approx(0.032) and d.var(ddof=1) == pytest.approx(0.00047)
    scale = np.sqrt((1 / 5 + 0.2 / 0.8) * 0.00047)  # rho = 1/5
    test = bayesian_correlated_ttest(a, b, rope=0.01, test_share=0.2)
    assert test.mean == pytest.approx(0.032) and test.scale == pytest.approx(scale)
    assert test.df == 4
    assert test.p_better == pytest.approx(stats.t.sf((0.01 - 0.032) / scale, 4))
    assert test.p_worse == pytest.approx(stats.t.cdf((-0.01 - 0.032) / scale, 4))
    assert test.p_better + test.p_equivalent + test.p_worse == pytest.approx(1.0)
    # swapping the two mirrors the masses
    back = bayesian_correlated_ttest(b, a, rope=0.01, test_share=0.2)
    assert (back.p_better, back.p_worse) == pytest.approx((test.p_worse, test.p_better))
    assert DEFAULT_ROPE == 0.01


def test_bayesian_correlated_ttest_matches_baycomp():
    baycomp = pytest.importorskip("baycomp")  # requirements-dev.txt
    rng = np.random.default_rng(3)
    for k, rope in [(5, 0.01), (10, 0.02), (3, 0.0)]:
        a, b = rng.uniform(0.3, 0.7, k), rng.uniform(0.3, 0.7, k)
        test = bayesian_correlated_ttest(a, b, rope=rope, test_share=1 / k)
        ours = (test.p_worse, test.p_equivalent, test.p_better)
        # baycomp's CorrelatedTTest(x, y) is about y - x: (left, rope, right)
        theirs = baycomp.CorrelatedTTest.probs(b, a, rope=rope, runs=1)
        if rope == 0:
            assert (test.p_worse, test.p_better) == pytest.approx(theirs)
        else:
            assert ours == pytest.approx(theirs)


def test_bayesian_correlated_ttest_edges():
    same = bayesian_correlated_ttest([0.5, 0.6], [0.5, 0.6], test_share=0.5)
    assert (same.p_better, same.p_equivalent, same.p_worse) == (0.0, 1.0, 0.0)
    up = bayesian_correlated_ttest([0.6, 0.7], [0.5, 0.6], test_share=0.5)
    assert (up.p_better, up.p_equivalent, up.p_worse) == (1.0, 0.0, 0.0)
    gap = bayesian_correlated_ttest([0.6, np.nan], [0.5, 0.6], test_share=0.5)
    assert np.isnan(gap.p_better) and np.isnan(gap.p_worse)
    with pytest.raises(DataError, match="at least two"):
        bayesian_correlated_ttest([0.5], [0.4], test_share=0.5)
    with pytest.raises(DataError, match="test_share"):
        bayesian_correlated_ttest([0.5, 0.6], [0.4, 0.5], test_share=1.0)
    with pytest.raises(DataError, match="rope"):
        bayesian_correlated_ttest([0.5, 0.6], [0.4, 0.5], rope=-0.1, test_share=0.5)


def test_compare_config_validates_rope():
    assert CompareConfig(strategies=("baseline",)).rope == 0.01
    assert CompareConfig(strategies=("baseline",), rope=0).rope == 0.0
    for bad in (-0.01, 1.0, True, "0.01"):
        with pytest.raises(DataError, match="rope"):
            CompareConfig(strategies=("baseline",), rope=bad)


# --------------------------------------------------------------------------- helpers


def test_trivial_f1_is_always_predicting_the_class():
    y = np.array([1] * 15 + [0] * 85)
    expected = f1_score(y, np.ones_like(y))
    assert verdict.trivial_f1(0.15) == pytest.approx(expected) == pytest.approx(0.3 / 1.15)
    assert verdict.trivial_f1(0.0) == 0.0


def test_skill_rule():
    assert verdict.has_skill(0.30, 0.26, 0.27, 0.01)
    assert not verdict.has_skill(0.25, 0.26, 0.20, 0.01)  # below always predicting it
    assert not verdict.has_skill(0.30, 0.26, 0.22, 0.01)  # its interval reaches the trivial F1
    assert not verdict.has_skill(0.30, 0.26, 0.27, 0.20)  # ranks at chance
    assert verdict.has_skill(0.30, 0.26, None, None)  # no interval, no probabilities: F1 alone
    assert not verdict.has_skill(0.30, 0.26, 0.27, 0.02, level=0.01)


def test_ranking_is_pooled_auc_and_mann_whitney():
    c = _run(_gauss(n=300), ("baseline",), cv=3)
    r = c.results["baseline"]
    rare = c.y_true == 1
    score = r.oof_proba[:, 1]
    auc, p = verdict.ranking(c, r, "rare")
    assert auc == pytest.approx(roc_auc_score(rare, score))
    test = stats.mannwhitneyu(score[rare], score[~rare], alternative="greater", method="asymptotic")
    assert p == pytest.approx(test.pvalue) and p < 0.05
    # ties (a coarse score) are ranked as scipy ranks them
    coarse = np.round(score, 1)
    tied = dataclasses.replace(r, oof_proba=np.column_stack([1 - coarse, coarse]))
    auc, p = verdict.ranking(c, tied, "rare")
    assert auc == pytest.approx(roc_auc_score(rare, coarse))
    test = stats.mannwhitneyu(
        coarse[rare], coarse[~rare], alternative="greater", method="asymptotic"
    )
    assert p == pytest.approx(test.pvalue)
    assert verdict.ranking(c, dataclasses.replace(r, oof_proba=None), "rare") is None


# --------------------------------------------------------------------------- constructed cases


def _noise(n=600, share=0.15, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"f{i}" for i in range(8)])
    return dataset_from(X, (rng.random(n) < share).astype(int), ("common", "rare"))


def _gauss(n=1000, share=0.1, shift=0.8, seed=0):
    """Three features shifted by ``shift`` for the rare class, three pure noise."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < share).astype(int)
    X = rng.normal(size=(n, 6))
    X[:, :3] += shift * y[:, None]
    return dataset_from(pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]), y, ("common", "rare"))


def _run(ds, strategies, cv=5):
    return run_comparison(ds, CompareConfig(strategies=strategies, cv=cv, n_jobs=1))


def test_pure_noise_gets_no_skill_and_no_strategy():
    c = _run(_noise(), ("baseline", "class_weight", "threshold_tuning", "random_under"))
    rec = recommendation_of(c)
    assert rec.verdict == "no_skill" and rec.strategy is None and rec.value is None
    assert rec.p_value is None and rec.alternatives == ()
    assert "no usable signal" in rec.reason and "cannot tell this class" in rec.reason
    assert all(v.ranking_p >= 0.05 for v in rec.per_strategy)
    share = float(np.mean(c.y_true == 1))
    assert rec.evidence["trivial_f1"] == pytest.approx(2 * share / (1 + share))
    assert not any(v.beats_trivial for v in rec.per_strategy)
    for v in rec.per_strategy:  # the bootstrap interval of each pooled F1 reaches the trivial F1
        table = c.results[v.strategy].per_class.set_index("class")
        assert v.f1_ci_low == table.loc["rare", "f1_ci_low"] <= rec.evidence["trivial_f1"]
        assert rec.evidence["strategies"][v.strategy]["f1_ci_low"] == v.f1_ci_low
    # the arg-max would have "won" against a baseline that never predicts the class
    assert c.results["baseline"].per_class.set_index("class").loc["rare", "f1"] == 0.0
    assert max(v.p_better for v in rec.per_strategy) > 0.95
    for v in rec.per_strategy:  # the pooled ROC AUC, checked with scikit-learn
        r = c.results[v.strategy]
        assert v.roc_auc == pytest.approx(roc_auc_score(c.y_true == 1, r.oof_proba[:, 1]))
        assert abs(v.roc_auc - 0.5) < 0.06
        aucs = [roc_auc_score(c.y_true[va] == 1, r.oof_proba[va, 1]) for _, va in c.folds]
        assert verdict.fold_roc_auc(c, r, "rare") == pytest.approx(aucs)
    assert rec.to_dict()["strategy"] is None


def test_a_clear_winner():
    c = _run(_gauss(), ("baseline", "class_weight"))
    rec = recommendation_of(c)
    assert rec.verdict == "clear_winner" and rec.strategy == "class_weight"
    assert rec.alternatives == ()
    cw, base = c.results["class_weight"], c.results["baseline"]
    f1 = {n: float(r.per_class.set_index("class").loc["rare", "f1"]) for n, r in c.results.items()}
    assert rec.value == pytest.approx(f1["class_weight"]) and f1["class_weight"] > f1["baseline"]
    v = next(v for v in rec.per_strategy if v.strategy == "class_weight")
    assert v.p_better >= 0.95 and v.beats_trivial
    # p_value keeps its meaning: the corrected t-test of the chosen strategy vs the baseline
    d = np.array([f["rare"] for f in cw.fold_class_f1]) - [f["rare"] for f in base.fold_class_f1]
    t = d.mean() / np.sqrt((1 / 5 + np.mean(cw.n_val) / np.mean(cw.n_train)) * d.var(ddof=1))
    assert rec.p_value == pytest.approx(2 * stats.t.sf(abs(t), 4))
    assert f"p = {rec.p_value:.3g}" in rec.reason
    delta = cw.summary["macro_f1"] - base.summary["macro_f1"]
    assert f"macro F1 {delta:+.3f}" in rec.reason
    assert "only strategy clearly better than the baseline" in rec.reason


def test_practically_equivalent_strategies_go_to_the_simplest():
    c = _run(_gauss(), ("baseline", "random_over", "class_weight"))
    rec = recommendation_of(c)
    assert rec.verdict == "equivalent"
    assert rec.strategy == "class_weight" and rec.alternatives == ("random_over",)
    by = {v.strategy: v for v in rec.per_strategy}
    assert by["class_weight"].p_better >= 0.95 and by["random_over"].p_better >= 0.95
    assert "practically equivalent: random_over" in rec.reason


def test_nothing_beats_a_good_baseline():
    ds = _gauss(n=600, share=0.3, shift=1.5, seed=1)
    c = _run(ds, ("baseline", "threshold_tuning", "class_weight"))
    rec = recommendation_of(c)
    assert rec.verdict == "keep_baseline" and rec.strategy == "baseline"
    assert all(v.beats_trivial for v in rec.per_strategy)
    assert all(v.p_better < 0.95 for v in rec.per_strategy)
    assert rec.value == pytest.approx(
        c.results["baseline"].per_class.set_index("class").loc["rare", "f1"]
    )


def test_fold_values_and_auc_match_scikit_learn():
    c = _run(_gauss(n=300), ("baseline",), cv=3)
    r = c.results["baseline"]
    y = c.y_true
    precision = [precision_score(y[va], r.oof_pred[va], zero_division=0) for _, va in c.folds]
    assert verdict.fold_values(c, r, "rare", "precision") == pytest.approx(precision)
    f1 = [f1_score(y[va], r.oof_pred[va], zero_division=0) for _, va in c.folds]
    assert verdict.fold_values(c, r, "rare", "f1") == pytest.approx(f1)
    auc = [roc_auc_score(y[va] == 0, r.oof_proba[va, 0]) for _, va in c.folds]
    assert verdict.fold_roc_auc(c, r, "common") == pytest.approx(auc)
    assert verdict.class_value(c, r, "rare", "f1") == pytest.approx(f1_score(y, r.oof_pred))


def test_probabilities_never_read_as_meeting_the_bar_they_miss():
    assert verdict.probability_text(0.9499, 0.95) == "0.9499"
    assert verdict.probability_text(0.951, 0.95) == "0.95"
    assert verdict.probability_text(0.95, 0.95) == "0.95"
    assert verdict.probability_text(0.57, 0.95) == "0.57"
    assert verdict.probability_text(0.944, 0.95) == "0.94"
