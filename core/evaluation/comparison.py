"""Many strategies on the same leak-free folds -> :class:`Comparison`.

Every (strategy, fold) fit is one task; tasks run in parallel with joblib, each model
single-threaded, and the results are identical to a serial run with the same seed. A
strategy that fails (or does not apply to the task) is reported with its reason while the
others finish. Significance against ``baseline`` uses the corrected resampled t-test over
fold scores (Nadeau & Bengio) and McNemar's test on the pooled predictions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from core.errors import DataError
from core.evaluation import parallel
from core.evaluation.crossval import (
    StrategyResult,
    assemble,
    assemble_holdout,
    failed_result,
    fold_of_rows,
    repeat_scores_of,
)
from core.evaluation.fold import HOLDOUT_FOLD, FoldResult, evaluate_fold
from core.evaluation.splits import Fold, split_rows
from core.evaluation.summary import DatasetSummary, dataset_summary
from core.intake.dataset import Dataset, classes_by_rarity
from core.metrics import scores as metrics
from core.metrics import significance
from core.modelling.models import MODELS
from core.modelling.options import StrategyOptions
from core.modelling.strategies import STRATEGIES, get_strategy

BASELINE = "baseline"
Progress = Callable[[str, int, int, int], None]
"""``progress(strategy, fold, done, total)``; ``fold`` is -1 for the hold-out fit."""

_DEFAULTS = {
    "binary": (
        "baseline",
        "class_weight",
        "random_over",
        "random_under",
        "smote",
        "threshold_tuning",
    ),
    "multiclass": (
        "baseline",
        "class_weight",
        "random_over",
        "random_under",
        "smote",
        "threshold_tuning",
    ),
    "multilabel": ("baseline", "class_weight", "ml_ros", "threshold_tuning"),
}


MAX_REPEATS = 20
"""Most repeats of the cross-validation a comparison accepts."""


class Cancelled(DataError):
    """The user stopped a comparison before it finished."""


def default_strategies(task: str) -> tuple[str, ...]:
    """A quick, informative default set of strategies for ``task`` (all in the registry)."""
    return tuple(n for n in _DEFAULTS.get(task, ("baseline",)) if n in STRATEGIES)


def _not_applicable(name: str, task: str) -> str | None:
    """The registry's reason why strategy ``name`` cannot run on ``task`` targets, or None."""
    strategy = get_strategy(name)
    if strategy.applies_to(task):
        return None
    why = strategy.not_applicable.get(task) or "the registry marks it as not applicable"
    return f"{strategy.title} does not apply to {task} targets: {why}"


