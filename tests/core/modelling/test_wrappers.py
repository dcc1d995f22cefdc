"""Tests for core.modelling.wrappers: tuned thresholds, offsets, per-label cuts, cost decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    fbeta_score,
    matthews_corrcoef,
    recall_score,
)
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict, train_test_split
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from core.errors import DataError, StrategyError
from core.metrics.decision_rules import (
    NEVER_THRESHOLD,
    OBJECTIVES,
    apply_label_thresholds,
    apply_offsets,
    apply_threshold,
    best_threshold,
    default_cost_matrix,
    expected_cost_decision,
    objective_by_cut,
    tune_offsets,
)
from core.modelling.wrappers import CostSensitiveClassifier, ThresholdTunedClassifier

TOL = 1e-12
BETA = 2.0


def _frame(X: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def _pipe(columns: list[str], clf: object | None = None) -> Pipeline:
    scale = ColumnTransformer([("num", StandardScaler(), columns)])
    return Pipeline([("prep", scale), ("clf", clf if clf is not None else LogisticRegression())])


def _sk_binary(objective: str, y: np.ndarray, pred: np.ndarray) -> float:
    """The objective as scikit-learn computes it, independently of core.modelling.wrappers."""
    if objective == "f1":
        return f1_score(y, pred, zero_division=0)
    if objective == "fbeta":
        return fbeta_score(y, pred, beta=BETA, zero_division=0)
    if objective == "balanced_accuracy":
        return balanced_accuracy_score(y, pred)
    return matthews_corrcoef(y, pred)


def _sk_multiclass(objective: str, y: np.ndarray, pred: np.ndarray, k: int) -> float:
    labels = np.arange(k)
    if objective == "f1":
        return f1_score(y, pred, average="macro", labels=labels, zero_division=0)
    if objective == "fbeta":
        return fbeta_score(y, pred, beta=BETA, average="macro", labels=labels, zero_division=0)
    if objective == "balanced_accuracy":
        return balanced_accuracy_score(y, pred)
    return matthews_corrcoef(y, pred)


def _brute_force(objective: str, y: np.ndarray, scores: np.ndarray) -> float:
    return max(_sk_binary(objective, y, (scores >= s).astype(int)) for s in np.unique(scores))


@pytest.fixture(scope="module")
def binary_data() -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_classification(
        n_samples=240, n_features=5, n_informative=3, weights=[0.85], random_state=0
    )
    return _frame(X), y


@pytest.fixture(scope="module")
def multiclass_data() -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_classification(
        n_samples=300,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.7, 0.2, 0.1],
        class_sep=0.8,
        random_state=1,
    )
    return _frame(X), y


@pytest.fixture(scope="module")
def multilabel_data() -> tuple[pd.DataFrame, np.ndarray]:
    X, Y = make_multilabel_classification(
        n_samples=150, n_features=5, n_classes=3, n_labels=1, random_state=2
    )
    return _frame(X), Y.astype(np.int8)


def _objective_kwargs(objective: str) -> dict[str, float | str]:
    return {"objective": objective, "beta": BETA if objective == "fbeta" else 1.0}


# ----------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_objective_by_cut_matches_sklearn_at_every_cut(objective: str) -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(60) < 0.25).astype(int)
    scores = np.round(np.clip(0.3 * y + rng.random(60) * 0.7, 0, 1), 1)  # many ties
    thresholds, values = objective_by_cut(y, scores, objective, beta=BETA)
    distinct = np.unique(scores)[::-1]
    assert thresholds.size == distinct.size
    for t, v, s in zip(thresholds, values, distinct, strict=True):
        assert np.array_equal(scores >= t, scores >= s)  # same cut, threshold between scores
        assert v == pytest.approx(_sk_binary(objective, y, (scores >= s).astype(int)), abs=TOL)


def test_best_threshold_hand_example() -> None:
    y = np.array([0, 0, 1, 0, 1, 1])
    scores = np.array([0.1, 0.2, 0.35, 0.4, 0.8, 0.9])
    # cut at 0.35 keeps {0.35, 0.4, 0.8, 0.9}: tp=3, fp=1 -> F1 = 6/7; threshold midway to 0.2
    threshold, score = best_threshold(y, scores, "f1")
    assert threshold == pytest.approx(0.275)
    assert score == pytest.approx(6 / 7)


def test_apply_threshold_and_label_thresholds() -> None:
    assert apply_threshold([0.2, 0.5, 0.7], 0.5).tolist() == [0, 1, 1]
    assert apply_threshold(np.array([[0.8, 0.2], [0.3, 0.7]]), 0.5).tolist() == [0, 1]
    proba = np.array([[0.2, 0.9], [0.6, 0.4]])
    assert apply_label_thresholds(proba, [0.5, 0.3]).tolist() == [[0, 1], [1, 1]]
    assert apply_label_thresholds(proba, [NEVER_THRESHOLD, 0.5]).tolist() == [[0, 1], [0, 0]]


def test_apply_offsets_with_zeros_equals_argmax() -> None:
    proba = np.random.default_rng(4).dirichlet(np.ones(4), size=50)
    assert np.array_equal(apply_offsets(proba, np.zeros(4)), proba.argmax(axis=1))
    # an offset of log(3) on class 1 moves [0.5, 0.2, 0.3] to class 1 (0.6 > 0.5)
    assert apply_offsets([[0.5, 0.2, 0.3]], [0.0, np.log(3), 0.0]).tolist() == [1]


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_coordinate_ascent_never_lowers_objective(objective: str) -> None:
    rng = np.random.default_rng(5)
    y = rng.choice(3, size=120, p=[0.7, 0.2, 0.1])
    proba = rng.dirichlet(np.ones(3), size=120) * 0.5
    proba[np.arange(120), y] += 0.3 * rng.random(120)
    proba /= proba.sum(axis=1, keepdims=True)
    offsets, score = tune_offsets(y, proba, objective, beta=BETA)
    assert offsets[0] == 0.0
    zero_score = _sk_multiclass(objective, y, proba.argmax(axis=1), 3)
    assert score >= zero_score - TOL
    assert score == pytest.approx(_sk_multiclass(objective, y, apply_offsets(proba, offsets), 3))


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_offset_line_search_is_exact_for_two_classes(objective: str) -> None:
    # with K = 2 the offset b_1 is a cut on p_1, so one exact line search must reach the
    # best of all cuts (including "never class 1"), found here by brute force
    rng = np.random.default_rng(6)
    y = (rng.random(80) < 0.3).astype(int)
    p1 = np.clip(0.25 * y + 0.75 * rng.random(80), 0.01, 0.99)
    proba = np.column_stack([1 - p1, p1])
    _, score = tune_offsets(y, proba, objective, beta=BETA)
    cuts = [(p1 >= s).astype(int) for s in np.unique(p1)] + [np.zeros(80, dtype=int)]
    best = max(_sk_multiclass(objective, y, pred, 2) for pred in cuts)
    assert score == pytest.approx(best, abs=TOL)


def test_offsets_fix_a_systematically_underpredicted_class() -> None:
    y = np.repeat([0, 1], [50, 50])
    proba = np.where(y[:, None] == 1, [0.6, 0.4], [0.9, 0.1])  # class 1 never wins argmax
    offsets, score = tune_offsets(y, proba, "f1")
    assert np.log(0.6 / 0.4) < offsets[1] < np.log(0.9 / 0.1)  # separates the two groups
    assert score == pytest.approx(1.0)


def test_expected_cost_decision_2x2() -> None:
    cost = [[0.0, 1.0], [5.0, 0.0]]  # missing a true 1 costs 5: predict 1 once p1 > 1/6
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.5, 0.5]])
    assert expected_cost_decision(proba, cost).tolist() == [0, 1, 1]


def test_expected_cost_decision_3x3() -> None:
    cost = np.array([[0, 1, 1], [10, 0, 1], [2, 2, 0]], dtype=float)
    proba = np.array([[0.6, 0.2, 0.2], [0.8, 0.05, 0.15], [0.3, 0.1, 0.6]])
    # row 1 expected costs: [0.2*10+0.2*2, 0.6+0.4, 0.6+0.2] = [2.4, 1.0, 0.8] -> 2
    # row 2: [0.5+0.3, 0.8+0.3, 0.8+0.05] = [0.8, 1.1, 0.85] -> 0
    # row 3: [1.0+1.2, 0.3+1.2, 0.3+0.1] = [2.2, 1.5, 0.4] -> 2
    assert expected_cost_decision(proba, cost).tolist() == [2, 0, 2]


def test_default_cost_matrix_hand_example() -> None:
    expected = np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 2.0], [5.0, 5.0, 0.0]])
    assert np.array_equal(default_cost_matrix([50, 25, 10]), expected)


@pytest.mark.parametrize(
    ("cost", "match"),
    [
        ([[0, 1, 1], [1, 0, 1]], "must be square"),
        ([[0.0]], "must be square"),
        ([[0, np.nan], [1, 0]], "finite numbers"),
        ([[0, np.inf], [1, 0]], "finite numbers"),
        ([[0, -1], [1, 0]], "negative"),
        ([[0, 0], [0, 0]], "all zeros"),
        ([["a", 1], [1, 0]], "numbers only"),
        ([[0, 1, 1], [1, 0, 1], [1, 1, 0]], "must be 2 x 2"),
    ],
)
def test_bad_cost_matrix_raises(cost: object, match: str) -> None:
    proba = np.array([[0.4, 0.6]])
    with pytest.raises(DataError, match=match):
        expected_cost_decision(proba, cost)


def test_bad_cost_matrix_raises_at_fit(binary_data: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = binary_data
    clf = CostSensitiveClassifier(_pipe(list(X.columns)), task="binary", cost_matrix=[[0, -1]])
    with pytest.raises(DataError, match="must be square"):
        clf.fit(X, y)
    clf.set_params(cost_matrix=np.ones((3, 3)))
    with pytest.raises(DataError, match="class codes 0..2"):
        clf.fit(X, y + 2)
    clf.set_params(cost_matrix="inverse")
    with pytest.raises(DataError, match="or 'balanced'. Got 'inverse' instead"):
        clf.fit(X, y)
    clf.set_params(cost_matrix="balanced")
    with pytest.raises(StrategyError, match="class 1 has none"):
        clf.fit(X, np.where(y == 1, 2, y))


@pytest.mark.parametrize("counts", [[10], [5, 0], [[1, 2]]])
def test_default_cost_matrix_rejects_bad_counts(counts: object) -> None:
    with pytest.raises(DataError, match="positive row count"):
        default_cost_matrix(counts)


def test_bad_objective_and_options_raise(binary_data: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = binary_data
    pipe = _pipe(list(X.columns))
    with pytest.raises(DataError, match="Got 'accuracy' instead"):
        best_threshold(y, np.linspace(0, 1, y.size), "accuracy")
    with pytest.raises(DataError, match="Unknown threshold objective"):
        ThresholdTunedClassifier(pipe, task="binary", objective="recall").fit(X, y)
    with pytest.raises(DataError, match="beta for the 'fbeta' objective"):
        ThresholdTunedClassifier(pipe, task="binary", objective="fbeta", beta=0).fit(X, y)
    with pytest.raises(DataError, match="Unknown task"):
        ThresholdTunedClassifier(pipe, task="regression").fit(X, y)
    with pytest.raises(DataError, match="Inner folds"):
        ThresholdTunedClassifier(pipe, task="binary", cv=1).fit(X, y)
    with pytest.raises(DataError, match="Unknown calibration method"):
        CostSensitiveClassifier(pipe, task="binary", cost_matrix=np.eye(2), method="x").fit(X, y)
    with pytest.raises(DataError, match="at least one positive"):
        best_threshold(np.zeros(4, dtype=int), np.linspace(0, 1, 4), "f1")
    with pytest.raises(DataError, match="only 0/1"):
        best_threshold(np.array([0, 2]), np.array([0.1, 0.2]), "f1")


def test_too_rare_class_for_inner_folds_is_a_strategy_error(
    binary_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = binary_data
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:2]]
    clf = ThresholdTunedClassifier(_pipe(list(X.columns)), task="binary", cv=3)
    with pytest.raises(StrategyError, match="class 1 has 2"):
        clf.fit(X.iloc[keep], y[keep])


def test_cost_sensitive_rejects_multilabel(
    multilabel_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, Y = multilabel_data
    clf = CostSensitiveClassifier(_pipe(list(X.columns)), task="multilabel", cost_matrix=np.eye(3))
    with pytest.raises(StrategyError, match="need one class per row"):
        clf.fit(X, Y)


# ----------------------------------------------------------------------------- estimators


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_binary_threshold_equals_brute_force_on_oof(
    binary_data: tuple[pd.DataFrame, np.ndarray], objective: str
) -> None:
    X, y = binary_data
    pipe = _pipe(list(X.columns))
    clf = ThresholdTunedClassifier(pipe, task="binary", **_objective_kwargs(objective)).fit(X, y)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    oof = cross_val_predict(clone(pipe), X, y, cv=folds, method="predict_proba")[:, 1]
    best = _brute_force(objective, y, oof)
    assert clf.objective_score_ == pytest.approx(best, abs=TOL)
    assert _sk_binary(objective, y, (oof >= clf.thresholds_).astype(int)) == pytest.approx(best)
    assert isinstance(clf.thresholds_, float)
    assert clf.classes_.tolist() == [0, 1]
    refit = clone(pipe).fit(X, y)  # predict = refitted base probabilities + tuned cut
    assert np.allclose(clf.predict_proba(X), refit.predict_proba(X))
    expected = (refit.predict_proba(X)[:, 1] >= clf.thresholds_).astype(int)
    assert np.array_equal(clf.predict(X), expected)


def test_tuned_threshold_improves_minority_f1_over_default() -> None:
    X, y = make_classification(
        n_samples=600, n_features=6, n_informative=3, weights=[0.9], class_sep=0.7, random_state=7
    )
    X = _frame(X)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
    pipe = _pipe(list(X.columns))
    default_f1 = f1_score(y_te, clone(pipe).fit(X_tr, y_tr).predict(X_te))
    tuned = ThresholdTunedClassifier(pipe, task="binary", objective="f1").fit(X_tr, y_tr)
    assert tuned.thresholds_ < 0.5
    assert f1_score(y_te, tuned.predict(X_te)) > default_f1


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_multiclass_offsets_on_oof(
    multiclass_data: tuple[pd.DataFrame, np.ndarray], objective: str
) -> None:
    X, y = multiclass_data
    pipe = _pipe(list(X.columns))
    clf = ThresholdTunedClassifier(pipe, task="multiclass", **_objective_kwargs(objective))
    clf.fit(X, y)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    oof = cross_val_predict(clone(pipe), X, y, cv=folds, method="predict_proba")
    assert clf.thresholds_.shape == (3,)
    assert clf.thresholds_[0] == 0.0
    tuned = _sk_multiclass(objective, y, apply_offsets(oof, clf.thresholds_), 3)
    assert clf.objective_score_ == pytest.approx(tuned)
    assert tuned >= _sk_multiclass(objective, y, oof.argmax(axis=1), 3) - TOL
    expected = apply_offsets(clone(pipe).fit(X, y).predict_proba(X), clf.thresholds_)
    assert np.array_equal(clf.predict(X), expected)


def test_multilabel_thresholds_equal_independent_binary_searches(
    multilabel_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, Y = multilabel_data
    base = _pipe(list(X.columns), MultiOutputClassifier(LogisticRegression()))
    clf = ThresholdTunedClassifier(base, task="multilabel", objective="f1").fit(X, Y)
    folds = MultilabelStratifiedKFold(3, shuffle=True, random_state=0)
    oof = np.zeros(Y.shape)
    for train, test in folds.split(X, Y):
        fitted = clone(base).fit(X.iloc[train], Y[train])
        oof[test] = np.column_stack([p[:, 1] for p in fitted.predict_proba(X.iloc[test])])
    assert clf.thresholds_.shape == (3,)
    for k in range(3):
        best = _brute_force("f1", Y[:, k], oof[:, k])
        assert clf.label_scores_[k] == pytest.approx(best, abs=TOL)
        assert clf.thresholds_[k] == pytest.approx(best_threshold(Y[:, k], oof[:, k], "f1")[0])
    assert clf.objective_score_ == pytest.approx(clf.label_scores_.mean())
    pred = clf.predict(X)
    assert pred.shape == Y.shape
    assert np.array_equal(pred, apply_label_thresholds(clf.predict_proba(X), clf.thresholds_))


def test_multilabel_label_without_positives_is_never_predicted(
    multilabel_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, Y = multilabel_data
    Y = Y.copy()
    Y[:, 2] = 0
    base = _pipe(list(X.columns), MultiOutputClassifier(DummyClassifier(strategy="prior")))
    clf = ThresholdTunedClassifier(base, task="multilabel").fit(X, Y)
    assert clf.thresholds_[2] == NEVER_THRESHOLD > 1.0
    assert np.isnan(clf.label_scores_[2])
    assert not clf.predict(X)[:, 2].any()
    assert np.all(clf.predict_proba(X)[:, 2] == 0.0)


def test_multilabel_single_label_column_falls_back_to_kfold(
    multilabel_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, Y = multilabel_data
    Y = Y[:, :1]  # one column is not a label matrix: iterative stratification cannot run
    base = _pipe(list(X.columns), MultiOutputClassifier(LogisticRegression()))
    clf = ThresholdTunedClassifier(base, task="multilabel").fit(X, Y)
    oof = np.zeros(Y.shape[0])
    for train, test in KFold(3, shuffle=True, random_state=0).split(X):
        oof[test] = clone(base).fit(X.iloc[train], Y[train]).predict_proba(X.iloc[test])[0][:, 1]
    assert clf.thresholds_.tolist() == [best_threshold(Y[:, 0], oof, "f1")[0]]
    assert clf.predict(X).shape == Y.shape


def test_cost_sensitive_matches_calibrated_expected_cost(
    binary_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = binary_data
    pipe = _pipe(list(X.columns))
    cost = default_cost_matrix(np.bincount(y))
    clf = CostSensitiveClassifier(pipe, task="binary", cost_matrix="balanced").fit(X, y)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    calibrated = CalibratedClassifierCV(clone(pipe), method="sigmoid", cv=folds).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert np.allclose(clf.predict_proba(X), proba)
    assert np.array_equal(clf.predict(X), np.argmin(proba @ cost, axis=1))
    assert np.array_equal(clf.cost_matrix_, cost)
    plain = CostSensitiveClassifier(pipe, task="binary", cost_matrix=1 - np.eye(2)).fit(X, y)
    assert recall_score(y, clf.predict(X)) > recall_score(y, plain.predict(X))


def test_clone_and_params(binary_data: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, _ = binary_data
    pipe = _pipe(list(X.columns))
    tuned = ThresholdTunedClassifier(pipe, task="binary", objective="mcc", cv=4)
    copy = clone(tuned)
    assert copy.get_params(deep=False)["objective"] == "mcc"
    assert copy.get_params(deep=False)["cv"] == 4
    assert "estimator__clf__C" in copy.get_params(deep=True)
    copy.set_params(objective="f1", estimator__clf__C=0.5)
    assert copy.objective == "f1"
    assert copy.estimator.named_steps["clf"].C == 0.5
    assert tuned.estimator.named_steps["clf"].C == 1.0  # clone did not share the estimator
    cost = CostSensitiveClassifier(pipe, task="binary", cost_matrix=np.eye(2), method="isotonic")
    cost_copy = clone(cost)
    assert cost_copy.method == "isotonic"
    assert np.array_equal(cost_copy.cost_matrix, np.eye(2))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_same_random_state_same_thresholds(
    task: str,
    binary_data: tuple[pd.DataFrame, np.ndarray],
    multiclass_data: tuple[pd.DataFrame, np.ndarray],
    multilabel_data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = {"binary": binary_data, "multiclass": multiclass_data}.get(task, multilabel_data)
    clf = _pipe(list(X.columns))
    if task == "multilabel":
        clf = _pipe(list(X.columns), MultiOutputClassifier(LogisticRegression()))
    first = ThresholdTunedClassifier(clf, task=task, random_state=11).fit(X, y)
    second = ThresholdTunedClassifier(clf, task=task, random_state=11).fit(X, y)
    assert np.array_equal(first.thresholds_, second.thresholds_)
    assert first.objective_score_ == second.objective_score_
