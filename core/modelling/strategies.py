"""Strategy registry: every imbalance strategy by name, family, tasks and ``build()``.

Names are a contract (DESIGN.md "Strategy names"). ``Strategy.build(ds, ...)`` returns an
unfitted, seeded estimator; ``fit(ds.X, ds.y)`` it on training rows only. Samplers live
inside imblearn pipelines, so they only ever touch the data given to ``fit``.
Options (:class:`StrategyOptions`) live in :mod:`core.modelling.options`
and are normalised once by ``StrategyOptions.validated``; the estimator recipes are in
:mod:`core.modelling.recipes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.errors import DataError, StrategyError
from core.intake.dataset import Dataset
from core.modelling.models import get_model_spec
from core.modelling.options import StrategyOptions, close_hint
from core.modelling.recipes import RECIPES
from core.tasks import TASK_KINDS

ENCODED_ONLY = ("smote", "borderline_smote", "adasyn", "smote_tomek", "smote_enn",
                "balanced_bagging")  # fmt: skip
"""Strategies whose model sees the encoded matrix, not the DataFrame (no ``raw_columns``)."""

FAMILIES = (
    "baseline",
    "weighting",
    "cost",
    "oversampling",
    "undersampling",
    "hybrid",
    "ensemble",
    "decomposition",
    "threshold",
    "novelty",
)


@dataclass(frozen=True)
class Strategy:
    """One imbalance strategy: what it is, where it applies, how to build it."""

    name: str
    title: str
    family: str
    description: str  # plain language: what it does, when it helps, the reference
    reference: str  # author(s) year
    tasks: frozenset[str]
    not_applicable: dict[str, str]  # task -> why not (for the UI to grey it out)
    uses_model: bool  # False for ensembles that bring their own base learners
    recipe: Callable[..., Any] = field(repr=False, compare=False)

    def applies_to(self, task: str) -> bool:
        return task in self.tasks

    def build(
        self,
        ds: Dataset,
        *,
        model: str = "logistic_regression",
        seed: int = 0,
        options: StrategyOptions | None = None,
        n_jobs: int = 1,
    ) -> Any:
        """An unfitted estimator for ``ds`` (fit with ``ds.X``, ``ds.y``), seeded by ``seed``.

        Raises :class:`StrategyError` when the strategy does not apply to ``ds.task`` and
        :class:`DataError` for an unknown model or bad options.
        """
        if not self.applies_to(ds.task):
            reason = self.not_applicable.get(ds.task, "")
            raise StrategyError(f"{self.title} does not apply to {ds.task} targets: {reason}")
        if get_model_spec(model).raw_columns and self.name in ENCODED_ONLY:
            raise StrategyError(
                f"{self.title} works on the encoded feature matrix, which a model that "
                "preprocesses its own columns cannot take",
                "Pass a bare classifier (it then gets the shared preprocessing) to use it",
            )
        opts = (options if options is not None else StrategyOptions()).validated(ds)
        return self.recipe(ds, model=model, seed=int(seed), options=opts, n_jobs=int(n_jobs))


def _strategy(
    name: str,
    title: str,
    family: str,
    reference: str,
    description: str,
    *,
    not_applicable: Mapping[str, str] | None = None,
    uses_model: bool = True,
) -> Strategy:
    na = dict(not_applicable or {})
    return Strategy(
        name=name,
        title=title,
        family=family,
        description=" ".join(description.split()),
        reference=reference,
        tasks=frozenset(t for t in TASK_KINDS if t not in na),
        not_applicable=na,
        uses_model=uses_model,
        recipe=RECIPES[name],
    )


_PER_LABEL = (
    "On multi-label data it is applied by binary relevance: one binary model per label, "
    "each with its own"
)


def _build_registry() -> dict[str, Strategy]:
    entries = [
        _strategy(
            "baseline",
            "Baseline (no correction)",
            "baseline",
            "Pedregosa et al. 2011",
            """The chosen model trained as is, every row counting once. It is the reference
            every other strategy must beat: on imbalanced data it tends to favour the
            majority class, which looks good on accuracy and bad on the rare class's recall.
            Multi-label: one model per label (binary relevance). Reference: scikit-learn,
            Pedregosa et al. 2011.""",
        ),
        _strategy(
            "class_weight",
            "Class weights",
            "weighting",
            "King & Zeng 2001",
            f"""Errors on each class are weighted in the training loss, by default inversely
            to the class's frequency ("balanced"), or by weights you give. No row is added or
            removed, so it is cheap and keeps the data intact; it shifts the decision
            boundary towards the majority class and raises minority recall. Models without a
            native class_weight get the same weights as sample weights. {_PER_LABEL}
            balanced weights. Reference: King & Zeng 2001.""",
        ),
        _strategy(
            "cost_sensitive",
            "Cost-sensitive decision",
            "cost",
            "Elkan 2001",
            """The model's probabilities are calibrated on inner folds of the training data,
            then each row gets the class with the least expected cost under a cost matrix
            (rows = true class, columns = predicted). The default costs an error on a class
            by how much rarer it is than the majority. Use it when mistakes really have
            different prices (a missed fraud vs a false alarm). Reference: Elkan 2001.""",
            not_applicable={
                "multilabel": "a K x K cost matrix prices confusing one class for another, "
                "which multi-label targets do not have; use threshold_tuning with the fbeta "
                "objective to trade precision for recall per label",
            },
        ),
        _strategy(
            "random_over",
            "Random over-sampling",
            "oversampling",
            "Batista et al. 2004",
            f"""Duplicates randomly chosen rows of the smaller classes in the training data
            until every class is as large as the majority. Simple and lossless, but exact
            copies invite over-fitting of the rare rows. {_PER_LABEL} sampler.
            Reference: Batista, Prati & Monard 2004.""",
        ),
        _strategy(
            "random_under",
            "Random under-sampling",
            "undersampling",
            "Japkowicz & Stephen 2002",
            f"""Drops randomly chosen rows of the larger classes in the training data until
            every class is as small as the minority. Fast and often effective when there is
            plenty of data, but it throws information away and can be noisy with a tiny
            minority. {_PER_LABEL} sampler. Reference: Japkowicz & Stephen 2002.""",
        ),
        _strategy(
            "smote",
            "SMOTE",
            "oversampling",
            "Chawla et al. 2002",
            f"""Creates synthetic minority rows on the line between a minority row and one of
            its k nearest minority neighbours (after imputing and scaling), so the classifier
            sees a filled-in minority region rather than copies. With categorical features it
            uses SMOTE-NC (categories taken from the neighbours' majority vote) before
            one-hot encoding; with only categorical features, SMOTE-N. k is lowered for tiny
            classes; a class with a single training row cannot be used. {_PER_LABEL} sampler.
            Reference: Chawla et al. 2002.""",
        ),
        _strategy(
            "borderline_smote",
            "Borderline-SMOTE",
            "oversampling",
            "Han et al. 2005",
            f"""Like SMOTE, but only minority rows near the class border (most of their
            neighbours from other classes) are used as seeds, which strengthens the region
            where mistakes happen. With categorical features it runs on the one-hot encoded
            columns. {_PER_LABEL} sampler. Reference: Han, Wang & Mao 2005.""",
        ),
        _strategy(
            "adasyn",
            "ADASYN",
            "oversampling",
            "He et al. 2008",
            f"""Adaptive synthetic sampling: like SMOTE, but generates more synthetic rows
            around minority rows that are harder to learn (with many neighbours of other
            classes). It can fail on data where no minority row has a foreign neighbour.
            With categorical features it runs on the one-hot encoded columns. {_PER_LABEL}
            sampler. Reference: He, Bai, Garcia & Li 2008.""",
        ),
        _strategy(
            "smote_tomek",
            "SMOTE + Tomek links",
            "hybrid",
            "Batista et al. 2003",
            f"""SMOTE over-sampling, then removal of Tomek links (pairs of nearest neighbours
            from different classes) to clean the class border that the synthetic rows may
            have blurred. {_PER_LABEL} sampler. Reference: Batista, Bazzan & Monard 2003.""",
        ),
        _strategy(
            "smote_enn",
            "SMOTE + ENN",
            "hybrid",
            "Batista et al. 2004",
            f"""SMOTE over-sampling, then edited nearest neighbours: every row whose
            3 nearest neighbours are not all of its class is removed. It cleans harder than
            Tomek links and helps on noisy overlap (a class is never erased entirely).
            {_PER_LABEL} sampler. Reference: Batista, Prati & Monard 2004.""",
        ),
        _strategy(
            "balanced_random_forest",
            "Balanced random forest",
            "ensemble",
            "Chen et al. 2004",
            f"""A random forest (its own trees, not the chosen model) in which each tree is
            grown on a random sample drawn so that every class is equally represented. Often
            a strong default on tabular imbalanced data. {_PER_LABEL} forest.
            Reference: Chen, Liaw & Breiman 2004.""",
            uses_model=False,
        ),
        _strategy(
            "easy_ensemble",
            "EasyEnsemble",
            "ensemble",
            "Liu et al. 2009",
            f"""Ten AdaBoost learners, each trained on all minority rows plus a different
            random under-sample of the majority; their votes are averaged. Under-sampling
            without throwing the majority away overall. {_PER_LABEL} ensemble.
            Reference: Liu, Wu & Zhou 2009.""",
            uses_model=False,
        ),
        _strategy(
            "rusboost",
            "RUSBoost",
            "ensemble",
            "Seiffert et al. 2010",
            f"""Boosting of decision trees in which each round first under-samples the
            majority at random, so later rounds focus on the hard rows without being swamped
            by the majority. The trees are fully grown, as in the original paper (stumps
            often cannot start boosting on a very rare class). {_PER_LABEL} ensemble.
            Reference: Seiffert et al. 2010.""",
            uses_model=False,
        ),
        _strategy(
            "balanced_bagging",
            "Balanced bagging",
            "ensemble",
            "Hido et al. 2009",
            f"""Ten copies of the chosen model, each trained on a bootstrap sample balanced by
            random under-sampling; probabilities are averaged. Reduces the variance that a
            single under-sample brings (a random forest base uses 20 trees per bag).
            {_PER_LABEL} ensemble. Reference: Hido, Kashima & Takahashi 2009.""",
        ),
        _strategy(
            "one_vs_rest",
            "One-vs-rest, balanced",
            "decomposition",
            "Rifkin & Klautau 2004",
            """One binary model per class (that class against all others), each trained with
            balanced class weights, so every class gets a model that takes it seriously;
            the per-class scores are normalised to sum to one. With two classes it amounts to
            one balanced model. Reference: Rifkin & Klautau 2004.""",
            not_applicable={
                "multilabel": "multi-label targets are already one binary problem per label; "
                "class_weight trains each label's model balanced, which is exactly "
                "one-vs-rest here",
            },
        ),
        _strategy(
            "threshold_tuning",
            "Decision threshold tuning",
            "threshold",
            "Lipton et al. 2014",
            """Keeps the model as trained and moves the decision threshold instead: the cut
            (binary), per-class offsets (multiclass) or per-label thresholds (multi-label)
            that maximise the chosen objective (F1 by default) on out-of-fold predictions of
            inner folds of the training data. Cheap, and often the single best fix when the
            model ranks well but predicts the rare class too rarely. Reference: Lipton, Elkan
            & Naryanaswamy 2014.""",
        ),
        _strategy(
            "one_class",
            "One-class novelty boost",
            "novelty",
            "Liu et al. 2008",
            """An isolation forest learns what one class (by default the smallest) looks
            like from its rows alone, without being drowned by the others. Rows it finds
            typical of that class get that class's probability raised (a noisy-OR with the
            model's own probability), the novelty vote weighted by how precise it was on the
            training rows: a detector that also accepts the other classes barely changes
            anything, a selective one can recover rare rows the main model misses.
            Reference: Liu, Ting & Zhou 2008; Japkowicz 2001.""",
            not_applicable={
                "multilabel": "a one-class model isolates one class of a single-label target; "
                "multi-label rows carry several labels at once, so there is no single class "
                "to isolate",
            },
        ),
        _strategy(
            "ml_ros",
            "ML-ROS (multi-label random over-sampling)",
            "oversampling",
            "Charte et al. 2015",
            """Multi-label random over-sampling: labels rarer than average (imbalance ratio
            IRLbl above the mean, MeanIR) are minority labels; rows carrying them are cloned
            at random, in turn, until each reaches the mean or the clones reach 25% of the
            training rows. Cloned rows carry all their labels, so co-occurring labels grow
            too. Reference: Charte, Rivera, del Jesus & Herrera 2015.""",
            not_applicable={
                "binary": "ML-ROS balances the labels of a multi-label target; with one class "
                "per row use random_over",
                "multiclass": "ML-ROS balances the labels of a multi-label target; with one "
                "class per row use random_over",
            },
        ),
        _strategy(
            "native_imbalance",
            "Native imbalance option",
            "weighting",
            "Chen & Guestrin 2016",
            """The model's own switch for a rare positive class: XGBoost's scale_pos_weight
            (n_negative / n_positive of the training rows), LightGBM's is_unbalance; other
            models get the same as per-row weights (the rarer class n_majority / n_minority,
            the other 1). The ratio of the weights is that of balanced class weights, but a
            majority row keeps weight 1, so the trees' regularisation (min_child_weight,
            reg_lambda) and leaf sizes bite differently, and the numbers differ. Reference:
            Chen & Guestrin 2016 (XGBoost); Ke et al. 2017 (LightGBM).""",
            not_applicable={
                "multiclass": "scale_pos_weight and is_unbalance weigh the one positive class "
                "of a binary target; with more classes use class_weight",
                "multilabel": "scale_pos_weight and is_unbalance weigh the one positive class "
                "of a binary target; class_weight balances each label's model",
            },
        ),
    ]
    return {s.name: s for s in entries}


STRATEGIES: dict[str, Strategy] = _build_registry()


def get_strategy(name: str) -> Strategy:
    """Registry entry for ``name``; :class:`DataError` naming the valid strategies otherwise."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise DataError(
            f"Unknown strategy {name!r}", close_hint(str(name), list(STRATEGIES), "names")
        ) from None


def strategies_for(task: str) -> list[Strategy]:
    """Strategies that apply to ``task``, in registry order."""
    if task not in TASK_KINDS:
        raise DataError(f"Unknown task {task!r}", "Valid tasks: " + ", ".join(TASK_KINDS))
    return [s for s in STRATEGIES.values() if task in s.tasks]


def registry_table() -> pd.DataFrame:
    """The registry as a table: name, title, family, tasks, uses_model, reference,
    description (one row per strategy, registry order)."""
    rows = [
        {
            "name": s.name,
            "title": s.title,
            "family": s.family,
            "tasks": ", ".join(t for t in TASK_KINDS if t in s.tasks),
            "uses_model": s.uses_model,
            "reference": s.reference,
            "description": s.description,
        }
        for s in STRATEGIES.values()
    ]
    return pd.DataFrame(rows)
