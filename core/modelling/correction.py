"""Probabilities with the prior shift of resampling and class weights undone.

A model trained on resampled rows, or under class weights, learns its probabilities at the
class shares it saw, not at the data's: after under-sampling to 1:1 it says 0.5 for rows
whose true rate is 2 %. The shift is known, so it can be undone (Elkan 2001; Saerens et al.
2002; Dal Pozzolo et al. 2015): with ``pi`` the training rows' class shares and ``pi'`` the
shares the model effectively trained at,

    p_c  ∝  p_s,c * pi_c / pi'_c        (renormalised over the classes)

which for binary under-sampling of the majority at rate ``beta`` is
``p = beta * p_s / (beta * p_s - p_s + 1)`` (:func:`undersampling_correction`). A class
weight ``w_c`` acts like resampling class ``c`` by ``w_c``, so ``pi'_c ∝ n_c * w_c``.
Multi-label: the binary form per label, with that label's shares. One-vs-rest: the binary
form per class-against-the-rest model, then the rows renormalised as one-vs-rest does.

:func:`prior_shift` reads ``pi'`` from the FITTED estimator (the samplers' kept rows or
recorded class counts, the final model's ``class_weight``, the balanced bags of imblearn's
ensembles, the boosters' own imbalance knob); it never refits. :func:`correct_fit` is what a
fold calls: the analytic correction (``"prior"``), or probabilities from
``CalibratedClassifierCV(ensemble=False)`` fitted on inner folds of the training part
(``"sigmoid"`` / ``"isotonic"``; the decisions stay the strategy's own model's). Strategies
without a shift (baseline, threshold tuning of the baseline, cost-sensitive, one-class) get
no correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from imblearn.ensemble import (
    BalancedBaggingClassifier,
    BalancedRandomForestClassifier,
    EasyEnsembleClassifier,
    RUSBoostClassifier,
)
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier

from core.errors import DataError, StrategyError
from core.modelling.boosters import NativeImbalanceClassifier
from core.modelling.learners import OneClassBoostClassifier
from core.modelling.multilabel import BinaryRelevance
from core.modelling.wrappers import CostSensitiveClassifier, ThresholdTunedClassifier

PRIOR_REFERENCE = "Elkan (2001), Dal Pozzolo et al. (2015)"
_BALANCED_BAGS = (BalancedRandomForestClassifier, EasyEnsembleClassifier,
                  BalancedBaggingClassifier, RUSBoostClassifier)  # fmt: skip
_SAME = 1e-9  # shares closer than this are no shift


@dataclass(frozen=True, eq=False)
class PriorShift:
    """The class shares of the training rows (``data``) and those the model trained at.

    Single-label: (K,) shares summing to 1. Multi-label: (K,) positive share per label.
    ``one_vs_rest``: ``trained[k]`` is class k's share in its own class-against-the-rest
    model. ``cause`` says what shifted them (resampling, class weights, ...).
    """

    data: np.ndarray
    trained: np.ndarray
    cause: str
    multilabel: bool = False
    one_vs_rest: bool = False


@dataclass(frozen=True, eq=False)
class Correction:
    """How one fit's probabilities were corrected: ``method`` (prior / sigmoid / isotonic),
    the shift, the inner folds of a calibration and why a calibration fell back (``note``)."""

    method: str
    shift: PriorShift
    inner_cv: int = 0
    note: str = ""


# ------------------------------------------------------------------------- the formulas


def undersampling_correction(p_s: np.ndarray, beta: float) -> np.ndarray:
    """Dal Pozzolo et al. (2015): P(positive) of a model trained after keeping a share
    ``beta`` of the majority (negative) rows, mapped back to the data's prior."""
    p_s = np.asarray(p_s, dtype=np.float64)
    return beta * p_s / (beta * p_s - p_s + 1.0)


def prior_corrected(proba: np.ndarray, data: np.ndarray, trained: np.ndarray) -> np.ndarray:
    """``p_c ∝ p_s,c * data_c / trained_c``, rows renormalised (a class the model never
    trained on keeps its probability, which is then 0 anyway)."""
    proba = np.asarray(proba, dtype=np.float64)
    data, trained = np.asarray(data, dtype=np.float64), np.asarray(trained, dtype=np.float64)
    ratio = np.divide(data, trained, out=np.ones_like(data), where=trained > 0)
    out = proba * ratio
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=proba.copy(), where=total > 0)


def binary_corrected(p: np.ndarray, data: float, trained: float) -> np.ndarray:
    """P(positive) under the general form with two classes (shares ``1 - x``, ``x``)."""
    p = np.asarray(p, dtype=np.float64)
    if not 0 < trained < 1:
        return p.copy()
    both = np.column_stack([1.0 - p, p])
    return prior_corrected(both, np.array([1 - data, data]), np.array([1 - trained, trained]))[:, 1]


