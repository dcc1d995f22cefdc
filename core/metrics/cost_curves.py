"""Decision costs of one binary problem: Drummond & Holte cost curves and expected cost
against the positive class's share in use.

A classifier's operating point (FPR, TPR) is one straight line in cost space:

    NEC(pc) = (1 - TPR) * pc + FPR * (1 - pc)

with ``pc`` the *probability cost* ``PC(+) = p(+) C_fn / (p(+) C_fn + p(-) C_fp)`` (the
class share and the two error costs folded into one number in [0, 1]) and ``NEC`` the
*normalised expected cost* (expected cost per row divided by the largest it can be at that
``pc``). The trivial classifiers are the lines ``NEC = pc`` (always negative) and
``NEC = 1 - pc`` (always positive). The lower envelope of the lines of every cut of the
scores is the least normalised expected cost the scores allow at each ``pc``; it includes
both trivial cuts (``+inf``: nothing positive; the lowest score: everything positive), so it
is never above ``min(pc, 1 - pc)``. Drummond & Holte (2006), "Cost curves: an improved method
for visualizing classifier performance", Machine Learning 65.

In cost-matrix units, the expected cost per row at a positive share ``pi`` is

    cost(pi) = pi * (1 - TPR) * C_fn + (1 - pi) * FPR * C_fp

(the rates per true class are assumed to carry over to the new shares, as in
:mod:`core.metrics.prevalence`), so the same lines give the cost against the share in use.
The cuts come from the one threshold sweep, :func:`core.metrics.sweep.cut_counts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from core.errors import DataError
from core.metrics.decision_rules import check_cost_matrix
from core.metrics.sweep import cut_counts

GRID_POINTS = 101
"""Points of the default ``pc`` and prevalence grids: 0, 0.01, ..., 1."""
_CHUNK = 4096  # operating points per block when taking the minimum over every cut


def default_grid(points: int = GRID_POINTS) -> np.ndarray:
    """``points`` evenly spaced values from 0 to 1 (both included)."""
    return np.linspace(0.0, 1.0, points)


def _grid(values: ArrayLike | None, name: str) -> np.ndarray:
    grid = default_grid() if values is None else np.asarray(values, dtype=np.float64)
    if grid.ndim != 1 or not grid.size or not np.isfinite(grid).all():
        raise DataError(f"The {name} grid must be a non-empty 1-D array of finite numbers")
    if grid.min() < 0 or grid.max() > 1:
        raise DataError(
            f"The {name} grid must lie in [0, 1]. Got values from {grid.min():g} to {grid.max():g}"
        )
    return grid


def _binary(y_true_bin: ArrayLike, name: str) -> np.ndarray:
    y = np.asarray(y_true_bin)
    if y.ndim != 1:
        raise DataError(f"{name} must be a 1-D array of 0/1. Got shape {y.shape} instead")
    if y.dtype.kind != "b" and not np.isin(y, (0, 1)).all():
        raise DataError(
            f"{name} must be 0 or 1 (1 = positive). Got values {np.unique(y)[:5].tolist()} instead"
        )
    return y.astype(np.int8)


def rates(y_true_bin: ArrayLike, y_pred_bin: ArrayLike) -> tuple[float, float]:
    """``(FPR, TPR)`` of 0/1 decisions; DataError unless both classes are present."""
    y = _binary(y_true_bin, "True labels")
    pred = _binary(y_pred_bin, "Decisions")
    if pred.shape != y.shape:
        raise DataError(
            f"Labels and decisions must have the same length. Got {y.size} and {pred.size}"
        )
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == y.size:
        raise DataError("Cost curves need rows of both the positive and the negative class")
    tpr = int(np.count_nonzero(pred[y == 1])) / n_pos
    fpr = int(np.count_nonzero(pred[y == 0])) / (y.size - n_pos)
    return fpr, tpr


def operating_points(y_true_bin: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, ...]:
    """``(fpr, tpr, threshold)`` of every cut of ``scores`` (``score >= threshold`` is
    positive), from :func:`core.metrics.sweep.cut_counts`: the first cut (``+inf``) is the
    point (0, 0), the last (the lowest score) is (1, 1)."""
    y = _binary(y_true_bin, "True labels")
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != y.shape:
        raise DataError(f"Labels and scores must have the same length. Got {y.size} and {s.size}")
    sweep = cut_counts(y, s)
    if sweep.n_pos == 0 or sweep.n_neg == 0:
        raise DataError("Cost curves need rows of both the positive and the negative class")
    return sweep.fp / sweep.n_neg, sweep.tp / sweep.n_pos, sweep.threshold


def line_cost(fpr: float, tpr: float, miss: ArrayLike, alarm: ArrayLike) -> np.ndarray:
    """``miss * (1 - tpr) + alarm * fpr``: the cost of one operating point, elementwise.

    With ``miss = pc`` and ``alarm = 1 - pc`` this is the normalised expected cost line; with
    ``miss = pi * C_fn`` and ``alarm = (1 - pi) * C_fp`` the expected cost per row."""
    return np.asarray(miss, dtype=np.float64) * (1.0 - tpr) + np.asarray(alarm) * fpr


def least_cost(
    fpr: np.ndarray, tpr: np.ndarray, miss: np.ndarray, alarm: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The least ``miss[g] * (1 - tpr[i]) + alarm[g] * fpr[i]`` over the points ``i``, for
    every grid entry ``g``, and the index of the point reaching it (the first on ties).

    Exact on the grid: every point is tried (in blocks, so memory stays small)."""
    miss, alarm = np.asarray(miss, dtype=np.float64), np.asarray(alarm, dtype=np.float64)
    best = np.full(miss.shape, np.inf)
    where = np.zeros(miss.shape, dtype=np.int64)
    for start in range(0, len(fpr), _CHUNK):
        f, t = fpr[start : start + _CHUNK], tpr[start : start + _CHUNK]
        block = miss[:, None] * (1.0 - t)[None, :] + alarm[:, None] * f[None, :]
        arg = np.argmin(block, axis=1)
        low = block[np.arange(miss.size), arg]
        better = low < best
        best[better], where[better] = low[better], arg[better] + start
    return best, where


