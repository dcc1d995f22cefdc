"""Predictions of models trained elsewhere -> the same :class:`Comparison` the app uses.

Nothing is refitted. Each model of a :class:`~core.intake.predictions.PredictionsSet` is
an entry of ``Comparison.results`` with its own decisions (the file's predicted labels, else
the most probable class / a 0.5 cut per label); each model with scores also gets its
decisions tuned honestly by **cross-fitting**: the rows are split into parts (the file's
``fold`` column, else seeded stratified parts, :func:`core.evaluation.splits.make_folds`);
the threshold (binary), per-class offsets (multiclass) or per-label cuts (multi-label) that
maximise ``options.threshold_objective`` are chosen on all parts but one and applied to the
remaining part, so every tuned number shown is out of part. With ``options.cost_matrix``
the expected-cost rule (the class of least expected cost) is added too; it chooses nothing
on the rows. The cut to deploy is chosen on all rows (:func:`decisions_dict`,
``decisions.json``). Scoring and pooling are :func:`core.evaluation.crossval.assemble`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluation.comparison import CompareConfig, Comparison
from core.evaluation.crossval import StrategyResult, assemble
from core.evaluation.fold import FoldResult, scores_of
from core.evaluation.splits import Fold, make_folds
from core.evaluation.summary import dataset_summary
from core.intake.dataset import Dataset
from core.intake.predictions import ModelScores, PredictionsSet
from core.metrics import decision_rules as rules
from core.metrics import scores as metrics
from core.metrics.significance import DEFAULT_ROPE
from core.modelling.options import StrategyOptions

MODE = "predictions"
"""``CompareConfig.mode`` of a comparison made from predictions."""
MODEL = "predictions"
"""``CompareConfig.model`` of a comparison made from predictions (no model of the registry)."""
TUNED = {"binary": "tuned threshold", "multiclass": "tuned offsets", "multilabel": "tuned cuts"}
"""Suffix of each model's cross-fitted entry, per task: ``"<model> + <suffix>"``."""
COST = "expected cost"
NO_FEATURES = "needs the features: not available for a predictions file"
"""Why a check that refits a model is skipped in predictions mode."""

Rule = tuple[Callable[[np.ndarray, np.ndarray], Any], Callable[[np.ndarray, Any], np.ndarray]]


def tuned_name(model: str, task: str) -> str:
    """Name of ``model``'s cross-fitted entry, e.g. ``"net + tuned threshold"``."""
    return f"{model} + {TUNED[task]}"


def cost_name(model: str) -> str:
    """Name of ``model``'s expected-cost entry, e.g. ``"net + expected cost"``."""
    return f"{model} + {COST}"


def raw_scores_note(model: ModelScores) -> str:
    """The warning an entry of raw scores (not probabilities) carries."""
    why = model.columns.kind_reason if model.columns is not None else "not probabilities"
    return (
        f"Raw scores, not probabilities ({why}): mapped to [0, 1] for the views; ranking "
        "views (ROC, PR, thresholds) apply, calibration and expected costs do not"
    )


def dataset_of(pset: PredictionsSet) -> Dataset:
    """The rows of ``pset`` as a :class:`Dataset` without feature columns (what splitting and
    scoring read: ``y``, ``task``, ``classes``)."""
    return Dataset(
        X=pd.DataFrame(index=pd.RangeIndex(pset.n_rows)),
        y=np.asarray(pset.y),
        task=pset.task,  # type: ignore[arg-type]
        classes=tuple(pset.classes),
        target=tuple(pset.target),
        numeric_features=(),
        categorical_features=(),
        schema=(),
        row_ids=np.asarray(pset.row_ids),
        n_dropped_missing_target=pset.n_dropped_missing_target,
        name=pset.name,
        content_hash=pset.content_hash,
        label_sep=pset.label_sep,
        notes=pset.notes,
    )


