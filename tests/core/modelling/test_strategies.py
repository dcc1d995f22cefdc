"""Strategy registry: every strategy on every task it claims, options, samplers, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import dataset_from
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight

from core.errors import DataError, StrategyError
from core.intake.dataset import Dataset
from core.modelling.learners import (
    CheckedRUSBoostClassifier,
    NeighbourOverSampler,
    OneClassBoostClassifier,
    SafeCleaner,
)
from core.modelling.multilabel import (
    MLROS,
    BinaryRelevance,
    label_imbalance_ratios,
    mean_imbalance_ratio,
)
from core.modelling.options import StrategyOptions
from core.modelling.strategies import (
    FAMILIES,
    STRATEGIES,
    get_strategy,
    registry_table,
    strategies_for,
)
from core.tasks import TASK_KINDS

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/core/conftest.py


CONTRACT = [
    "baseline",
    "class_weight",
    "cost_sensitive",
    "random_over",
    "random_under",
    "smote",
    "borderline_smote",
    "adasyn",
    "smote_tomek",
    "smote_enn",
    "balanced_random_forest",
    "easy_ensemble",
    "rusboost",
    "balanced_bagging",
    "one_vs_rest",
    "threshold_tuning",
    "one_class",
    "ml_ros",
    "native_imbalance",
]
FAST = StrategyOptions(n_estimators=5)  # few trees / bags / rounds keep the file fast
PROBA_TOL = 1e-9


def _add_colour(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = df.copy()
    df["colour"] = pd.Series(rng.choice(["red", "green", "blue"], len(df)), dtype=object)
    df.loc[::9, "colour"] = np.nan
    df.loc[::13, "x0"] = np.nan
    return df


def single_label(weights: list[float], *, categorical: bool, seed: int = 0) -> Dataset:
    n_classes = len(weights) + 1
    X, y = make_classification(
        n_samples=150,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        weights=weights,
        random_state=seed,
    )
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    if categorical:
        df = _add_colour(df, seed)
    task = "binary" if n_classes == 2 else "multiclass"
    return dataset_from(df, y.astype(np.intp), tuple(f"c{i}" for i in range(n_classes)), task)


def multilabel(seed: int = 0) -> Dataset:
    X, Y = make_multilabel_classification(
        n_samples=150, n_features=5, n_classes=3, n_labels=2, random_state=seed
    )
    df = _add_colour(pd.DataFrame(X.astype(float), columns=[f"x{i}" for i in range(5)]), seed)
    score = X[:, 0] - X[:, 1]
    rare = (score >= np.sort(score)[-10]).astype(np.int8)  # 10 rows, learnable from x0, x1
    Y = np.column_stack([Y, rare]).astype(np.int8)
    return dataset_from(df, Y, ("a", "b", "c", "rare"), "multilabel")


DATA = {
    "binary": single_label([0.9], categorical=False),
    "multiclass": single_label([0.6, 0.3], categorical=True),
    "multilabel": multilabel(),
}
APPLICABLE = [(s.name, t) for s in STRATEGIES.values() for t in TASK_KINDS if t in s.tasks]
NOT_APPLICABLE = [(s.name, t) for s in STRATEGIES.values() for t in TASK_KINDS if t not in s.tasks]


def _fit(name: str, ds: Dataset, *, seed: int = 0, options: StrategyOptions = FAST) -> object:
    return get_strategy(name).build(ds, seed=seed, options=options).fit(ds.X, ds.y)


# ------------------------------------------------------------------------- registry


def test_registry_holds_the_contract_names_in_order():
    assert list(STRATEGIES) == CONTRACT


@pytest.mark.parametrize("name", CONTRACT)
def test_registry_entry_is_complete(name):
    s = get_strategy(name)
    assert s.name == name and s.title and s.family in FAMILIES
    assert s.tasks and s.tasks <= set(TASK_KINDS)
    assert set(s.not_applicable) == set(TASK_KINDS) - s.tasks  # a reason for every task left out
    assert all(len(reason) > 20 for reason in s.not_applicable.values())
    assert s.reference and s.reference.split()[0] in s.description  # author cited
    assert "\n" not in s.description and len(s.description) > 150
    if "multilabel" in s.tasks and name not in ("ml_ros", "threshold_tuning", "baseline"):
        assert "binary relevance" in s.description


def test_strategies_cover_every_task_and_uses_model_flags():
    assert [s.name for s in strategies_for("multilabel")] == [
        n
        for n in CONTRACT
        if n not in ("cost_sensitive", "one_vs_rest", "one_class", "native_imbalance")
    ]
    assert "ml_ros" not in [s.name for s in strategies_for("binary")]
    assert {s.name for s in STRATEGIES.values() if not s.uses_model} == {
        "balanced_random_forest",
        "easy_ensemble",
        "rusboost",
    }
    with pytest.raises(DataError, match="Unknown task 'regression'"):
        strategies_for("regression")


def test_registry_table_has_one_row_per_strategy():
    table = registry_table()
    assert list(table["name"]) == CONTRACT
    assert {"name", "family", "tasks", "description"} <= set(table.columns)
    row = table.set_index("name").loc["ml_ros"]
    assert row["tasks"] == "multilabel" and row["family"] == "oversampling"


def test_get_strategy_names_the_valid_ones():
    with pytest.raises(DataError, match=r"Unknown strategy 'smot'\. Did you mean 'smote'\?"):
        get_strategy("smot")
    with pytest.raises(DataError, match="Valid names: baseline, class_weight"):
        get_strategy("nothing like it")


def test_unknown_model_is_a_data_error():
    with pytest.raises(DataError, match="Unknown model 'svm'"):
        get_strategy("baseline").build(DATA["binary"], model="svm")


# ------------------------------------------------------------------- every strategy


@pytest.mark.slow
@pytest.mark.parametrize(("name", "task"), APPLICABLE)
def test_strategy_fits_predicts_and_is_deterministic(name, task):
    ds = DATA[task]
    est = _fit(name, ds)
    pred = np.asarray(est.predict(ds.X))
    proba = np.asarray(est.predict_proba(ds.X))
    k = len(ds.classes)
    assert proba.shape == (ds.n_rows, k)
    assert np.all((proba >= -PROBA_TOL) & (proba <= 1 + PROBA_TOL))
    assert pred.dtype.kind in "iu"
    if task == "multilabel":
        assert pred.shape == (ds.n_rows, k) and set(np.unique(pred)) <= {0, 1}
    else:
        assert pred.shape == (ds.n_rows,) and set(np.unique(pred)) <= set(range(k))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    # a fresh build with the same seed, cloned (meta-estimators clone their parts)
    again = clone(get_strategy(name).build(ds, options=FAST)).fit(ds.X, ds.y)
    np.testing.assert_array_equal(np.asarray(again.predict(ds.X)), pred)
    np.testing.assert_array_equal(np.asarray(again.predict_proba(ds.X)), proba)
    if name == "threshold_tuning":
        assert est.thresholds_ is not None


@pytest.mark.slow
@pytest.mark.parametrize("model", ["random_forest", "hist_gradient_boosting", "mlp"])
@pytest.mark.parametrize("name", ["class_weight", "smote", "balanced_bagging", "one_vs_rest"])
def test_strategies_that_use_the_model_work_with_every_model(name, model):
    ds = DATA["multiclass"]
    est = get_strategy(name).build(ds, model=model, options=FAST).fit(ds.X, ds.y)
    proba = est.predict_proba(ds.X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    # the model's own class: a base estimator of that kind sits somewhere in the pipeline
    wanted = {"random_forest": "RandomForest", "hist_gradient_boosting": "HistGradient",
              "mlp": "MLP"}[model]  # fmt: skip
    assert wanted in repr(est.get_params())


@pytest.mark.parametrize(("name", "task"), NOT_APPLICABLE)
def test_not_applicable_task_raises_with_the_reason(name, task):
    reason = get_strategy(name).not_applicable[task]
    with pytest.raises(StrategyError, match="does not apply to " + task) as err:
        get_strategy(name).build(DATA[task])
    assert reason in str(err.value)


def test_one_class_on_multilabel_is_a_clear_error():
    with pytest.raises(StrategyError, match="no single class to isolate"):
        get_strategy("one_class").build(DATA["multilabel"])


def test_a_label_without_positives_in_training_is_predicted_constant():
    ds = DATA["multilabel"]
    y = ds.y.copy()
    y[:, 3] = 0  # e.g. a training fold that missed every row of the rare label
    for name in ("baseline", "smote", "balanced_random_forest", "ml_ros"):
        est = get_strategy(name).build(ds, options=FAST).fit(ds.X, y)
        assert np.all(est.predict(ds.X)[:, 3] == 0)
        assert np.all(est.predict_proba(ds.X)[:, 3] == 0.0)


def test_mixed_data_smote_uses_smotenc_on_categories_before_one_hot():
    ds = DATA["multiclass"]
    est = _fit("smote", ds)
    assert list(est.named_steps) == ["impute", "sample", "encode", "model"]
    sampler = est.named_steps["sample"]
    assert sampler.kind == "smotenc" and type(sampler.sampler_).__name__ == "SMOTENC"
    n_num = len(ds.numeric_features)
    assert list(sampler.categorical_features) == [n_num]  # position of "colour"


def test_smote_with_only_categorical_features_uses_smoten():
    base = DATA["binary"]
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "a": pd.Series(
                np.where(base.y == 1, "hot", rng.choice(["hot", "cold"], 150)), dtype=object
            ),
            "b": pd.Series(rng.choice(["x", "y", "z"], 150), dtype=object),
        }
    )
    ds = dataset_from(X, base.y, base.classes, "binary")
    est = _fit("smote", ds)
    assert type(est.named_steps["sample"].sampler_).__name__ == "SMOTEN"
    assert est.predict(ds.X).shape == (150,)


# ------------------------------------------------------------------ k adaptation


def _tiny_class(n_rare: int) -> Dataset:
    X, y = make_classification(
        n_samples=60, n_features=4, n_informative=3, n_redundant=0, n_clusters_per_class=1,
        weights=[0.5], flip_y=0, random_state=3,
    )  # fmt: skip
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:n_rare]]
    df = pd.DataFrame(X[keep], columns=[f"x{i}" for i in range(4)])
    return dataset_from(df, y[keep].astype(np.intp), ("common", "rare"), "binary")


K_SAMPLERS = ["smote", "borderline_smote", "adasyn", "smote_tomek", "smote_enn"]


@pytest.mark.parametrize("name", K_SAMPLERS)
def test_k_adapts_to_a_class_of_three_rows(name):
    ds = _tiny_class(3)
    est = _fit(name, ds)  # k_neighbors=5 asked, 3 rows -> k = 2
    assert est.named_steps["sample"].k_neighbors_ == 2
    assert est.predict(ds.X).shape == (ds.n_rows,)


@pytest.mark.parametrize("name", K_SAMPLERS)
def test_a_class_of_one_row_raises_strategy_error(name):
    ds = _tiny_class(1)
    est = get_strategy(name).build(ds, options=FAST)
    with pytest.raises(StrategyError, match=r"needs at least 2 rows of class 'rare' .* it has 1"):
        est.fit(ds.X, ds.y)


def test_k_is_never_raised_above_the_option():
    ds = _tiny_class(20)
    est = _fit("smote", ds, options=StrategyOptions(k_neighbors=3))
    assert est.named_steps["sample"].k_neighbors_ == 3


def test_adasyn_failure_becomes_a_strategy_error():
    # two far-apart blobs: no minority row has a majority neighbour
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(50, 1, (10, 2))])
    y = np.r_[np.zeros(40, int), np.ones(10, int)]
    with pytest.raises(StrategyError, match="ADASYN cannot over-sample"):
        NeighbourOverSampler("adasyn", random_state=0).fit_resample(X, y)


def test_adasyn_on_nearly_balanced_data_keeps_the_data():
    # 26 vs 24 rows: ADASYN rounds every row's share of 2 new rows to 0
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = np.r_[np.zeros(26, int), np.ones(24, int)]
    X_res, y_res = NeighbourOverSampler("adasyn", random_state=0).fit_resample(X, y)
    assert X_res is X
    np.testing.assert_array_equal(y_res, y)


def test_rusboost_that_cannot_start_is_a_strategy_error():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 3))  # no signal and 6 positives: the first stump fails
    y = np.zeros(150, int)
    y[rng.choice(150, 6, replace=False)] = 1
    with pytest.raises(StrategyError, match="RUSBoost cannot start"):
        CheckedRUSBoostClassifier(n_estimators=5, random_state=0).fit(X, y)


def test_safe_cleaner_never_erases_a_class():
    # the single "2" row sits inside class 0: ENN (3 neighbours) would remove it
    X = np.r_[np.arange(10) / 10, 0.45, 5 + np.arange(5) / 10][:, None]
    y = np.r_[np.zeros(10, int), 2, np.ones(5, int)]
    cleaner = SafeCleaner("enn")
    X_res, y_res = cleaner.fit_resample(X, y)
    assert list(cleaner.restored_classes_) == [2]
    assert np.sum(y_res == 2) == 1 and np.sum(y_res == 1) == 5
    assert 0 < np.sum(y_res == 0) < 10  # class 0 rows next to the "2" row were cleaned
    np.testing.assert_array_equal(X_res[:, 0], X[cleaner.sample_indices_, 0])


def test_ml_ros_hand_computed_example():
    # label A on 8 rows, B on 2, C on 4: IRLbl = 1, 4, 2; MeanIR = 7/3; only B is minority
    Y = np.zeros((10, 3), dtype=np.int8)
    Y[:8, 0] = 1
    Y[8:, 1] = 1
    Y[[0, 1, 8, 9], 2] = 1
    np.testing.assert_allclose(label_imbalance_ratios(Y), [1.0, 4.0, 2.0])
    assert mean_imbalance_ratio(Y) == pytest.approx(7 / 3)
    X = np.arange(10.0)[:, None]
    X_res, Y_res = MLROS(percentage=100, random_state=0).fit_resample(X, Y)
    # B needs 4 positives for 8 / 4 <= 7/3: two clones of B rows (8 or 9), nothing else
    assert Y_res.shape == (12, 3) and X_res.shape == (12, 1)
    np.testing.assert_array_equal(Y_res[:10], Y)
    assert set(X_res[10:, 0]) <= {8.0, 9.0}
    assert Y_res[:, 1].sum() == 4 and Y_res[:, 0].sum() == 8


def test_ml_ros_respects_the_budget_and_the_seed():
    Y = DATA["multilabel"].y
    X = DATA["multilabel"].X
    X1, Y1 = MLROS(percentage=10, random_state=3).fit_resample(X, Y)
    X2, Y2 = MLROS(percentage=10, random_state=3).fit_resample(X, Y)
    assert len(Y1) == len(Y) + 15  # 10% of 150 rows, the rare label never reaches MeanIR
    assert Y1[:, 3].sum() > Y[:, 3].sum()
    pd.testing.assert_frame_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    pd.testing.assert_frame_equal(X1.iloc[:150], X.reset_index(drop=True))


def test_ml_ros_only_resamples_the_training_rows():
    ds = DATA["multilabel"]
    train, val = np.arange(100), np.arange(100, 150)
    est = get_strategy("ml_ros").build(ds, options=FAST)
    est.fit(ds.X.iloc[train], ds.y[train])
    sampler = est.named_steps["sample"]
    assert sampler.sample_indices_.max() < len(train)  # clones come from training rows
    assert len(sampler.sample_indices_) > len(train)
    assert est.predict(ds.X.iloc[val]).shape == (len(val), 4)  # no resampling at predict


def test_ml_ros_rejects_single_label_targets():
    with pytest.raises(DataError, match="must be a 0/1 matrix"):
        MLROS().fit_resample(np.zeros((4, 1)), np.array([0, 1, 0, 1]))


# ------------------------------------------------------------------------- one_class


def test_one_class_boost_is_a_noisy_or_of_the_base_and_novelty():
    ds = DATA["multiclass"]
    est = _fit("one_class", ds)
    assert isinstance(est, OneClassBoostClassifier)
    target = ds.classes.index("c2")  # the smallest class is the default target
    assert est.target == target
    base = clone(est.estimator).fit(ds.X, ds.y).predict_proba(ds.X)
    m = est.acceptance(ds.X)
    assert m.min() >= 0.0 and m.max() == 1.0
    weight = m[ds.y == target].sum() / m.sum()  # precision of the vote on training rows
    assert est.vote_weight_ == pytest.approx(weight) and 0 < weight < 1
    p = base[:, target]
    expected = p + (1 - p) * weight * m
    proba = est.predict_proba(ds.X)
    np.testing.assert_allclose(proba[:, target], expected)
    others = [c for c in range(3) if c != target]
    ratio = base[:, others] / base[:, others].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba[:, others], ratio * (1 - expected)[:, None], atol=1e-12)
    # rows of the target class are accepted more than other rows
    assert m[ds.y == target].mean() > m[ds.y != target].mean()


def test_one_class_target_option_and_tiny_target():
    ds = DATA["multiclass"]
    est = get_strategy("one_class").build(ds, options=StrategyOptions(one_class_target="c1"))
    assert est.target == 1 and est.target_name == "c1"
    tiny = _tiny_class(1)
    with pytest.raises(StrategyError, match="at least 2 rows of class 'rare'"):
        _fit("one_class", tiny)


# ------------------------------------------------------------------------- options


def test_validated_fills_the_documented_defaults():
    ds = DATA["multiclass"]
    counts = np.array(list(ds.class_counts.values()), dtype=float)
    opts = StrategyOptions().validated(ds)
    expected = np.repeat((counts.max() / counts)[:, None], 3, axis=1)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(np.array(opts.cost_matrix), expected)
    assert opts.one_class_target == "c2" and opts.class_weights is None
    assert opts.validated(ds) == opts  # idempotent
    ml = StrategyOptions().validated(DATA["multilabel"])
    assert ml.cost_matrix is None and ml.one_class_target is None


def test_user_class_weights_reach_the_model():
    ds = DATA["binary"]
    est = get_strategy("class_weight").build(ds, options=StrategyOptions(class_weights={"c1": 9}))
    assert est.named_steps["model"].class_weight == {0: 1.0, 1: 9.0}
    est = get_strategy("class_weight").build(ds)
    assert est.named_steps["model"].class_weight == "balanced"


def test_class_weights_on_mlp_become_sample_weights():
    ds = DATA["binary"]
    est = get_strategy("class_weight").build(ds, model="mlp").fit(ds.X, ds.y)
    model = est.named_steps["model"]
    assert type(model).__name__ == "SampleWeightedClassifier"
    Xt = est.named_steps["preprocess"].transform(ds.X)
    weight = compute_sample_weight("balanced", ds.y)
    manual = clone(model.estimator).fit(Xt, ds.y, sample_weight=weight)
    np.testing.assert_allclose(est.predict_proba(ds.X), manual.predict_proba(Xt))


def test_multilabel_class_weights_weigh_positive_rows_per_label():
    ds = DATA["multilabel"]
    opts = StrategyOptions(class_weights={"rare": 4.0}, n_estimators=5)
    est = get_strategy("class_weight").build(ds, options=opts)
    assert isinstance(est, BinaryRelevance)
    weights = [e.named_steps["model"].class_weight for e in est.estimators]
    assert weights == [{0: 1.0, 1: 1.0}] * 3 + [{0: 1.0, 1: 4.0}]


def test_cost_sensitive_gets_the_validated_matrix():
    ds = DATA["binary"]
    est = get_strategy("cost_sensitive").build(
        ds, options=StrategyOptions(cost_matrix=((0, 1), (5, 0)))
    )
    np.testing.assert_array_equal(np.asarray(est.cost_matrix), [[0.0, 1.0], [5.0, 0.0]])


def test_threshold_tuning_options_reach_the_tuner():
    ds = DATA["binary"]
    opts = StrategyOptions(threshold_objective="fbeta", beta=2.0, inner_cv=4)
    est = get_strategy("threshold_tuning").build(ds, options=opts, seed=7)
    assert (est.objective, est.beta, est.cv, est.random_state) == ("fbeta", 2.0, 4, 7)
    assert isinstance(est.estimator, Pipeline)


@pytest.mark.parametrize(
    ("task", "kwargs", "match"),
    [
        ("binary", {"class_weights": {"c9": 2.0}}, "unknown class 'c9'"),
        ("binary", {"class_weights": {"c1": -1}}, "weight of class 'c1' must be a positive"),
        ("binary", {"class_weights": ["c1"]}, "must map class names to weights"),
        ("binary", {"cost_matrix": ((0, 1, 1), (1, 0, 1))}, r"must be 2 x 2 .* Got shape"),
        ("binary", {"cost_matrix": ((0, -1), (1, 0))}, "finite costs >= 0"),
        ("binary", {"cost_matrix": ((1, 0), (0, 1))}, "no positive cost for a wrong"),
        ("binary", {"cost_matrix": (("a", 1), (1, 0))}, "numbers only"),
        ("multilabel", {"cost_matrix": ((0, 1), (1, 0))}, "not to multi-label targets"),
        ("binary", {"threshold_objective": "f_beta"}, r"objective 'f_beta'\. Did you mean 'fbeta'"),
        (
            "binary",
            {"threshold_objective": "f2"},
            "Valid objectives: f1, fbeta, balanced_accuracy, mcc",
        ),
        ("binary", {"beta": 0}, "beta must be a positive number"),
        ("binary", {"k_neighbors": 0}, "k_neighbors must be a whole number >= 1"),
        ("binary", {"k_neighbors": 2.5}, "k_neighbors must be a whole number"),
        ("binary", {"inner_cv": 1}, "inner_cv must be a whole number >= 2"),
        ("binary", {"n_estimators": 0}, "n_estimators must be a whole number >= 1"),
        ("multiclass", {"one_class_target": "c7"}, r"one-class target 'c7' is not a class"),
    ],
)
def test_bad_options_are_data_errors(task, kwargs, match):
    with pytest.raises(DataError, match=match):
        StrategyOptions(**kwargs).validated(DATA[task])
    with pytest.raises(DataError, match=match):  # build validates too
        get_strategy("baseline").build(DATA[task], options=StrategyOptions(**kwargs))
