"""One fit of one strategy on one fold -> :class:`FoldResult` (:func:`evaluate_fold`).

Every fold gets a freshly built estimator fitted on the training rows only. Resampling
happens inside that estimator's ``fit`` (an imblearn ``Pipeline``), so a resampled row never
reaches a score: validation rows keep their natural class distribution. Pooling the folds
into a :class:`~core.evaluation.crossval.StrategyResult` is :mod:`core.evaluation.crossval`.
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
from core.evaluation.splits import subset
from core.intake.dataset import Dataset
from core.intake.sampling import strata_of, stratified_rows
from core.metrics import scores as metrics
from core.modelling.correction import Correction, correct_fit
from core.modelling.options import StrategyOptions
from core.modelling.strategies import get_strategy

log = logging.getLogger(__name__)

Status = Literal["ok", "failed"]
HOLDOUT_FOLD = -1
"""``fold`` of the fit on all cross-validation rows that scores the hold-out."""


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
    # ``proba`` with the prior shift undone or calibrated on inner folds (None: no correction;
    # never for the hold-out fit), and how (core.modelling.correction)
    corrected_proba: np.ndarray | None = None
    correction: Correction | None = None


def one_line(text: object) -> str:
    """``text`` on one line, runs of whitespace as one space."""
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
                   "sklearn.multiclass", "sklearn.tree", "imblearn.ensemble",
                   "lightgbm.sklearn", "core.modelling.xgb")  # fmt: skip
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


def scores_of(
    ds: Dataset, y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None
) -> dict[str, float]:
    """Summary scores of ``pred`` (and ``proba``) against ``y``, as plain floats."""
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
            corrected = _corrected(est, train_ds, X_val, proba, options, seed, fold_index)
        except (StrategyError, DataError, ValueError) as err:
            return failed(one_line(err), caught)
        except Exception as err:  # a bug in one strategy must not stop the others
            log.exception("%s, %s: internal error", strategy_name, where)
            return failed(f"internal error: {type(err).__name__}: {one_line(err)}", caught)
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
                val_scores=scores_of(ds, y[val_idx], pred, proba),
                train_scores=scores_of(ds, train_y, train_pred, train_proba),
                val_class_f1=_class_f1(ds, y[val_idx], pred),
                train_class_f1=_class_f1(ds, train_y, train_pred),
                fit_seconds=fit_seconds,
                predict_seconds=predict_seconds,
                thresholds=_thresholds(est),
                corrected_proba=None if corrected is None else corrected[0],
                correction=None if corrected is None else corrected[1],
            )
        except Exception as err:  # scoring our own arrays failed: a bug, keep it visible
            log.exception("%s, %s: scoring failed", strategy_name, where)
            return failed(f"internal error: {type(err).__name__}: {one_line(err)}", caught)
    return replace(result, warnings=_warning_texts(caught))


def _corrected(
    est: Any,
    train_ds: Dataset,
    X_val: pd.DataFrame,
    proba: np.ndarray | None,
    options: StrategyOptions,
    seed: int,
    fold_index: int,
) -> tuple[np.ndarray, Correction] | None:
    """The fold's corrected probabilities (:func:`core.modelling.correction.correct_fit`);
    none for the hold-out fit. A failure here is a bug: logged, and the scores are kept."""
    if fold_index == HOLDOUT_FOLD:
        return None
    try:
        return correct_fit(est, train_ds.X, train_ds.y, X_val, proba,
                           method=options.probability_correction, inner_cv=options.inner_cv,
                           seed=seed)  # fmt: skip
    except Exception:
        log.exception("probability correction failed")
        return None


def _warning_texts(caught: Sequence[Any]) -> tuple[str, ...]:
    texts = (f"{w.category.__name__}: {one_line(w.message)}" for w in caught)
    return tuple(dict.fromkeys(texts))