# --------------------------------------------------------------- the shift of a fitted model


def _counts(y: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(np.asarray(y, dtype=np.intp), minlength=k).astype(np.float64)[:k]


def _final_and_seen(est: Any, y: np.ndarray) -> tuple[Any, Any, bool]:
    """(final model, the y it saw — a vector, a {code: count} dict, or None when a sampler
    records neither its kept rows nor its class counts (a user's own) —, resampled?)."""
    seen: Any = y
    resampled = False
    while hasattr(est, "steps"):
        for _, step in est.steps[:-1]:
            if not hasattr(step, "fit_resample"):
                continue
            counts = getattr(step, "class_counts_", None)
            kept = getattr(step, "sample_indices_", None)
            if counts is not None:
                seen, resampled = dict(counts), True
            elif kept is not None and seen is not None and not isinstance(seen, dict):
                seen, resampled = np.asarray(seen)[np.asarray(kept, dtype=np.intp)], True
            else:
                seen, resampled = None, True
        est = est.steps[-1][1]
    return est, seen, resampled


def _weighted_mass(model: Any, counts: np.ndarray) -> tuple[np.ndarray, bool]:
    """Per-class training mass under the model's ``class_weight`` (and whether it weighs)."""
    weight = getattr(model, "class_weight", None)
    if weight is None:
        return counts, False
    if isinstance(weight, str):  # "balanced": n / (K * n_c) -> equal mass per present class
        return (counts > 0).astype(np.float64), True
    w = np.array([float(weight.get(c, 1.0)) for c in range(counts.size)])
    return counts * w, not np.allclose(w, w[0])


def _trained_mass(est: Any, y: np.ndarray, k: int) -> tuple[np.ndarray, list[str]] | None:
    """Single-label: the per-class mass the final model learned from and what shifted it;
    None when its probabilities are not those of a (re)weighted model (calibrated, ...)."""
    final, seen, resampled = _final_and_seen(est, y)
    if seen is None:
        return None
    counts = _counts(seen, k) if not isinstance(seen, dict) else np.zeros(k)
    if isinstance(seen, dict):
        for code, n in seen.items():
            counts[int(code)] = n
    causes = ["resampling"] if resampled else []
    if isinstance(final, ThresholdTunedClassifier) and not isinstance(seen, dict):
        inner = _trained_mass(final.estimator_, seen, k)  # its probabilities are its base's
        return None if inner is None else (inner[0], causes + inner[1])
    if isinstance(final, NativeImbalanceClassifier):
        return (counts > 0).astype(np.float64), [*causes, "the model's own imbalance weighting"]
    if isinstance(final, _BALANCED_BAGS):  # every bag under-sampled to equal class counts
        return (counts > 0).astype(np.float64), [*causes, "bags under-sampled to equal shares"]
    own = (ThresholdTunedClassifier, CostSensitiveClassifier, OneClassBoostClassifier,
           OneVsRestClassifier, BinaryRelevance)  # fmt: skip
    if isinstance(final, own) or not hasattr(final, "classes_"):
        return None  # calibrated (cost-sensitive), boosted by a novelty vote (one-class), ...
    mass, weighted = _weighted_mass(final, counts)
    return mass, causes + (["class weights"] if weighted else [])


def _shift(data_counts: np.ndarray, mass: np.ndarray, causes: list[str]) -> PriorShift | None:
    data = data_counts / data_counts.sum()
    trained = mass / mass.sum()
    if np.allclose(data, trained, rtol=0, atol=_SAME):
        return None
    return PriorShift(data, trained, " and ".join(dict.fromkeys(causes)) or "resampling")


def _one_vs_rest(est: Any, y: np.ndarray, k: int) -> PriorShift | None:
    final, seen, resampled = _final_and_seen(est, y)
    if not isinstance(final, OneVsRestClassifier) or seen is None or isinstance(seen, dict):
        return None
    seen = np.asarray(seen)
    fitted = np.asarray(final.classes_, dtype=np.intp)
    if fitted.size == 2:  # one model for class 1 against class 0
        pair = _trained_mass(final.estimators_[0], (seen == fitted[1]).astype(np.intp), 2)
        if pair is None:
            return None
        mass = np.zeros(k)
        mass[fitted] = pair[0]
        return _shift(_counts(y, k), mass, (["resampling"] if resampled else []) + pair[1])
    trained = np.full(k, np.nan)
    causes = ["resampling"] if resampled else []
    for code, model in zip(fitted, final.estimators_, strict=True):
        pair = _trained_mass(model, (seen == code).astype(np.intp), 2)
        if pair is None:
            return None
        trained[code] = pair[0][1] / pair[0].sum()
        causes += pair[1]
    data = _counts(y, k) / len(y)
    known = ~np.isnan(trained)
    if np.allclose(data[known], trained[known], rtol=0, atol=_SAME):
        return None
    trained[~known] = data[~known]
    return PriorShift(data, trained, " and ".join(dict.fromkeys(causes)), one_vs_rest=True)


def _label_shift(est: Any, Y: np.ndarray) -> PriorShift | None:
    final, seen, _ = _final_and_seen(est, Y)
    if isinstance(final, ThresholdTunedClassifier) and isinstance(seen, np.ndarray):
        return _label_shift(final.estimator_, np.asarray(seen))
    if not isinstance(final, BinaryRelevance) or seen is None or isinstance(seen, dict):
        return None
    seen = np.asarray(seen)
    data = Y.mean(axis=0).astype(np.float64)
    trained = data.copy()
    causes = ["resampling"] if seen.shape[0] != Y.shape[0] else []
    for j, model in enumerate(final.estimators_):
        pair = None if model is None else _trained_mass(model, seen[:, j], 2)
        if pair is not None:
            trained[j] = pair[0][1] / pair[0].sum()
            causes += pair[1]
    if np.allclose(data, trained, rtol=0, atol=_SAME):
        return None
    return PriorShift(data, trained, " and ".join(dict.fromkeys(causes)), multilabel=True)


def prior_shift(est: Any, y: Any, k: int | None = None) -> PriorShift | None:
    """The prior shift a FITTED strategy estimator trained under, or None where there is none.

    ``y`` is what ``est`` was fitted with: class codes 0..K-1 (``k`` classes, default
    ``max + 1``), or a 0/1 label matrix.
    """
    y = np.asarray(y)
    if y.ndim == 2:
        return _label_shift(est, y)
    k = (int(y.max()) + 1 if y.size else 0) if k is None else int(k)
    if isinstance(_final(est), OneVsRestClassifier):
        return _one_vs_rest(est, y, k)
    found = _trained_mass(est, y, k)
    return None if found is None else _shift(_counts(y, k), found[0], found[1])


def _final(est: Any) -> Any:
    while hasattr(est, "steps"):
        est = est.steps[-1][1]
    return est


def undo_shift(est: Any, X: Any, proba: np.ndarray, shift: PriorShift) -> np.ndarray:
    """``proba`` (the fitted ``est``'s (n, K) probabilities of ``X``) with ``shift`` undone."""
    if shift.multilabel:
        cols = [binary_corrected(proba[:, j], d, t) for j, (d, t) in
                enumerate(zip(shift.data, shift.trained, strict=True))]  # fmt: skip
        return np.column_stack(cols)
    if not shift.one_vs_rest:
        return prior_corrected(proba, shift.data, shift.trained)
    final = _final(est)
    Xt = est[:-1].transform(X) if hasattr(est, "steps") else X
    out = np.zeros_like(proba, dtype=np.float64)
    for code, model in zip(np.asarray(final.classes_, dtype=np.intp), final.estimators_,
                           strict=True):  # fmt: skip
        q = np.asarray(model.predict_proba(Xt), dtype=np.float64)[:, -1]
        out[:, code] = binary_corrected(q, shift.data[code], shift.trained[code])
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.asarray(proba, dtype=np.float64).copy(), where=total > 0)


