"""Model registry: preprocessing and seeded classifier factories.

Every estimator built here accepts the :class:`core.intake.dataset.Dataset` form of ``X`` (a
DataFrame with numeric float64 and categorical object columns, with missing values) and of
``y`` (integer codes, or a 0/1 matrix for multi-label).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from core.errors import DataError
from core.intake.dataset import Dataset
from core.modelling.boosters import fit_weighted, make_lightgbm, make_xgboost
from core.modelling.options import close_hint

ClassWeight = str | Mapping[int, float] | None
"""``"balanced"``, ``{class code: weight}``, or ``None`` (every row weighs 1)."""

MIN_CATEGORY_ROWS = 5
"""Categories seen in fewer training rows are pooled into one "infrequent" column."""

MAX_CATEGORIES = 50
"""At most this many one-hot columns per categorical feature (the rest pool as infrequent)."""


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the model registry."""

    name: str
    title: str
    description: str
    needs_scaling: bool  # distance/gradient based: standardise numeric features
    supports_sample_weight: bool  # fit(X, y, sample_weight=...) works
    supports_class_weight: bool  # native ``class_weight=`` (else emulated by sample weights)
    has_n_estimators: bool  # an ensemble whose size ``n_estimators`` overrides
    # how native_imbalance weighs the rarer class (core.modelling.boosters.NATIVE_KNOBS)
    native_knob: str = "sample_weight"
    raw_columns: bool = False  # True: the classifier gets ``ds.X`` as is (no preprocessing)
    # a model of one comparison only (core.api): ``factory()`` -> a fresh unfitted classifier
    factory: Callable[[], Any] | None = field(default=None, repr=False, compare=False)


_BOOSTER = {"needs_scaling": False, "supports_sample_weight": True, "has_n_estimators": True}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="logistic_regression",
            title="Logistic regression",
            description=(
                "A linear model of the log-odds: fast, stable, well-calibrated probabilities; "
                "a strong baseline when classes are roughly linearly separable."
            ),
            needs_scaling=True,
            supports_sample_weight=True,
            supports_class_weight=True,
            has_n_estimators=False,
        ),
        ModelSpec(
            name="random_forest",
            title="Random forest",
            description=(
                "200 fully grown decision trees on bootstrap samples, votes averaged: handles "
                "non-linear effects and interactions without tuning."
            ),
            needs_scaling=False,
            supports_sample_weight=True,
            supports_class_weight=True,
            has_n_estimators=True,
        ),
        ModelSpec(
            name="hist_gradient_boosting",
            title="Histogram gradient boosting",
            description=(
                "Boosted shallow trees on binned features (scikit-learn's LightGBM-style "
                "booster): usually the most accurate on tabular data."
            ),
            needs_scaling=False,
            supports_sample_weight=True,
            supports_class_weight=True,
            has_n_estimators=False,
        ),
        ModelSpec(
            name="mlp",
            title="Neural network (MLP)",
            description=(
                "A one-hidden-layer perceptron (64 units) trained with Adam and early stopping "
                "on a 10% validation split; class weights are applied as sample weights."
            ),
            needs_scaling=True,
            supports_sample_weight=True,
            supports_class_weight=False,
            has_n_estimators=False,
        ),
        ModelSpec(
            name="lightgbm",
            title="LightGBM",
            description="Microsoft's leaf-wise gradient boosting (100 rounds, 31 leaves) on "
            "the shared preprocessing (categories one-hot); class weights through its own "
            "class_weight, native_imbalance through is_unbalance.",
            **_BOOSTER,
            supports_class_weight=True,
            native_knob="is_unbalance",
        ),
        ModelSpec(
            name="xgboost",
            title="XGBoost",
            description="Depth-wise gradient boosting on histogram trees (100 rounds, depth 6) "
            "on the shared preprocessing (categories one-hot); class weights as per-row sample "
            "weights, native_imbalance through scale_pos_weight.",
            **_BOOSTER,
            supports_class_weight=False,
            native_knob="scale_pos_weight",
        ),
    )
}


def get_model_spec(name: str) -> ModelSpec:
    """Registry entry for ``name``; :class:`DataError` naming the valid models otherwise."""
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise DataError(
            f"Unknown model {name!r}",
            close_hint(str(name), list(MODELS), "names"),
        ) from None


def _as_float(X: Any) -> np.ndarray:
    return np.asarray(X, dtype=np.float64)


def _one_hot() -> OneHotEncoder:
    return OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        min_frequency=MIN_CATEGORY_ROWS,
        max_categories=MAX_CATEGORIES,
        sparse_output=False,
        dtype=np.float64,
    )