@dataclass(frozen=True, eq=False)
class CostCurve:
    """Normalised expected cost against probability cost for one classifier.

    ``pc``: the grid. ``envelope``: the least cost over every cut of the scores (lower
    envelope), reached at ``envelope_threshold`` (``+inf``: nothing positive). ``actual``:
    the line of the classifier's own decisions, at rates ``fpr`` / ``tpr``. ``trivial``:
    ``min(pc, 1 - pc)``, the better trivial classifier."""

    pc: np.ndarray
    envelope: np.ndarray
    envelope_threshold: np.ndarray
    actual: np.ndarray
    fpr: float
    tpr: float
    trivial: np.ndarray


def cost_curve(
    y_true_bin: ArrayLike, scores: ArrayLike, y_pred_bin: ArrayLike, pc: ArrayLike | None = None
) -> CostCurve:
    """The cost curves of scores (their lower envelope) and of the decisions actually made.

    ``y_true_bin`` 0/1 (1 = the positive class), ``scores`` higher for the positive class,
    ``y_pred_bin`` the 0/1 decisions made; ``pc`` defaults to :func:`default_grid`."""
    grid = _grid(pc, "probability cost")
    fprs, tprs, thresholds = operating_points(y_true_bin, scores)
    envelope, where = least_cost(fprs, tprs, grid, 1.0 - grid)
    fpr, tpr = rates(y_true_bin, y_pred_bin)
    return CostCurve(
        pc=grid,
        envelope=envelope,
        envelope_threshold=thresholds[where],
        actual=line_cost(fpr, tpr, grid, 1.0 - grid),
        fpr=fpr,
        tpr=tpr,
        trivial=np.minimum(grid, 1.0 - grid),
    )


def probability_cost(prevalence: ArrayLike, cost_fn: float, cost_fp: float) -> np.ndarray:
    """``PC(+) = pi C_fn / (pi C_fn + (1 - pi) C_fp)`` for positive shares ``pi`` (0.5 where
    both terms are 0)."""
    pi = np.asarray(prevalence, dtype=np.float64)
    num, den = pi * cost_fn, pi * cost_fn + (1.0 - pi) * cost_fp
    out = np.full(np.shape(den), 0.5)
    np.divide(num, den, out=out, where=den > 0)
    return out