# ------------------------------------------------------------------- inner-fold calibration


def calibrated_proba(
    est: Any, X: Any, y: Any, X_new: Any, *, method: str, inner_cv: int, seed: int, k: int
) -> np.ndarray:
    """(n_new, K) probabilities of ``CalibratedClassifierCV(clone(est), method, ensemble=False)``
    fitted on ``(X, y)`` with ``inner_cv`` shuffled stratified folds; multi-label: one per
    label of a binary-relevance estimator. ``est`` may be fitted (only its settings are used)."""
    y = np.asarray(y)
    folds = StratifiedKFold(inner_cv, shuffle=True, random_state=seed)
    if y.ndim == 2:
        if not isinstance(est, BinaryRelevance):
            raise StrategyError("inner calibration needs one model per label (binary relevance)")
        out = np.zeros((len(X_new), y.shape[1]))
        for j, template in enumerate(est.estimators):
            if np.unique(y[:, j]).size < 2:
                out[:, j] = float(y[0, j])
                continue
            cal = CalibratedClassifierCV(
                clone(template), method=method, cv=folds, ensemble=False
            ).fit(X, y[:, j])
            out[:, j] = cal.predict_proba(X_new)[:, list(cal.classes_).index(1)]
        return out
    cal = CalibratedClassifierCV(clone(est), method=method, cv=folds, ensemble=False).fit(X, y)
    raw = np.asarray(cal.predict_proba(X_new), dtype=np.float64)
    out = np.zeros((raw.shape[0], k))
    out[:, np.asarray(cal.classes_, dtype=np.intp)] = raw
    return out


