"""The rows to label next: uncertainty sampling on a strategy's out-of-fold probabilities,
rarest classes first (by default on the recommended strategy).

Values are raw; write them with :func:`core.exports.tables.csv_bytes`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.analysis.recommendation import recommendation_of
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.exports.outputs import label_sets
from core.intake.dataset import Dataset

LABEL_NEXT_ROWS = 200  # rows in the label-next table by default
DOUBT_MARGIN = 0.5  # a row is "in doubt" when its margin is at most this (or it is mispredicted)


def uncertainty_margin(proba: np.ndarray) -> np.ndarray:
    """How sure each prediction is, 0 (a coin flip) to 1 (certain).

    ``proba`` (n, K) single-label class probabilities: top-1 minus top-2 probability.
    Multi-label, pass one label's probabilities (n,): ``|2p - 1|``, the distance from 0.5
    doubled.
    """
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        return np.abs(2.0 * p - 1.0)
    if p.ndim != 2 or p.shape[1] < 2:
        raise DataError(f"Probabilities must have shape (n, K >= 2). Got {p.shape} instead")
    top2 = -np.partition(-p, 1, axis=1)[:, :2]
    return top2[:, 0] - top2[:, 1]


def _rarity(comparison: Comparison) -> np.ndarray:
    """Rank of each class code by :meth:`Comparison.class_rarity`, 0 = rarest."""
    position = {c: i for i, c in enumerate(comparison.class_rarity())}
    return np.array([position[c] for c in comparison.classes], dtype=np.int64)


def _positions(comparison: Comparison, dataset: Dataset) -> np.ndarray:
    """Positions in ``dataset`` of the comparison's cross-validation rows."""
    data = comparison.dataset
    same = (
        dataset.content_hash == data.content_hash
        and tuple(dataset.target) == tuple(data.target)
        and tuple(dataset.classes) == tuple(data.classes)
    )
    pos = pd.Index(np.asarray(dataset.row_ids)).get_indexer(np.asarray(comparison.row_ids))
    if not same or (pos < 0).any():
        raise DataError(
            f"The dataset '{dataset.name}' is not the one this comparison ran on "
            f"('{data.name}', target {', '.join(data.target)})",
            "Load the same file and target on the Data page, or rerun the comparison",
        )
    return pos


def label_next(
    comparison: Comparison,
    dataset: Dataset,
    *,
    strategy: str | None = None,
    n: int = LABEL_NEXT_ROWS,
) -> pd.DataFrame:
    """The ``n`` rows the model is least sure about, rarest classes first (uncertainty sampling).

    Reads ``strategy``'s (default: the recommended one) out-of-fold probabilities, so each
    row is judged by a model that never saw it; hold-out rows are left alone. A row is *in
    doubt* when its ``margin`` (see :func:`uncertainty_margin`) is at most
    :data:`DOUBT_MARGIN` or the prediction is wrong. Its ``focus_class`` is the rarer of its
    true and predicted class (multi-label: its rarest label in doubt, else its least sure
    label). Rows in doubt come first, then by focus class from the rarest, then least sure.

    Columns: ``rank, strategy, row`` (0-based data row of the file), ``focus_class,
    in_doubt, margin, y_true, y_pred``, ``proba_<class>`` per class, then the features.
    Values are raw: write with :func:`csv_bytes`.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"The number of rows to label must be a whole number >= 1. Got {n!r}")
    name = strategy or recommendation_of(comparison).strategy
    if name is None:  # nothing recommended (no skill): the baseline's, else the first that ran
        ran = [k for k, r in comparison.results.items() if r.ok]
        name = "baseline" if "baseline" in ran else next(iter(ran), None)
    if name is None:
        raise DataError("No strategy ran successfully, so no model can rank rows to label")
    result = comparison.results.get(name)
    if result is None or not result.ok:
        raise DataError(
            f"Strategy {name!r} has no results to rank rows by",
            "Pick one of: " + ", ".join(k for k, r in comparison.results.items() if r.ok),
        )
    if result.oof_proba is None:
        raise DataError(
            f"{name} gives no probabilities, so how sure it is cannot be ranked",
            "Pick a strategy with probabilities, e.g. baseline or class_weight",
        )
    pos = _positions(comparison, dataset)
    classes = comparison.classes
    proba = np.asarray(result.oof_proba, dtype=np.float64)
    y, pred = np.asarray(comparison.y_true), np.asarray(result.oof_pred)
    rank = _rarity(comparison)
    if comparison.task == "multilabel":
        margins = uncertainty_margin(proba.ravel()).reshape(proba.shape)
        doubt = (margins <= DOUBT_MARGIN) | (y != pred)
        # the rarest label in doubt, else the least sure label
        key = np.where(doubt, rank[None, :], len(classes) + np.argsort(np.argsort(margins, 1), 1))
        focus = np.argmin(key, axis=1)
        margin = margins[np.arange(len(focus)), focus]
        in_doubt = doubt.any(axis=1)
        sep = comparison.dataset.label_sep or "|"
        y_true, y_pred = label_sets(y, classes, sep), label_sets(pred, classes, sep)
    else:
        margin = uncertainty_margin(proba)
        in_doubt = (margin <= DOUBT_MARGIN) | (y != pred)
        focus = np.where(rank[y] <= rank[pred], y, pred)
        names = np.asarray(classes, dtype=object)
        y_true, y_pred = names[y], names[pred]
    row = np.asarray(comparison.row_ids, dtype=np.int64)
    order = np.lexsort((row, margin, rank[focus], ~in_doubt))[: int(n)]
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "strategy": name,
            "row": row[order],
            "focus_class": np.asarray(classes, dtype=object)[focus[order]],
            "in_doubt": in_doubt[order],
            "margin": margin[order],
            "y_true": np.asarray(y_true, dtype=object)[order],
            "y_pred": np.asarray(y_pred, dtype=object)[order],
        }
    )
    for j, c in enumerate(classes):
        frame[f"proba_{c}"] = proba[order, j]
    features = dataset.X.iloc[pos[order]].reset_index(drop=True)
    taken = set(frame.columns)
    features.columns = [f"{c} (feature)" if c in taken else c for c in features.columns]
    return pd.concat([frame, features], axis=1)
