"""Estimator recipes behind :data:`core.modelling.strategies.STRATEGIES`, one per strategy name.

Each recipe is ``recipe(ds, *, model, seed, options, n_jobs) -> unfitted estimator`` with
``options`` already validated. Single-label recipes build one pipeline; on multi-label
data most are applied by binary relevance (one pipeline per label, each with its own
sampler); ``threshold_tuning`` and ``ml_ros`` have their own multi-label forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from imblearn.ensemble import (
    BalancedBaggingClassifier,
    BalancedRandomForestClassifier,
    EasyEnsembleClassifier,
)
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.ensemble import AdaBoostClassifier, IsolationForest
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from core.intake.dataset import Dataset
from core.modelling.boosters import native_imbalance_pipeline
from core.modelling.learners import (
    CheckedRUSBoostClassifier,
    NeighbourOverSampler,
    OneClassBoostClassifier,
    SafeCleaner,
)
from core.modelling.models import (
    ClassWeight,
    get_model_spec,
    make_classifier,
    make_encoder,
    make_imputer,
    make_model,
    make_preprocessor,
    model_preprocessor,
)
from core.modelling.multilabel import MLROS, BinaryRelevance

if TYPE_CHECKING:
    from core.modelling.options import StrategyOptions

Recipe = Callable[..., Any]


@dataclass(frozen=True)
class Problem:
    """One single-label learning problem: the whole target, or one label's 0/1 column."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    task: str  # "binary" | "multiclass"
    class_names: tuple[str, ...]  # by class code
    class_weight: ClassWeight  # "balanced" or {code: weight}
    cost: np.ndarray | None  # K x K (single-label targets only)
    target: int  # class code isolated by one_class
    model: str
    seed: int
    n_jobs: int
    options: StrategyOptions

    # ---------------------------------------------------------------- shared parts

    @property
    def n_estimators(self) -> int | None:
        return self.options.n_estimators

    def preprocess(self, *, scale: bool | None = None) -> Any:
        if scale is None:  # the model's own (a user's Pipeline gets the raw columns)
            return model_preprocessor(self.model, self.numeric, self.categorical)
        return make_preprocessor(self.numeric, self.categorical, scale=scale)

    def classifier(self, class_weight: ClassWeight = None, n_estimators: int | None = None) -> Any:
        return make_classifier(
            self.model,
            seed=self.seed,
            n_jobs=self.n_jobs,
            class_weight=class_weight,
            n_estimators=n_estimators or self.n_estimators,
        )

    def plain(self, class_weight: ClassWeight = None) -> Pipeline:
        return Pipeline(
            [("preprocess", self.preprocess()), ("model", self.classifier(class_weight))]
        )

    def with_sampler(self, sampler: Any) -> ImbPipeline:
        return ImbPipeline(
            [("preprocess", self.preprocess()), ("sample", sampler), ("model", self.classifier())]
        )


def single_problem(ds: Dataset, *, model: str, seed: int, options: Any, n_jobs: int) -> Problem:
    """The :class:`Problem` of a binary or multiclass Dataset."""
    classes = ds.classes
    weights = options.class_weights
    return Problem(
        numeric=ds.numeric_features,
        categorical=ds.categorical_features,
        task=ds.task,
        class_names=classes,
        class_weight="balanced"
        if weights is None
        else {i: weights[c] for i, c in enumerate(classes)},
        cost=np.asarray(options.cost_matrix, dtype=float),
        target=classes.index(options.one_class_target),
        model=model,
        seed=seed,
        n_jobs=n_jobs,
        options=options,
    )


def label_problems(
    ds: Dataset, *, model: str, seed: int, options: Any, n_jobs: int
) -> list[Problem]:
    """One binary :class:`Problem` per label of a multi-label Dataset (code 1 = carries it)."""
    weights = options.class_weights
    return [
        Problem(
            numeric=ds.numeric_features,
            categorical=ds.categorical_features,
            task="binary",
            class_names=(f"not {label}", label),
            class_weight="balanced" if weights is None else {0: 1.0, 1: weights[label]},
            cost=None,
            target=1,
            model=model,
            seed=seed,
            n_jobs=n_jobs,
            options=options,
        )
        for label in ds.classes
    ]


# ------------------------------------------------------------------ single-label recipes


def _baseline(p: Problem) -> Any:
    return p.plain()


def _class_weight(p: Problem) -> Any:
    return p.plain(class_weight=p.class_weight)


