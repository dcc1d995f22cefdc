"""LightGBM and XGBoost as models of the registry, and the weighting helpers they share.

Both boosters are built seeded, deterministic, single-threaded (their own thread settings,
not only threadpoolctl: each fit of a comparison already runs in its own process) and
silent. They receive the shared preprocessing of :func:`core.modelling.models.make_preprocessor`
(median-imputed numeric columns, unscaled; categorical columns one-hot encoded, rare
categories pooled), so every strategy -- samplers included -- sees the same numeric matrix
whichever model it wraps.

Imbalance knobs:

- ``class_weight``: LightGBM's own ``class_weight`` (it multiplies per-row weights);
  XGBoost has none, so the same weights go in as ``sample_weight`` per row.
- ``native_imbalance`` (binary): LightGBM ``is_unbalance=True``, XGBoost
  ``scale_pos_weight = n_negative / n_positive`` counted on the training rows; other models
  get the rarer class weighted ``n_majority / n_minority`` and the other class 1, as per-row
  weights. The ratio of the two classes' weights equals "balanced" class weights, but the
  scale does not: a row of the majority keeps weight 1, so the trees' regularisation
  (``min_child_weight``, ``reg_lambda``) bites differently -- which is why it is its own
  strategy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from core.errors import StrategyError

DEFAULT_ROUNDS = 100
"""Boosting rounds of both boosters (``StrategyOptions.n_estimators`` overrides)."""

NATIVE_KNOBS = ("is_unbalance", "scale_pos_weight", "sample_weight")
"""How :class:`NativeImbalanceClassifier` weighs the rarer class, per model."""


def make_lightgbm(
    *, seed: int, n_jobs: int = 1, class_weight: Any = None, n_estimators: int | None = None
) -> Any:
    """A seeded, deterministic, single-threaded, silent ``lightgbm.LGBMClassifier``.

    LightGBM's defaults otherwise (31 leaves, learning rate 0.1); ``deterministic=True``
    with ``force_row_wise=True`` makes the same seed give the same trees on any machine.
    """
    from lightgbm import LGBMClassifier

    return LGBMClassifier(
        n_estimators=n_estimators or DEFAULT_ROUNDS,
        class_weight=class_weight,
        random_state=seed,
        n_jobs=max(1, int(n_jobs)),
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


def make_xgboost(*, seed: int, n_jobs: int = 1, n_estimators: int | None = None) -> Any:
    """A seeded, single-threaded, silent ``xgboost.XGBClassifier`` on histogram trees.

    XGBoost's defaults otherwise (depth 6, learning rate 0.3); it has no ``class_weight``,
    which the registry turns into per-row sample weights. Its ``classes_`` are the codes
    seen in ``fit`` (:class:`core.modelling.xgb.CodesXGBClassifier`).
    """
    from core.modelling.xgb import CodesXGBClassifier

    return CodesXGBClassifier(
        n_estimators=n_estimators or DEFAULT_ROUNDS,
        tree_method="hist",
        random_state=seed,
        n_jobs=max(1, int(n_jobs)),
        verbosity=0,
    )


def accepts_sample_weight(estimator: Any) -> bool:
    """Whether ``estimator.fit`` takes ``sample_weight`` (a Pipeline: its final step's fit)."""
    steps = getattr(estimator, "steps", None)
    if steps:
        final = steps[-1][1]
        return final not in (None, "passthrough") and accepts_sample_weight(final)
    return has_fit_parameter(estimator, "sample_weight")


def fit_weighted(estimator: Any, X: Any, y: Any, sample_weight: np.ndarray) -> Any:
    """``estimator.fit(X, y)`` with per-row weights; a Pipeline routes them to its final step.

    :class:`StrategyError` when the estimator cannot take weights.
    """
    if not accepts_sample_weight(estimator):
        raise StrategyError(
            f"{type(estimator).__name__} cannot take per-row weights (its fit has no "
            "sample_weight), so class weights cannot reach it",
            "Use a sampler (random_over, random_under) or threshold_tuning instead",
        )
    steps = getattr(estimator, "steps", None)
    if steps:
        return estimator.fit(X, y, **{f"{steps[-1][0]}__sample_weight": sample_weight})
    return estimator.fit(X, y, sample_weight=sample_weight)


def rarer_class_weights(y: np.ndarray) -> np.ndarray:
    """Per-row weights: the rarer of two classes ``n_majority / n_minority``, the other 1.

    Ties (or a single class) weigh every row 1.
    """
    y = np.asarray(y)
    codes, counts = np.unique(y, return_counts=True)
    weights = np.ones(len(y), dtype=np.float64)
    if codes.size == 2 and counts[0] != counts[1]:
        rare = int(np.argmin(counts))
        weights[y == codes[rare]] = counts.max() / counts.min()
    return weights


class NativeImbalanceClassifier(ClassifierMixin, BaseEstimator):
    """A binary classifier fitted with its model's own imbalance knob.

    ``knob`` is one of :data:`NATIVE_KNOBS`: ``"is_unbalance"`` (LightGBM: its own
    weighting, set at fit), ``"scale_pos_weight"`` (XGBoost: ``n_negative / n_positive``
    of the training rows), ``"sample_weight"`` (any model: :func:`rarer_class_weights`).
    """

    def __init__(self, estimator: Any, *, knob: str = "sample_weight") -> None:
        self.estimator = estimator
        self.knob = knob

    def fit(self, X: Any, y: Any) -> NativeImbalanceClassifier:
        y = np.asarray(y)
        if y.ndim != 1 or np.unique(y).size > 2:
            raise StrategyError(
                "native_imbalance needs a binary target (two classes)",
                "Use class_weight for more classes",
            )
        est = clone(self.estimator)
        if self.knob == "is_unbalance":
            self.estimator_ = est.set_params(is_unbalance=True).fit(X, y)
        elif self.knob == "scale_pos_weight":
            n_pos = int(np.sum(y == 1))
            ratio = (len(y) - n_pos) / n_pos if n_pos else 1.0
            self.estimator_ = est.set_params(scale_pos_weight=float(ratio)).fit(X, y)
        elif self.knob == "sample_weight":
            self.estimator_ = fit_weighted(est, X, y, rarer_class_weights(y))
        else:
            raise StrategyError(
                f"Unknown imbalance knob {self.knob!r}", "Valid knobs: " + ", ".join(NATIVE_KNOBS)
            )
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.predict(X)


def native_imbalance_pipeline(preprocess: Any, classifier: Any, knob: str) -> Any:
    """``preprocess`` then ``classifier`` fitted through :class:`NativeImbalanceClassifier`."""
    from sklearn.pipeline import Pipeline

    model = NativeImbalanceClassifier(classifier, knob=knob)
    return Pipeline([("preprocess", preprocess), ("model", model)])