@dataclass(frozen=True, eq=False)
class ExpectedCost:
    """Expected cost per row (cost-matrix units) against the positive class's share in use.

    ``prevalence``: the grid. ``actual``: at the decisions actually made; ``best``: at the
    cut of the scores that is cheapest at each share; ``always_negative`` = ``pi * C_fn``,
    ``always_positive`` = ``(1 - pi) * C_fp``. ``at_evaluation``: (actual, best) at the
    evaluation share ``evaluation_prevalence``."""

    prevalence: np.ndarray
    actual: np.ndarray
    best: np.ndarray
    always_negative: np.ndarray
    always_positive: np.ndarray
    cost_fn: float
    cost_fp: float
    evaluation_prevalence: float
    at_evaluation: tuple[float, float]


def _check_costs(cost_fn: float, cost_fp: float) -> tuple[float, float]:
    costs = np.array([cost_fn, cost_fp], dtype=np.float64)
    if not np.isfinite(costs).all() or (costs < 0).any():
        raise DataError(
            "The costs of a miss and of a false alarm must be finite and >= 0. "
            f"Got {costs.tolist()} instead"
        )
    return float(costs[0]), float(costs[1])


def expected_cost_curve(
    y_true_bin: ArrayLike,
    scores: ArrayLike,
    y_pred_bin: ArrayLike,
    cost_fn: float,
    cost_fp: float,
    prevalence: ArrayLike | None = None,
) -> ExpectedCost:
    """Expected cost per row against the positive share in use, for the decisions made and
    for the best cut of ``scores`` at each share; ``prevalence`` defaults to
    :func:`default_grid`. ``cost_fn``: the cost of missing a positive row, ``cost_fp``: of
    calling a negative row positive (both over the cost of the right decision)."""
    c_fn, c_fp = _check_costs(cost_fn, cost_fp)
    grid = _grid(prevalence, "prevalence")
    y = _binary(y_true_bin, "True labels")
    fprs, tprs, _ = operating_points(y, scores)
    fpr, tpr = rates(y, y_pred_bin)
    pi = float(y.mean())
    miss, alarm = np.r_[grid, pi] * c_fn, (1.0 - np.r_[grid, pi]) * c_fp
    best, _ = least_cost(fprs, tprs, miss, alarm)
    actual = line_cost(fpr, tpr, miss, alarm)
    return ExpectedCost(
        prevalence=grid,
        actual=actual[:-1],
        best=best[:-1],
        always_negative=miss[:-1],
        always_positive=alarm[:-1],
        cost_fn=c_fn,
        cost_fp=c_fp,
        evaluation_prevalence=pi,
        at_evaluation=(float(actual[-1]), float(best[-1])),
    )


def one_vs_rest_costs(
    cost_matrix: ArrayLike, positive: int, class_weights: Sequence[float] | None = None
) -> tuple[float, float]:
    """``(C_fn, C_fp)`` of class ``positive`` against the rest, from a K x K cost matrix
    (rows = true class, columns = predicted), each over the cost of the right decision.

    ``C_fn = sum_j w_j (C[pos, j] - C[pos, pos])``: a missed positive row is predicted as
    another class ``j``; ``C_fp = sum_j w_j (C[j, pos] - C[j, j])``: a row of class ``j``
    called positive. ``w_j`` are ``class_weights`` over the other classes, normalised (their
    shares of the rows; equal when None). Two classes: exactly the off-diagonal costs minus
    the diagonal. Costs between two other classes do not enter a one-vs-rest view. Negative
    differences count as 0."""
    cost = check_cost_matrix(cost_matrix)
    k = cost.shape[0]
    if isinstance(positive, bool) or not 0 <= int(positive) < k:
        raise DataError(f"The positive class must be a code from 0 to {k - 1}. Got {positive!r}")
    rest = np.array([j for j in range(k) if j != positive])
    w = np.ones(rest.size) if class_weights is None else np.asarray(class_weights, float)[rest]
    if w.size != rest.size or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise DataError("class_weights must give a share >= 0 for every class, some positive")
    w = w / w.sum()
    miss = np.maximum(cost[positive, rest] - cost[positive, positive], 0.0)
    alarm = np.maximum(cost[rest, positive] - cost[rest, rest], 0.0)
    return float(w @ miss), float(w @ alarm)