def _numeric_imputer(scale: bool) -> Pipeline:
    steps: list[Any] = [SimpleImputer(strategy="median", keep_empty_features=True)]
    if scale:
        steps.append(StandardScaler())
    return make_pipeline(*steps)


def _as_str(X: Any) -> np.ndarray:
    return np.asarray(X, dtype=object).astype(str).astype(object)


def _categorical_imputer() -> Pipeline:
    # keep_empty_features keeps column positions stable when a training fold has a column
    # with no value at all (it is filled with 0); casting to str keeps every value one type.
    return make_pipeline(
        SimpleImputer(strategy="most_frequent", keep_empty_features=True),
        FunctionTransformer(_as_str, feature_names_out="one-to-one"),
    )


def make_preprocessor(
    numeric: Sequence[str], categorical: Sequence[str], *, scale: bool
) -> ColumnTransformer:
    """Impute (median / most frequent), optionally standardise numeric, one-hot categorical.

    Output is a dense float64 array: numeric columns first, then the one-hot columns.
    Unknown categories at predict time go to the "infrequent" column when one exists, else
    to all zeros. Either list may be empty.
    """
    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        parts.append(("numeric", _numeric_imputer(scale), list(numeric)))
    if categorical:
        parts.append(
            ("categorical", make_pipeline(_categorical_imputer(), _one_hot()), list(categorical))
        )
    if not parts:
        raise DataError("There are no feature columns to learn from", "Keep at least one column")
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def model_preprocessor(
    name: str, numeric: Sequence[str], categorical: Sequence[str], *, scale: bool | None = None
) -> Any:
    """:func:`make_preprocessor` for model ``name`` (``scale`` None: as the model needs), or
    the columns as they are for a ``raw_columns`` model (a user's Pipeline, :mod:`core.api`)."""
    spec = get_model_spec(name)
    if spec.raw_columns:
        return FunctionTransformer(None, feature_names_out="one-to-one")
    scale = spec.needs_scaling if scale is None else scale
    return make_preprocessor(numeric, categorical, scale=scale)


def make_imputer(
    numeric: Sequence[str], categorical: Sequence[str], *, scale: bool
) -> ColumnTransformer:
    """First half of :func:`make_preprocessor`: impute (and scale) but do not encode.

    Output is an object array: ``len(numeric)`` numeric columns, then the imputed category
    strings. Used where a sampler must see categories before one-hot (SMOTENC, SMOTEN);
    follow the sampler with :func:`make_encoder`.
    """
    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        parts.append(("numeric", _numeric_imputer(scale), list(numeric)))
    if categorical:
        parts.append(("categorical", _categorical_imputer(), list(categorical)))
    if not parts:
        raise DataError("There are no feature columns to learn from", "Keep at least one column")
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def make_encoder(n_numeric: int, n_categorical: int) -> ColumnTransformer:
    """Second half: positions ``[0, n_numeric)`` to float, the rest one-hot encoded."""
    parts: list[tuple[str, Any, list[int]]] = []
    if n_numeric:
        as_float = FunctionTransformer(_as_float, feature_names_out="one-to-one")
        parts.append(("numeric", as_float, list(range(n_numeric))))
    if n_categorical:
        cat_idx = list(range(n_numeric, n_numeric + n_categorical))
        parts.append(("categorical", _one_hot(), cat_idx))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


