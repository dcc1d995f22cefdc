"""Model registry and preprocessing: mixed data, missing values, unseen categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import dataset_from
from sklearn.datasets import make_classification
from sklearn.utils.class_weight import compute_sample_weight

from core.errors import DataError
from core.modelling.models import (
    MODELS,
    SafeMLPClassifier,
    SampleWeightedClassifier,
    make_classifier,
    make_encoder,
    make_imputer,
    make_model,
    make_preprocessor,
)
from core.modelling.multilabel import BinaryRelevance

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/core/conftest.py


MODEL_NAMES = ["logistic_regression", "random_forest", "hist_gradient_boosting", "mlp",
               "lightgbm", "xgboost"]  # fmt: skip


def _frame(n: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_classification(
        n_samples=n,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        weights=[0.6, 0.3],
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["city"] = pd.Series(rng.choice(["Oslo", "Lima", "Pune"], n), dtype=object)
    df["plan"] = pd.Series(rng.choice(["free", "pro"], n), dtype=object)
    df.loc[::7, "a"] = np.nan
    df.loc[::5, "city"] = np.nan
    return df, y.astype(np.intp)


X_TRAIN, Y_TRAIN = _frame()
DS = dataset_from(X_TRAIN, Y_TRAIN, ("low", "mid", "high"), "multiclass")
X_NEW = X_TRAIN.iloc[:6].copy()
X_NEW["city"] = ["Tromsø", "Quito", np.nan, "Oslo", "Lima", "Pune"]  # unseen categories
X_NEW["plan"] = ["enterprise", "free", "pro", "free", np.nan, "pro"]
X_NEW.loc[X_NEW.index[0], "b"] = np.nan


def test_registry_names_and_specs():
    assert list(MODELS) == MODEL_NAMES
    assert MODELS["logistic_regression"].needs_scaling and MODELS["mlp"].needs_scaling
    assert not MODELS["random_forest"].needs_scaling
    assert not MODELS["mlp"].supports_class_weight and MODELS["mlp"].supports_sample_weight
    assert all(spec.title and spec.description for spec in MODELS.values())


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_fits_mixed_data_and_handles_unseen_categories(name):
    model = make_model(name, DS, seed=0, n_estimators=10).fit(DS.X, DS.y)
    pred = model.predict(X_NEW)
    proba = model.predict_proba(X_NEW)
    assert pred.shape == (6,) and set(pred) <= {0, 1, 2}
    assert proba.shape == (6, 3)
    # XGBoost computes its probabilities in float32: rows sum to 1 within float32 rounding
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6 if name == "xgboost" else 1e-7)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])  # columns in code order
    again = make_model(name, DS, seed=0, n_estimators=10).fit(DS.X, DS.y)
    np.testing.assert_array_equal(again.predict_proba(X_NEW), proba)  # seeded


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_multilabel_model_is_binary_relevance(name):
    Y = np.column_stack([DS.y == 0, DS.y == 2, np.zeros(150)]).astype(np.int8)
    ds = dataset_from(DS.X, Y, ("x", "y", "never"), "multilabel")
    model = make_model(name, ds, seed=0, n_estimators=10).fit(ds.X, ds.y)
    assert isinstance(model.named_steps["model"], BinaryRelevance)
    pred = model.predict(X_NEW)
    proba = model.predict_proba(X_NEW)
    assert pred.shape == (6, 3) and pred.dtype == np.int8
    assert proba.shape == (6, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert (pred[:, 2] == 0).all() and (proba[:, 2] == 0).all()  # a label with no positives


def test_preprocessor_imputes_scales_and_encodes():
    df = pd.DataFrame(
        {
            "n": [1.0, np.nan, 3.0, 5.0, 100.0],
            "c": pd.Series(["u", "u", np.nan, "v", "u"], dtype=object),
        }
    )
    raw = make_preprocessor(["n"], ["c"], scale=False).fit(df)
    out = raw.transform(df)
    np.testing.assert_allclose(out[:, 0], [1.0, 4.0, 3.0, 5.0, 100.0])  # median of 1,3,5,100
    # "u" is the most frequent category (3 rows); with fewer than 5 rows per category both
    # pool into the "infrequent" column, so every row has a one there
    assert out.shape == (5, 2) and (out[:, 1] == 1.0).all()
    scaled = make_preprocessor(["n"], ["c"], scale=True).fit_transform(df)
    assert scaled[:, 0].mean() == pytest.approx(0.0) and scaled[:, 0].std() == pytest.approx(1.0)


def test_preprocessor_keeps_frequent_categories_and_routes_unknown_ones():
    df = pd.DataFrame({"c": pd.Series(["u"] * 6 + ["v"] * 6 + ["w"], dtype=object)})
    pre = make_preprocessor([], ["c"], scale=False).fit(df)
    names = list(pre.get_feature_names_out())
    assert names == ["categorical__c_u", "categorical__c_v", "categorical__c_infrequent_sklearn"]
    new = pre.transform(pd.DataFrame({"c": pd.Series(["v", "zzz"], dtype=object)}))
    np.testing.assert_array_equal(new, [[0, 1, 0], [0, 0, 1]])  # unseen -> infrequent


def test_preprocessor_with_only_numeric_or_no_columns():
    df = pd.DataFrame({"n": [1.0, 2.0, np.nan]})
    np.testing.assert_allclose(
        make_preprocessor(["n"], [], scale=False).fit_transform(df)[:, 0], [1, 2, 1.5]
    )
    with pytest.raises(DataError, match="no feature columns"):
        make_preprocessor([], [], scale=True)


def test_imputer_then_encoder_equals_the_preprocessor():
    num, cat = ("a", "b", "c", "d"), ("city", "plan")
    whole = make_preprocessor(num, cat, scale=True).fit(X_TRAIN)
    imputer = make_imputer(num, cat, scale=True).fit(X_TRAIN)
    encoder = make_encoder(4, 2).fit(imputer.transform(X_TRAIN))
    staged = encoder.transform(imputer.transform(X_NEW))
    assert staged.dtype == np.float64
    np.testing.assert_allclose(staged, whole.transform(X_NEW))


def test_make_classifier_errors_and_options():
    with pytest.raises(DataError, match=r"Unknown model 'random_forests'.*'random_forest'"):
        make_classifier("random_forests", seed=0)
    with pytest.raises(DataError, match="n_estimators must be at least 1"):
        make_classifier("random_forest", seed=0, n_estimators=0)
    forest = make_classifier("random_forest", seed=3, n_estimators=7, class_weight="balanced")
    assert (forest.n_estimators, forest.random_state, forest.class_weight) == (7, 3, "balanced")
    lr = make_classifier("logistic_regression", seed=0, class_weight={0: 1.0, 1: 5.0})
    assert lr.class_weight == {0: 1.0, 1: 5.0} and lr.max_iter == 1000
    mlp = make_classifier("mlp", seed=0, class_weight="balanced")
    assert isinstance(mlp, SampleWeightedClassifier) and mlp.estimator.early_stopping


def test_sample_weighted_classifier_matches_manual_sample_weights():
    X = make_preprocessor(("a", "b", "c", "d"), (), scale=True).fit_transform(X_TRAIN)
    weights = {0: 1.0, 1: 2.0, 2: 7.0}
    wrapped = SampleWeightedClassifier(make_classifier("mlp", seed=0), class_weight=weights).fit(
        X, Y_TRAIN
    )
    manual = make_classifier("mlp", seed=0).fit(
        X, Y_TRAIN, sample_weight=compute_sample_weight(weights, Y_TRAIN)
    )
    np.testing.assert_allclose(wrapped.predict_proba(X), manual.predict_proba(X))
    np.testing.assert_array_equal(wrapped.classes_, [0, 1, 2])


def test_mlp_with_a_single_row_class_skips_early_stopping():
    X = make_preprocessor(("a", "b", "c", "d"), (), scale=True).fit_transform(X_TRAIN)
    y = (Y_TRAIN == 2).astype(int)
    y[:] = 0
    y[0] = 1  # one row of class 1: a stratified validation split is impossible
    mlp = make_classifier("mlp", seed=0)
    assert isinstance(mlp, SafeMLPClassifier)
    mlp.fit(X, y)
    assert mlp.early_stopping is True  # the parameter is restored after fit
    assert mlp.validation_scores_ is None  # no validation split was used
    assert mlp.predict_proba(X).shape == (150, 2)