def parts_of(pset: PredictionsSet, *, cv: int = 5, seed: int = 0) -> tuple[Fold, ...]:
    """The parts decisions are cross-fitted on, as (other rows, part rows): the file's
    ``fold`` column, else seeded stratified ``cv`` parts."""
    if pset.fold is None:
        return tuple(make_folds(dataset_of(pset), cv=cv, seed=seed))
    fold = np.asarray(pset.fold)
    return tuple(
        (np.flatnonzero(fold != j), np.flatnonzero(fold == j)) for j in range(int(fold.max()) + 1)
    )


def own_decisions(model: ModelScores, task: str) -> np.ndarray:
    """The model's own decisions: the file's predicted labels, else the most probable class
    (single-label) or a 0.5 cut per label (multi-label; logistic 0.5 = raw score 0)."""
    if model.pred is not None:
        return np.asarray(model.pred)
    proba = np.asarray(model.proba)
    if task == "multilabel":
        return (proba >= 0.5).astype(np.int8)
    return np.argmax(proba, axis=1).astype(np.intp)


def _best_cut(y_bin: np.ndarray, scores: np.ndarray, objective: str, beta: float) -> float:
    if not np.any(y_bin):
        return rules.NEVER_THRESHOLD  # nothing to find: never predict it
    return rules.best_threshold(y_bin, scores, objective, beta)[0]


def tuning_rule(task: str, options: StrategyOptions) -> Rule:
    """``(choose(y, proba) -> parameters, apply(proba, parameters) -> decisions)`` of the
    tuned decision of ``task`` for ``options.threshold_objective`` (the rules of
    :mod:`core.metrics.decision_rules`)."""
    objective, beta = options.threshold_objective, options.beta
    if task == "binary":
        return (
            lambda y, p: (_best_cut(y == 1, p[:, 1], objective, beta),),
            lambda p, t: rules.apply_threshold(p[:, 1], t[0]),
        )
    if task == "multiclass":
        return (
            lambda y, p: tuple(float(v) for v in rules.tune_offsets(y, p, objective, beta)[0]),
            lambda p, t: rules.apply_offsets(p, np.asarray(t)),
        )
    return (
        lambda y, p: tuple(
            _best_cut(y[:, k] == 1, p[:, k], objective, beta) for k in range(y.shape[1])
        ),
        lambda p, t: rules.apply_label_thresholds(p, np.asarray(t)).astype(np.int8),
    )


def _cost_rule(options: StrategyOptions, k: int) -> Rule:
    cost = rules.check_cost_matrix(options.cost_matrix, n_classes=k)
    return (lambda y, p: None, lambda p, t: rules.cost_decision(p, cost))


def _fits(
    ds: Dataset,
    name: str,
    parts: tuple[Fold, ...],
    proba: np.ndarray | None,
    decide: Callable[[np.ndarray, np.ndarray], np.ndarray],
    tuned: bool,
    notes: tuple[str, ...] = (),
) -> list[FoldResult]:
    """One :class:`FoldResult` per part: ``decide(other rows, part rows)`` -> the part's
    decisions and the parameters chosen (``tuned``) on the other rows."""
    y = np.asarray(ds.y)
    out = []
    for j, (other, part) in enumerate(parts):
        pred, chosen = decide(other, part)
        p = None if proba is None else proba[part]
        table = metrics.per_class_table(y[part], pred, ds.classes, ds.task)
        out.append(
            FoldResult(
                strategy=name,
                fold=j,
                status="ok",
                error=None,
                val_idx=part,
                n_train=len(other) if tuned else 0,
                pred=pred,
                proba=p,
                val_scores=scores_of(ds, y[part], pred, p),
                train_scores={},
                val_class_f1={
                    str(c): float(f) for c, f in zip(table["class"], table["f1"], strict=True)
                },
                train_class_f1={},
                thresholds=chosen,
                warnings=notes,
            )
        )
    return out