@dataclass(frozen=True)
class CompareConfig:
    """What to compare and how; validated once, at construction."""

    strategies: tuple[str, ...]
    model: str = "logistic_regression"
    cv: int = 5
    seed: int = 0
    holdout: float = 0.0  # share of rows set aside before anything else (0 = none)
    options: StrategyOptions = field(default_factory=StrategyOptions)
    n_jobs: int = -1  # parallel fits (-1 = all cores); results do not depend on it
    important_class: str | None = None  # class whose F1 decides the recommendation
    rope: float = significance.DEFAULT_ROPE  # practical equivalence of fold differences
    repeats: int = 1  # repeats of the cross-validation the verdict reads (1 = one k-fold)
    # "predictions": scores of models trained elsewhere (core.evaluation.scored); strategies
    # then name its entries and model is "predictions", neither from the registries
    mode: str = "fit"

    def __post_init__(self) -> None:
        names = (self.strategies,) if isinstance(self.strategies, str) else self.strategies
        names = tuple(dict.fromkeys(str(n) for n in names))
        if not names:
            raise DataError("No strategy was chosen", "Pick at least one strategy (e.g. baseline)")
        if self.mode not in ("fit", "predictions"):
            raise DataError(f"mode must be 'fit' or 'predictions'. Got {self.mode!r} instead")
        fit = self.mode == "fit"
        unknown = [n for n in names if n not in STRATEGIES] if fit else []
        if unknown:
            raise DataError(
                f"Unknown strateg{'ies' if len(unknown) > 1 else 'y'} "
                + ", ".join(repr(n) for n in unknown),
                "Valid names: " + ", ".join(STRATEGIES),
            )
        if fit and self.model not in MODELS:
            raise DataError(f"Unknown model {self.model!r}", "Valid names: " + ", ".join(MODELS))
        if isinstance(self.cv, bool) or not isinstance(self.cv, int) or self.cv < 2:
            raise DataError(f"cv must be a whole number of at least 2. Got {self.cv!r} instead")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise DataError(f"seed must be a whole number >= 0. Got {self.seed!r} instead")
        hold = self.holdout
        if isinstance(hold, bool) or not isinstance(hold, int | float) or not 0 <= hold < 1:
            raise DataError(
                f"holdout must be a share from 0 (none) to below 1, e.g. 0.2. Got {hold!r} instead"
            )
        if isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, int) or self.n_jobs == 0:
            raise DataError(f"n_jobs must be -1 (all cores) or >= 1. Got {self.n_jobs!r} instead")
        rope = self.rope
        if isinstance(rope, bool) or not isinstance(rope, int | float) or not 0 <= rope < 1:
            raise DataError(
                "rope (region of practical equivalence) must be a share from 0 to below 1, "
                f"e.g. 0.01. Got {rope!r} instead"
            )
        reps = self.repeats
        if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPEATS:
            raise DataError(
                f"repeats must be a whole number from 1 to {MAX_REPEATS}. Got {reps!r} instead",
                "Use 1 for a single cross-validation, 3 to 5 for a firmer verdict",
            )
        object.__setattr__(self, "rope", float(rope))
        object.__setattr__(self, "strategies", names)
        object.__setattr__(self, "holdout", float(hold))