def _cost_sensitive(p: Problem) -> Any:
    from core.modelling.wrappers import CostSensitiveClassifier

    return CostSensitiveClassifier(
        p.plain(), task=p.task, cost_matrix=p.cost, cv=p.options.inner_cv, random_state=p.seed
    )


def _random_over(p: Problem) -> Any:
    return p.with_sampler(RandomOverSampler(random_state=p.seed))


def _random_under(p: Problem) -> Any:
    return p.with_sampler(RandomUnderSampler(random_state=p.seed))


def _neighbour_pipeline(p: Problem, kind: str, cleaner: str | None = None) -> ImbPipeline:
    """Impute and scale first (neighbour distances need it), then over-sample.

    SMOTE with categorical features runs SMOTE-NC (SMOTE-N without numeric features) on the
    imputed category strings and one-hot encodes afterwards; the other samplers run on the
    encoded columns. An optional cleaner (Tomek links / ENN) follows the over-sampler.
    """
    n_num, n_cat = len(p.numeric), len(p.categorical)
    common = {
        "k_neighbors": p.options.k_neighbors,
        "class_names": p.class_names,
        "random_state": p.seed,
    }
    if n_cat and kind == "smote":
        if n_num:
            cats = list(range(n_num, n_num + n_cat))
            sampler = NeighbourOverSampler("smotenc", categorical_features=cats, **common)
        else:
            sampler = NeighbourOverSampler("smoten", **common)
        steps: list[tuple[str, Any]] = [
            ("impute", make_imputer(p.numeric, p.categorical, scale=True)),
            ("sample", sampler),
            ("encode", make_encoder(n_num, n_cat)),
        ]
    else:
        steps = [
            ("preprocess", p.preprocess(scale=True)),
            ("sample", NeighbourOverSampler(kind, **common)),
        ]
    if cleaner is not None:
        steps.append(("clean", SafeCleaner(cleaner)))
    steps.append(("model", p.classifier()))
    return ImbPipeline(steps)


NEIGHBOUR_STRATEGIES = ("smote", "borderline_smote", "adasyn", "smote_tomek", "smote_enn")
"""Strategies whose over-sampler reads ``StrategyOptions.k_neighbors`` (lowered per training
fold to the rows of the smallest class minus one)."""


def _smote(p: Problem) -> Any:
    return _neighbour_pipeline(p, "smote")


def _borderline_smote(p: Problem) -> Any:
    return _neighbour_pipeline(p, "borderline_smote")


def _adasyn(p: Problem) -> Any:
    return _neighbour_pipeline(p, "adasyn")


def _smote_tomek(p: Problem) -> Any:
    return _neighbour_pipeline(p, "smote", cleaner="tomek")


def _smote_enn(p: Problem) -> Any:
    return _neighbour_pipeline(p, "smote", cleaner="enn")


def _balanced_random_forest(p: Problem) -> Any:
    forest = BalancedRandomForestClassifier(
        n_estimators=p.n_estimators or 200,
        sampling_strategy="all",
        replacement=True,
        bootstrap=False,
        n_jobs=p.n_jobs,
        random_state=p.seed,
    )
    return Pipeline([("preprocess", p.preprocess(scale=False)), ("model", forest)])


def _easy_ensemble(p: Problem) -> Any:
    booster = None
    if p.n_estimators:
        booster = AdaBoostClassifier(n_estimators=p.n_estimators, random_state=p.seed)
    ensemble = EasyEnsembleClassifier(
        n_estimators=p.n_estimators or 10,
        estimator=booster,
        n_jobs=p.n_jobs,
        random_state=p.seed,
    )
    return Pipeline([("preprocess", p.preprocess(scale=False)), ("model", ensemble)])


def _rusboost(p: Problem) -> Any:
    # Fully grown trees, as the C4.5 trees of Seiffert et al.: imblearn's default stumps,
    # trained on a balanced under-sample, often err on more than half of the (mostly
    # majority) training rows when a class is very rare, and boosting then cannot start.
    boost = CheckedRUSBoostClassifier(
        DecisionTreeClassifier(random_state=p.seed),
        n_estimators=p.n_estimators or 50,
        random_state=p.seed,
    )
    return Pipeline([("preprocess", p.preprocess(scale=False)), ("model", boost)])


def _balanced_bagging(p: Problem) -> Any:
    has_trees = get_model_spec(p.model).has_n_estimators
    base = p.classifier(n_estimators=p.n_estimators or (20 if has_trees else None))
    bagging = BalancedBaggingClassifier(
        estimator=base,
        n_estimators=p.n_estimators or 10,
        n_jobs=p.n_jobs,
        random_state=p.seed,
    )
    return Pipeline([("preprocess", p.preprocess()), ("model", bagging)])