def comparison_from_predictions(
    pset: PredictionsSet,
    *,
    cv: int = 5,
    seed: int = 0,
    options: StrategyOptions | None = None,
    important_class: str | None = None,
    rope: float = DEFAULT_ROPE,
) -> Comparison:
    """Every model of ``pset`` (its own decisions, and its cross-fitted tuned decisions and
    expected-cost decisions when it has scores) as one :class:`Comparison` on the same rows
    and parts (see the module docstring)."""
    options = options or StrategyOptions()
    ds = dataset_of(pset)
    if options.cost_matrix is not None:  # K x K, single-label only (StrategyOptions' checks)
        options.validated(ds)
    rules.check_objective(options.threshold_objective, options.beta)
    if important_class is not None and important_class not in pset.classes:
        raise DataError(
            f"Unknown important class {important_class!r}",
            "Choose one of: " + ", ".join(map(repr, pset.classes)),
        )
    parts = parts_of(pset, cv=cv, seed=seed)
    y = np.asarray(ds.y)
    results: dict[str, StrategyResult] = {}

    def add(name: str, proba: Any, decide: Callable, tuned: bool, notes: tuple = ()) -> None:
        if name in results:
            raise DataError(f"Two entries are named {name!r}", "Give the models distinct names")
        fits = _fits(ds, name, parts, proba, decide, tuned, notes)
        results[name] = assemble(ds, name, parts, fits, seed=seed)

    for model in pset.models.values():
        own = own_decisions(model, pset.task)
        notes = (raw_scores_note(model),) if model.kind == "score" else ()
        add(model.name, model.proba, lambda o, p, own=own: (own[p], None), False, notes)
        if model.proba is None:
            continue
        proba = np.asarray(model.proba)
        rule_sets = [(tuned_name(model.name, pset.task), tuning_rule(pset.task, options))]
        if options.cost_matrix is not None and pset.task != "multilabel":
            rule_sets.append((cost_name(model.name), _cost_rule(options, len(pset.classes))))
        for name, (choose, apply) in rule_sets:

            def decide(other, part, choose=choose, apply=apply, proba=proba):
                chosen = choose(y[other], proba[other])
                return apply(proba[part], chosen), chosen

            add(name, proba, decide, name != cost_name(model.name), notes)
    config = CompareConfig(
        strategies=tuple(results),
        model=MODEL,
        cv=len(parts),
        seed=seed,
        options=options,
        important_class=important_class,
        rope=rope,
        mode=MODE,
    )
    summary = dataset_summary(dataset_of(pset), n_holdout=0)
    return Comparison(
        dataset=summary,
        config=config,
        results=results,
        folds=parts,
        y_true=y,
        row_ids=np.asarray(pset.row_ids),
    )


def _columns_of(model: ModelScores, classes: tuple[str, ...]) -> dict[str, str]:
    """Class -> the file column holding its score (a single binary column: its class)."""
    cols = model.columns.score_columns if model.columns is not None else ()
    if model.columns is not None and model.columns.score_class is not None:
        return {classes[model.columns.score_class]: cols[0]}
    return dict(zip(classes, cols, strict=False))


def _column_cut(model: ModelScores, cut: float, classes: tuple[str, ...]) -> dict[str, Any]:
    """A cut on the probability of ``classes[1]`` as a cut on the model's one score column."""
    col, which = model.columns.score_columns[0], model.columns.score_class
    t = cut if which == 1 else 1.0 - cut  # the cut on the probability of the column's class
    if model.kind == "score":  # the logistic function undone
        t = float(np.log(t / (1 - t))) if 0 < t < 1 else float(np.sign(t - 0.5) * np.inf)
    if which == 1:
        rule = f"predict {classes[1]!r} when {col} >= cut, else {classes[0]!r}"
    else:
        rule = f"predict {classes[0]!r} when {col} > cut, else {classes[1]!r}"
    return {"column": col, "cut": t, "rule": rule}


