"""What the (accuracy, F1) search of :mod:`core.analysis.search` varies, and how a trial's parameters
become an estimator and decisions.

Per model, its main hyper-parameters (:data:`SEARCH_SPACES`); for every model a class-weight
strength ``w`` in [0, 1] (class weight ``(n / (K n_c)) ** w``: 0 = every row counts once,
1 = scikit-learn's "balanced", geometric in between) and a decision threshold on
P(positive class) (:data:`SHARED_PARAMS`, :func:`decide`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import optuna

from core.errors import DataError
from core.intake.dataset import Dataset
from core.modelling.models import MODELS, SampleWeightedClassifier, make_model


@dataclass(frozen=True)
class Param:
    """One searched parameter: Optuna ``suggest_int`` / ``suggest_float`` bounds."""

    name: str
    kind: Literal["int", "float"]
    low: float
    high: float
    log: bool = False
    help: str = ""


SEARCH_SPACES: dict[str, tuple[Param, ...]] = {
    "logistic_regression": (
        Param("C", "float", 1e-3, 1e3, True, "inverse regularisation strength"),
    ),
    "random_forest": (
        Param("n_estimators", "int", 20, 200, True, "trees"),
        Param("max_depth", "int", 2, 32, True, "depth of each tree"),
        Param("min_samples_leaf", "int", 1, 32, True, "rows per leaf"),
    ),
    "hist_gradient_boosting": (
        Param("learning_rate", "float", 0.01, 0.5, True, "shrinkage per boosting step"),
        Param("max_leaf_nodes", "int", 4, 64, True, "leaves per tree"),
        Param("l2_regularization", "float", 1e-6, 10.0, True, "L2 penalty on leaf values"),
    ),
    "mlp": (
        Param("alpha", "float", 1e-6, 1e-1, True, "L2 penalty"),
        Param("hidden_units", "int", 8, 128, True, "units in the hidden layer"),
    ),
    "lightgbm": (
        Param("n_estimators", "int", 20, 200, True, "boosting rounds"),
        Param("learning_rate", "float", 0.01, 0.5, True, "shrinkage per boosting step"),
        Param("num_leaves", "int", 4, 64, True, "leaves per tree"),
    ),
    "xgboost": (
        Param("n_estimators", "int", 20, 200, True, "boosting rounds"),
        Param("learning_rate", "float", 0.01, 0.5, True, "shrinkage per boosting step"),
        Param("max_depth", "int", 2, 10, False, "depth of each tree"),
    ),
}
"""The main hyper-parameters searched per model (names as the estimator's, except
``hidden_units``, the size of the MLP's single hidden layer)."""

SHARED_PARAMS: tuple[Param, ...] = (
    Param("class_weight_strength", "float", 0.0, 1.0, False, "0 = no weights, 1 = balanced"),
    Param("threshold", "float", 0.01, 0.99, False, "cut on P(positive class)"),
)


def search_space(model: str) -> tuple[Param, ...]:
    """Every parameter searched for ``model`` (its own, then the shared two)."""
    if model not in SEARCH_SPACES:
        raise DataError(f"No search space for model {model!r}", "Valid: " + ", ".join(MODELS))
    return (*SEARCH_SPACES[model], *SHARED_PARAMS)


def suggest(trial: optuna.trial.Trial, model: str) -> dict[str, Any]:
    """A trial's parameters, drawn by Optuna from :func:`search_space` of ``model``."""
    params: dict[str, Any] = {}
    for p in search_space(model):
        if p.kind == "int":
            params[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
        else:
            params[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
    return params


def class_weights(y: np.ndarray, strength: float, k: int) -> dict[int, float] | None:
    """``(n / (K n_c)) ** strength`` per present class code; None at strength 0."""
    if strength <= 0:
        return None
    counts = np.bincount(y, minlength=k)
    present = np.flatnonzero(counts)
    balanced = y.size / (present.size * counts[present])
    return {int(c): float(b**strength) for c, b in zip(present, balanced, strict=True)}


def build_estimator(train: Dataset, model: str, params: dict[str, Any], seed: int) -> Any:
    """The unfitted pipeline of ``model`` with ``params`` (a trial's) for ``train``."""
    hyper = {p.name: params[p.name] for p in SEARCH_SPACES[model]}
    n_estimators = hyper.pop("n_estimators", None)
    if "hidden_units" in hyper:
        hyper["hidden_layer_sizes"] = (int(hyper.pop("hidden_units")),)
    weights = class_weights(
        np.asarray(train.y), float(params["class_weight_strength"]), len(train.classes)
    )
    pipe = make_model(model, train, seed=seed, class_weight=weights, n_estimators=n_estimators)
    clf = pipe.named_steps["model"]
    (clf.estimator if isinstance(clf, SampleWeightedClassifier) else clf).set_params(**hyper)
    return pipe


def decide(proba: np.ndarray, positive: int, threshold: float) -> np.ndarray:
    """Codes: ``positive`` where its probability is ``>= threshold``, else the most probable
    other class."""
    others = np.array(proba, dtype=float, copy=True)
    others[:, positive] = -np.inf
    return np.where(proba[:, positive] >= threshold, positive, np.argmax(others, axis=1))