@dataclass(frozen=True, eq=False)
class Comparison:
    """Results of :func:`run_comparison`; row arrays are aligned with the CV rows."""

    dataset: DatasetSummary
    config: CompareConfig
    results: dict[str, StrategyResult]
    folds: tuple[Fold, ...]  # positions in the cross-validation rows
    y_true: np.ndarray  # cross-validation rows: codes (n,) or 0/1 (n, K)
    row_ids: np.ndarray  # cross-validation rows: 0-based data row of the uploaded file
    holdout_y_true: np.ndarray | None = None
    holdout_row_ids: np.ndarray | None = None

    @property
    def task(self) -> str:
        return self.dataset.task

    @property
    def classes(self) -> tuple[str, ...]:
        return self.dataset.classes

    @property
    def baseline(self) -> StrategyResult | None:
        """The baseline's result when it ran successfully."""
        found = self.results.get(BASELINE)
        return found if found is not None and found.ok else None

    def class_rarity(self) -> list[str]:
        """Classes (labels) rarest first, counted on the cross-validation rows -- the rows
        every strategy trains and is scored on, so a hold-out does not count (multi-label:
        rows carrying each label). Ties: the earlier class in ``classes`` first
        (:func:`core.intake.dataset.classes_by_rarity`)."""
        y = np.asarray(self.y_true)
        if self.task == "multilabel":
            counts = y.sum(axis=0)
        else:
            counts = np.bincount(y, minlength=len(self.classes))
        return classes_by_rarity([int(n) for n in counts], self.classes)

    @property
    def rarest_class(self) -> str:
        """The first of :meth:`class_rarity`."""
        return self.class_rarity()[0]

    @property
    def important_class(self) -> str:
        """The class that matters most: the config's ``important_class``, else the rarest.

        The one default wherever a view or the recommendation needs "the" class.
        """
        return self.config.important_class or self.rarest_class

    def metric_names(self) -> list[str]:
        """Summary metrics of the successful strategies, in the metrics module's order."""
        names: list[str] = []
        for result in self.results.values():
            for m in (result.summary or {}) if result.ok else {}:
                if m not in names:
                    names.append(m)
        return names

    def table(self) -> pd.DataFrame:
        """One row per strategy: status, pooled metrics, fit time, change vs baseline.

        For each summary metric ``m``: ``m``, ``m_delta`` (minus the baseline's) and
        ``m_p`` (corrected resampled t-test over the fold scores, Nadeau & Bengio; with
        repeated cross-validation over every fold of every repeat, Bouckaert & Frank);
        ``macro_f1_ci_low/high`` (bootstrap) and ``mcnemar_p`` (pooled predictions). The
        comparison columns are NaN when the baseline did not run.
        """
        names = self.metric_names()
        base = self.baseline
        rows = []
        for name, result in self.results.items():
            row: dict[str, Any] = {"strategy": name, "status": result.status, "error": result.error}
            summary = result.summary or {}
            for m in names:
                value = summary.get(m, np.nan)
                row[m] = value
                row[f"{m}_delta"] = value - base.summary.get(m, np.nan) if base else np.nan
                row[f"{m}_p"] = self._ttest(result, m) if base else np.nan
            low, high = (result.summary_ci or {}).get("macro_f1", (np.nan, np.nan))
            row["macro_f1_ci_low"], row["macro_f1_ci_high"] = low, high
            row["mcnemar_p"] = self._mcnemar(result)
            row["fit_seconds"] = float(np.mean(result.fit_seconds)) if result.ok else np.nan
            row["predict_seconds"] = float(np.mean(result.predict_seconds)) if result.ok else np.nan
            rows.append(row)
        return pd.DataFrame(rows)

    def _ttest(self, result: StrategyResult, metric: str) -> float:
        base = self.baseline
        if base is None or not result.ok or result.name == BASELINE or self.config.mode != "fit":
            return np.nan  # predictions: nothing was trained on the folds
        a = np.array([s.get(metric, np.nan) for s in result.all_fold_scores()])
        b = np.array([s.get(metric, np.nan) for s in base.all_fold_scores()])
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return np.nan
        test = significance.corrected_resampled_ttest(
            a, b, n_train=float(np.mean(result.n_train)), n_test=float(np.mean(result.n_val))
        )
        return float(test.p_value)

    def _mcnemar(self, result: StrategyResult) -> float:
        base = self.baseline
        if base is None or not result.ok or result.name == BASELINE:
            return np.nan
        test = significance.mcnemar_test(self.y_true, base.oof_pred, result.oof_pred)
        return float(test.p_value)

    def ranking(self, metric: str = "macro_f1") -> pd.DataFrame:
        """Successful strategies best first by pooled ``metric`` (losses ascending).

        Columns: ``rank, strategy, <metric>, delta, p_value`` (vs baseline, t-test).
        """
        table = self.table()
        if metric not in table.columns or metric.endswith(("_delta", "_p")):
            raise DataError(
                f"Cannot rank by {metric!r}", "Use one of: " + ", ".join(self.metric_names())
            )
        ok = table[table["status"] == "ok"][["strategy", metric, f"{metric}_delta", f"{metric}_p"]]
        ok = ok.sort_values(metric, ascending=metrics.is_loss(metric), kind="stable")
        ok = ok.rename(columns={f"{metric}_delta": "delta", f"{metric}_p": "p_value"})
        ok.insert(0, "rank", np.arange(1, len(ok) + 1))
        return ok.reset_index(drop=True)


def check_important_class(ds: Dataset, important: str | None) -> None:
    """:class:`DataError` naming the valid classes unless ``important`` is None or one of them."""
    if important is not None and important not in ds.classes:
        raise DataError(
            f"Unknown important class {important!r}",
            "Choose one of: " + ", ".join(map(repr, ds.classes)),
        )


