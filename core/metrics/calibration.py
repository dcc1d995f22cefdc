"""How honest probabilities are: Brier score and its Murphy decomposition, expected
calibration error (ECE) and log loss, one-vs-rest per class or per label.

Pure functions on numpy arrays, with the conventions of :mod:`core.metrics.scores`
(single-label ``y_true`` holds integer codes, multi-label ``y_true`` a 0/1 matrix, ``proba``
is ``(n, K)`` in ``classes`` order). The bins are those of the reliability diagram,
:func:`core.metrics.curves.calibration_bins` (one binning for the chart and the numbers).

Murphy (1973) on a stated binning: with ``n_k`` rows in bin ``k``, mean forecast ``pbar_k``,
observed share ``obar_k`` and overall share ``obar``::

    reliability = sum_k n_k/N (pbar_k - obar_k)^2        (miscalibration: lower is better)
    resolution  = sum_k n_k/N (obar_k - obar)^2          (separation: higher is better)
    uncertainty = obar (1 - obar)                        (of the data, not the model)

Replacing each forecast by its bin's mean gives the *binned* Brier score, and
``reliability - resolution + uncertainty`` equals it exactly. The Brier score of the raw
forecasts differs from it by the *within-bin* part (the spread of the forecasts inside each
bin and its covariance with the outcome), reported beside it so the sum is visible.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

from core.metrics.curves import calibration_bins, one_vs_rest
from core.metrics.inputs import check_task

N_BINS = 10
"""Equal-width bins on [0, 1] of the decomposition and the ECE (the reliability diagram's)."""
CALIBRATION_COLUMNS = ("brier", "reliability", "resolution", "uncertainty", "ece")
"""The per-class numbers of :func:`calibration_table` (results.json ``calibration.per_class``)."""
TABLE_COLUMNS = ("class", *CALIBRATION_COLUMNS, "binned_brier", "within_bin")


def binning_text(n_bins: int = N_BINS) -> str:
    """The binning in words, as stated beside every number computed on it: e.g. "10
    equal-width bins of the predicted probability (0–0.1, …, 0.9–1; a value on an inner
    edge goes to the lower bin)"."""
    width = 1.0 / n_bins
    first, last = f"0–{width:.3g}", f"{1 - width:.3g}–1"
    if n_bins == 1:
        edges = "0–1"
    elif n_bins == 2:
        edges = f"{first}, {last}"
    else:
        edges = f"{first}, …, {last}"
    inner = "; a value on an inner edge goes to the lower bin" if n_bins > 1 else ""
    noun = "bin" if n_bins == 1 else "equal-width bins"
    return f"{n_bins} {noun} of the predicted probability ({edges}{inner})"


@dataclass(frozen=True)
class BrierDecomposition:
    """Brier score of one binary problem and its Murphy decomposition on ``n_bins`` bins.

    ``reliability - resolution + uncertainty == binned_brier`` (up to float rounding) and
    ``brier == binned_brier + within_bin``.
    """

    brier: float  # mean (p - y)^2 of the forecasts as given
    reliability: float
    resolution: float
    uncertainty: float
    ece: float  # sum_k n_k/N |pbar_k - obar_k|, same bins
    binned_brier: float  # mean (pbar_bin(p) - y)^2: forecasts replaced by their bin's mean
    within_bin: float  # brier - binned_brier
    n: int
    n_bins: int

    def as_row(self) -> dict[str, float]:
        """The numbers of :data:`TABLE_COLUMNS` (without ``class``)."""
        return {c: getattr(self, c) for c in TABLE_COLUMNS[1:]}


def brier_decomposition(
    y_true_bin: np.ndarray, proba: np.ndarray, n_bins: int = N_BINS
) -> BrierDecomposition:
    """Brier score, Murphy decomposition and ECE of 0/1 outcomes ``y_true_bin`` forecast
    by probabilities ``proba`` in [0, 1], on :func:`calibration_bins`' equal-width bins.

    Every number is NaN when there are no rows.
    """
    bins = calibration_bins(y_true_bin, proba, n_bins=n_bins, strategy="uniform")
    y = np.asarray(y_true_bin, dtype=np.float64)
    p = np.asarray(proba, dtype=np.float64)
    n = int(y.size)
    if n == 0:
        nan = float("nan")
        return BrierDecomposition(nan, nan, nan, nan, nan, nan, nan, 0, n_bins)
    weight = bins["count"].to_numpy(dtype=np.float64) / n
    pbar = bins["mean_predicted"].to_numpy()
    obar_k = bins["fraction_positive"].to_numpy()
    obar = float(y.mean())
    # the binned Brier score from its definition, summed bin by bin in closed form:
    # mean over a bin of (pbar - y)^2 with y in {0, 1} is pbar^2 - 2 pbar obar_k + obar_k
    binned = float(np.sum(weight * (pbar**2 - 2.0 * pbar * obar_k + obar_k)))
    brier = float(np.mean((p - y) ** 2))
    return BrierDecomposition(
        brier=brier,
        reliability=float(np.sum(weight * (pbar - obar_k) ** 2)),
        resolution=float(np.sum(weight * (obar_k - obar) ** 2)),
        uncertainty=obar * (1.0 - obar),
        ece=float(np.sum(weight * np.abs(pbar - obar_k))),
        binned_brier=binned,
        within_bin=brier - binned,
        n=n,
        n_bins=n_bins,
    )


def calibration_table(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: Sequence[str],
    task: str,
    n_bins: int = N_BINS,
) -> pd.DataFrame:
    """:func:`brier_decomposition` one-vs-rest per class (binary: both classes, which
    mirror each other) or per label; columns :data:`TABLE_COLUMNS`, rows in ``classes``
    order."""
    rows = [
        {"class": name, **brier_decomposition(yb, s, n_bins).as_row()}
        for name, yb, s in one_vs_rest(y_true, proba, classes, task)
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def brier_score_loss_per_class(
    y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str
) -> dict[str, float]:
    """One-vs-rest Brier loss ``mean((proba - is_class) ** 2)`` per class or label: the
    ``brier`` column of :func:`calibration_table`.

    Equals :func:`sklearn.metrics.brier_score_loss` on each 0/1 column; defined even when
    a class is absent.
    """
    table = calibration_table(y_true, proba, classes, task)
    return dict(zip(table["class"], table["brier"].astype(float), strict=True))


def log_loss_of(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str], task: str) -> float:
    """Log loss (natural log) by :func:`sklearn.metrics.log_loss`, which clips probabilities
    to [eps, 1 - eps]: binary, of the positive class's probability; multiclass, the K-class
    log loss of the ``(n, K)`` probabilities as given; multi-label, the mean over labels of
    each label's binary log loss. NaN when there are no rows."""
    check_task(task)
    y = np.asarray(y_true)
    p = np.asarray(proba, dtype=np.float64)
    if y.shape[0] == 0:
        return float("nan")
    if task == "binary":
        return float(log_loss(y, p[:, 1], labels=[0, 1]))
    if task == "multilabel":
        return float(
            np.mean([log_loss(y[:, j], p[:, j], labels=[0, 1]) for j in range(len(classes))])
        )
    with warnings.catch_warnings():  # rows summing to 1 only up to float noise: scored as given
        warnings.filterwarnings("ignore", "The y_prob values do not sum to one", UserWarning)
        return float(log_loss(y, p, labels=list(range(len(classes)))))