def correct_fit(
    est: Any,
    X: Any,
    y: Any,
    X_new: Any,
    proba: np.ndarray | None,
    *,
    method: str,
    inner_cv: int,
    seed: int,
) -> tuple[np.ndarray, Correction] | None:
    """Corrected probabilities of ``X_new`` for the fitted ``est`` (fitted on ``(X, y)``),
    whose own probabilities are ``proba``, and how they were made; None where the model
    trained at the data's own shares, without probabilities, or with ``method="none"``.

    A calibration that cannot run on these rows (a class too small for the inner folds)
    falls back to the analytic correction and says why in ``Correction.note``.
    """
    if method == "none" or proba is None:
        return None
    shift = prior_shift(est, y, proba.shape[1])
    if shift is None:
        return None
    if method != "prior":
        try:
            found = calibrated_proba(
                est, X, y, X_new, method=method, inner_cv=inner_cv, seed=seed, k=proba.shape[1]
            )
            return found, Correction(method, shift, inner_cv)
        except (ValueError, StrategyError, DataError) as err:
            note = " ".join(str(err).split())
            corrected = undo_shift(est, X_new, proba, shift)
            return corrected, Correction("prior", shift, note=f"{method} calibration: {note}")
    return undo_shift(est, X_new, proba, shift), Correction("prior", shift)


# ---------------------------------------------------------------------------- in words


def _percents(shares: np.ndarray) -> str:
    return " / ".join(f"{100 * float(s):.3g} %" for s in shares)


def _equal(shares: np.ndarray) -> bool:
    return bool(np.allclose(shares, shares[0], rtol=0, atol=5e-4))


def _shift_words(shift: PriorShift, data: np.ndarray, trained: np.ndarray, of: str) -> str:
    """'the model was trained at ... (cause); the data has ...' for one kind of shift."""
    each = f"{100 * float(trained[0]):.3g} %"
    if shift.multilabel:
        at = f"{each} positives for each label"
        if not _equal(trained):
            at = f"{_percents(trained)} positives"
        return (
            f"the models were trained at {at} ({shift.cause}); the data has "
            f"{_percents(data)} positives of {of}"
        )
    if shift.one_vs_rest:
        at = each if _equal(trained) else f"{_percents(trained)} (in turn)"
        return (
            f"each one-vs-rest model was trained at {at} of its own class ({shift.cause}), "
            f"then the rows renormalised; the data has {_percents(data)} of {of}"
        )
    at = f"equal shares of {of} ({each} each; " if _equal(trained) and len(trained) > 2 else ""
    at = at or f"{_percents(trained)} of {of} ("
    return f"the model was trained at {at}{shift.cause}); the data has {_percents(data)}"


def correction_text(corrections: Sequence[Correction], names: Sequence[str]) -> str:
    """What was done, shares averaged over ``corrections`` (the folds), without the last full
    stop: "Prior shift undone: the model was trained at 50 % / 50 % of 'no' / 'yes'
    (resampling); the data has 95 % / 5 %. Method: Elkan (2001), Dal Pozzolo et al. (2015)"."""
    first = corrections[0].shift
    data = np.mean([c.shift.data for c in corrections], axis=0)
    trained = np.mean([c.shift.trained for c in corrections], axis=0)
    shares = _shift_words(first, data, trained, " / ".join(f"'{n}'" for n in names))
    methods = [c.method for c in corrections]
    calibrated = [c for c in corrections if c.method != "prior"]
    if not calibrated:
        return f"Prior shift undone: {shares}. Method: {PRIOR_REFERENCE}"
    text = (f"Calibrated ({calibrated[0].method}, scikit-learn's CalibratedClassifierCV) on the "
            f"out-of-fold predictions of {calibrated[0].inner_cv} inner folds of each training "
            f"part; {shares}")  # fmt: skip
    fallback = [c for c in corrections if c.method == "prior"]
    if fallback:
        text += (f". In {len(fallback)} of {len(methods)} folds the prior shift was undone "
                 f"instead ({fallback[0].note.rstrip('.')}); method: {PRIOR_REFERENCE}")  # fmt: skip
    return text