def decisions_dict(pset: PredictionsSet, options: StrategyOptions | None = None) -> dict[str, Any]:
    """``decisions.json``: per model with scores, the decision to deploy, chosen on ALL rows
    (the cross-fitted entries of :func:`comparison_from_predictions` show what such a choice
    achieves on rows it was not chosen on). Shape (docs/CONTRACTS.md)::

        {"mode": "predictions", "task", "classes", "objective", "beta", "n_rows",
         "models": {name: {"kind", "score_columns": {class: column}, "scale",
            binary:      "threshold": {"positive_class", "cut", "rule"},
            multiclass:  "offsets": {"by_class": {class: offset}, "rule"},
            multi-label: "cuts": {"by_label": {label: cut}, "rule"},
            with a cost matrix: "cost_rule": {"cost_matrix", "rule"},
            "objective_on_all_rows": value of the objective there}}}

    Cuts are on the probability scale of the views: for raw scores (``kind`` "score") a cut
    ``t`` is the raw score ``log(t / (1 - t))`` (logistic), and offsets add to the raw scores
    (softmax keeps their order), as ``scale`` says. A model with labels only gets no entry."""
    options = options or StrategyOptions()
    objective, beta = options.threshold_objective, options.beta
    choose, _ = tuning_rule(pset.task, options)
    y, classes = np.asarray(pset.y), tuple(pset.classes)
    models: dict[str, Any] = {}
    for model in pset.models.values():
        if model.proba is None:
            continue
        proba = np.asarray(model.proba)
        chosen = choose(y, proba)
        raw = model.kind == "score"
        entry: dict[str, Any] = {
            "kind": model.kind,
            "score_columns": _columns_of(model, classes),
            "scale": "raw scores through the logistic function / softmax" if raw else "as given",
        }
        if pset.task == "binary":
            pos = classes[1]
            entry["threshold"] = {
                "positive_class": pos,
                "cut": chosen[0],
                "rule": f"predict {pos!r} when the probability of {pos!r} >= cut, else "
                f"{classes[0]!r}",
            }
            one = model.columns.score_class if model.columns is not None else None
            if one is not None:  # the same cut on the file's one score column
                entry["threshold"]["on_column"] = _column_cut(model, chosen[0], classes)
            cuts, values = rules.objective_by_cut(y == 1, proba[:, 1], objective, beta)
            at = np.flatnonzero(cuts == chosen[0])
            entry["objective_on_all_rows"] = float(values[at[0]]) if at.size else None
        elif pset.task == "multiclass":
            entry["offsets"] = {
                "by_class": dict(zip(classes, chosen, strict=True)),
                "rule": "predict the class with the largest log(probability) + offset"
                + (" (raw score + offset for raw scores)" if raw else ""),
            }
            entry["objective_on_all_rows"] = rules.tune_offsets(y, proba, objective, beta)[1]
        else:
            entry["cuts"] = {
                "by_label": dict(zip(classes, (float(t) for t in chosen), strict=True)),
                "rule": "each label is on when its probability >= its cut (a cut above 1: never)",
            }
            pred = rules.apply_label_thresholds(proba, np.asarray(chosen))
            table = metrics.per_class_table(y, pred, classes, pset.task)
            entry["objective_on_all_rows"] = {
                str(c): float(f) for c, f in zip(table["class"], table["f1"], strict=True)
            } if objective == "f1" else None  # fmt: skip
        if options.cost_matrix is not None and pset.task != "multilabel":
            cost = rules.check_cost_matrix(options.cost_matrix, n_classes=len(classes))
            entry["cost_rule"] = {
                "cost_matrix": cost.tolist(),
                "rule": "predict the class j of least expected cost sum_i p_i * cost[i][j] "
                "(rows of cost_matrix = true class, columns = predicted, in classes order)",
            }
        models[model.name] = entry
    return {
        "mode": MODE,
        "task": pset.task,
        "classes": list(classes),
        "objective": objective,
        "beta": beta,
        "n_rows": pset.n_rows,
        "models": models,
    }
