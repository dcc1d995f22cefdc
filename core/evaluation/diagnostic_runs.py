"""The pieces of :mod:`core.evaluation.diagnostic_fits`: nested stratified sub-samples of a
training fold, the important class's scores of a fit, the "prior" dummy on the folds, and the
keyed run of fold fits through the comparison's parallel backend.

Everything here is about ONE class ``j`` of a Dataset (multi-label: one label, binary
relevance): its 0/1 column, its probability as the ranking score, its decision.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from joblib import Parallel
from sklearn.dummy import DummyClassifier

from core.evaluation import parallel
from core.evaluation.fold import FoldResult, evaluate_fold
from core.evaluation.splits import Fold
from core.intake.dataset import Dataset
from core.metrics import scores as metrics

MIN_STRATUM_ROWS = 5
"""A sub-sampled training fold keeps at least this many rows of each stratum (all if fewer)."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, message)``, called from this process as each fit finishes."""

_BINARY = ("rest", "class")


def class_column(ds: Dataset, j: int) -> np.ndarray:
    """0/1 per row: the row is of class ``j`` (multi-label: carries label ``j``)."""
    y = np.asarray(ds.y)
    return (y[:, j] if ds.is_multilabel else y == j).astype(np.int8)


def nested_subsamples(
    strata: np.ndarray, train_idx: np.ndarray, shares: Sequence[float], seed: int
) -> list[np.ndarray]:
    """Sorted sub-samples of ``train_idx``, one per share (ascending), stratified by ``strata``
    (one value per training row) and nested: a smaller share's rows are among a larger's.

    Each stratum keeps ``ceil(share x its rows)`` rows, at least :data:`MIN_STRATUM_ROWS`
    (all it has if fewer), drawn in one seeded permutation. Share 1 gives ``train_idx``.
    """
    train_idx = np.asarray(train_idx)
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(np.flatnonzero(strata == s)) for s in np.unique(strata)]
    out = []
    for share in shares:
        parts = [
            order[: max(math.ceil(share * len(order)), min(len(order), MIN_STRATUM_ROWS))]
            for order in orders
        ]
        out.append(np.sort(train_idx[np.concatenate(parts)]))
    return out


def fit_class_scores(ds: Dataset, j: int, fit: FoldResult) -> tuple[float, float]:
    """(average precision, F1) of class ``j`` on ``fit``'s validation rows of ``ds``.

    AP ranks the rows by the class's probability; F1 is at the fit's own decision. NaN for
    a failed fit (and AP NaN without probabilities).
    """
    if fit.status != "ok" or fit.val_class_f1 is None:
        return math.nan, math.nan
    f1 = float(fit.val_class_f1[ds.classes[j]])
    if fit.proba is None:
        return math.nan, f1
    y_val = np.asarray(ds.y)[fit.val_idx]
    ap = metrics.average_precision_per_class(y_val, fit.proba, ds.classes, ds.task)
    return float(ap[ds.classes[j]]), f1


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample std (ddof=1) of the finite ``values``; NaN when too few."""
    good = np.asarray([v for v in values if math.isfinite(v)], dtype=np.float64)
    mean = float(good.mean()) if good.size else math.nan
    std = float(good.std(ddof=1)) if good.size >= 2 else math.nan
    return mean, std


def _f1_ap(y: np.ndarray, pred: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    f1 = metrics.per_class_table(y, pred, _BINARY, "binary")["f1"].iloc[1]
    ap = metrics.average_precision_per_class(y, np.c_[1 - score, score], _BINARY, "binary")
    return float(f1), float(ap["class"])


def pooled_class_scores(
    ds: Dataset, j: int, folds: Sequence[Fold], pred: np.ndarray, score: np.ndarray
) -> tuple[float, float, tuple[float, ...], tuple[float, ...]]:
    """``(F1, AP, fold F1s, fold APs)`` of class ``j`` from out-of-fold 0/1 decisions ``pred``
    and scores ``score`` (one per row of ``ds``): pooled over all rows, then per fold."""
    y = class_column(ds, j)
    f1, ap = _f1_ap(y, pred, score)
    per_fold = [_f1_ap(y[va], pred[va], score[va]) for _, va in folds]
    return f1, ap, tuple(f for f, _ in per_fold), tuple(a for _, a in per_fold)


def dummy_decisions(ds: Dataset, j: int, folds: Sequence[Fold]) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold (0/1 decision, score) of ``DummyClassifier(strategy="prior")`` fitted per
    fold on "class ``j`` vs rest": the score is the class's training share in that fold, the
    decision the majority of the two."""
    y = class_column(ds, j)
    pred = np.zeros(ds.n_rows, dtype=np.int8)
    score = np.zeros(ds.n_rows)
    for tr, va in folds:
        dummy = DummyClassifier(strategy="prior").fit(np.zeros((len(tr), 1)), y[tr])
        blank = np.zeros((len(va), 1))
        fitted = list(dummy.classes_)
        score[va] = dummy.predict_proba(blank)[:, fitted.index(1)] if 1 in fitted else 0.0
        pred[va] = dummy.predict(blank)
    return pred, score


def fits_decisions(
    ds: Dataset, j: int, fits: Sequence[FoldResult]
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold (0/1 decision, probability) of class ``j`` from successful fold ``fits``."""
    pred = np.zeros(ds.n_rows, dtype=np.int8)
    score = np.zeros(ds.n_rows)
    for fit in fits:
        decided = fit.pred[:, j] if ds.is_multilabel else fit.pred == j
        pred[fit.val_idx] = np.asarray(decided, dtype=np.int8)
        score[fit.val_idx] = fit.proba[:, j]
    return pred, score


def keyed_fit(key: tuple[Any, ...], label: str, *args: Any) -> tuple[tuple, str, FoldResult]:
    """``(key, label, evaluate_fold(*args))``: a fit that says which one it is."""
    return key, label, evaluate_fold(*args)


def run_keyed(
    tasks: list, n_jobs: int, scheduler: str | None, progress: Progress | None
) -> dict[tuple[Any, ...], FoldResult]:
    """Run delayed :func:`keyed_fit` tasks in ``n_jobs`` processes (or on the Dask
    ``scheduler``, as the comparison does) -> ``{key: FoldResult}``. ``progress`` is called
    after each fit; if it raises, the pending fits are abandoned and the error propagates."""
    done: dict[tuple[Any, ...], FoldResult] = {}
    if not tasks:
        return done
    with parallel.backend(parallel.scheduler_address(scheduler)):
        fits = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)
        try:
            for key, label, fit in fits:
                done[key] = fit
                if progress is not None:
                    progress(len(done), len(tasks), f"Diagnostic fits: {label} done")
        finally:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".*tasks .*(cancelled|not used)")
                fits.close()
    return done
