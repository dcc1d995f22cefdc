"""Multi-objective search (Optuna NSGA-II) for the (accuracy, F1) trade-off, nested in the
comparison's folds.

What is searched (:mod:`core.modelling.search_space`): the chosen model's main hyper-parameters, a
class-weight strength (0 = none, 1 = balanced) and a decision threshold ``t`` on
P(positive): the positive class is predicted when its probability is ``>= t``, otherwise
the most probable other class (binary: the other class). Both objectives are those of the
plane of :mod:`core.analysis.planes`: the accuracy of the positive-vs-rest decision and the
F1 of the positive class (binary: plain accuracy and F1 of the positive class; multi-label:
the chosen label as a binary problem). Macro F1 with argmax was the alternative for
multiclass; it was not taken because its points would not live in the plane drawn.

Protocol (nested, DESIGN.md "Anything tuned is tuned on inner folds of the training part"):
for each outer fold ``k`` of the comparison there is one study that sees only that fold's
training rows; a trial's objectives are its pooled out-of-fold predictions on inner
stratified folds of those rows. Trials go to the folds in turn (trial ``i`` to fold
``i mod K``), so a time-out leaves every fold with about the same number. Afterwards each
fold's Pareto set is ordered by inner accuracy (best first) and read at ``n_slots`` evenly
spaced positions (0 = its most accurate member, 1 = its best-F1 member); each chosen member is
refitted on the fold's whole training part and predicts the fold's validation rows. Pooling
a position over the folds gives one out-of-fold prediction per row, hence one point on the
plane that no tuning decision has seen. Hold-out rows are never used.

Budget: at most ``n_trials`` trials in all, and no new trial after ``timeout`` seconds
(the first round, one trial per fold, always runs; a started trial finishes; the final
refits come on top, at most ``n_slots`` fits per fold).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import optuna
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from core.analysis.planes import POINT_COLUMNS, confusion_point, resolve_positive
from core.analysis.search_types import SEARCH_NAME, Progress, SearchConfig, SearchResult
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.evaluation.splits import holdout_split, subset
from core.intake.dataset import Dataset
from core.metrics.plane import pareto_front
from core.modelling.search_space import (
    Param,
    build_estimator,
    decide,
    search_space,
    suggest,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- data


def _cv_problem(
    ds: Dataset, comparison: Comparison, positive: str | None
) -> tuple[Dataset, int, str]:
    """(cross-validation rows as a single-label Dataset, positive code, positive name)."""
    info = comparison.dataset
    if ds.content_hash != info.content_hash or tuple(ds.target) != tuple(info.target):
        raise DataError(
            f"The dataset {ds.name!r} is not the one the comparison ran on ({info.name!r})",
            "Load that dataset and target again, or rerun the comparison",
        )
    config = comparison.config
    if config.holdout > 0:
        rows, _ = holdout_split(ds, config.holdout, config.seed)
        cv_ds = subset(ds, rows)
    else:
        cv_ds = ds
    if not np.array_equal(np.asarray(cv_ds.row_ids), np.asarray(comparison.row_ids)):
        raise DataError(
            "The dataset's rows do not match the comparison's cross-validation rows",
            "Rerun the comparison on the current dataset",
        )
    positive = resolve_positive(comparison, positive)
    j = cv_ds.classes.index(positive)
    if cv_ds.is_multilabel:  # the label alone, as a binary problem (1 = carries it)
        y = np.asarray(cv_ds.y)[:, j].astype(np.intp)
        cv_ds = replace(cv_ds, y=y, task="binary", classes=(f"not {positive}", positive))
        j = 1
    return cv_ds, j, positive


def _check_inner(train: Dataset, inner_cv: int, fold: int) -> None:
    counts = np.bincount(np.asarray(train.y), minlength=len(train.classes))
    if counts.min() < inner_cv:
        worst = train.classes[int(np.argmin(counts))]
        raise DataError(
            f"Outer fold {fold + 1} has only {int(counts.min())} training rows of class "
            f"{worst!r}, fewer than the {inner_cv} inner folds of the search",
            "Choose fewer inner folds",
        )


# --------------------------------------------------------------------------- fitting


def _fit_proba(
    train: Dataset, test: Dataset, model: str, params: dict[str, Any], seed: int
) -> np.ndarray:
    """Fit on ``train`` rows, predict_proba of ``test`` rows as (n, K) in class-code order."""
    est = build_estimator(train, model, params, seed)
    est.fit(train.X, train.y)
    raw = np.asarray(est.predict_proba(test.X), dtype=np.float64)
    proba = np.zeros((raw.shape[0], len(train.classes)))
    proba[:, np.asarray(est.classes_, dtype=np.intp)] = raw
    return proba


def _inner_proba(
    train: Dataset, model: str, params: dict[str, Any], seed: int, inner_cv: int
) -> np.ndarray:
    """Pooled out-of-fold probabilities of ``train``'s rows over inner stratified folds."""
    y = np.asarray(train.y)
    splitter = StratifiedKFold(n_splits=inner_cv, shuffle=True, random_state=seed)
    proba = np.zeros((y.size, len(train.classes)))
    for fit_rows, val_rows in splitter.split(np.zeros((y.size, 1)), y):
        proba[val_rows] = _fit_proba(
            subset(train, fit_rows), subset(train, val_rows), model, params, seed
        )
    return proba


