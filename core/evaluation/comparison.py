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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from core.errors import DataError
from core.evaluation import parallel
from core.evaluation.crossval import (
    HOLDOUT_FOLD,
    FoldResult,
    StrategyResult,
    assemble,
    assemble_holdout,
    evaluate_fold,
    failed_result,
    fold_of_rows,
)
from core.evaluation.splits import Fold, holdout_split, make_folds, subset
from core.intake.dataset import Dataset
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

    def __post_init__(self) -> None:
        names = (self.strategies,) if isinstance(self.strategies, str) else self.strategies
        names = tuple(dict.fromkeys(str(n) for n in names))
        if not names:
            raise DataError("No strategy was chosen", "Pick at least one strategy (e.g. baseline)")
        unknown = [n for n in names if n not in STRATEGIES]
        if unknown:
            raise DataError(
                f"Unknown strateg{'ies' if len(unknown) > 1 else 'y'} "
                + ", ".join(repr(n) for n in unknown),
                "Valid names: " + ", ".join(STRATEGIES),
            )
        if self.model not in MODELS:
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
        object.__setattr__(self, "strategies", names)
        object.__setattr__(self, "holdout", float(hold))


@dataclass(frozen=True)
class DatasetSummary:
    """What was analysed: enough to label results without keeping the data."""

    name: str
    content_hash: str
    task: str
    target: tuple[str, ...]
    classes: tuple[str, ...]
    class_counts: dict[str, int]  # every analysed row (multi-label: rows carrying each)
    n_rows: int  # rows analysed (after dropping rows without a target)
    n_cv_rows: int
    n_holdout_rows: int
    n_dropped_missing_target: int = 0
    label_sep: str | None = None
    sampled_from: int | None = None  # rows of the full data when this ran on a sample
    sample_note: str | None = None  # the sentence announcing the sample (see core.intake.sampling)


def _summary(ds: Dataset, n_holdout: int) -> DatasetSummary:
    return DatasetSummary(
        name=ds.name,
        content_hash=ds.content_hash,
        task=ds.task,
        target=tuple(ds.target),
        classes=tuple(ds.classes),
        class_counts=ds.class_counts,
        n_rows=ds.n_rows,
        n_cv_rows=ds.n_rows - n_holdout,
        n_holdout_rows=n_holdout,
        n_dropped_missing_target=ds.n_dropped_missing_target,
        label_sep=ds.label_sep,
        sampled_from=ds.sampled_from,
        sample_note=ds.sample_note,
    )


def _is_loss(metric: str) -> bool:
    spec = metrics.SUMMARY_METRICS.get(metric)
    return spec is not None and not spec.higher_is_better


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
        ``m_p`` (corrected resampled t-test over the fold scores, Nadeau & Bengio);
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
        if base is None or not result.ok or result.name == BASELINE:
            return np.nan
        a = np.array([s.get(metric, np.nan) for s in result.fold_scores])
        b = np.array([s.get(metric, np.nan) for s in base.fold_scores])
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
        ok = ok.sort_values(metric, ascending=_is_loss(metric), kind="stable")
        ok = ok.rename(columns={f"{metric}_delta": "delta", f"{metric}_p": "p_value"})
        ok.insert(0, "rank", np.arange(1, len(ok) + 1))
        return ok.reset_index(drop=True)


