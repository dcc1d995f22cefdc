"""Decision rules without refitting: thresholds, per-class offsets, per-label thresholds and
expected-cost decisions, the objectives they are tuned for, and the exact searches (one sort,
cumulative counts) that tune them. :mod:`core.modelling.wrappers` wraps them in estimators.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from core.errors import DataError, StrategyError
from core.metrics.sweep import cut_counts

#: What a tuned decision rule can maximise (the contract of ``--threshold-objective``).
OBJECTIVES: tuple[str, ...] = ("f1", "fbeta", "balanced_accuracy", "mcc")
#: How each objective is named on screen.
OBJECTIVE_TITLES: dict[str, str] = {
    "f1": "F1",
    "fbeta": "F-beta",
    "balanced_accuracy": "Balanced accuracy",
    "mcc": "Matthews correlation (MCC)",
}
CALIBRATION_METHODS: tuple[str, ...] = ("sigmoid", "isotonic", "temperature")
NEVER_THRESHOLD: float = float(np.nextafter(1.0, 2.0))  # above any probability: never predict
N_SWEEPS = 3  # coordinate-ascent sweeps over the classes for multiclass offsets
_EDGE_MARGIN = 1.0  # offset step beyond the extreme breakpoints (log-probability units)
_TIE_TOL = 1e-12
_LOG_FLOOR = np.finfo(float).tiny


# ----------------------------------------------------------------------------- validation


def check_objective(objective: str, beta: float) -> str:
    """``objective`` normalised (stripped, lower case); :class:`DataError` unless it is one of
    :data:`OBJECTIVES`, or if ``beta`` is not a positive number for ``fbeta``."""
    name = str(objective).strip().lower()
    if name not in OBJECTIVES:
        raise DataError(
            f"Unknown threshold objective. Expected one of {', '.join(OBJECTIVES)}. "
            f"Got {objective!r} instead"
        )
    if name == "fbeta" and not (np.isfinite(beta) and beta > 0):
        raise DataError(f"beta for the 'fbeta' objective must be a positive number. Got {beta!r}")
    return name


def check_cv(cv: int) -> int:
    """``cv`` as an int; :class:`DataError` unless it is a whole number of at least 2."""
    if isinstance(cv, bool) or not isinstance(cv, int | np.integer) or cv < 2:
        raise DataError(f"Inner folds (cv) must be an integer of at least 2. Got {cv!r} instead")
    return int(cv)


def check_min_count(counts: np.ndarray, labels: np.ndarray, n_splits: int, what: str) -> None:
    """Stratified inner folds need every class ``n_splits`` times in the training data.

    ``counts[i]`` rows of class ``labels[i]``; raises :class:`StrategyError` naming the
    rarest class and ``what`` needs them otherwise.
    """
    if counts.min() < n_splits:
        worst = int(np.argmin(counts))
        raise StrategyError(
            f"{what} needs at least {n_splits} training rows of every class for its inner "
            f"{n_splits}-fold split, but class {labels[worst].tolist()!r} has {int(counts[worst])}",
            hint="Use fewer inner folds (cv) or a strategy without inner tuning",
        )


def check_cost_matrix(cost_matrix: ArrayLike, n_classes: int | None = None) -> np.ndarray:
    """Return ``cost_matrix`` as a float (K, K) array (rows = true, columns = predicted).

    Raises DataError unless it is square, K >= 2 (and K == ``n_classes`` when given),
    finite and non-negative with at least one positive entry. A non-zero diagonal is
    allowed (a cost for a correct decision), but then only cost differences within a row
    matter for the decision.
    """
    try:
        cost = np.array(cost_matrix, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            "The cost matrix must hold numbers only. Got a value that is not a number"
        ) from None
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1] or cost.shape[0] < 2:
        raise DataError(
            f"The cost matrix must be square (K x K, K >= 2). Got shape {cost.shape} instead"
        )
    if n_classes is not None and cost.shape[0] != n_classes:
        raise DataError(
            f"The cost matrix must be {n_classes} x {n_classes}, one row and column per class. "
            f"Got {cost.shape[0]} x {cost.shape[1]} instead"
        )
    if not np.isfinite(cost).all():
        raise DataError("The cost matrix must hold finite numbers. Got NaN or infinity")
    if (cost < 0).any():
        raise DataError("The cost matrix must not hold negative costs. Got a negative entry")
    if not (cost > 0).any():
        raise DataError("The cost matrix is all zeros, so every decision costs nothing")
    return cost


def _check_proba(proba: ArrayLike, name: str = "proba") -> np.ndarray:
    arr = np.asarray(proba, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise DataError(f"{name} must be a 2-D array (rows, classes). Got shape {arr.shape}")
    return arr


def _check_binary_inputs(y_true_bin: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, ...]:
    y = np.asarray(y_true_bin)
    s = np.asarray(scores, dtype=float)
    if y.ndim != 1 or s.shape != y.shape or y.size == 0:
        raise DataError(
            f"y_true_bin and scores must be 1-D of the same non-zero length. "
            f"Got shapes {y.shape} and {s.shape}"
        )
    if not np.isin(y, (0, 1)).all():
        raise DataError("y_true_bin must hold only 0/1 (or False/True)")
    if not np.isfinite(s).all():
        raise DataError("scores must be finite. Got NaN or infinity")
    return y.astype(bool), s


# ----------------------------------------------------------------------------- objectives


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.zeros(num.shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _binary_scores(
    tp: np.ndarray, fp: np.ndarray, n_pos: int, n_neg: int, objective: str, beta: float
) -> np.ndarray:
    """Objective of class 1 at each cut, from true/false-positive counts (zero_division=0)."""
    tp, fp = np.asarray(tp, float), np.asarray(fp, float)
    fn, tn = n_pos - tp, n_neg - fp
    if objective in ("f1", "fbeta"):
        b2 = 1.0 if objective == "f1" else float(beta) ** 2
        return _safe_div((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
    if objective == "balanced_accuracy":  # mean recall over the classes present
        rates = [r for r, n in ((tp / max(n_pos, 1), n_pos), (tn / max(n_neg, 1), n_neg)) if n]
        return np.mean(rates, axis=0)
    return _safe_div(tp * tn - fp * fn, np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))


def _multiclass_scores(
    tp: np.ndarray, pred: np.ndarray, true: np.ndarray, objective: str, beta: float
) -> np.ndarray:
    """Objective from per-class true positives and predicted counts, shape (..., K).

    ``f1``/``fbeta`` give the macro F-beta over all K classes (zero_division=0),
    ``balanced_accuracy`` the mean recall over classes present in ``true``, and ``mcc``
    the multiclass Matthews coefficient (Gorodkin), as scikit-learn computes them.
    """
    tp, pred, true = (np.asarray(a, float) for a in (tp, pred, true))
    if objective in ("f1", "fbeta"):
        b2 = 1.0 if objective == "f1" else float(beta) ** 2
        return _safe_div((1 + b2) * tp, b2 * true + pred).mean(axis=-1)
    if objective == "balanced_accuracy":
        present = true > 0
        return (tp[..., present] / true[present]).mean(axis=-1)
    n = true.sum()
    cov_tp = tp.sum(axis=-1) * n - pred @ true
    cov_pp = n**2 - (pred**2).sum(axis=-1)
    cov_tt = n**2 - (true**2).sum()
    return _safe_div(cov_tp, np.sqrt(cov_pp * cov_tt))


def _score_codes(y: np.ndarray, pred: np.ndarray, k: int, objective: str, beta: float) -> float:
    true = np.bincount(y, minlength=k)
    tp = np.bincount(y[y == pred], minlength=k)
    return float(_multiclass_scores(tp, np.bincount(pred, minlength=k), true, objective, beta))


# ----------------------------------------------------------------------------- pure helpers


def objective_by_cut(
    y_true_bin: ArrayLike, scores: ArrayLike, objective: str = "f1", beta: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Objective at every distinct cut of ``scores``, from ONE sort.

    Returns ``(thresholds, values)``, highest threshold first: predicting ``scores >=
    thresholds[i]`` scores ``values[i]``. Each threshold lies midway between the lowest
    score kept positive and the next lower score; the last cut keeps every row positive
    (threshold: the lowest score). Counts from :func:`core.metrics.sweep.cut_counts`.
    """
    objective = check_objective(objective, beta)
    y, s = _check_binary_inputs(y_true_bin, scores)
    sweep = cut_counts(y, s)
    cuts, tp, fp = sweep.threshold[1:], sweep.tp[1:], sweep.fp[1:]  # drop "nothing positive"
    values = _binary_scores(tp, fp, sweep.n_pos, sweep.n_neg, objective, beta)
    return np.r_[(cuts[:-1] + cuts[1:]) / 2, cuts[-1:]], values


