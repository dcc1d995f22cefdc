"""Multi-label building blocks: binary relevance and label-aware random over-sampling.

``y`` is the :class:`core.intake.dataset.Dataset` multi-label form: a 0/1 matrix ``(n, K)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from core.errors import DataError


def _as_label_matrix(y: Any) -> np.ndarray:
    Y = np.asarray(y)
    if Y.ndim != 2:
        raise DataError(
            "A multi-label target must be a 0/1 matrix with one column per label. "
            f"Got an array of shape {Y.shape} instead"
        )
    return Y


def _take_rows(X: Any, rows: np.ndarray) -> Any:
    if isinstance(X, pd.DataFrame):
        return X.iloc[rows]
    return np.asarray(X)[rows]


def label_imbalance_ratios(y: Any) -> np.ndarray:
    """IRLbl per label (Charte et al. 2015): positives of the most frequent label / own.

    A label with no positives gets ``inf``.
    """
    counts = _as_label_matrix(y).sum(axis=0).astype(float)
    with np.errstate(divide="ignore"):
        return np.where(counts > 0, counts.max(initial=0.0) / counts, np.inf)


def mean_imbalance_ratio(y: Any) -> float:
    """MeanIR: the mean IRLbl over labels that have at least one positive (nan if none)."""
    ir = label_imbalance_ratios(y)
    finite = ir[np.isfinite(ir)]
    return float(finite.mean()) if finite.size else float("nan")


class BinaryRelevance(ClassifierMixin, BaseEstimator):
    """One binary classifier per label, fitted on that label's 0/1 column.

    ``estimators`` holds one unfitted estimator per label (each may be a whole pipeline with
    its own sampler, so resampling is done per label). A label that is constant in the
    training data (e.g. a very rare label with no positive in a fold) is predicted as that
    constant. ``predict`` uses each label model's own decision; ``predict_proba`` returns
    ``(n, K)``: the probability of 1 for each label.
    """

    def __init__(self, estimators: Sequence[Any], *, labels: Sequence[str] | None = None) -> None:
        self.estimators = estimators
        self.labels = labels

    def fit(self, X: Any, y: Any) -> BinaryRelevance:
        Y = _as_label_matrix(y)
        if Y.shape[1] != len(self.estimators):
            raise DataError(
                f"Expected {len(self.estimators)} label columns. Got {Y.shape[1]} instead"
            )
        self.estimators_: list[Any | None] = []
        constants = []
        for j, template in enumerate(self.estimators):
            column = Y[:, j].astype(int)
            values = np.unique(column)
            if values.size < 2:
                self.estimators_.append(None)
                constants.append(int(values[0]) if values.size else 0)
            else:
                self.estimators_.append(clone(template).fit(X, column))
                constants.append(-1)
        self.constant_labels_ = np.asarray(constants)  # -1 = a fitted model, else the constant
        self.n_labels_ = Y.shape[1]
        self.classes_ = [np.array([0, 1]) for _ in range(Y.shape[1])]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        n = len(X)
        out = np.empty((n, self.n_labels_), dtype=float)
        for j, est in enumerate(self.estimators_):
            if est is None:
                out[:, j] = float(self.constant_labels_[j])
            else:
                proba = np.asarray(est.predict_proba(X))
                out[:, j] = proba[:, list(est.classes_).index(1)]
        return out

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        n = len(X)
        out = np.empty((n, self.n_labels_), dtype=np.int8)
        for j, est in enumerate(self.estimators_):
            out[:, j] = self.constant_labels_[j] if est is None else np.asarray(est.predict(X))
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.classifier_tags.multi_label = True
        return tags


class MLROS(BaseEstimator):
    """ML-ROS: label-aware random over-sampling for multi-label data (Charte et al. 2015).

    Labels whose imbalance ratio IRLbl exceeds the mean (MeanIR) are minority labels. Rows
    carrying a minority label are cloned at random, one per minority label in turn, until
    that label's IRLbl falls to MeanIR or ``percentage`` % of the original row count has
    been added. Runs only in ``fit`` of an imblearn ``Pipeline`` (training data only);
    after ``fit_resample``, ``sample_indices_`` holds the source row of every output row.
    """

    def __init__(self, *, percentage: float = 25.0, random_state: Any = None) -> None:
        self.percentage = percentage
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> MLROS:
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        Y = _as_label_matrix(y)
        if not 0 < float(self.percentage) <= 100:
            raise DataError(f"percentage must be in (0, 100]. Got {self.percentage!r} instead")
        rng = check_random_state(self.random_state)
        n = Y.shape[0]
        counts = Y.sum(axis=0).astype(float)
        ir = label_imbalance_ratios(Y)
        mean_ir = mean_imbalance_ratio(Y)
        active = [j for j in range(Y.shape[1]) if np.isfinite(ir[j]) and ir[j] > mean_ir]
        bags = {j: np.flatnonzero(Y[:, j] == 1) for j in active}
        budget = int(n * float(self.percentage) / 100.0)
        clones: list[int] = []
        while budget > 0 and active:
            for j in list(active):
                row = int(bags[j][rng.randint(bags[j].size)])
                clones.append(row)
                counts += Y[row]
                budget -= 1
                if counts.max() / counts[j] <= mean_ir:
                    active.remove(j)
                if budget == 0:
                    break
        self.mean_ir_ = mean_ir
        self.sample_indices_ = np.concatenate([np.arange(n), np.asarray(clones, dtype=int)])
        X_res = _take_rows(X, self.sample_indices_)
        if isinstance(X_res, pd.DataFrame):
            X_res = X_res.reset_index(drop=True)
        return X_res, Y[self.sample_indices_]