class SafeMLPClassifier(MLPClassifier):
    """``MLPClassifier`` that skips early stopping when a class has a single training row.

    Early stopping holds out a *stratified* validation split, which scikit-learn refuses
    when some class has one row (possible in a training fold of a very rare class).
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SafeMLPClassifier:
        early = self.early_stopping
        if early and np.min(np.unique(np.asarray(y), return_counts=True)[1]) < 2:
            self.early_stopping = False
            try:
                return super().fit(X, y, sample_weight=sample_weight)
            finally:
                self.early_stopping = early
        return super().fit(X, y, sample_weight=sample_weight)


class SampleWeightedClassifier(ClassifierMixin, BaseEstimator):
    """Give a classifier without ``class_weight=`` class weights through ``sample_weight``.

    ``class_weight`` takes the scikit-learn forms: ``"balanced"`` or ``{class: weight}``.
    """

    def __init__(self, estimator: Any, *, class_weight: ClassWeight = "balanced") -> None:
        self.estimator = estimator
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any) -> SampleWeightedClassifier:
        y = np.asarray(y)
        weight = compute_sample_weight(_sklearn_class_weight(self.class_weight, y), y)
        self.estimator_ = fit_weighted(clone(self.estimator), X, y, weight)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)


def _sklearn_class_weight(class_weight: ClassWeight, y: np.ndarray) -> ClassWeight:
    """Restrict a ``{code: weight}`` dict to the classes present (others weigh 1)."""
    if class_weight is None or isinstance(class_weight, str):
        return class_weight
    present = set(np.unique(y).tolist())
    return {c: float(w) for c, w in class_weight.items() if c in present}


def make_classifier(
    name: str,
    *,
    seed: int,
    n_jobs: int = 1,
    class_weight: ClassWeight = None,
    n_estimators: int | None = None,
) -> Any:
    """A bare, seeded classifier of model ``name`` (no preprocessing).

    Defaults are chosen to be fast on 2 cores: logistic regression ``max_iter=1000``,
    random forest 200 trees (``n_estimators`` overrides), gradient boosting 100 iterations
    with automatic early stopping, MLP (64,) with early stopping. ``n_jobs`` only affects
    the random forest (the evaluation loop parallelises folds). ``class_weight`` is applied
    natively where the model supports it, else through sample weights.
    """
    spec = get_model_spec(name)
    if n_estimators is not None and n_estimators < 1:
        raise DataError(f"n_estimators must be at least 1. Got {n_estimators} instead")
    sk_weight = dict(class_weight) if isinstance(class_weight, Mapping) else class_weight
    if name == "logistic_regression":
        clf: Any = LogisticRegression(max_iter=1000, random_state=seed, class_weight=sk_weight)
    elif name == "random_forest":
        clf = RandomForestClassifier(
            n_estimators=n_estimators or 200,
            n_jobs=n_jobs,
            random_state=seed,
            class_weight=sk_weight,
        )
    elif name == "hist_gradient_boosting":
        clf = HistGradientBoostingClassifier(random_state=seed, class_weight=sk_weight)
    elif name == "lightgbm":
        clf = make_lightgbm(
            seed=seed, n_jobs=n_jobs, class_weight=sk_weight, n_estimators=n_estimators
        )
    elif name == "xgboost":
        clf = make_xgboost(seed=seed, n_jobs=n_jobs, n_estimators=n_estimators)
    elif spec.factory is not None:  # a user's estimator (core.api), cloned afresh
        clf = spec.factory()  # class weights: sample weights (StrategyError if it takes none)
    elif name == "mlp":
        clf = SafeMLPClassifier(
            hidden_layer_sizes=(64,),
            early_stopping=True,
            validation_fraction=0.1,
            n_iter_no_change=10,
            max_iter=500,
            random_state=seed,
        )
    else:  # pragma: no cover - a registry entry without a builder
        raise DataError(f"Model {name!r} has no builder")
    if class_weight is not None and not spec.supports_class_weight:
        clf = SampleWeightedClassifier(clf, class_weight=class_weight)
    return clf


def make_model(
    name: str,
    ds: Dataset,
    *,
    seed: int = 0,
    n_jobs: int = 1,
    class_weight: ClassWeight | Sequence[ClassWeight] = None,
    n_estimators: int | None = None,
) -> Pipeline:
    """Preprocessing + classifier for ``ds``; fit it with ``(ds.X, ds.y)``.

    Multi-label: the classifier is wrapped in :class:`core.modelling.multilabel.BinaryRelevance` (one
    binary model per label; a label with no positives in the training data is predicted as
    a constant). ``class_weight`` there is ``"balanced"`` (each label balanced on its own),
    ``None``, or a sequence with one ``{0: w0, 1: w1}`` per label.
    """
    from core.modelling.multilabel import BinaryRelevance

    preprocess = model_preprocessor(name, ds.numeric_features, ds.categorical_features)
    if ds.is_multilabel:
        n_labels = len(ds.classes)
        if class_weight is None or isinstance(class_weight, str):
            weights: list[ClassWeight] = [class_weight] * n_labels
        else:
            weights = list(class_weight)  # type: ignore[arg-type]
            if len(weights) != n_labels:
                raise DataError(
                    f"class_weight needs one entry per label ({n_labels}). "
                    f"Got {len(weights)} instead"
                )
        estimators = [
            make_classifier(
                name, seed=seed, n_jobs=n_jobs, class_weight=w, n_estimators=n_estimators
            )
            for w in weights
        ]
        clf: Any = BinaryRelevance(estimators, labels=ds.classes)
    else:
        clf = make_classifier(
            name,
            seed=seed,
            n_jobs=n_jobs,
            class_weight=class_weight,  # type: ignore[arg-type]
            n_estimators=n_estimators,
        )
    return Pipeline([("preprocess", preprocess), ("model", clf)])
