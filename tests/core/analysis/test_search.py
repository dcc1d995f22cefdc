"""Tests for core.analysis.search: the NSGA-II (accuracy, F1) search nested in the comparison's folds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.class_weight import compute_class_weight

from core.analysis import search
from core.analysis.planes import POINT_COLUMNS, plane
from core.analysis.search import run_search
from core.analysis.search_types import SEARCH_NAME, SearchConfig
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.splits import subset
from core.metrics.plane import f1_bounds
from core.modelling.models import MODELS, SampleWeightedClassifier
from core.modelling.options import StrategyOptions
from core.modelling.search_space import (
    SEARCH_SPACES,
    build_estimator,
    class_weights,
    decide,
    search_space,
)

EXACT = 1e-12
FAST = {"inner_cv": 2, "timeout": None}


def _strip(trials: pd.DataFrame) -> pd.DataFrame:
    return trials.drop(columns="seconds")


@pytest.fixture(scope="module")
def binary_search(datasets, comparisons):
    return run_search(datasets["binary"], comparisons["binary"], SearchConfig(n_trials=9, **FAST))


def test_same_seed_same_trials_other_seed_other_trials(datasets, comparisons, binary_search):
    again = run_search(datasets["binary"], comparisons["binary"], SearchConfig(n_trials=9, **FAST))
    pd.testing.assert_frame_equal(_strip(again.trials), _strip(binary_search.trials))
    pd.testing.assert_frame_equal(again.points, binary_search.points)
    np.testing.assert_array_equal(again.predictions, binary_search.predictions)
    assert binary_search.seed == comparisons["binary"].config.seed
    other = run_search(
        datasets["binary"], comparisons["binary"], SearchConfig(n_trials=9, seed=7, **FAST)
    )
    assert not np.allclose(other.trials["C"], binary_search.trials["C"])


def test_n_trials_is_respected_round_robin_with_progress(binary_search, datasets, comparisons):
    seen: list[tuple[int, int]] = []
    found = run_search(
        datasets["binary"],
        comparisons["binary"],
        SearchConfig(n_trials=5, **FAST),
        progress=lambda trial, total: seen.append((trial, total)),
    )
    assert found.n_trials_run == len(found.trials) == 5
    assert found.stopped_by == "n_trials"
    assert found.trials["fold"].tolist() == [0, 1, 2, 0, 1]
    assert found.trials["trial"].tolist() == [0, 0, 0, 1, 1]
    assert seen == [(i, 5) for i in range(1, 6)]
    assert (binary_search.trials["state"] == "complete").all()
    assert binary_search.trials.groupby("fold").size().tolist() == [3, 3, 3]


def test_timeout_is_respected(datasets, comparisons):
    timeout = 0.5
    found = run_search(
        datasets["binary"],
        comparisons["binary"],
        SearchConfig(n_trials=100_000, timeout=timeout, inner_cv=2),
    )
    assert found.stopped_by == "timeout"
    assert len(comparisons["binary"].folds) <= found.n_trials_run < 100_000
    slowest = found.trials["seconds"].max()
    assert found.search_seconds <= timeout + 3 * slowest + 0.5  # a started trial finishes
    assert set(found.trials["fold"]) == {0, 1, 2}  # the first round always runs


def test_objectives_come_from_inner_folds_of_training_rows_only(datasets, monkeypatch):
    comparison = run_comparison(
        datasets["binary"],
        CompareConfig(strategies=("baseline",), cv=3, seed=0, holdout=0.2, n_jobs=1),
    )
    calls: list[tuple[np.ndarray | None, np.ndarray, np.ndarray]] = []
    inside: dict[str, np.ndarray | None] = {"train": None}
    real_inner, real_fit = search._inner_proba, search._fit_proba

    def spy_inner(train, *args, **kwargs):
        inside["train"] = np.asarray(train.row_ids)
        try:
            return real_inner(train, *args, **kwargs)
        finally:
            inside["train"] = None

    def spy_fit(train, test, *args, **kwargs):
        calls.append((inside["train"], np.asarray(train.row_ids), np.asarray(test.row_ids)))
        return real_fit(train, test, *args, **kwargs)

    monkeypatch.setattr(search, "_inner_proba", spy_inner)
    monkeypatch.setattr(search, "_fit_proba", spy_fit)
    found = run_search(datasets["binary"], comparison, SearchConfig(n_trials=6, **FAST))

    ids = comparison.row_ids
    trains = [set(ids[tr]) for tr, _ in comparison.folds]
    vals = [set(ids[va]) for _, va in comparison.folds]
    holdout = set(comparison.holdout_row_ids)
    inner = [c for c in calls if c[0] is not None]
    outer = [c for c in calls if c[0] is None]
    assert len(inner) == found.n_trials_run * 2  # inner_cv fits per trial
    for part, fit_ids, pred_ids in inner:
        k = trains.index(set(part))  # the study of outer fold k sees its training part only
        seen = set(fit_ids) | set(pred_ids)
        assert seen <= trains[k]
        assert not seen & vals[k] and not seen & holdout
        assert not set(fit_ids) & set(pred_ids)
    assert outer  # then each chosen member is refitted on the fold and scores its val rows
    for _, fit_ids, pred_ids in outer:
        k = vals.index(set(pred_ids))
        assert set(fit_ids) == trains[k]


def test_inner_objective_recomputed_independently(datasets, comparisons, binary_search):
    row = binary_search.trials.iloc[0]  # fold 0, trial 0
    ds = datasets["binary"]
    train = subset(ds, comparisons["binary"].folds[0][0])
    params = {p.name: row[p.name] for p in search_space("logistic_regression")}
    y = np.asarray(train.y)
    proba = np.zeros((y.size, 2))
    for fit, val in StratifiedKFold(2, shuffle=True, random_state=0).split(np.zeros(y.size), y):
        est = build_estimator(subset(train, fit), "logistic_regression", params, 0)
        est.fit(train.X.iloc[fit], y[fit])
        proba[val] = est.predict_proba(train.X.iloc[val])
    pred = (proba[:, 1] >= params["threshold"]).astype(int)
    assert row["inner_accuracy"] == pytest.approx(accuracy_score(y, pred), abs=EXACT)
    assert row["inner_f1"] == pytest.approx(f1_score(y, pred), abs=EXACT)


def test_points_are_pooled_outer_predictions_inside_the_region(comparisons, binary_search):
    comparison = comparisons["binary"]
    y = (np.asarray(comparison.y_true) == 1).astype(int)
    points = binary_search.points
    assert list(points.columns[: len(POINT_COLUMNS)]) == list(POINT_COLUMNS)
    assert (points["strategy"] == SEARCH_NAME).all()
    assert len(points) == len(binary_search.predictions) >= 1
    assert len({tuple(p) for p in binary_search.predictions}) == len(points)  # distinct
    for rec, pred in zip(points.itertuples(), binary_search.predictions, strict=True):
        assert rec.accuracy == pytest.approx(accuracy_score(y, pred), abs=EXACT)
        assert rec.f1 == pytest.approx(f1_score(y, pred), abs=EXACT)
    lo, hi = f1_bounds(points["accuracy"].to_numpy(), float(y.mean()))
    assert np.all((points["f1"] >= lo - EXACT) & (points["f1"] <= hi + EXACT))
    chosen = binary_search.chosen
    trials = binary_search.trials.set_index(["fold", "trial"])
    assert trials.loc[list(zip(chosen["fold"], chosen["trial"], strict=True)), "pareto"].all()
    for rec in chosen.itertuples():  # fold scores = the pooled prediction on that fold's rows
        val = comparison.folds[rec.fold][1]
        pred = binary_search.predictions[rec.point][val]
        assert rec.fold_accuracy == pytest.approx(accuracy_score(y[val], pred), abs=EXACT)
    both = plane(comparison).with_points(points)  # the search joins the plane
    assert (both.points["strategy"] == SEARCH_NAME).sum() == len(points)


@pytest.mark.parametrize("task", ("multiclass", "multilabel"))
def test_other_tasks_search_the_rarest_class_against_the_rest(datasets, comparisons, task):
    comparison = comparisons[task]
    found = run_search(datasets[task], comparison, SearchConfig(n_trials=3, n_slots=3, **FAST))
    view = plane(comparison)
    assert found.positive_class == view.positive_class
    j = comparison.classes.index(found.positive_class)
    y = np.asarray(comparison.y_true)
    y_bin = (y[:, j] == 1) if task == "multilabel" else (y == j)
    code = 1 if task == "multilabel" else j
    for rec, pred in zip(found.points.itertuples(), found.predictions, strict=True):
        assert rec.f1 == pytest.approx(f1_score(y_bin, pred == code), abs=EXACT)
        assert rec.accuracy == pytest.approx(accuracy_score(y_bin, pred == code), abs=EXACT)
    lo, hi = f1_bounds(found.points["accuracy"].to_numpy(), view.positive_share)
    assert np.all((found.points["f1"] >= lo - EXACT) & (found.points["f1"] <= hi + EXACT))
    if task == "multilabel":
        assert set(np.unique(found.predictions)) <= {0, 1}


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_model_has_a_search_space_that_runs(datasets, model):
    assert set(SEARCH_SPACES) == set(MODELS)
    ds = datasets["binary"]
    comparison = run_comparison(
        ds,
        CompareConfig(
            strategies=("baseline",),
            model=model,
            cv=3,
            n_jobs=1,
            options=StrategyOptions(n_estimators=10),
        ),
    )
    found = run_search(ds, comparison, SearchConfig(n_trials=3, n_slots=2, **FAST))
    assert (found.trials["state"] == "complete").all(), found.trials["error"].tolist()
    assert found.model == model
    params = {p.name: p.low for p in search_space(model)} | {"class_weight_strength": 1.0}
    est = build_estimator(ds, model, params, 0)
    clf = est.named_steps["model"]
    inner = clf.estimator if isinstance(clf, SampleWeightedClassifier) else clf
    for p in SEARCH_SPACES[model]:
        name = "hidden_layer_sizes" if p.name == "hidden_units" else p.name
        expected = (int(p.low),) if p.name == "hidden_units" else p.low
        assert inner.get_params()[name] == expected


def test_class_weight_strength_interpolates_to_balanced():
    y = np.array([0] * 8 + [1] * 2)
    assert class_weights(y, 0.0, 2) is None
    balanced = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    assert class_weights(y, 1.0, 2) == pytest.approx(dict(enumerate(balanced)))
    half = class_weights(y, 0.5, 2)
    assert half == pytest.approx({0: np.sqrt(balanced[0]), 1: np.sqrt(balanced[1])})


def test_decide_thresholds_the_positive_class_else_argmax():
    proba = np.array([[0.5, 0.3, 0.2], [0.2, 0.25, 0.55], [0.1, 0.6, 0.3]])
    assert decide(proba, 2, 0.3).tolist() == [0, 2, 2]
    assert decide(proba, 2, 0.6).tolist() == [0, 1, 1]
    assert decide(np.array([[0.7, 0.3], [0.4, 0.6]]), 1, 0.25).tolist() == [1, 1]


def test_optuna_stays_quiet_and_its_verbosity_is_restored(datasets, comparisons, capfd):
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        run_search(datasets["binary"], comparisons["binary"], SearchConfig(n_trials=3, **FAST))
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    assert "Trial" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_trials": 0}, "n_trials must be a whole number of at least 1. Got 0"),
        ({"timeout": -1}, "timeout must be a positive number of seconds"),
        ({"timeout": float("nan")}, "timeout must be a positive number"),
        ({"inner_cv": 1}, "inner_cv must be a whole number of at least 2"),
        ({"n_slots": 1}, "n_slots must be a whole number of at least 2"),
        ({"seed": -3}, "seed must be a whole number of at least 0"),
    ],
)
def test_bad_config(kwargs, match):
    with pytest.raises(DataError, match=match):
        SearchConfig(**kwargs)


def test_bad_inputs(datasets, comparisons):
    ds = datasets["binary"]
    with pytest.raises(DataError, match="is not the one the comparison ran on"):
        run_search(datasets["multiclass"], comparisons["binary"], SearchConfig(n_trials=3))
    with pytest.raises(DataError, match="rows do not match"):
        run_search(subset(ds, np.arange(200)), comparisons["binary"], SearchConfig(n_trials=3))
    with pytest.raises(DataError, match="Unknown positive class 'maybe'"):
        run_search(ds, comparisons["binary"], SearchConfig(positive_class="maybe"))
    with pytest.raises(DataError, match="fewer than the 40 inner folds"):
        run_search(ds, comparisons["binary"], SearchConfig(inner_cv=40))
    with pytest.raises(
        DataError, match="at least one trial per outer fold \\(3\\). Got n_trials=2"
    ):
        run_search(ds, comparisons["binary"], SearchConfig(n_trials=2))
    with pytest.raises(DataError, match="No search space for model 'svm'"):
        search_space("svm")
    renamed = replace(ds, content_hash="other")
    with pytest.raises(DataError, match="Load that dataset and target again"):
        run_search(renamed, comparisons["binary"], SearchConfig(n_trials=3))


def test_a_failing_configuration_is_recorded_and_the_search_goes_on(
    datasets, comparisons, monkeypatch
):
    real = search._inner_proba
    count = {"n": 0}

    def flaky(train, model, params, seed, inner_cv):
        count["n"] += 1
        if count["n"] == 2:  # fold 1's first trial
            raise ValueError("solver blew up")
        return real(train, model, params, seed, inner_cv)

    monkeypatch.setattr(search, "_inner_proba", flaky)
    found = run_search(datasets["binary"], comparisons["binary"], SearchConfig(n_trials=6, **FAST))
    failed = found.trials[found.trials["state"] == "failed"]
    assert failed[["fold", "trial"]].values.tolist() == [[1, 0]]
    assert failed["error"].iloc[0] == "ValueError: solver blew up"
    assert not failed["pareto"].iloc[0] and np.isnan(failed["inner_f1"].iloc[0])
    assert len(found.points) >= 1

    def broken(*args, **kwargs):
        raise ValueError("always")

    monkeypatch.setattr(search, "_inner_proba", broken)
    with pytest.raises(DataError, match="could be fitted on outer fold 1: ValueError: always"):
        run_search(datasets["binary"], comparisons["binary"], SearchConfig(n_trials=3, **FAST))
