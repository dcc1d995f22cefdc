"""Decision thresholds: binary, per-class offsets, per-label thresholds, cost-minimising.

Two meta-estimators wrap a base pipeline (any classifier with ``predict_proba``):

- :class:`ThresholdTunedClassifier` keeps the base probabilities and tunes the decision on
  out-of-fold (OOF) probabilities of inner folds of the training data only, then refits the
  base on all of it. Binary: one cut on P(class 1). Multiclass: additive offsets ``b`` on
  log-probabilities, ``predict = argmax_k(log p_k + b_k)`` with ``b_0 = 0``. Multi-label: one
  cut per label (binary relevance).
- :class:`CostSensitiveClassifier` calibrates the probabilities (inner folds) and predicts
  the class of least expected cost (Elkan 2001).

The pure helpers in :mod:`core.metrics.decision_rules` (``apply_*``, ``objective_by_cut``,
``best_threshold``, ``expected_cost_decision``) never refit, so a threshold slider is a lookup.

Conventions: a score ``s`` is positive when ``s >= threshold``. Binary search: ONE sort
of the scores, cumulative true/false-positive counts at every distinct cut
(:func:`core.metrics.sweep.cut_counts`), every
objective evaluated vectorised; the returned threshold is the midpoint between the lowest
score kept positive and the next lower score (or that lowest score when every row is kept),
and ties in the objective go to the highest cut (fewest positives).

Why not sklearn's ``TunedThresholdClassifierCV``: it scores each inner fold on a fixed grid
and averages interpolated curves, whereas here the cut is exact over all cut points of the
pooled OOF probabilities (the same protocol as the evaluation), and the multiclass and
multi-label cases (which it does not cover) share that one code path and attributes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from core.errors import DataError, StrategyError
from core.metrics.decision_rules import (
    CALIBRATION_METHODS,
    NEVER_THRESHOLD,
    apply_label_thresholds,
    apply_offsets,
    apply_threshold,
    best_threshold,
    check_cost_matrix,
    check_cv,
    check_min_count,
    check_objective,
    cost_decision,
    default_cost_matrix,
    tune_offsets,
)
from core.metrics.inputs import check_task


def _take(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


def _proba_matrix(fitted: Any, X: Any, classes: np.ndarray | None) -> np.ndarray:
    """predict_proba as (n, K): single-label aligned to ``classes``; multi-label P(label)."""
    raw = fitted.predict_proba(X)
    if classes is None:  # multi-label: (n, K), or a list of (n, 2) per label (one column
        if not isinstance(raw, list):  # when a label was constant in training)
            return np.asarray(raw, dtype=float)
        cols = []
        for a, seen in zip(raw, fitted.classes_, strict=True):
            a = np.asarray(a, dtype=float)
            cols.append(a[:, list(seen).index(1)] if 1 in seen else np.zeros(a.shape[0]))
        return np.column_stack(cols)
    raw = np.asarray(raw, dtype=float)
    out = np.zeros((raw.shape[0], classes.size))
    out[:, np.searchsorted(classes, fitted.classes_)] = raw
    return out


def _oof_proba(
    estimator: Any, X: Any, y: np.ndarray, splits: Iterable, classes: np.ndarray | None
) -> np.ndarray:
    """Pooled out-of-fold probabilities from clones of ``estimator``."""
    proba = np.zeros((y.shape[0], y.shape[1] if classes is None else classes.size))
    for train, test in splits:
        fitted = clone(estimator).fit(_take(X, train), y[train])
        proba[test] = _proba_matrix(fitted, _take(X, test), classes)
    return proba


def _multilabel_splits(y: np.ndarray, n_splits: int, random_state: Any) -> list:
    """Iterative stratification (Sechidis et al. 2011) over the label matrix.

    It stratifies every label as far as its count allows, rare labels first, so a rare
    label is no reason to leave it. It falls back to shuffled KFold only where it cannot
    run: a single label column (not a label matrix) or a split with an empty fold.
    """
    if y.shape[0] < n_splits:
        raise StrategyError(
            f"Threshold tuning needs at least {n_splits} training rows for its inner folds. "
            f"Got {y.shape[0]}",
            hint="Use fewer inner folds (cv)",
        )
    dummy = np.zeros((y.shape[0], 1))
    if y.shape[1] >= 2:
        splitter = MultilabelStratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        splits = list(splitter.split(dummy, y))
        if all(len(test) and len(train) for train, test in splits):
            return splits
    return list(KFold(n_splits, shuffle=True, random_state=random_state).split(dummy))


def _check_multilabel_y(y: np.ndarray) -> np.ndarray:
    if y.ndim != 2 or not np.isin(y, (0, 1)).all():
        raise DataError(
            f"A multi-label target must be a 0/1 matrix (rows, labels). Got shape {y.shape}"
        )
    return y.astype(np.int64)


# ----------------------------------------------------------------------------- estimators


class ThresholdTunedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A base classifier whose decision is tuned on inner out-of-fold probabilities.

    After ``fit``: ``thresholds_`` (binary: float cut on P(class 1); multiclass: (K,)
    log-probability offsets, first 0; multi-label: (K,) per-label cuts, ``NEVER_THRESHOLD``
    for a label with no positives), ``objective_score_`` (inner OOF objective at that
    setting; multi-label: mean over labels with positives, see ``label_scores_``),
    ``classes_`` and the refitted ``estimator_``. ``predict_proba`` is the base model's.
    """

    _required_parameters = ["estimator"]

    def __init__(
        self,
        estimator: Any,
        *,
        task: str,
        objective: str = "f1",
        beta: float = 1.0,
        cv: int = 3,
        random_state: int | None = 0,
    ) -> None:
        self.estimator = estimator
        self.task = task
        self.objective = objective
        self.beta = beta
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: Any, y: ArrayLike) -> ThresholdTunedClassifier:
        task = check_task(self.task)
        objective = check_objective(self.objective, self.beta)
        n_splits = check_cv(self.cv)
        y = np.asarray(y)
        if task == "multilabel":
            y = _check_multilabel_y(y)
            self.classes_ = np.arange(y.shape[1])
            splits = _multilabel_splits(y, n_splits, self.random_state)
            proba = _oof_proba(self.estimator, X, y, splits, None)
            self.thresholds_ = np.full(y.shape[1], NEVER_THRESHOLD)
            self.label_scores_ = np.full(y.shape[1], np.nan)
            for k in np.flatnonzero(y.any(axis=0)):
                self.thresholds_[k], self.label_scores_[k] = best_threshold(
                    y[:, k], proba[:, k], objective, self.beta
                )
            has_pos = ~np.isnan(self.label_scores_)
            self.objective_score_ = (
                float(self.label_scores_[has_pos].mean()) if has_pos.any() else float("nan")
            )
        else:
            if y.ndim != 1:
                raise DataError(f"A {task} target must be 1-D class codes. Got shape {y.shape}")
            self.classes_, counts = np.unique(y, return_counts=True)
            if task == "binary" and self.classes_.size > 2:
                raise DataError(f"A binary target has 2 classes. Got {self.classes_.size}")
            if self.classes_.size < 2:
                raise StrategyError(
                    "Threshold tuning needs at least 2 classes in the training data"
                )
            check_min_count(counts, self.classes_, n_splits, "Threshold tuning")
            splitter = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            splits = splitter.split(np.zeros((y.size, 1)), y)
            proba = _oof_proba(self.estimator, X, y, splits, self.classes_)
            codes = np.searchsorted(self.classes_, y)
            if task == "binary":
                self.thresholds_, self.objective_score_ = best_threshold(
                    codes, proba[:, 1], objective, self.beta
                )
            else:
                self.thresholds_, self.objective_score_ = tune_offsets(
                    codes, proba, objective, self.beta
                )
        self.estimator_ = clone(self.estimator).fit(X, y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The refitted base model's probabilities, (n, K) in ``classes_`` order."""
        check_is_fitted(self)
        classes = None if self.task == "multilabel" else self.classes_
        return _proba_matrix(self.estimator_, X, classes)

    def predict(self, X: Any) -> np.ndarray:
        """Tuned decision: class codes (n,), or a 0/1 matrix (n, K) for multi-label."""
        proba = self.predict_proba(X)
        if self.task == "multilabel":
            return apply_label_thresholds(proba, self.thresholds_)
        if self.task == "binary":
            return self.classes_[apply_threshold(proba[:, 1], self.thresholds_)]
        return self.classes_[apply_offsets(proba, self.thresholds_)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = self.task == "multilabel"
        return tags


class CostSensitiveClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Calibrated probabilities plus the least-expected-cost decision (single-label only).

    ``cost_matrix[i, j]`` is the cost of predicting class j for a row of true class i
    (K x K over class codes 0..K-1). ``CalibratedClassifierCV`` calibrates on ``cv``
    shuffled stratified inner folds (``ensemble="auto"``: one calibrated copy per fold,
    probabilities averaged). After ``fit``: ``cost_matrix_``, ``calibrated_`` and
    ``classes_ = arange(K)`` (a class absent from the training data gets probability 0).
    A non-zero diagonal is accepted, but only cost differences within a row matter.
    ``cost_matrix="balanced"`` builds :func:`default_cost_matrix` from the class counts
    of the data given to ``fit`` (so under cross-validation, of the training fold only).
    """

    _required_parameters = ["estimator"]

    def __init__(
        self,
        estimator: Any,
        *,
        task: str,
        cost_matrix: ArrayLike | str,
        cv: int = 3,
        method: str = "sigmoid",
        random_state: int | None = 0,
    ) -> None:
        self.estimator = estimator
        self.task = task
        self.cost_matrix = cost_matrix
        self.cv = cv
        self.method = method
        self.random_state = random_state

    def fit(self, X: Any, y: ArrayLike) -> CostSensitiveClassifier:
        if check_task(self.task) == "multilabel":
            raise StrategyError(
                "Cost-sensitive decisions need one class per row; a multi-label row can carry "
                "several labels, so a cost matrix over classes does not apply",
                hint="Use threshold_tuning (per-label thresholds) for multi-label targets",
            )
        if self.method not in CALIBRATION_METHODS:
            raise DataError(
                f"Unknown calibration method. Expected one of {', '.join(CALIBRATION_METHODS)}. "
                f"Got {self.method!r} instead"
            )
        n_splits = check_cv(self.cv)
        y = np.asarray(y)
        cost = self._cost_matrix_for(y)
        n_classes = cost.shape[0]
        present, counts = np.unique(y, return_counts=True)
        if present.size < 2:
            raise StrategyError("Cost-sensitive decisions need at least 2 classes in training")
        check_min_count(counts, present, n_splits, "Cost-sensitive calibration")
        splitter = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        self.calibrated_ = CalibratedClassifierCV(
            clone(self.estimator), method=self.method, cv=splitter, ensemble="auto"
        ).fit(X, y)
        self.cost_matrix_ = cost
        self.classes_ = np.arange(n_classes)
        return self

    def _cost_matrix_for(self, y: np.ndarray) -> np.ndarray:
        """The validated cost matrix, after checking ``y`` holds codes 0..K-1."""
        if isinstance(self.cost_matrix, str):
            if self.cost_matrix != "balanced":
                raise DataError(
                    "cost_matrix must be a K x K array or 'balanced'. "
                    f"Got {self.cost_matrix!r} instead"
                )
            if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
                raise DataError("The target must hold class codes 0..K-1. Got other values")
            counts = np.bincount(y)
            if counts.size < 2:
                raise StrategyError("Cost-sensitive decisions need at least 2 classes in training")
            if counts.min() == 0:
                raise StrategyError(
                    f"A 'balanced' cost matrix needs rows of every class, but class "
                    f"{int(np.argmin(counts))} has none in the training data"
                )
            return default_cost_matrix(counts)
        cost = check_cost_matrix(self.cost_matrix)
        n_classes = cost.shape[0]
        if y.ndim != 1 or not np.isin(y, np.arange(n_classes)).all():
            raise DataError(
                f"The cost matrix is {n_classes} x {n_classes}, so the target must hold class "
                f"codes 0..{n_classes - 1}. Got other values"
            )
        return cost

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, (n, K) over codes 0..K-1."""
        check_is_fitted(self)
        return _proba_matrix(self.calibrated_, X, self.classes_)

    def predict(self, X: Any) -> np.ndarray:
        """Class codes of least expected cost under ``cost_matrix_``."""
        return cost_decision(self.predict_proba(X), self.cost_matrix_)