def _objectives(y: np.ndarray, pred: np.ndarray, positive: int) -> tuple[float, float]:
    point = confusion_point(y == positive, pred == positive)
    return float(point["accuracy"]), float(point["f1"])


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- search


def run_search(
    ds: Dataset,
    comparison: Comparison,
    config: SearchConfig | None = None,
    progress: Progress | None = None,
) -> SearchResult:
    """Search ``comparison.config.model`` on ``ds`` (the dataset the comparison ran on) in
    the comparison's outer folds; see the module docstring for the protocol."""
    config = config or SearchConfig()
    model = comparison.config.model
    seed = comparison.config.seed if config.seed is None else int(config.seed)
    cv_ds, positive, positive_name = _cv_problem(ds, comparison, config.positive_class)
    folds = comparison.folds
    if config.n_trials < len(folds):
        raise DataError(
            f"The search needs at least one trial per outer fold ({len(folds)}). Got "
            f"n_trials={config.n_trials} instead",
            f"Give it {len(folds)} trials or more",
        )
    trains = [subset(cv_ds, tr) for tr, _ in folds]
    for k, train in enumerate(trains):
        _check_inner(train, config.inner_cv, k)
    space = search_space(model)
    start = time.perf_counter()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # no per-trial log lines
    try:
        with threadpool_limits(limits=1):  # one BLAS thread per fit, as in core.evaluation.crossval
            records, stopped, found = _run_trials(
                trains, model, seed, positive, config, start, progress
            )
    finally:
        optuna.logging.set_verbosity(verbosity)
    search_seconds = time.perf_counter() - start
    trials = _trials_table(records, space)
    fronts = [_front(trials, k) for k in range(len(folds))]
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chosen, points, predictions = _outer_points(
            cv_ds, folds, trains, fronts, trials, model, seed, positive, config.n_slots
        )
    found.update(dict.fromkeys(_warning_texts(caught)))
    return SearchResult(
        model=model,
        positive_class=positive_name,
        seed=seed,
        config=config,
        trials=trials,
        chosen=chosen,
        points=points,
        predictions=predictions,
        n_trials_run=len(records),
        search_seconds=search_seconds,
        seconds=time.perf_counter() - start,
        stopped_by=stopped,
        warnings=tuple(found),
    )


