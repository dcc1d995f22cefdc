"""Leak-free cross-validation of one strategy -> :class:`StrategyResult`.

The folds' fits (:func:`core.evaluation.fold.evaluate_fold`) are pooled here. Headline metrics
come from the pooled out-of-fold predictions (each row predicted exactly once); the
per-fold validation and training scores give spread, paired tests and the overfitting gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.evaluation.fold import FoldResult, Status, evaluate_fold, one_line, scores_of
from core.evaluation.splits import Fold
from core.intake.dataset import Dataset
from core.metrics import scores as metrics
from core.metrics import significance
from core.modelling.correction import correction_text
from core.modelling.options import StrategyOptions

N_BOOT = 1000
"""Bootstrap resamples for the confidence intervals of the pooled scores."""


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
    # repeated cross-validation: validation scores of each fold of repeats 2..R, in order
    # (summary metrics, and ``precision[c]``, ``recall[c]``, ``f1[c]`` per class c)
    repeat_scores: tuple[dict[str, float], ...] = ()
    # probabilities with the prior shift of resampling / class weights undone (or calibrated
    # on inner folds), aligned with oof_proba; None where no correction applies (baseline).
    # Decisions (oof_pred) and every score above stay those of the model's own probabilities.
    corrected_proba: np.ndarray | None = None
    correction: str | None = None  # how corrected_proba was made, in words

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def all_fold_scores(self) -> tuple[dict[str, float], ...]:
        """Validation scores of every fold of every repeat: ``fold_scores`` (the first
        cross-validation) then ``repeat_scores``. Paired tests read these."""
        return self.fold_scores + self.repeat_scores

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
        error=one_line(reason),
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
    lows = [ci.per_class_f1[c].low for c in ds.classes]
    highs = [ci.per_class_f1[c].high for c in ds.classes]
    table["f1_ci_low"] = np.asarray(lows, dtype=np.float64)
    table["f1_ci_high"] = np.asarray(highs, dtype=np.float64)
    return table, {"macro_f1": (ci.macro_f1.low, ci.macro_f1.high)}


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
    corrected_proba, correction = _pooled_correction(ds, by_fold, oof_proba)
    return StrategyResult(
        name=strategy_name,
        status="ok",
        error=None,
        fold_of_row=fold_of_row,
        oof_pred=oof_pred,
        oof_proba=oof_proba,
        summary=scores_of(ds, y, oof_pred, oof_proba),
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
        corrected_proba=corrected_proba,
        correction=correction,
    )


def _pooled_correction(
    ds: Dataset, by_fold: Sequence[FoldResult], oof_proba: np.ndarray | None
) -> tuple[np.ndarray | None, str | None]:
    """The folds' corrected probabilities pooled like ``oof_proba`` (a fold without a shift
    keeps its own), and the words, with the shares averaged over the corrected folds."""
    done = [r.correction for r in by_fold if r.correction is not None]
    if oof_proba is None or not done:
        return None, None
    pooled = oof_proba.copy()
    for r in by_fold:
        if r.corrected_proba is not None:
            pooled[r.val_idx] = r.corrected_proba
    return pooled, correction_text(done, ds.classes)


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
        summary=scores_of(ds, y, fit.pred, fit.proba),
        per_class=metrics.per_class_table(y, fit.pred, ds.classes, ds.task).reset_index(drop=True),
        confusion=np.asarray(metrics.confusion(y, fit.pred, ds.classes, ds.task)),
        pred=fit.pred,
        proba=fit.proba,
        fit_seconds=fit.fit_seconds,
        thresholds=fit.thresholds,
    )


def repeat_scores_of(ds: Dataset, fits: Sequence[FoldResult]) -> tuple[dict[str, float], ...]:
    """The :attr:`StrategyResult.repeat_scores` of the fits of repeats 2..R (in fold order):
    each fold's summary scores, and precision / recall / F1 of each class on its validation
    rows (``zero_division=0``, as the pooled per-class table)."""
    y = np.asarray(ds.y)
    out = []
    for fit in sorted(fits, key=lambda r: r.fold):
        scores = dict(fit.val_scores or {})
        table = metrics.per_class_table(y[fit.val_idx], fit.pred, ds.classes, ds.task)
        for row in table.itertuples(index=False):
            for m in ("precision", "recall", "f1"):
                scores[f"{m}[{row[0]}]"] = float(getattr(row, m))
        out.append(scores)
    return tuple(out)


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
