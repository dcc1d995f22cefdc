"""LightGBM and XGBoost in the registry: every strategy they claim on every task, the plain
library loop they must equal, their settings, native_imbalance, and the fit-time estimate."""

from __future__ import annotations

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from helpers import dataset_from, make_ds
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.utils.class_weight import compute_sample_weight

from core.errors import StrategyError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.intake.dataset import Dataset
from core.modelling.boosters import (
    NativeImbalanceClassifier,
    accepts_sample_weight,
    fit_weighted,
    rarer_class_weights,
)
from core.modelling.models import MODELS, make_classifier, make_model
from core.modelling.options import StrategyOptions
from core.modelling.strategies import get_strategy, strategies_for
from core.modelling.timing import REFERENCE, FitTimes, time_fits
from core.tasks import TASK_KINDS

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/core/conftest.py

BOOSTERS = ("lightgbm", "xgboost")
FAST = StrategyOptions(n_estimators=5)
ROUNDS = 20
EXACT = 1e-12  # the same computation: only float summation order may differ (it does not)
FLOAT32 = 1e-6  # XGBoost's probabilities are float32


def _with_colour(ds: Dataset, seed: int = 0) -> Dataset:
    """``ds`` plus a categorical column (some missing) and missing numeric values."""
    rng = np.random.default_rng(seed)
    X = ds.X.copy()
    X["colour"] = pd.Series(rng.choice(["red", "green", "blue"], len(X)), dtype=object)
    X.loc[::9, "colour"] = np.nan
    X.loc[::13, "f0"] = np.nan
    return dataset_from(X, ds.y, ds.classes, ds.task)


DATA = {task: _with_colour(make_ds(task, n=150, seed=1)) for task in TASK_KINDS}
MATRIX = [
    (model, s.name, task) for model in BOOSTERS for task in TASK_KINDS for s in strategies_for(task)
]


def _numeric_with_gaps(task: str, n: int = 240, seed: int = 3) -> Dataset:
    ds = make_ds(task, n=n, seed=seed)
    X = ds.X.copy()
    X.loc[::7, "f1"] = np.nan
    return dataset_from(X, ds.y, ds.classes, ds.task)


# ------------------------------------------------------------------------- registry


def test_boosters_are_registered_with_their_knobs():
    assert list(MODELS)[-2:] == ["lightgbm", "xgboost"]
    lgbm, xgb = MODELS["lightgbm"], MODELS["xgboost"]
    assert lgbm.supports_class_weight and not xgb.supports_class_weight  # XGBoost: per-row
    assert lgbm.native_knob == "is_unbalance" and xgb.native_knob == "scale_pos_weight"
    assert all(MODELS[m].has_n_estimators and not MODELS[m].needs_scaling for m in BOOSTERS)
    assert "class_weight" in lgbm.description and "sample weights" in xgb.description


def test_boosters_are_seeded_single_threaded_deterministic_and_silent():
    lgbm = make_classifier("lightgbm", seed=7, n_estimators=30).get_params()
    assert lgbm["random_state"] == 7 and lgbm["n_jobs"] == 1 and lgbm["n_estimators"] == 30
    assert lgbm["deterministic"] is True and lgbm["force_row_wise"] is True
    assert lgbm["verbose"] == -1
    xgb = make_classifier("xgboost", seed=7).get_params()
    assert xgb["random_state"] == 7 and xgb["n_jobs"] == 1 and xgb["n_estimators"] == 100
    assert xgb["tree_method"] == "hist" and xgb["verbosity"] == 0


def test_xgboost_class_weights_become_sample_weights():
    clf = make_classifier("xgboost", seed=0, class_weight="balanced")
    assert type(clf).__name__ == "SampleWeightedClassifier"
    native = make_classifier("lightgbm", seed=0, class_weight="balanced")
    assert isinstance(native, lightgbm.LGBMClassifier) and native.class_weight == "balanced"


@pytest.mark.parametrize("model", BOOSTERS)
def test_fitting_prints_nothing_and_warns_nothing(model, capfd):
    ds = DATA["multiclass"]
    est = get_strategy("class_weight").build(ds, model=model, options=FAST)
    est.fit(ds.X, ds.y).predict_proba(ds.X)  # pytest turns any warning into an error
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# ------------------------------------------------------------ every strategy x task


@pytest.mark.slow
@pytest.mark.parametrize(("model", "name", "task"), MATRIX)
def test_every_strategy_runs_with_the_boosters_and_is_seeded(model, name, task):
    ds = DATA[task]
    est = get_strategy(name).build(ds, model=model, options=FAST).fit(ds.X, ds.y)
    proba = np.asarray(est.predict_proba(ds.X))
    pred = np.asarray(est.predict(ds.X))
    k = len(ds.classes)
    assert proba.shape == (ds.n_rows, k) and np.all((proba >= 0) & (proba <= 1 + FLOAT32))
    if task == "multilabel":
        assert pred.shape == (ds.n_rows, k) and set(np.unique(pred)) <= {0, 1}
    else:
        assert set(np.unique(pred)) <= set(range(k))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=FLOAT32)
    again = clone(get_strategy(name).build(ds, model=model, options=FAST)).fit(ds.X, ds.y)
    np.testing.assert_array_equal(np.asarray(again.predict_proba(ds.X)), proba)