def _run_trials(
    trains: list[Dataset],
    model: str,
    seed: int,
    positive: int,
    config: SearchConfig,
    start: float,
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], Literal["n_trials", "timeout"], dict[str, None]]:
    """The trials, round-robin over one NSGA-II study per outer fold: (records, why it
    stopped, warnings seen)."""
    n_folds = len(trains)
    per_fold = math.ceil(config.n_trials / n_folds)
    population = config.population_size or max(4, min(50, per_fold // 4))
    studies = [
        optuna.create_study(
            directions=["maximize", "maximize"],
            sampler=optuna.samplers.NSGAIISampler(
                population_size=population, seed=_fold_seed(seed, k)
            ),
        )
        for k in range(n_folds)
    ]
    records: list[dict[str, Any]] = []
    found: dict[str, None] = {}
    for i in range(config.n_trials):
        k = i % n_folds
        elapsed = time.perf_counter() - start
        if config.timeout is not None and i >= n_folds and elapsed >= config.timeout:
            return records, "timeout", found
        trial = studies[k].ask()
        params = suggest(trial, model)
        record: dict[str, Any] = {"fold": k, "trial": trial.number, **params}
        began = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                proba = _inner_proba(trains[k], model, params, seed, config.inner_cv)
                y = np.asarray(trains[k].y)
                acc, f1 = _objectives(y, decide(proba, positive, params["threshold"]), positive)
            except Exception as err:  # one bad configuration must not stop the search
                if not isinstance(err, DataError | ValueError):
                    log.exception("search trial %s of fold %s failed", trial.number, k)
                studies[k].tell(trial, state=optuna.trial.TrialState.FAIL)
                record.update(state="failed", error=f"{type(err).__name__}: {_one_line(err)}")
            else:
                studies[k].tell(trial, [acc, f1])
                record.update(state="complete", inner_accuracy=acc, inner_f1=f1, error=None)
        found.update(dict.fromkeys(_warning_texts(caught)))
        record["seconds"] = time.perf_counter() - began
        records.append(record)
        if progress is not None:
            progress(i + 1, config.n_trials)
    return records, "n_trials", found


def _fold_seed(seed: int, fold: int) -> int:
    """Independent sampler seeds per outer fold, all derived from ``seed``."""
    return int(np.random.SeedSequence([seed, fold]).generate_state(1)[0])


def _warning_texts(caught: list[Any]) -> list[str]:
    return [f"{w.category.__name__}: {_one_line(w.message)}" for w in caught]


def _trials_table(records: list[dict[str, Any]], space: tuple[Param, ...]) -> pd.DataFrame:
    """Trials as a table; ``pareto`` marks the non-dominated complete trials of each fold
    (maximising inner accuracy and F1), as NSGA-II ranks them."""
    columns = ["fold", "trial", *(p.name for p in space), "state", "inner_accuracy", "inner_f1"]
    table = pd.DataFrame(records).reindex(columns=[*columns, "seconds", "error"])
    table["pareto"] = False
    for _, rows in table[table["state"] == "complete"].groupby("fold"):
        table.loc[rows.index, "pareto"] = pareto_front(
            rows, "inner_accuracy", "inner_f1"
        ).to_numpy()
    return table[[*columns, "pareto", "seconds", "error"]]


def _front(trials: pd.DataFrame, fold: int) -> list[int]:
    """The fold's Pareto trials, most accurate first (then higher F1, then earlier)."""
    rows = trials[(trials["fold"] == fold) & trials["pareto"]]
    if rows.empty:
        errors = trials.loc[(trials["fold"] == fold) & trials["error"].notna(), "error"]
        raise DataError(
            f"No configuration of the search could be fitted on outer fold {fold + 1}"
            + (f": {errors.iloc[0]}" if len(errors) else ""),
            "Give the search more trials or time, or check the data",
        )
    rows = rows.sort_values(
        ["inner_accuracy", "inner_f1", "trial"], ascending=[False, False, True], kind="stable"
    )
    return [int(n) for n in rows["trial"]]


def _outer_points(
    cv_ds: Dataset,
    folds: tuple[tuple[np.ndarray, np.ndarray], ...],
    trains: list[Dataset],
    fronts: list[list[int]],
    trials: pd.DataFrame,
    model: str,
    seed: int,
    positive: int,
    n_slots: int,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Refit the chosen Pareto members on each outer fold and pool them per position."""
    params_of = trials.set_index(["fold", "trial"])
    names = [
        c
        for c in trials.columns
        if c
        not in (
            "fold",
            "trial",
            "state",
            "inner_accuracy",
            "inner_f1",
            "pareto",
            "seconds",
            "error",
        )
    ]
    positions = np.linspace(0.0, 1.0, n_slots)
    slots = [
        tuple(front[round(q * (len(front) - 1))] for front in fronts) for q in positions
    ]  # per position: the member (trial number) of each fold
    distinct = list(dict.fromkeys(slots))
    y = np.asarray(cv_ds.y)
    preds: dict[tuple[int, int], np.ndarray] = {}
    chosen_rows = []
    for point, members in enumerate(distinct):
        for k, number in enumerate(members):
            row = params_of.loc[(k, number)]
            params = {n: _native(row[n]) for n in names}
            if (k, number) not in preds:
                val = subset(cv_ds, folds[k][1])
                proba = _fit_proba(trains[k], val, model, params, seed)
                preds[(k, number)] = decide(proba, positive, params["threshold"])
            acc, f1 = _objectives(y[folds[k][1]], preds[(k, number)], positive)
            chosen_rows.append(
                {
                    "point": point,
                    "position": float(positions[slots.index(members)]),
                    "fold": k,
                    "trial": number,
                    **params,
                    "inner_accuracy": float(row["inner_accuracy"]),
                    "inner_f1": float(row["inner_f1"]),
                    "fold_accuracy": acc,
                    "fold_f1": f1,
                }
            )
    predictions = np.zeros((len(distinct), y.size), dtype=np.intp)
    point_rows = []
    for point, members in enumerate(distinct):
        for k, number in enumerate(members):
            predictions[point, folds[k][1]] = preds[(k, number)]
        thresholds = [float(params_of.loc[(k, n), "threshold"]) for k, n in enumerate(members)]
        point_rows.append(
            {
                "strategy": SEARCH_NAME,
                "threshold": float(np.mean(thresholds)),
                **confusion_point(y == positive, predictions[point] == positive),
                "position": float(positions[slots.index(members)]),
                "members": ", ".join(f"fold {k + 1}: trial {n}" for k, n in enumerate(members)),
            }
        )
    points = pd.DataFrame(point_rows, columns=[*POINT_COLUMNS, "position", "members"])
    return pd.DataFrame(chosen_rows), points, predictions


def _native(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
