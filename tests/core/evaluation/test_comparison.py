"""Many strategies on the same folds (core.evaluation.comparison)."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import make_ds
from scipy import stats

from core.analysis.recommendation import recommendation_of
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, default_strategies, run_comparison
from core.intake.dataset import classes_by_rarity
from core.modelling.strategies import STRATEGIES

MODEL = "logistic_regression"
TIMING = ("fit_seconds", "predict_seconds")


@pytest.fixture(scope="module")
def multiclass_run():
    ds = make_ds("multiclass")
    config = CompareConfig(
        strategies=("baseline", "class_weight", "random_over", "smote"),
        model=MODEL,
        cv=3,
        n_jobs=1,
    )
    return ds, run_comparison(ds, config)


def _same_results(a, b):
    assert list(a.results) == list(b.results)
    for name, ra in a.results.items():
        rb = b.results[name]
        assert (ra.status, ra.error) == (rb.status, rb.error)
        assert np.array_equal(ra.oof_pred, rb.oof_pred)
        assert np.array_equal(ra.oof_proba, rb.oof_proba)
        assert ra.summary == rb.summary and ra.summary_ci == rb.summary_ci
        assert ra.fold_scores == rb.fold_scores and ra.train_scores == rb.train_scores
        pd.testing.assert_frame_equal(ra.per_class, rb.per_class)
        assert np.array_equal(ra.holdout.pred, rb.holdout.pred)
        assert ra.holdout.summary == rb.holdout.summary
    pd.testing.assert_frame_equal(
        a.table().drop(columns=list(TIMING)), b.table().drop(columns=list(TIMING))
    )


@pytest.mark.slow
def test_parallel_run_equals_serial_run_exactly():
    ds = make_ds("binary")
    base = dict(
        strategies=("baseline", "random_over", "smote"), model=MODEL, cv=3, seed=3, holdout=0.2
    )
    serial = run_comparison(ds, CompareConfig(**base, n_jobs=1))
    parallel = run_comparison(ds, CompareConfig(**base, n_jobs=2))
    _same_results(serial, parallel)
    assert all(r.ok for r in serial.results.values())


def test_progress_is_called_once_per_fit_with_the_total():
    ds = make_ds("multilabel")
    calls = []
    config = CompareConfig(
        strategies=("baseline", "ml_ros", "one_class"), model=MODEL, cv=3, holdout=0.2, n_jobs=1
    )
    comparison = run_comparison(ds, config, progress=lambda *a: calls.append(a))
    # one_class does not apply to multi-label: it gets no fits, only its reason
    expected = {(s, f) for s in ("baseline", "ml_ros") for f in (0, 1, 2, -1)}
    assert sorted((s, f) for s, f, _, _ in calls) == sorted(expected)
    assert [done for _, _, done, _ in calls] == list(range(1, 9))
    assert {total for *_, total in calls} == {8}
    failed = comparison.results["one_class"]
    assert failed.status == "failed"
    assert failed.error.startswith("One-class novelty boost does not apply to multilabel targets")
    assert comparison.results["ml_ros"].ok and comparison.results["baseline"].ok
    # a loss is minimised; the failed strategy is never recommended
    rec = recommendation_of(comparison, metric="hamming_loss")
    losses = {n: comparison.results[n].summary["hamming_loss"] for n in ("baseline", "ml_ros")}
    assert rec.strategy == min(losses, key=losses.get) and rec.class_name is None


def test_every_strategy_shares_the_same_folds(multiclass_run):
    _, comparison = multiclass_run
    assert pickle.loads(pickle.dumps(comparison)).results.keys() == comparison.results.keys()
    fold_of_row = [r.fold_of_row for r in comparison.results.values()]
    assert all(np.array_equal(fold_of_row[0], f) for f in fold_of_row[1:])
    for k, (_, va) in enumerate(comparison.folds):
        assert np.all(fold_of_row[0][va] == k)


def test_table_has_deltas_and_significance_against_the_baseline(multiclass_run):
    _, comparison = multiclass_run
    table = comparison.table().set_index("strategy")
    for col in (
        "macro_f1",
        "macro_f1_delta",
        "macro_f1_p",
        "accuracy_p",
        "mcnemar_p",
        "macro_f1_ci_low",
        "macro_f1_ci_high",
        "fit_seconds",
        "status",
    ):
        assert col in table.columns, col
    assert table.loc["baseline", "macro_f1_delta"] == 0.0
    assert np.isnan(table.loc["baseline", "macro_f1_p"])
    base, smote = comparison.results["baseline"], comparison.results["smote"]
    assert (
        table.loc["smote", "macro_f1_delta"] == smote.summary["macro_f1"] - base.summary["macro_f1"]
    )
    # Nadeau & Bengio by hand: t = mean(d) / sqrt((1/J + n_test/n_train) var(d))
    d = np.array([s["macro_f1"] for s in smote.fold_scores]) - np.array(
        [s["macro_f1"] for s in base.fold_scores]
    )
    ratio = np.mean(smote.n_val) / np.mean(smote.n_train)
    t = d.mean() / np.sqrt((1 / 3 + ratio) * d.var(ddof=1))
    assert table.loc["smote", "macro_f1_p"] == pytest.approx(2 * stats.t.sf(abs(t), 2))
    # McNemar on the pooled predictions: exact binomial below 25 discordant rows, else
    # chi-square with continuity correction
    y = comparison.y_true
    b = int(np.sum((base.oof_pred == y) & (smote.oof_pred != y)))
    c = int(np.sum((base.oof_pred != y) & (smote.oof_pred == y)))
    if b + c < 25:
        expected = stats.binomtest(min(b, c), b + c).pvalue
    else:
        expected = stats.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), df=1)
    assert table.loc["smote", "mcnemar_p"] == pytest.approx(expected)


def test_without_baseline_the_significance_columns_are_empty():
    ds = make_ds("binary")
    comparison = run_comparison(
        ds, CompareConfig(strategies=("class_weight", "random_under"), cv=3, n_jobs=1)
    )
    table = comparison.table()
    assert "macro_f1_p" in table.columns and table["macro_f1_p"].isna().all()
    assert table["macro_f1_delta"].isna().all() and table["mcnemar_p"].isna().all()
    assert "no baseline ran" in recommendation_of(comparison).reason


def test_ranking_orders_by_the_metric(multiclass_run):
    _, comparison = multiclass_run
    ranking = comparison.ranking("balanced_accuracy")
    assert ranking["rank"].tolist() == [1, 2, 3, 4]
    assert ranking["balanced_accuracy"].is_monotonic_decreasing
    with pytest.raises(DataError, match="Cannot rank by 'hamming_loss'"):
        comparison.ranking("hamming_loss")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"strategies": ("baseline", "smoot")}, r"Unknown strategy 'smoot'.*Valid names"),
        ({"strategies": ()}, "No strategy was chosen"),
        ({"model": "catboost"}, r"Unknown model 'catboost'.*Valid names"),
        ({"cv": 1}, "cv must be a whole number of at least 2"),
        ({"holdout": 1.5}, "holdout must be a share"),
        ({"n_jobs": 0}, "n_jobs must be -1"),
        ({"seed": -1}, "seed must be a whole number"),
    ],
)
def test_config_is_validated_once(changes, message):
    with pytest.raises(DataError, match=message):
        CompareConfig(**{"strategies": ("baseline",), **changes})


def test_config_normalises_strategy_names():
    config = CompareConfig(strategies=["baseline", "smote", "baseline"])
    assert config.strategies == ("baseline", "smote")


def test_unknown_important_class_and_too_small_class_are_refused():
    ds = make_ds("binary")
    with pytest.raises(DataError, match="Unknown important class 'fraud'"):
        run_comparison(ds, CompareConfig(strategies=("baseline",), important_class="fraud"))
    with pytest.raises(DataError, match="Choose at most"):
        run_comparison(ds, CompareConfig(strategies=("baseline",), cv=100, n_jobs=1))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_default_strategies_apply_to_the_task(task):
    names = default_strategies(task)
    assert names[0] == "baseline"
    assert all(task in STRATEGIES[n].tasks for n in names)


def test_should_stop_cancels_the_pending_fits(monkeypatch):
    from core.evaluation import comparison as compare
    from core.evaluation.comparison import Cancelled, CompareConfig, run_comparison

    calls = []
    real = compare.evaluate_fold

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(compare, "evaluate_fold", counting)
    ds = make_ds("binary")
    config = CompareConfig(strategies=("baseline", "class_weight", "random_over"), cv=3, n_jobs=1)
    seen = []
    with pytest.raises(Cancelled, match="cancelled after 2 of 9 fits"):
        run_comparison(
            ds, config, progress=lambda *a: seen.append(a), should_stop=lambda: len(seen) >= 2
        )
    assert len(seen) == 2
    assert len(calls) < 9  # the remaining fits were abandoned, not run to the end


def test_an_exception_in_progress_stops_the_run(monkeypatch):
    from core.evaluation.comparison import CompareConfig, run_comparison

    class Interrupt(Exception):
        pass

    def progress(strategy, fold, done, total):
        raise Interrupt  # what a Streamlit rerun does inside the progress callback

    ds = make_ds("binary")
    config = CompareConfig(strategies=("baseline", "class_weight"), cv=3, n_jobs=2)
    with pytest.raises(Interrupt):
        run_comparison(ds, config, progress=progress)


# --------------------------------------------------------------------------- the rarest class


def test_classes_by_rarity_rarest_first_ties_to_the_earlier_class():
    assert classes_by_rarity([5, 3, 3, 9], ["a", "b", "c", "d"]) == ["b", "c", "a", "d"]
    assert classes_by_rarity([4, 4], ["no", "yes"]) == ["no", "yes"]  # balanced binary
    assert classes_by_rarity([0, 7, 1], ("x", "y", "z")) == ["x", "z", "y"]
    with pytest.raises(DataError, match="same length"):
        classes_by_rarity([1, 2], ["a"])


def test_dataset_rarity_counts_rows_carrying_each_label():
    ds = make_ds("multilabel")
    carried = np.asarray(ds.y).sum(axis=0)
    expected = [ds.classes[i] for i in sorted(range(3), key=lambda i: (carried[i], i))]
    assert ds.classes_by_rarity() == expected
    tied = replace(ds, y=np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1]] * 50, dtype=np.int8))
    assert tied.classes_by_rarity() == ["a", "b", "c"]  # 100, 100, 100 rows: classes order


def test_rarity_is_counted_on_the_cross_validation_rows():
    ds = make_ds("multiclass", n=150)
    comparison = run_comparison(
        ds, CompareConfig(strategies=("baseline",), cv=3, holdout=0.3, n_jobs=1)
    )
    assert comparison.dataset.n_holdout_rows > 0
    cv_counts = np.bincount(comparison.y_true, minlength=3)
    assert comparison.class_rarity() == classes_by_rarity(cv_counts, comparison.classes)
    assert comparison.rarest_class == comparison.important_class == comparison.class_rarity()[0]
    # all analysed rows say 'x' is rarest, the cross-validation rows say 'z': the CV rows win
    summary = replace(comparison.dataset, class_counts={"x": 1, "y": 50, "z": 99})
    hand = replace(comparison, dataset=summary, y_true=np.array([0, 0, 1, 1, 1, 2]))
    assert hand.class_rarity() == ["z", "x", "y"] and hand.important_class == "z"
    tie = replace(hand, y_true=np.array([2, 0, 1, 1, 2, 0]))
    assert tie.class_rarity() == ["x", "y", "z"]  # 2 rows each: the earlier class
    assert replace(tie, config=replace(tie.config, important_class="y")).important_class == "y"