@pytest.mark.parametrize("model", BOOSTERS)
def test_the_booster_sits_in_the_pipeline_the_strategy_builds(model):
    ds = DATA["binary"]
    wanted = {"lightgbm": "LGBMClassifier", "xgboost": "XGBClassifier"}[model]
    for name in ("baseline", "class_weight", "smote", "balanced_bagging", "native_imbalance"):
        est = get_strategy(name).build(ds, model=model, options=FAST)
        assert wanted in repr(est.get_params()), name


# ------------------------------------------------------- the plain library loop


def _plain_lightgbm(**extra):
    return lightgbm.LGBMClassifier(
        n_estimators=ROUNDS, random_state=0, n_jobs=1, deterministic=True,
        force_row_wise=True, verbose=-1, **extra,
    )  # fmt: skip


def _plain_xgboost(**extra):
    return xgboost.XGBClassifier(
        n_estimators=ROUNDS, tree_method="hist", random_state=0, n_jobs=1, verbosity=0, **extra
    )


def _plain_oof(ds: Dataset, folds, model: str, strategy: str) -> np.ndarray:
    """Out-of-fold probabilities of a hand-written loop: median imputation, then the booster
    with the strategy's knob, fitted on each fold's training rows."""
    X, y = ds.X.to_numpy(dtype=float), np.asarray(ds.y)
    oof = np.full((len(y), len(ds.classes)), np.nan)
    for train, val in folds:
        imputer = SimpleImputer(strategy="median").fit(X[train])
        Xt, Xv, yt = imputer.transform(X[train]), imputer.transform(X[val]), y[train]
        fit_kw = {}
        n_pos = int(yt.sum())
        if model == "lightgbm":
            extra = {"class_weight": "balanced"} if strategy == "class_weight" else {}
            if strategy == "native_imbalance":
                extra = {"is_unbalance": True}
            clf = _plain_lightgbm(**extra)
        else:
            extra = {}
            if strategy == "native_imbalance":
                extra = {"scale_pos_weight": (len(yt) - n_pos) / n_pos}
            clf = _plain_xgboost(**extra)
            if strategy == "class_weight":
                fit_kw = {"sample_weight": compute_sample_weight("balanced", yt)}
        oof[val] = clf.fit(Xt, yt, **fit_kw).predict_proba(Xv)
    return oof


@pytest.mark.parametrize("model", BOOSTERS)
@pytest.mark.parametrize(
    ("task", "strategy"),
    [
        ("binary", "baseline"),
        ("binary", "class_weight"),
        ("binary", "native_imbalance"),
        ("multiclass", "baseline"),
        ("multiclass", "class_weight"),
    ],
)
def test_out_of_fold_probabilities_equal_the_plain_library_loop(model, task, strategy):
    ds = _numeric_with_gaps(task)
    config = CompareConfig(
        strategies=(strategy,), model=model, cv=3, n_jobs=1,
        options=StrategyOptions(n_estimators=ROUNDS),
    )  # fmt: skip
    comparison = run_comparison(ds, config)
    result = comparison.results[strategy]
    assert result.ok, result.error
    assert result.warnings == ()
    expected = _plain_oof(ds, comparison.folds, model, strategy)
    np.testing.assert_allclose(result.oof_proba, expected, rtol=0, atol=EXACT)


@pytest.mark.slow
@pytest.mark.parametrize("model", BOOSTERS)
def test_same_seed_same_numbers_in_parallel_and_in_series(model):
    ds = _numeric_with_gaps("binary")
    runs = [
        run_comparison(
            ds,
            CompareConfig(
                strategies=("baseline", "native_imbalance"),
                model=model,
                cv=3,
                n_jobs=jobs,
                options=StrategyOptions(n_estimators=ROUNDS),
            ),  # fmt: skip
        )
        for jobs in (1, 2, 1)
    ]
    for name in ("baseline", "native_imbalance"):
        first = runs[0].results[name].oof_proba
        for other in runs[1:]:
            np.testing.assert_array_equal(other.results[name].oof_proba, first)


