"""Extra fits that help diagnose the important class, on the comparison's own folds.

- A **learning curve** of one strategy (default ``baseline``): each outer fold's training rows
  are sub-sampled to 25/50/75/100 % (stratified, seeded, nested: the 25 % rows are among the
  50 % rows), the validation rows stay whole. Still rising at 100 % -> more labelled rows of
  the class would help; flat -> they would not. The 100 % point is the comparison's own fit.
- **Reference models** on the same folds: histogram gradient boosting (the baseline strategy;
  skipped when the comparison's model already is that) and scikit-learn's
  ``DummyClassifier(strategy="prior")`` fitted one-vs-rest on the class. The dummy scores
  every row with the training share of the class, so its average precision is the class
  share (the no-skill floor of AP) and its ROC AUC 0.5; it decides the majority of "class vs
  rest", so its F1 is 0 unless the class is the majority (then 2p / (1 + p)).

The hold-out and the folds are derived from ``config`` exactly as
:func:`core.evaluation.comparison.run_comparison` derives them; every fit is
:func:`core.evaluation.fold.evaluate_fold`, single-threaded, run through the comparison's
parallel backend, so a serial and a parallel run give the same numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from joblib import delayed

from core.errors import DataError
from core.evaluation.comparison import BASELINE, CompareConfig, check_important_class
from core.evaluation.diagnostic_runs import (
    Progress,
    class_column,
    dummy_decisions,
    fit_class_scores,
    fits_decisions,
    keyed_fit,
    mean_std,
    nested_subsamples,
    pooled_class_scores,
    run_keyed,
)
from core.evaluation.fold import FoldResult
from core.evaluation.splits import Fold, split_rows
from core.intake.dataset import Dataset
from core.modelling.strategies import get_strategy

SHARES = (0.25, 0.5, 0.75, 1.0)
"""Shares of each training fold the learning curve trains on."""

REFERENCE_MODEL = "hist_gradient_boosting"
DUMMY = "dummy"


@dataclass(frozen=True)
class LearningCurve:
    """Scores of the class when training on a share of each training fold (mean, std over folds).

    ``ap`` is the average precision of the class (its probability as the score), ``f1`` the F1
    of the class at the strategy's own decision; std is over folds (ddof=1). A fold whose fit
    failed counts as NaN and is left out of the mean; ``notes`` say which.
    """

    class_name: str
    strategy: str
    shares: tuple[float, ...]
    class_rows: tuple[float, ...]  # mean rows of the class in the (sub-sampled) training folds
    ap_mean: tuple[float, ...]
    ap_std: tuple[float, ...]
    f1_mean: tuple[float, ...]
    f1_std: tuple[float, ...]
    train_rows: tuple[float, ...] = ()  # mean training rows per share
    fold_ap: tuple[tuple[float, ...], ...] = ()  # per share, per fold
    fold_f1: tuple[tuple[float, ...], ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (NaN stays NaN)."""
        return {
            "class": self.class_name,
            "strategy": self.strategy,
            "shares": list(self.shares),
            "class_rows": list(self.class_rows),
            "train_rows": list(self.train_rows),
            "ap_mean": list(self.ap_mean),
            "ap_std": list(self.ap_std),
            "f1_mean": list(self.f1_mean),
            "f1_std": list(self.f1_std),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ReferenceResult:
    """A reference model on the comparison's folds: the class's pooled F1 and AP, fold F1s.

    Pooled as the comparison pools: over the out-of-fold decisions and probabilities (the
    dummy's per-fold AP is exactly that fold's class share; pooled it is within a hair of the
    class share, its folds' constant scores differing slightly). ``error`` says why the
    reference could not be measured (then the numbers are NaN).
    """

    model: str  # "hist_gradient_boosting" (baseline strategy) or "dummy"
    class_name: str
    f1: float
    ap: float
    fold_f1: tuple[float, ...]
    fold_ap: tuple[float, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (NaN stays NaN)."""
        return {
            "model": self.model,
            "class": self.class_name,
            "f1": self.f1,
            "ap": self.ap,
            "fold_f1": list(self.fold_f1),
            "fold_ap": list(self.fold_ap),
            "error": self.error,
        }


@dataclass(frozen=True)
class DiagnosticFits:
    """What :func:`diagnostic_fits` measured; ``seconds`` is its wall time."""

    learning_curve: LearningCurve | None
    references: tuple[ReferenceResult, ...]
    seconds: float

    def reference(self, model: str) -> ReferenceResult | None:
        """The reference named ``model``, or None when it was not run."""
        return next((r for r in self.references if r.model == model), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers (NaN stays NaN)."""
        curve = self.learning_curve
        return {
            "learning_curve": curve.to_dict() if curve is not None else None,
            "references": [r.to_dict() for r in self.references],
            "seconds": self.seconds,
        }


# --------------------------------------------------------------------------- helpers


def _check_shares(shares: Sequence[float]) -> tuple[float, ...]:
    found = []
    for share in shares:
        ok = isinstance(share, int | float) and not isinstance(share, bool)
        if not ok or not 0 < float(share) <= 1:
            raise DataError(
                f"Learning-curve shares must be numbers above 0 and at most 1. Got {share!r}",
                "Use e.g. (0.25, 0.5, 0.75, 1.0)",
            )
        found.append(float(share))
    return tuple(sorted(set(found)))


# --------------------------------------------------------------------------- entry point


def diagnostic_fits(
    ds: Dataset,
    config: CompareConfig,
    *,
    important_class: str,
    strategy: str = BASELINE,
    shares: Sequence[float] = SHARES,
    n_jobs: int = 1,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> DiagnosticFits:
    """Learning curve of ``strategy`` and reference models for ``important_class``.

    Uses the hold-out and folds of ``run_comparison(ds, config)``; costs ``len(shares) x cv``
    fits for the curve (``shares=()`` skips it: ``learning_curve`` None) plus ``cv`` for the
    gradient-boosting reference (none when ``config.model`` is that model), in ``n_jobs``
    processes or on the Dask ``scheduler`` (see :mod:`core.evaluation.parallel`), each
    single-threaded. ``progress(done, total, message)`` after each fit; if it raises, the
    pending fits are abandoned and the error propagates. Multi-label: the class is a label
    (binary relevance). :class:`DataError` for an unknown class, strategy or share, or a
    strategy that does not apply to the task.
    """
    start = time.perf_counter()
    check_important_class(ds, important_class)
    if important_class is None:
        raise DataError(
            "Name the important class for the diagnostic fits",
            "Choose one of: " + ", ".join(map(repr, ds.classes)),
        )
    found = get_strategy(strategy)
    if not found.applies_to(ds.task):
        raise DataError(
            f"{found.title} does not apply to {ds.task} targets, so it has no learning curve",
            "Choose another strategy for the learning curve (e.g. baseline)",
        )
    shares = _check_shares(shares)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise DataError(f"n_jobs must be -1 (all cores) or >= 1. Got {n_jobs!r} instead")
    config.options.validated(ds)  # bad options fail once, here, not in every fit
    j = ds.classes.index(important_class)
    split = split_rows(ds, holdout=config.holdout, cv=config.cv, seed=config.seed)
    cv_ds, folds = split.cv_ds, split.folds

    is_class = class_column(cv_ds, j)
    strata = is_class if cv_ds.is_multilabel else np.asarray(cv_ds.y)
    subsamples = [
        nested_subsamples(strata[tr], tr, shares, config.seed + k)
        for k, (tr, _) in enumerate(folds)
    ]

    def task(key: tuple, label: str, name: str, model: str, k: int, tr: Any, va: Any) -> Any:
        options = replace(config.options, probability_correction="none")  # scores only
        args = (cv_ds, name, model, options, config.seed, k, tr, va, 1)
        return delayed(keyed_fit)(key, label, *args)  # single-threaded, as the comparison

    tasks = [
        task(
            ("curve", s, k),
            f"learning curve {share:.0%}, fold {k + 1}",
            strategy,
            config.model,
            k,
            subsamples[k][s],
            va,
        )
        for s, share in enumerate(shares)
        for k, (_, va) in enumerate(folds)
    ]
    with_model = config.model != REFERENCE_MODEL
    if with_model:
        tasks += [
            task(
                (REFERENCE_MODEL, k),
                f"gradient-boosting reference, fold {k + 1}",
                BASELINE,
                REFERENCE_MODEL,
                k,
                tr,
                va,
            )
            for k, (tr, va) in enumerate(folds)
        ]
    done = run_keyed(tasks, n_jobs, scheduler, progress)

    curve = None
    if shares:
        fits = [[done[("curve", s, k)] for k in range(len(folds))] for s in range(len(shares))]
        curve = _curve(cv_ds, j, strategy, shares, fits, subsamples, is_class)
    references = []
    if with_model:
        fits_hgb = [done[(REFERENCE_MODEL, k)] for k in range(len(folds))]
        references.append(_reference(cv_ds, j, folds, REFERENCE_MODEL, fits_hgb))
    references.append(_reference(cv_ds, j, folds, DUMMY, None))
    return DiagnosticFits(curve, tuple(references), time.perf_counter() - start)


def _reference(
    ds: Dataset, j: int, folds: Sequence[Fold], model: str, fits: Sequence[FoldResult] | None
) -> ReferenceResult:
    """The reference ``model`` from its fold ``fits`` (None: the prior dummy)."""
    bad = [f for f in fits or () if f.status != "ok" or f.proba is None]
    if bad:
        why = bad[0].error or "the model gives no probabilities"
        return ReferenceResult(model, ds.classes[j], math.nan, math.nan, (), (), error=why)
    pred, score = dummy_decisions(ds, j, folds) if fits is None else fits_decisions(ds, j, fits)
    f1, ap, fold_f1, fold_ap = pooled_class_scores(ds, j, folds, pred, score)
    return ReferenceResult(model, ds.classes[j], f1, ap, fold_f1, fold_ap)


def _curve(
    ds: Dataset,
    j: int,
    strategy: str,
    shares: tuple[float, ...],
    fits: Sequence[Sequence[FoldResult]],  # per share, per fold
    subsamples: Sequence[Sequence[np.ndarray]],  # per fold, per share
    is_class: np.ndarray,
) -> LearningCurve:
    """Assemble the learning curve from its fits; a failed fit is NaN and said in notes."""
    notes = []
    fold_ap, fold_f1, ap, f1 = [], [], [], []
    for s, share in enumerate(shares):
        scores = [fit_class_scores(ds, j, fit) for fit in fits[s]]
        fold_ap.append(tuple(a for a, _ in scores))
        fold_f1.append(tuple(f for _, f in scores))
        ap.append(mean_std(fold_ap[-1]))
        f1.append(mean_std(fold_f1[-1]))
        for k, fit in enumerate(fits[s]):
            if fit.status != "ok":
                notes.append(f"{share:.0%} of the training rows, {fit.error}: left out (NaN)")
            elif fit.proba is None:
                notes.append(f"{share:.0%}, fold {k + 1}: no probabilities, so no AP (NaN)")
    return LearningCurve(
        class_name=ds.classes[j],
        strategy=strategy,
        shares=shares,
        class_rows=tuple(
            float(np.mean([is_class[sub[s]].sum() for sub in subsamples]))
            for s in range(len(shares))
        ),
        ap_mean=tuple(m for m, _ in ap),
        ap_std=tuple(d for _, d in ap),
        f1_mean=tuple(m for m, _ in f1),
        f1_std=tuple(d for _, d in f1),
        train_rows=tuple(
            float(np.mean([len(sub[s]) for sub in subsamples])) for s in range(len(shares))
        ),
        fold_ap=tuple(fold_ap),
        fold_f1=tuple(fold_f1),
        notes=tuple(notes),
    )