def _check_important(ds: Dataset, important: str | None) -> None:
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
    _check_important(ds, config.important_class)
    config.options.validated(ds)  # bad options fail once, here, not in every fit
    if config.holdout > 0:
        cv_rows, hold_rows = holdout_split(ds, config.holdout, config.seed)
        cv_ds = subset(ds, cv_rows)
    else:
        cv_rows, hold_rows = np.arange(ds.n_rows), np.arange(0)
        cv_ds = ds
    folds = tuple(make_folds(cv_ds, cv=config.cv, seed=config.seed))
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
        results[name] = assemble(cv_ds, name, folds, fits, holdout=holdout, seed=config.seed)
    return Comparison(
        dataset=_summary(ds, len(hold_rows)),
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


# --------------------------------------------------------------------------- recommendation


def _smallest_class(comparison: Comparison) -> str:
    counts = comparison.dataset.class_counts
    return min(comparison.classes, key=lambda c: counts[c])


def _class_value(result: StrategyResult, cls: str, metric: str) -> float:
    table = result.per_class
    row = table[table["class"].astype(str) == cls]
    return float(row[metric].iloc[0]) if len(row) else np.nan


_COST_METRICS = {
    "macro_f1": "macro F1",
    "accuracy": "accuracy",
    "micro_f1": "micro F1",
    "hamming_loss": "Hamming loss",
}
"""What the recommendation reports as the cost elsewhere (the first two a task has)."""


def _fold_p_value(
    best: StrategyResult, base: StrategyResult, cls: str | None, metric: str
) -> float | None:
    """Corrected resampled t-test p of ``best`` vs ``base`` on the per-fold metric.

    Per-class: only F1 is kept per fold; other per-class metrics give None.
    """
    if cls is not None and metric != "f1":
        return None
    if cls is not None:
        a = [f[cls] for f in best.fold_class_f1]
        b = [f[cls] for f in base.fold_class_f1]
    else:
        a = [s[metric] for s in best.fold_scores]
        b = [s[metric] for s in base.fold_scores]
    test = significance.corrected_resampled_ttest(
        a, b, n_train=float(np.mean(best.n_train)), n_test=float(np.mean(best.n_val))
    )
    return None if np.isnan(test.p_value) else float(test.p_value)


def _signed(x: float) -> str:
    return f"{x:+.3f}"


def recommend(
    comparison: Comparison, *, important_class: str | None = None, metric: str | None = None
) -> dict[str, Any]:
    """Which strategy serves the class that matters most, and at what cost elsewhere.

    ``important_class`` defaults to the config's, else the smallest class (rarest label);
    ``metric`` defaults to that class's ``f1``. A per-class metric (precision, recall,
    f1) is read for that class; a summary metric (e.g. ``macro_f1``) is read as is.
    Ties go to the higher macro F1, then to the earlier strategy. Chosen from
    cross-validation alone, never from the hold-out. Returns ``strategy`` (None when every
    strategy failed), ``metric``, ``class``, ``value``, ``p_value`` (corrected t-test over
    the folds against the baseline, when it applies) and ``reason``.
    """
    cls = important_class or comparison.config.important_class or _smallest_class(comparison)
    if cls not in comparison.classes:
        raise DataError(
            f"Unknown important class {cls!r}",
            "Choose one of: " + ", ".join(map(repr, comparison.classes)),
        )
    metric = metric or "f1"
    ok = [r for r in comparison.results.values() if r.ok]
    per_class_metrics = ("precision", "recall", "f1")
    if metric not in per_class_metrics and metric not in comparison.metric_names():
        raise DataError(
            f"Cannot recommend by {metric!r}",
            "Use one of: " + ", ".join([*per_class_metrics, *comparison.metric_names()]),
        )
    per_class = metric in per_class_metrics
    metric_name = {"f1": "F1", "precision": "precision", "recall": "recall"}.get(metric, metric)
    what = f"{metric_name} of {'label' if comparison.task == 'multilabel' else 'class'} {cls!r}"
    shown = what if per_class else metric
    if not ok:
        return {
            "strategy": None,
            "metric": metric,
            "class": cls if per_class else None,
            "value": None,
            "p_value": None,
            "reason": "Every strategy failed, so there is nothing to recommend; see each "
            "strategy's error.",
        }

    def value(r: StrategyResult) -> float:
        return _class_value(r, cls, metric) if per_class else float(r.summary[metric])

    def rank_key(r: StrategyResult) -> tuple[float, float, int]:
        v = value(r) if _is_loss(metric) else -value(r)
        return (np.inf if np.isnan(v) else v, -r.summary.get("macro_f1", 0.0), order[r.name])

    order = {r.name: i for i, r in enumerate(ok)}
    best = min(ok, key=rank_key)
    reason = f"{best.name} reaches the best {shown} in cross-validation ({value(best):.3f})"
    base = comparison.baseline
    p_value = None
    if base is not None and best.name != BASELINE:
        reason += f", against {value(base):.3f} for the baseline"
        p_value = _fold_p_value(best, base, cls if per_class else None, metric)
        if p_value is not None:
            reason += f" (corrected t-test over the folds: p = {p_value:.3g})"
        costs = [
            f"{label} {_signed(best.summary[m] - base.summary[m])}"
            for m, label in _COST_METRICS.items()
            if m in best.summary and m in base.summary and m != metric
        ][:2]
        if costs:
            reason += "; versus the baseline, " + " and ".join(costs)
    elif base is not None:
        reason += "; no strategy improved on the baseline, so keep it"
    else:
        reason += "; no baseline ran, so the cost elsewhere is not known"
    return {
        "strategy": best.name,
        "metric": metric,
        "class": cls if per_class else None,
        "value": value(best),
        "p_value": p_value,
        "reason": reason + ".",
    }