@pytest.mark.parametrize("model", BOOSTERS)
def test_a_training_fold_missing_a_class_still_answers_in_codes(model):
    ds = DATA["multiclass"]
    keep = np.asarray(ds.y) != 1  # e.g. a class with fewer rows than folds
    X, y = ds.X[keep], np.asarray(ds.y)[keep]
    est = get_strategy("baseline").build(ds, model=model, options=FAST).fit(X, y)
    np.testing.assert_array_equal(est.classes_, [0, 2])
    assert set(np.unique(est.predict(ds.X))) <= {0, 2}
    assert est.predict_proba(ds.X).shape == (ds.n_rows, 2)


# ------------------------------------------------------------------ native_imbalance


def test_native_imbalance_applies_to_binary_only_with_reasons():
    s = get_strategy("native_imbalance")
    assert s.tasks == frozenset({"binary"}) and s.family == "weighting"
    assert "scale_pos_weight" in s.description and "is_unbalance" in s.description
    with pytest.raises(StrategyError, match="does not apply to multiclass"):
        s.build(DATA["multiclass"], model="lightgbm")


def test_rarer_class_weights_hand_example():
    y = np.array([0] * 8 + [1] * 2)
    np.testing.assert_array_equal(rarer_class_weights(y), [1.0] * 8 + [4.0] * 2)
    y = np.array([1] * 6 + [0] * 3)  # the rarer class may be code 0
    np.testing.assert_array_equal(rarer_class_weights(y), [1.0] * 6 + [2.0] * 3)
    np.testing.assert_array_equal(rarer_class_weights(np.array([0, 1, 0, 1])), [1.0] * 4)


def test_native_imbalance_on_other_models_is_the_rarer_class_weighted():
    ds = make_ds("binary", n=200, seed=2)
    est = get_strategy("native_imbalance").build(ds).fit(ds.X, ds.y)
    assert est.named_steps["model"].knob == "sample_weight"
    y = np.asarray(ds.y)
    X = est.named_steps["preprocess"].transform(ds.X)
    hand = LogisticRegression(max_iter=1000, random_state=0)
    hand.fit(X, y, sample_weight=rarer_class_weights(y))
    np.testing.assert_allclose(est.predict_proba(ds.X), hand.predict_proba(X), atol=EXACT)


def test_native_imbalance_classifier_refuses_more_than_two_classes():
    clf = NativeImbalanceClassifier(LogisticRegression(), knob="sample_weight")
    with pytest.raises(StrategyError, match="needs a binary target"):
        clf.fit(np.zeros((6, 1)), np.array([0, 1, 2, 0, 1, 2]))


# ------------------------------------------------------------------- sample weights


def test_sample_weights_reach_the_final_step_of_a_pipeline():
    X, y = make_ds("binary", n=120).X.to_numpy(), make_ds("binary", n=120).y
    w = compute_sample_weight("balanced", y)
    pipe = fit_weighted(make_pipeline(SimpleImputer(), LogisticRegression()), X, y, w)
    bare = LogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(pipe.predict_proba(X), bare.predict_proba(X), atol=EXACT)
    assert accepts_sample_weight(make_pipeline(SimpleImputer(), LogisticRegression()))
    knn = make_pipeline(SimpleImputer(), KNeighborsClassifier())
    assert not accepts_sample_weight(knn)
    with pytest.raises(StrategyError, match="cannot take per-row weights"):
        fit_weighted(knn, X, y, w)


# ------------------------------------------------------------------- fit-time estimate


def test_fit_times_label_hand_example():
    times = FitTimes(1000, {REFERENCE: 0.1, "lightgbm": 0.25, "random_forest": 1.5})
    assert times.relative("lightgbm") == pytest.approx(2.5)
    assert times.label("lightgbm") == "≈ 2.5× logistic regression"
    assert times.label("random_forest") == "≈ 15× logistic regression"
    assert times.label(REFERENCE) == "" and times.label("xgboost") == ""  # untimed
    assert FitTimes(10, {"lightgbm": 0.2}).relative("lightgbm") is None  # no reference


def test_time_fits_samples_the_data_and_keeps_to_its_budget():
    ds = make_ds("binary", n=400)
    times = time_fits(ds, ["xgboost", "logistic_regression", "lightgbm"], max_rows=200)
    assert times.n_rows == 200
    assert set(times.seconds) == {"logistic_regression", "lightgbm", "xgboost"}
    assert all(s > 0 for s in times.seconds.values())
    first_only = time_fits(ds, budget_s=0.0, max_rows=200)
    assert list(first_only.seconds) == [REFERENCE]  # the budget was spent on the first fit


def test_make_model_on_boosters_gives_unscaled_one_hot_input():
    ds = DATA["binary"]
    pipe = make_model("lightgbm", ds, seed=0, n_estimators=5).fit(ds.X, ds.y)
    Xt = pipe.named_steps["preprocess"].transform(ds.X)
    assert Xt.dtype == np.float64 and not np.isnan(Xt).any()
    assert Xt.shape[1] == 5 + 3  # five numeric columns, three colours (missing = most frequent)
