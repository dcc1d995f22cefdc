"""Leak-free cross-validation of one strategy -> :class:`StrategyResult`.

Every fold gets a freshly built estimator fitted on the training rows only. Resampling
happens inside that estimator's ``fit`` (an imblearn ``Pipeline``), so a resampled row never
reaches a score: validation rows keep their natural class distribution. Headline metrics
come from the pooled out-of-fold predictions (each row predicted exactly once); the
per-fold validation and training scores give spread, paired tests and the overfitting gap.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from core.errors import DataError, StrategyError
from core.evaluation.splits import Fold, subset
from core.intake.dataset import Dataset
from core.intake.sampling import strata_of, stratified_rows
from core.metrics import scores as metrics
from core.metrics import significance
from core.modelling.options import StrategyOptions
from core.modelling.strategies import get_strategy

log = logging.getLogger(__name__)

Status = Literal["ok", "failed"]
HOLDOUT_FOLD = -1
"""``fold`` of the fit on all cross-validation rows that scores the hold-out."""

N_BOOT = 1000
"""Bootstrap resamples for the confidence intervals of the pooled scores."""


@dataclass(frozen=True, eq=False)
class FoldResult:
    """One fit: a strategy trained on a fold's training rows, scored on its validation rows.

    ``fold`` is :data:`HOLDOUT_FOLD` for the fit on all cross-validation rows that scores
    the hold-out. Per-class dictionaries are keyed by class (label) name.
    """

    strategy: str
    fold: int
    status: Status
    error: str | None
    val_idx: np.ndarray  # validation rows (positions in the evaluated Dataset)
    n_train: int
    pred: np.ndarray | None = None  # (n_val,) codes, or (n_val, K) 0/1 for multi-label
    proba: np.ndarray | None = None  # (n_val, K)
    val_scores: dict[str, float] | None = None  # summary scores on the validation rows
    # the same on the (original) training rows, at most TRAIN_SCORE_ROWS of them (a sample)
    train_scores: dict[str, float] | None = None
    val_class_f1: dict[str, float] | None = None
    train_class_f1: dict[str, float] | None = None
    fit_seconds: float = float("nan")
    predict_seconds: float = float("nan")  # predicting the validation rows
    thresholds: tuple[float, ...] | None = None  # the estimator's ``thresholds_``, if any
    warnings: tuple[str, ...] = ()  # warnings raised while fitting / predicting


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _thread_limit(n_jobs_model: int) -> int | None:
    return None if n_jobs_model < 0 else max(1, int(n_jobs_model))


def _proba(est: Any, X: pd.DataFrame, k: int) -> np.ndarray | None:
    """``predict_proba`` as (n, K) float columns in class-code order, or None."""
    if not hasattr(est, "predict_proba"):
        return None
    proba = np.asarray(est.predict_proba(X), dtype=np.float64)
    if proba.ndim == 2 and proba.shape[1] == k:
        return proba
    fitted = getattr(est, "classes_", None)
    if proba.ndim != 2 or fitted is None or len(fitted) != proba.shape[1]:
        raise RuntimeError(f"predict_proba returned shape {proba.shape} for {k} classes")
    full = np.zeros((proba.shape[0], k))
    full[:, np.asarray(fitted, dtype=np.intp)] = proba
    return full


TRAIN_SCORE_ROWS = 10_000
"""Training rows scored per fit for the train-vs-validation gap: all of them up to this many,
else a seeded stratified sample of this many (every class keeps rows; see core.intake.sampling)."""

_ARGMAX_MODULES = ("sklearn.linear_model", "sklearn.ensemble", "sklearn.neural_network",
                   "sklearn.multiclass", "sklearn.tree", "imblearn.ensemble")  # fmt: skip
"""Classifiers whose ``predict`` is the most probable class of their ``predict_proba``."""


def _final_step(est: Any) -> Any:
    while hasattr(est, "steps"):  # sklearn / imblearn Pipeline
        est = est.steps[-1][1]
    return est


def _predict(est: Any, X: pd.DataFrame, k: int, multilabel: bool) -> tuple[np.ndarray, Any]:
    """``(predict(X), predict_proba(X))``, the latter as from :func:`_proba`.

    For the plain scikit-learn / imbalanced-learn classifiers of :data:`_ARGMAX_MODULES`,
    whose ``predict`` is the class of highest probability, the prediction is taken from the
    probabilities (one pass over the model instead of two); decision rules of our own
    (thresholds, costs, one-class, binary relevance) are always asked for ``predict``.
    """
    proba = _proba(est, X, k)
    final = _final_step(est)
    fitted = getattr(final, "classes_", None)
    plain = (
        not multilabel
        and proba is not None
        and type(final).__module__.startswith(_ARGMAX_MODULES)
        and fitted is not None
        and np.array_equal(np.asarray(fitted), np.arange(k))
    )
    pred = np.argmax(proba, axis=1) if plain else np.asarray(est.predict(X))
    return pred, proba


def _scored_train_rows(ds: Dataset, train_idx: np.ndarray, seed: int) -> np.ndarray:
    """Positions (within the training rows) whose scores make the train-vs-validation gap."""
    limit = TRAIN_SCORE_ROWS
    if len(train_idx) <= limit:
        return np.arange(len(train_idx))
    strata = strata_of(np.asarray(ds.y)[train_idx], ds.is_multilabel)
    return stratified_rows(strata, limit, seed)


def _thresholds(est: Any) -> tuple[float, ...] | None:
    found = getattr(est, "thresholds_", None)
    if found is None:
        return None
    return tuple(float(t) for t in np.atleast_1d(np.asarray(found, dtype=np.float64)).ravel())


def _class_f1(ds: Dataset, y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    table = metrics.per_class_table(y, pred, ds.classes, ds.task)
    return {str(c): float(f) for c, f in zip(table["class"], table["f1"], strict=True)}


def _scores(ds: Dataset, y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None) -> dict:
    found = metrics.summary_scores(y, pred, proba, ds.classes, ds.task)
    return {str(k): float(v) for k, v in found.items()}


def evaluate_fold(
    ds: Dataset,
    strategy_name: str,
    model: str,
    options: StrategyOptions,
    seed: int,
    fold_index: int,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    n_jobs_model: int = 1,
) -> FoldResult:
    """Fit a fresh estimator on ``train_idx`` rows of ``ds`` and score ``val_idx`` rows.

    The estimator is built from the training rows alone (no statistic of a validation row
    can reach it) and any resampling happens inside its ``fit``. Training rows are scored
    too (their original rows, not resampled ones). A fit the data cannot support becomes a
    failed result with the reason; other exceptions become "internal error: ..." results
    and are logged. Warnings are recorded in the result, identically in any process.
    """
    train_idx = np.asarray(train_idx, dtype=np.intp)
    val_idx = np.asarray(val_idx, dtype=np.intp)
    where = "hold-out fit" if fold_index == HOLDOUT_FOLD else f"fold {fold_index + 1}"
    y = np.asarray(ds.y)
    k = len(ds.classes)

    def failed(reason: str, caught: Sequence[Any] = ()) -> FoldResult:
        return FoldResult(
            strategy=strategy_name,
            fold=fold_index,
            status="failed",
            error=f"{where}: {reason}",
            val_idx=val_idx,
            n_train=len(train_idx),
            warnings=_warning_texts(caught),
        )

    with (
        threadpool_limits(limits=_thread_limit(n_jobs_model)),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            train_ds = subset(ds, train_idx)
            X_val = ds.X.iloc[val_idx]
            est = get_strategy(strategy_name).build(
                train_ds, model=model, seed=seed, options=options, n_jobs=n_jobs_model
            )
            start = time.perf_counter()
            est.fit(train_ds.X, train_ds.y)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            pred, proba = _predict(est, X_val, k, ds.is_multilabel)
            predict_seconds = time.perf_counter() - start
            scored = _scored_train_rows(ds, train_idx, seed + fold_index)
            train_y = np.asarray(train_ds.y)[scored]
            train_X = train_ds.X if len(scored) == len(train_idx) else train_ds.X.iloc[scored]
            train_pred, train_proba = _predict(est, train_X, k, ds.is_multilabel)
        except (StrategyError, DataError, ValueError) as err:
            return failed(_one_line(err), caught)
        except Exception as err:  # a bug in one strategy must not stop the others
            log.exception("%s, %s: internal error", strategy_name, where)
            return failed(f"internal error: {type(err).__name__}: {_one_line(err)}", caught)
        try:
            pred = pred.astype(np.int8 if ds.is_multilabel else np.intp)
            train_pred = train_pred.astype(pred.dtype)
            result = FoldResult(
                strategy=strategy_name,
                fold=fold_index,
                status="ok",
                error=None,
                val_idx=val_idx,
                n_train=len(train_idx),
                pred=pred,
                proba=proba,
                val_scores=_scores(ds, y[val_idx], pred, proba),
                train_scores=_scores(ds, train_y, train_pred, train_proba),
                val_class_f1=_class_f1(ds, y[val_idx], pred),
                train_class_f1=_class_f1(ds, train_y, train_pred),
                fit_seconds=fit_seconds,
                predict_seconds=predict_seconds,
                thresholds=_thresholds(est),
            )
        except Exception as err:  # scoring our own arrays failed: a bug, keep it visible
            log.exception("%s, %s: scoring failed", strategy_name, where)
            return failed(f"internal error: {type(err).__name__}: {_one_line(err)}", caught)
    return replace(result, warnings=_warning_texts(caught))


def _warning_texts(caught: Sequence[Any]) -> tuple[str, ...]:
    texts = (f"{w.category.__name__}: {_one_line(w.message)}" for w in caught)
    return tuple(dict.fromkeys(texts))


# --------------------------------------------------------------------------- one strategy


@dataclass(frozen=True, eq=False)
class HoldoutResult:
    """A strategy fitted on every cross-validation row and scored on the hold-out rows."""

    status: Status
    error: str | None
    summary: dict[str, float]
    per_class: pd.DataFrame | None  # class, precision, recall, f1, support, ...
    confusion: np.ndarray | None  # (K, K), or (K, 2, 2) for multi-label
    pred: np.ndarray | None  # aligned with the hold-out rows
    proba: np.ndarray | None
    fit_seconds: float = float("nan")
    thresholds: tuple[float, ...] | None = None


@dataclass(frozen=True, eq=False)
class StrategyResult:
    """Leak-free cross-validation of one strategy on one Dataset.

    Arrays are aligned with the rows of the evaluated Dataset. Fold-level tuples are in
    fold order. ``per_class`` holds ``class, precision, recall, f1, support, f1_ci_low,
    f1_ci_high`` from the pooled out-of-fold predictions; ``summary_ci`` holds bootstrap
    intervals of pooled summary metrics (``macro_f1``).
    """

    name: str
    status: Status
    error: str | None
    fold_of_row: np.ndarray  # (n,) fold whose validation part holds each row
    oof_pred: np.ndarray | None = None  # (n,) codes, or (n, K) 0/1 for multi-label
    oof_proba: np.ndarray | None = None  # (n, K)
    summary: dict[str, float] | None = None
    summary_ci: dict[str, tuple[float, float]] | None = None
    per_class: pd.DataFrame | None = None
    confusion: np.ndarray | None = None  # (K, K) rows true, or (K, 2, 2) for multi-label
    fold_scores: tuple[dict[str, float], ...] = ()  # validation summary scores per fold
    train_scores: tuple[dict[str, float], ...] = ()  # training-rows summary scores per fold
    fold_class_f1: tuple[dict[str, float], ...] = ()  # validation per-class F1 per fold
    train_class_f1: tuple[dict[str, float], ...] = ()
    n_train: tuple[int, ...] = ()
    n_val: tuple[int, ...] = ()
    fit_seconds: tuple[float, ...] = ()
    predict_seconds: tuple[float, ...] = ()
    thresholds: tuple[tuple[float, ...] | None, ...] | None = None  # per fold, if tuned
    holdout: HoldoutResult | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def gap(self) -> pd.DataFrame:
        """Train-vs-validation gap per fold: ``fold, metric, train, validation, gap``.

        Per-class F1 rows are named ``f1[<class>]``. A large positive gap is overfitting.
        """
        rows = []
        pairs = zip(
            self.train_scores,
            self.fold_scores,
            self.train_class_f1,
            self.fold_class_f1,
            strict=True,
        )
        for fold, (tr, va, tr_f1, va_f1) in enumerate(pairs):
            for metric, value in tr.items():
                rows.append((fold, metric, value, va.get(metric, np.nan)))
            for cls, value in tr_f1.items():
                rows.append((fold, f"f1[{cls}]", value, va_f1.get(cls, np.nan)))
        frame = pd.DataFrame(rows, columns=["fold", "metric", "train", "validation"])
        frame["gap"] = frame["train"] - frame["validation"]
        return frame


def failed_result(
    name: str, reason: str, fold_of_row: np.ndarray, warnings_: Sequence[str] = ()
) -> StrategyResult:
    """A strategy that did not run (or failed on some fold), with the reason."""
    return StrategyResult(
        name=name,
        status="failed",
        error=_one_line(reason),
        fold_of_row=fold_of_row,
        warnings=tuple(warnings_),
    )


def fold_of_rows(n_rows: int, folds: Sequence[Fold]) -> np.ndarray:
    """(n,) fold index per row; RuntimeError unless every row is validated exactly once."""
    fold_of_row = np.full(n_rows, -1, dtype=np.intp)
    seen = np.zeros(n_rows, dtype=np.intp)
    for k, (_, val_idx) in enumerate(folds):
        fold_of_row[val_idx] = k
        seen[val_idx] += 1
    if not np.all(seen == 1):
        raise RuntimeError("the folds do not validate every row exactly once")
    return fold_of_row


def _with_ci(
    ds: Dataset, y: np.ndarray, pred: np.ndarray, seed: int, n_boot: int
) -> tuple[pd.DataFrame, dict[str, tuple[float, float]]]:
    """Pooled per-class table with bootstrap F1 intervals, and the macro-F1 interval."""
    table = metrics.per_class_table(y, pred, ds.classes, ds.task).reset_index(drop=True)
    ci = significance.bootstrap_ci(y, pred, ds.classes, ds.task, n_boot=n_boot, seed=seed)
    lows = [ci["per_class_f1"][c][0] for c in ds.classes]
    highs = [ci["per_class_f1"][c][1] for c in ds.classes]
    table["f1_ci_low"] = np.asarray(lows, dtype=np.float64)
    table["f1_ci_high"] = np.asarray(highs, dtype=np.float64)
    macro = ci["macro_f1"]
    return table, {"macro_f1": (float(macro[0]), float(macro[1]))}


def assemble(
    ds: Dataset,
    strategy_name: str,
    folds: Sequence[Fold],
    fold_results: Sequence[FoldResult],
    *,
    holdout: HoldoutResult | None = None,
    seed: int = 0,
    n_boot: int = N_BOOT,
) -> StrategyResult:
    """Pool the folds' validation predictions (each row once) and score them.

    A strategy with any failed fold is failed with the first fold's reason.
    """
    fold_of_row = fold_of_rows(ds.n_rows, folds)
    by_fold = sorted(fold_results, key=lambda r: r.fold)
    if [r.fold for r in by_fold] != list(range(len(folds))):
        raise RuntimeError(f"{strategy_name}: expected one result per fold")
    found_warnings = tuple(dict.fromkeys(w for r in by_fold for w in r.warnings))
    bad = [r for r in by_fold if r.status != "ok"]
    if bad:
        return failed_result(strategy_name, bad[0].error or "failed", fold_of_row, found_warnings)

    y = np.asarray(ds.y)
    k = len(ds.classes)
    first = by_fold[0]
    oof_pred = np.zeros((ds.n_rows, *first.pred.shape[1:]), dtype=first.pred.dtype)
    has_proba = all(r.proba is not None for r in by_fold)
    oof_proba = np.full((ds.n_rows, k), np.nan) if has_proba else None
    for r in by_fold:
        oof_pred[r.val_idx] = r.pred
        if oof_proba is not None:
            oof_proba[r.val_idx] = r.proba
    per_class, summary_ci = _with_ci(ds, y, oof_pred, seed, n_boot)
    thresholds = tuple(r.thresholds for r in by_fold)
    return StrategyResult(
        name=strategy_name,
        status="ok",
        error=None,
        fold_of_row=fold_of_row,
        oof_pred=oof_pred,
        oof_proba=oof_proba,
        summary=_scores(ds, y, oof_pred, oof_proba),
        summary_ci=summary_ci,
        per_class=per_class,
        confusion=np.asarray(metrics.confusion(y, oof_pred, ds.classes, ds.task)),
        fold_scores=tuple(r.val_scores or {} for r in by_fold),
        train_scores=tuple(r.train_scores or {} for r in by_fold),
        fold_class_f1=tuple(r.val_class_f1 or {} for r in by_fold),
        train_class_f1=tuple(r.train_class_f1 or {} for r in by_fold),
        n_train=tuple(r.n_train for r in by_fold),
        n_val=tuple(len(r.val_idx) for r in by_fold),
        fit_seconds=tuple(r.fit_seconds for r in by_fold),
        predict_seconds=tuple(r.predict_seconds for r in by_fold),
        thresholds=None if all(t is None for t in thresholds) else thresholds,
        holdout=holdout,
        warnings=found_warnings,
    )


def assemble_holdout(ds: Dataset, fit: FoldResult) -> HoldoutResult:
    """Score the hold-out fit ``fit`` (its ``val_idx`` are hold-out rows of ``ds``)."""
    if fit.status != "ok" or fit.pred is None:
        return HoldoutResult(
            status="failed",
            error=fit.error,
            summary={},
            per_class=None,
            confusion=None,
            pred=None,
            proba=None,
        )
    y = np.asarray(ds.y)[fit.val_idx]
    return HoldoutResult(
        status="ok",
        error=None,
        summary=_scores(ds, y, fit.pred, fit.proba),
        per_class=metrics.per_class_table(y, fit.pred, ds.classes, ds.task).reset_index(drop=True),
        confusion=np.asarray(metrics.confusion(y, fit.pred, ds.classes, ds.task)),
        pred=fit.pred,
        proba=fit.proba,
        fit_seconds=fit.fit_seconds,
        thresholds=fit.thresholds,
    )


def evaluate_strategy(
    ds: Dataset,
    strategy_name: str,
    *,
    model: str,
    options: StrategyOptions,
    folds: Sequence[Fold],
    seed: int = 0,
) -> StrategyResult:
    """Serial convenience: every fold of one strategy, then :func:`assemble`."""
    results = [
        evaluate_fold(ds, strategy_name, model, options, seed, k, tr, va)
        for k, (tr, va) in enumerate(folds)
    ]
    return assemble(ds, strategy_name, folds, results, seed=seed)
