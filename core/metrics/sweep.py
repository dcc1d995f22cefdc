"""The one threshold sweep: confusion counts at every distinct cut of a score, from one sort.

Every threshold view builds on :func:`cut_counts` (:mod:`core.metrics.curves`,
:mod:`core.metrics.decision_rules`, :mod:`core.metrics.plane`), each keeping its own input
checks and its own row order. A row is predicted positive when ``score >= threshold``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from core.errors import DataError


class Sweep(NamedTuple):
    """Counts at every cut, highest cut first; unpacks like a plain tuple.

    ``threshold`` is float64 of length ``m + 1`` (``m`` distinct scores): ``+inf`` (nothing
    positive), then the distinct scores descending. ``tp`` / ``fp`` (int64, same length)
    count the positives / negatives with ``score >= threshold``.
    """

    threshold: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    n_pos: int
    n_neg: int


def cut_counts(y_true_bin: ArrayLike, scores: ArrayLike) -> Sweep:
    """True/false-positive counts at every distinct cut of ``scores``, highest cut first.

    Row 0 predicts nothing positive (``+inf, 0, 0``); row ``i >= 1`` cuts at the ``i``-th
    largest distinct score, so the last row predicts every row positive. ``y_true_bin`` is
    0/1 (or boolean) of the same length as ``scores``; callers check shapes and labels. One
    ``argsort`` and one cumulative sum, no loop over thresholds. Infinite scores are fine;
    NaN raises :class:`DataError`.
    """
    y = np.asarray(y_true_bin)
    s = np.asarray(scores, dtype=np.float64)
    n = s.size
    order = np.argsort(s)[::-1]  # argsort puts NaN last, so a NaN comes first here
    s_desc = s[order]
    if n and np.isnan(s_desc[0]):
        raise DataError("Scores contain NaN. Drop or impute those rows before scoring")
    cum = np.cumsum(y[order], dtype=np.int64)  # positives among the i + 1 highest scores
    ends = np.flatnonzero(s_desc[1:] != s_desc[:-1])  # last index of each run but the final
    m = ends.size + 1 if n else 0
    threshold = np.empty(m + 1, dtype=np.float64)
    threshold[0] = np.inf
    tp = np.zeros(m + 1, dtype=np.int64)
    predicted_pos = np.zeros(m + 1, dtype=np.int64)
    if m == n:  # all scores distinct: every index ends a run, no gathers needed
        threshold[1:] = s_desc
        tp[1:] = cum
        predicted_pos[1:] = np.arange(1, n + 1)
    elif n:
        last = np.r_[ends, n - 1]
        threshold[1:] = s_desc[last]
        tp[1:] = cum[last]
        predicted_pos[1:] = last + 1
    n_pos = int(cum[-1]) if n else 0
    return Sweep(threshold, tp, predicted_pos - tp, n_pos, n - n_pos)