def best_threshold(
    y_true_bin: ArrayLike, scores: ArrayLike, objective: str, beta: float = 1.0
) -> tuple[float, float]:
    """Best cut on ``scores`` for ``objective``: ``(threshold, objective value)``.

    One sort (see :func:`objective_by_cut`); ties go to the highest cut. Needs at least one
    positive in ``y_true_bin``.
    """
    thresholds, values = objective_by_cut(y_true_bin, scores, objective, beta)
    if not np.any(y_true_bin):
        raise DataError("best_threshold needs at least one positive in y_true_bin. Got none")
    i = int(np.argmax(values >= values.max() - _TIE_TOL))
    return float(thresholds[i]), float(values[i])


def apply_threshold(proba_pos: ArrayLike, threshold: float) -> np.ndarray:
    """Binary codes: 1 where P(class 1) >= ``threshold``. Accepts (n,) or (n, 2) input."""
    p = np.asarray(proba_pos, dtype=float)
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    if p.ndim != 1:
        raise DataError(f"proba_pos must be 1-D (or (n, 2)). Got shape {p.shape} instead")
    return (p >= threshold).astype(np.int64)


def _log_proba(proba: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(proba, _LOG_FLOOR))


def apply_offsets(proba: ArrayLike, offsets: ArrayLike) -> np.ndarray:
    """Multiclass codes: ``argmax_k(log p_k + offsets_k)`` (zero offsets = plain argmax)."""
    p = _check_proba(proba)
    b = np.asarray(offsets, dtype=float)
    if b.shape != (p.shape[1],):
        raise DataError(f"offsets must have one entry per class ({p.shape[1]}). Got {b.shape}")
    return np.argmax(_log_proba(p) + b, axis=1)