def _native_imbalance(p: Problem) -> Any:
    knob = get_model_spec(p.model).native_knob
    return native_imbalance_pipeline(p.preprocess(), p.classifier(), knob)


def _one_vs_rest(p: Problem) -> Any:
    ovr = OneVsRestClassifier(p.classifier(class_weight="balanced"))
    return Pipeline([("preprocess", p.preprocess()), ("model", ovr)])


def _threshold_tuning(p: Problem) -> Any:
    from core.modelling.wrappers import ThresholdTunedClassifier

    opts = p.options
    return ThresholdTunedClassifier(
        p.plain(),
        task=p.task,
        objective=opts.threshold_objective,
        beta=opts.beta,
        cv=opts.inner_cv,
        random_state=p.seed,
    )


def _one_class(p: Problem) -> Any:
    detector = IsolationForest(
        n_estimators=p.n_estimators or 100, n_jobs=p.n_jobs, random_state=p.seed
    )
    novelty = Pipeline([("preprocess", p.preprocess(scale=True)), ("model", detector)])
    return OneClassBoostClassifier(
        p.plain(), novelty, target=p.target, target_name=p.class_names[p.target]
    )


# ------------------------------------------------------------------ multi-label forms


def _multilabel_baseline(ds: Dataset, **kw: Any) -> Any:
    opts = kw["options"]
    return make_model(
        kw["model"], ds, seed=kw["seed"], n_jobs=kw["n_jobs"], n_estimators=opts.n_estimators
    )


def _multilabel_threshold_tuning(ds: Dataset, **kw: Any) -> Any:
    from core.modelling.wrappers import ThresholdTunedClassifier

    opts = kw["options"]
    return ThresholdTunedClassifier(
        _multilabel_baseline(ds, **kw),
        task="multilabel",
        objective=opts.threshold_objective,
        beta=opts.beta,
        cv=opts.inner_cv,
        random_state=kw["seed"],
    )


def _ml_ros(ds: Dataset, **kw: Any) -> Any:
    problems = label_problems(ds, **kw)
    per_label = BinaryRelevance([p.classifier() for p in problems], labels=ds.classes)
    return ImbPipeline(
        [
            ("preprocess", problems[0].preprocess()),
            ("sample", MLROS(random_state=kw["seed"])),
            ("model", per_label),
        ]
    )


def _recipe(
    single: Callable[[Problem], Any] | None,
    multilabel: Callable[..., Any] | None = None,
) -> Recipe:
    """A recipe from a single-label builder; multi-label uses ``multilabel`` when given,
    else binary relevance over ``single`` applied to each label's problem."""

    def build(ds: Dataset, *, model: str, seed: int, options: Any, n_jobs: int) -> Any:
        kw = {"model": model, "seed": seed, "options": options, "n_jobs": n_jobs}
        if ds.is_multilabel:
            if multilabel is not None:
                return multilabel(ds, **kw)
            if single is None:  # pragma: no cover - the registry lists these as not applicable
                raise ValueError("no multi-label recipe")
            return BinaryRelevance([single(p) for p in label_problems(ds, **kw)], labels=ds.classes)
        if single is None:  # pragma: no cover - the registry lists these as not applicable
            raise ValueError("no single-label recipe")
        return single(single_problem(ds, **kw))

    return build


RECIPES: dict[str, Recipe] = {
    "baseline": _recipe(_baseline, _multilabel_baseline),
    "class_weight": _recipe(_class_weight),
    "cost_sensitive": _recipe(_cost_sensitive),
    "random_over": _recipe(_random_over),
    "random_under": _recipe(_random_under),
    "smote": _recipe(_smote),
    "borderline_smote": _recipe(_borderline_smote),
    "adasyn": _recipe(_adasyn),
    "smote_tomek": _recipe(_smote_tomek),
    "smote_enn": _recipe(_smote_enn),
    "balanced_random_forest": _recipe(_balanced_random_forest),
    "easy_ensemble": _recipe(_easy_ensemble),
    "rusboost": _recipe(_rusboost),
    "balanced_bagging": _recipe(_balanced_bagging),
    "one_vs_rest": _recipe(_one_vs_rest),
    "threshold_tuning": _recipe(_threshold_tuning, _multilabel_threshold_tuning),
    "one_class": _recipe(_one_class),
    "ml_ros": _recipe(None, _ml_ros),
    "native_imbalance": _recipe(_native_imbalance),
}
