"""Repeated cross-validation (``CompareConfig.repeats``): the extra repeats' folds, their
scores, and the verdict that reads them."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_ds
from sklearn.metrics import f1_score, precision_score, recall_score

from core.analysis.recommendation import recommendation_of
from core.analysis.verdict import fold_values
from core.errors import DataError
from core.evaluation.comparison import MAX_REPEATS, CompareConfig, run_comparison
from core.evaluation.splits import make_folds, split_rows
from core.metrics import significance
from core.runs.store import RunStore

STRATEGIES = ("baseline", "class_weight", "threshold_tuning")


@pytest.fixture(scope="module")
def repeated():
    ds = make_ds("binary")
    config = CompareConfig(strategies=STRATEGIES, cv=3, seed=4, repeats=3, n_jobs=1)
    return ds, run_comparison(ds, config)


@pytest.mark.parametrize("bad", [0, -1, MAX_REPEATS + 1, 1.5, True, "2"])
def test_bad_repeats_are_refused_with_the_range(bad):
    with pytest.raises(DataError, match=f"repeats must be a whole number from 1 to {MAX_REPEATS}"):
        CompareConfig(strategies=("baseline",), repeats=bad)


def test_repeats_reshuffle_the_same_rows_with_the_next_seeds():
    ds = make_ds("binary")
    split = split_rows(ds, holdout=0.2, cv=3, seed=4, repeats=3)
    assert len(split.repeated) == 2
    for r, folds in enumerate(split.repeated, 1):
        expected = make_folds(split.cv_ds, cv=3, seed=4 + r)
        assert all(
            np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
            for a, b in zip(folds, expected, strict=True)
        )
    # a single cross-validation is unchanged by the new argument
    one = split_rows(ds, holdout=0.2, cv=3, seed=4)
    assert one.repeated == ()
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(one.folds, split.folds, strict=True))


def test_each_extra_fold_is_scored_like_an_independent_run_on_its_folds(repeated):
    ds, comparison = repeated
    y = np.asarray(ds.y)
    for result in comparison.results.values():
        assert result.ok, result.error
        assert len(result.repeat_scores) == 2 * 3
        assert len(result.all_fold_scores()) == 9
    # repeat 2 has the folds of a plain run with seed 5 (logistic regression is
    # deterministic, so the fits are the same): its per-fold class scores must match
    # scikit-learn on that run's out-of-fold predictions, fold by fold.
    other = run_comparison(
        ds, CompareConfig(strategies=("baseline",), cv=3, seed=5, repeats=1, n_jobs=1)
    )
    base = other.results["baseline"]
    mine = comparison.results["baseline"].repeat_scores[:3]
    for k in range(3):
        rows = base.fold_of_row == k
        truth, pred = y[rows], base.oof_pred[rows]
        for code, cls in enumerate(ds.classes):
            assert mine[k][f"f1[{cls}]"] == pytest.approx(
                f1_score(truth, pred, labels=[code], average="macro", zero_division=0)
            )
            assert mine[k][f"precision[{cls}]"] == pytest.approx(
                precision_score(truth, pred, labels=[code], average="macro", zero_division=0)
            )
            assert mine[k][f"recall[{cls}]"] == pytest.approx(
                recall_score(truth, pred, labels=[code], average="macro", zero_division=0)
            )
        assert mine[k]["macro_f1"] == pytest.approx(base.fold_scores[k]["macro_f1"])


def test_the_verdict_pairs_every_fold_of_every_repeat(repeated):
    _, comparison = repeated
    cls = comparison.important_class
    rec = recommendation_of(comparison)
    assert rec.evidence["repeats"] == 3 and rec.evidence["paired_fold_scores"] == 9
    assert rec.strategy == "threshold_tuning"  # seeded: F1 0.58 against 0.31
    assert "t-test over 3 repeats × 3 folds (same folds for every strategy)" in rec.reason
    base = comparison.results["baseline"]
    for v in rec.per_strategy:
        if v.strategy == "baseline":
            continue
        result = comparison.results[v.strategy]
        first = [f[cls] for f in result.fold_class_f1]
        later = [s[f"f1[{cls}]"] for s in result.repeat_scores]
        a = np.array(first + later)
        b = np.array(
            [f[cls] for f in base.fold_class_f1] + [s[f"f1[{cls}]"] for s in base.repeat_scores]
        )
        assert np.array_equal(fold_values(comparison, result, cls, "f1"), a)
        # rho stays 1/k: Corani & Benavoli's correlation of one k-fold, over all R*k scores
        test = significance.bayesian_correlated_ttest(a, b, rope=0.01, test_share=1 / 3)
        assert v.p_better == pytest.approx(test.p_better)
        assert v.p_worse == pytest.approx(test.p_worse)
    # the Compare table's corrected t-test reads all nine folds too
    table = comparison.table().set_index("strategy")
    a = [s["macro_f1"] for s in comparison.results["class_weight"].all_fold_scores()]
    b = [s["macro_f1"] for s in base.all_fold_scores()]
    n_train = float(np.mean(base.n_train))
    n_val = float(np.mean(base.n_val))
    expected = significance.corrected_resampled_ttest(a, b, n_train=n_train, n_test=n_val)
    assert table.loc["class_weight", "macro_f1_p"] == pytest.approx(expected.p_value)


def test_a_saved_repeated_run_reopens_with_the_same_verdict(repeated, tmp_path):
    ds, comparison = repeated
    store = RunStore(tmp_path)
    again = store.load(store.save(comparison), with_data=False).comparison
    assert again.config.repeats == 3
    for name, result in comparison.results.items():
        assert again.results[name].repeat_scores == result.repeat_scores
    assert recommendation_of(again).to_dict() == recommendation_of(comparison).to_dict()