def apply_label_thresholds(proba: ArrayLike, thresholds: ArrayLike) -> np.ndarray:
    """Multi-label 0/1 matrix: label k on where ``proba[:, k] >= thresholds[k]``."""
    p = _check_proba(proba)
    t = np.asarray(thresholds, dtype=float)
    if t.shape != (p.shape[1],):
        raise DataError(f"thresholds must have one entry per label ({p.shape[1]}). Got {t.shape}")
    return (p >= t).astype(np.int64)


def cost_decision(proba: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Codes minimising expected cost for checked ``proba`` (n, K) and ``cost`` (K, K).

    No input checks: :func:`expected_cost_decision` is the checked entry point.
    """
    return np.argmin(proba @ cost, axis=1)


def expected_cost_decision(proba: ArrayLike, cost_matrix: ArrayLike) -> np.ndarray:
    """Codes minimising expected cost: ``argmin_j sum_i p_i C[i, j]`` (rows of C = true).

    Ties go to the lowest code.
    """
    p = _check_proba(proba)
    return cost_decision(p, check_cost_matrix(cost_matrix, n_classes=p.shape[1]))


def default_cost_matrix(class_counts: Sequence[int]) -> np.ndarray:
    """Cost matrix where missing true class i costs ``n_max / n_i``; zero diagonal.

    Rare-class errors cost more; with these costs the expected-cost decision is
    ``argmax_j p_j * n_max / n_j``, i.e. probabilities re-weighted by inverse prior.
    """
    counts = np.asarray(class_counts, dtype=float)
    if counts.ndim != 1 or counts.size < 2 or not np.isfinite(counts).all() or counts.min() <= 0:
        raise DataError(
            "class_counts must give a positive row count for each of at least 2 classes. "
            f"Got {list(np.atleast_1d(class_counts))!r} instead"
        )
    cost = np.repeat((counts.max() / counts)[:, None], counts.size, axis=1)
    np.fill_diagonal(cost, 0.0)
    return cost


# ----------------------------------------------------------------------------- tuning


def _offset_line_search(
    y: np.ndarray, logp: np.ndarray, offsets: np.ndarray, k: int, objective: str, beta: float
) -> tuple[float, float]:
    """Exact best ``offsets[k]`` with the others fixed: ``(offset, objective)``.

    Row i switches to class k once ``b_k > c_i = max_{j != k}(log p_ij + b_j) - log p_ik``;
    sorting the breakpoints ``c`` once gives every reachable confusion by cumulative sums.
    Candidates sit midway between distinct breakpoints; ties go to the smallest |offset|.
    """
    n, n_classes = logp.shape
    z = logp + offsets
    z[:, k] = -np.inf
    other = np.argmax(z, axis=1)
    c = z[np.arange(n), other] - logp[:, k]
    order = np.argsort(c, kind="mergesort")
    c_s, o, t = c[order], other[order], y[order]
    rows = np.arange(n)
    d_pred = np.zeros((n, n_classes))
    d_tp = np.zeros((n, n_classes))
    d_pred[rows, o] -= 1
    d_pred[rows, k] += 1
    d_tp[rows, o] -= t == o
    d_tp[rows, k] += t == k
    base_pred = np.bincount(other, minlength=n_classes)
    base_tp = np.bincount(other[other == y], minlength=n_classes)
    last = np.r_[np.flatnonzero(c_s[1:] != c_s[:-1]), n - 1]
    n_flipped = np.r_[0, last + 1]  # valid configurations: whole groups of equal breakpoints
    cum_pred = base_pred + np.vstack([np.zeros(n_classes), np.cumsum(d_pred, axis=0)])
    cum_tp = base_tp + np.vstack([np.zeros(n_classes), np.cumsum(d_tp, axis=0)])
    true = np.bincount(y, minlength=n_classes)
    values = _multiclass_scores(cum_tp[n_flipped], cum_pred[n_flipped], true, objective, beta)
    nxt = np.minimum(last + 1, n - 1)
    mids = np.where(last + 1 < n, (c_s[last] + c_s[nxt]) / 2, c_s[-1] + _EDGE_MARGIN)
    candidates = np.r_[c_s[0] - _EDGE_MARGIN, mids]
    good = np.flatnonzero(values >= values.max() - _TIE_TOL)
    i = good[np.argmin(np.abs(candidates[good]))]
    return float(candidates[i]), float(values[i])


def tune_offsets(
    y: np.ndarray, proba: np.ndarray, objective: str, beta: float = 1.0
) -> tuple[np.ndarray, float]:
    """Per-class log-probability offsets by coordinate ascent: ``(offsets, objective)``.

    ``b_0 = 0``; each sweep visits classes 1..K-1 in order and sets ``b_k`` by an exact
    line search (:func:`_offset_line_search`); a move is kept only if the objective
    recomputed from the actual decisions rises, so the result never scores below plain
    argmax. At most ``N_SWEEPS`` sweeps, stopping early when a sweep changes nothing.
    Deterministic: no randomness is involved.
    """
    objective = check_objective(objective, beta)
    logp = _log_proba(_check_proba(proba))
    y = np.asarray(y, dtype=np.int64)
    n_classes = logp.shape[1]
    offsets = np.zeros(n_classes)
    best = _score_codes(y, np.argmax(logp, axis=1), n_classes, objective, beta)
    for _ in range(N_SWEEPS):
        changed = False
        for k in range(1, n_classes):
            value, score = _offset_line_search(y, logp, offsets, k, objective, beta)
            if score <= best + _TIE_TOL:
                continue
            trial = offsets.copy()
            trial[k] = value
            actual = _score_codes(y, np.argmax(logp + trial, axis=1), n_classes, objective, beta)
            if actual > best + _TIE_TOL:
                offsets, best, changed = trial, actual, True
        if not changed:
            break
    return offsets, best