def run_comparison(
    ds: Dataset,
    config: CompareConfig,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    scheduler: str | None = None,
) -> Comparison:
    """Cross-validate every strategy of ``config`` on the same folds of ``ds``.

    With ``config.holdout`` a stratified share of rows is set aside first; each strategy
    is then also fitted on all other rows and scored on it. ``progress(strategy, fold,
    done, total)`` is called from this process as each fit finishes; when ``should_stop()``
    then answers True (or ``progress`` raises), the pending fits are abandoned and
    :class:`Cancelled` (or that exception) is raised: a run is complete or absent, never half.

    The fits run in ``config.n_jobs`` local processes, or on the Dask cluster whose
    scheduler address is ``scheduler`` (default: ``$IMBALANCE_DASK_SCHEDULER``, see
    :mod:`core.evaluation.parallel`); every fit is single-threaded and seeded, so the results are the
    same wherever they run.
    """
    check_important_class(ds, config.important_class)
    config.options.validated(ds)  # bad options fail once, here, not in every fit
    split = split_rows(
        ds, holdout=config.holdout, cv=config.cv, seed=config.seed, repeats=config.repeats
    )
    cv_rows, hold_rows, cv_ds, folds = split.cv_rows, split.hold_rows, split.cv_ds, split.folds
    # repeats 2..R: fit ``r * cv + j`` is fold j of repeat r (counted from 0)
    extra = {r * len(folds) + j: fold for r, rep in enumerate(split.repeated, 1)
             for j, fold in enumerate(rep)}  # fmt: skip
    fold_of_row = fold_of_rows(cv_ds.n_rows, folds)

    skipped = {n: r for n in config.strategies if (r := _not_applicable(n, ds.task)) is not None}
    runnable = [n for n in config.strategies if n not in skipped]
    common = (config.model, config.options, config.seed)
    tasks = [
        delayed(evaluate_fold)(cv_ds, name, *common, k, tr, va, 1)
        for name in runnable
        for k, (tr, va) in enumerate(folds)
    ]
    if len(hold_rows):
        tasks += [
            delayed(evaluate_fold)(ds, name, *common, HOLDOUT_FOLD, cv_rows, hold_rows, 1)
            for name in runnable
        ]
    uncorrected = replace(config.options, probability_correction="none")  # repeats: scores only
    tasks += [
        delayed(evaluate_fold)(cv_ds, name, config.model, uncorrected, config.seed, k, tr, va, 1)
        for name in runnable
        for k, (tr, va) in extra.items()
    ]
    done: dict[tuple[str, int], FoldResult] = {}
    if tasks:
        with parallel.backend(parallel.scheduler_address(scheduler)):
            _run_tasks(tasks, config.n_jobs, done, progress, should_stop)

    results: dict[str, StrategyResult] = {}
    for name in config.strategies:
        if name in skipped:
            results[name] = failed_result(name, skipped[name], fold_of_row)
            continue
        holdout = assemble_holdout(ds, done[(name, HOLDOUT_FOLD)]) if len(hold_rows) else None
        fits = [done[(name, k)] for k in range(len(folds))]
        result = assemble(cv_ds, name, folds, fits, holdout=holdout, seed=config.seed)
        repeated = [done[(name, k)] for k in extra]
        bad = next((f for f in repeated if f.status != "ok"), None)
        if result.ok and bad is not None:
            result = failed_result(
                name, f"repeated cross-validation: {bad.error}", result.fold_of_row
            )
        elif result.ok and repeated:
            result = replace(result, repeat_scores=repeat_scores_of(cv_ds, repeated))
        results[name] = result
    return Comparison(
        dataset=dataset_summary(ds, len(hold_rows)),
        config=config,
        results=results,
        folds=folds,
        y_true=np.asarray(cv_ds.y),
        row_ids=np.asarray(cv_ds.row_ids),
        holdout_y_true=np.asarray(ds.y)[hold_rows] if len(hold_rows) else None,
        holdout_row_ids=np.asarray(ds.row_ids)[hold_rows] if len(hold_rows) else None,
    )


def _run_tasks(
    tasks: list,
    n_jobs: int,
    done: dict[tuple[str, int], FoldResult],
    progress: Progress | None,
    should_stop: Callable[[], bool] | None,
) -> None:
    """Run the fits with joblib (the backend in force), filling ``done`` as they finish."""
    fits = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)
    try:
        for fit in fits:
            done[(fit.strategy, fit.fold)] = fit
            if progress is not None:
                progress(fit.strategy, fit.fold, len(done), len(tasks))
            if should_stop is not None and len(done) < len(tasks) and should_stop():
                raise Cancelled(
                    f"Comparison cancelled after {len(done)} of {len(tasks)} fits",
                    "Nothing was kept from this run; earlier results are unchanged",
                )
    finally:
        # An exception (cancel, or a page rerun) abandons the pending fits; joblib then
        # warns that it cancelled them, which is exactly what was asked.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*tasks .*(cancelled|not used)")
            fits.close()
