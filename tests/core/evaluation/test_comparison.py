"""Many strategies on the same folds (core.evaluation.comparison)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import make_classification, make_multilabel_classification

from core.errors import DataError
from core.evaluation.comparison import CompareConfig, default_strategies, recommend, run_comparison
from core.intake.dataset import Dataset
from core.modelling.strategies import STRATEGIES

MODEL = "logistic_regression"
TIMING = ("fit_seconds", "predict_seconds")


def make_ds(task: str = "binary", n: int = 150, seed: int = 0) -> Dataset:
    if task == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=n,
            n_features=5,
            n_classes=3,
            n_labels=1,
            allow_unlabeled=False,
            random_state=seed,
        )
        y = y.astype(np.int8)
        classes: tuple[str, ...] = ("a", "b", "c")
    else:
        k = 2 if task == "binary" else 3
        X, y = make_classification(
            n_samples=n,
            n_features=5,
            n_informative=3,
            n_redundant=0,
            n_classes=k,
            weights=[0.85] if k == 2 else [0.7, 0.2],
            random_state=seed,
        )
        classes = ("neg", "pos") if k == 2 else ("x", "y", "z")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return Dataset(
        X=frame,
        y=y,
        task=task,
        classes=classes,
        target=("t",),
        numeric_features=tuple(frame.columns),
        categorical_features=(),
        schema=(),
        row_ids=np.arange(n),
    )


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
    rec = recommend(comparison, metric="hamming_loss")
    losses = {n: comparison.results[n].summary["hamming_loss"] for n in ("baseline", "ml_ros")}
    assert rec["strategy"] == min(losses, key=losses.get) and rec["class"] is None


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
    assert "no baseline ran" in recommend(comparison)["reason"]


def test_ranking_orders_by_the_metric(multiclass_run):
    _, comparison = multiclass_run
    ranking = comparison.ranking("balanced_accuracy")
    assert ranking["rank"].tolist() == [1, 2, 3, 4]
    assert ranking["balanced_accuracy"].is_monotonic_decreasing
    with pytest.raises(DataError, match="Cannot rank by 'hamming_loss'"):
        comparison.ranking("hamming_loss")


def test_recommendation_picks_the_best_f1_of_the_smallest_class(multiclass_run):
    ds, comparison = multiclass_run
    smallest = min(ds.classes, key=lambda c: ds.class_counts[c])
    f1 = {
        name: float(r.per_class.set_index("class").loc[smallest, "f1"])
        for name, r in comparison.results.items()
    }
    rec = recommend(comparison)
    assert rec["class"] == smallest and rec["metric"] == "f1"
    assert f1[rec["strategy"]] == max(f1.values())
    assert rec["value"] == max(f1.values())
    if rec["strategy"] != "baseline":
        delta = (
            comparison.results[rec["strategy"]].summary["macro_f1"]
            - comparison.results["baseline"].summary["macro_f1"]
        )
        assert f"macro F1 {delta:+.3f}" in rec["reason"]
        best, base = comparison.results[rec["strategy"]], comparison.results["baseline"]
        d = np.array([f[smallest] for f in best.fold_class_f1]) - np.array(
            [f[smallest] for f in base.fold_class_f1]
        )
        t = d.mean() / np.sqrt(
            (1 / 3 + np.mean(best.n_val) / np.mean(best.n_train)) * d.var(ddof=1)
        )
        assert rec["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 2))
        assert f"p = {rec['p_value']:.3g}" in rec["reason"]


@pytest.mark.parametrize("cls", ["x", "y"])
def test_recommendation_follows_the_important_class(multiclass_run, cls):
    _, comparison = multiclass_run
    recall = {
        name: float(r.per_class.set_index("class").loc[cls, "recall"])
        for name, r in comparison.results.items()
    }
    rec = recommend(comparison, important_class=cls, metric="recall")
    assert rec["class"] == cls and recall[rec["strategy"]] == max(recall.values())
    with pytest.raises(DataError, match="Unknown important class 'nope'"):
        recommend(comparison, important_class="nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"strategies": ("baseline", "smoot")}, r"Unknown strategy 'smoot'.*Valid names"),
        ({"strategies": ()}, "No strategy was chosen"),
        ({"model": "xgboost"}, r"Unknown model 'xgboost'.*Valid names"),
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
