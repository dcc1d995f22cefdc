"""core.metrics.calibration: Brier score and its Murphy decomposition on a hand example
(reliability - resolution + uncertainty is the binned Brier score exactly), ECE by hand,
Brier and log loss against scikit-learn, per-class shapes of the three task kinds."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss

from core.errors import DataError
from core.metrics.calibration import (
    TABLE_COLUMNS,
    binning_text,
    brier_decomposition,
    calibration_table,
    log_loss_of,
)

TOL = 1e-12

# Ten forecasts in four of the ten equal-width bins (none on an inner edge; 1.0 is in the
# last bin, which is closed on the right):
#   bin [0, 0.1]:   0.05, 0.02        -> outcomes 0, 0     pbar 0.035          obar 0
#   bin (0.1, 0.2]: 0.15, 0.15, 0.12  -> outcomes 0, 1, 0  pbar 0.14           obar 1/3
#   bin (0.8, 0.9]: 0.85, 0.85, 0.89  -> outcomes 1, 1, 0  pbar 0.863333...    obar 2/3
#   bin (0.9, 1]:   1.0, 0.95         -> outcomes 1, 1     pbar 0.975          obar 1
P = np.array([0.05, 0.02, 0.15, 0.15, 0.12, 0.85, 0.85, 0.89, 1.0, 0.95])
Y = np.array([0, 0, 0, 1, 0, 1, 1, 0, 1, 1])
N_K = np.array([2, 3, 3, 2])
PBAR = np.array([0.035, 0.14, 2.59 / 3, 0.975])
OBAR_K = np.array([0.0, 1 / 3, 2 / 3, 1.0])
P_BINNED = np.repeat(PBAR, N_K)  # each forecast replaced by its bin's mean (rows are in bin order)


def test_the_decomposition_on_a_hand_example():
    d = brier_decomposition(Y, P)
    obar = 0.5  # 5 of 10 rows are positive
    reliability = float(np.sum(N_K / 10 * (PBAR - OBAR_K) ** 2))
    resolution = float(np.sum(N_K / 10 * (OBAR_K - obar) ** 2))
    assert d.reliability == pytest.approx(reliability, abs=TOL)
    assert d.resolution == pytest.approx(resolution, abs=TOL)
    assert resolution == pytest.approx((2 * 0.25 + 3 * (1 / 6) ** 2 * 2 + 2 * 0.25) / 10)
    assert d.uncertainty == pytest.approx(0.25, abs=TOL)
    # the binned Brier score, computed independently by scikit-learn on the binned forecasts
    binned = brier_score_loss(Y, P_BINNED)
    assert d.binned_brier == pytest.approx(binned, abs=TOL)
    assert d.reliability - d.resolution + d.uncertainty == pytest.approx(binned, abs=TOL)
    # the raw Brier score = binned + within-bin part
    assert d.brier == pytest.approx(brier_score_loss(Y, P), abs=TOL)
    assert d.within_bin == pytest.approx(brier_score_loss(Y, P) - binned, abs=TOL)
    assert d.within_bin != 0  # the forecasts do vary inside their bins
    assert (d.n, d.n_bins) == (10, 10)


def test_ece_on_a_hand_example():
    # |0.035 - 0| * 2 + |0.14 - 1/3| * 3 + |0.8633 - 0.6667| * 3 + |0.975 - 1| * 2, over 10
    hand = (0.07 + (1 - 0.42) + (2.59 - 2) + 0.05) / 10
    assert brier_decomposition(Y, P).ece == pytest.approx(hand, abs=TOL)


def test_perfect_and_constant_forecasts():
    # a forecast equal to each bin's observed share: no miscalibration
    y = np.array([0, 0, 0, 1] * 5 + [1, 1, 1, 0] * 5)
    p = np.array([0.25] * 20 + [0.75] * 20)
    d = brier_decomposition(y, p)
    assert d.reliability == pytest.approx(0.0, abs=TOL) and d.ece == pytest.approx(0.0, abs=TOL)
    assert d.within_bin == pytest.approx(0.0, abs=TOL)  # one value per bin
    # always the overall share: no resolution, Brier = uncertainty
    flat = brier_decomposition(y, np.full(40, 0.5))
    assert flat.resolution == pytest.approx(0.0, abs=TOL)
    assert flat.brier == pytest.approx(flat.uncertainty, abs=TOL)


@pytest.mark.parametrize("n_bins", [5, 10, 15])
def test_identity_and_sklearn_parity_on_random_forecasts(n_bins):
    rng = np.random.default_rng(3)
    p = rng.random(400)
    y = (rng.random(400) < p**2).astype(int)
    d = brier_decomposition(y, p, n_bins=n_bins)
    assert d.brier == pytest.approx(brier_score_loss(y, p), abs=TOL)
    # binning by hand: bin k holds (k/n, (k+1)/n] (no forecast lies on an edge here)
    ids = np.clip(np.ceil(p * n_bins).astype(int) - 1, 0, n_bins - 1)
    means = np.bincount(ids, weights=p, minlength=n_bins) / np.maximum(
        np.bincount(ids, minlength=n_bins), 1
    )
    binned = brier_score_loss(y, means[ids])
    assert d.binned_brier == pytest.approx(binned, abs=TOL)
    assert d.reliability - d.resolution + d.uncertainty == pytest.approx(binned, abs=TOL)
    assert d.brier == pytest.approx(d.binned_brier + d.within_bin, abs=TOL)


def test_no_rows_gives_nan_and_bad_probabilities_are_refused():
    empty = brier_decomposition(np.array([], dtype=int), np.array([]))
    assert np.isnan(empty.brier) and np.isnan(empty.reliability) and empty.n == 0
    with pytest.raises(DataError, match="between 0 and 1"):
        brier_decomposition([0, 1], [0.2, 1.3])
    assert binning_text() == (
        "10 equal-width bins of the predicted probability (0–0.1, …, 0.9–1; a value on an "
        "inner edge goes to the lower bin)"
    )
    assert "ece_bins" not in binning_text() and "=" not in binning_text()
    assert binning_text(4) == (
        "4 equal-width bins of the predicted probability (0–0.25, …, 0.75–1; a value on an "
        "inner edge goes to the lower bin)"
    )
    assert binning_text(2) == (
        "2 equal-width bins of the predicted probability (0–0.5, 0.5–1; a value on an "
        "inner edge goes to the lower bin)"
    )


def _data(task: str, n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    k = 2 if task == "binary" else 3
    if task == "multilabel":
        y = rng.integers(0, 2, size=(n, k))
        proba = rng.random((n, k))
    else:
        y = rng.integers(0, k, n)
        proba = rng.dirichlet(np.ones(k), n)
    return y, proba, [f"c{j}" for j in range(k)]


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_per_class_table_shape_and_sklearn_brier(task):
    y, proba, classes = _data(task)
    table = calibration_table(y, proba, classes, task)
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(table["class"]) == classes
    for j, cls in enumerate(classes):
        yb = y[:, j] if task == "multilabel" else (y == j).astype(int)
        row = table.set_index("class").loc[cls]
        assert row["brier"] == pytest.approx(brier_score_loss(yb, proba[:, j]), abs=TOL)
        d = brier_decomposition(yb, proba[:, j])
        assert row["reliability"] == pytest.approx(d.reliability, abs=TOL)
        assert row["uncertainty"] == pytest.approx(yb.mean() * (1 - yb.mean()), abs=TOL)


def test_binary_rows_mirror_each_other():
    y, proba, classes = _data("binary")
    table = calibration_table(y, proba, classes, "binary").set_index("class")
    for col in TABLE_COLUMNS[1:]:
        assert table.at["c0", col] == pytest.approx(table.at["c1", col], abs=1e-9), col


def test_log_loss_matches_sklearn():
    y, proba, classes = _data("binary")
    assert log_loss_of(y, proba, classes, "binary") == pytest.approx(log_loss(y, proba), abs=TOL)
    y, proba, classes = _data("multiclass")
    assert log_loss_of(y, proba, classes, "multiclass") == pytest.approx(
        log_loss(y, proba, labels=[0, 1, 2]), abs=TOL
    )
    y, proba, classes = _data("multilabel")
    per_label = [log_loss(y[:, j], proba[:, j], labels=[0, 1]) for j in range(3)]
    assert log_loss_of(y, proba, classes, "multilabel") == pytest.approx(
        np.mean(per_label), abs=TOL
    )


def test_log_loss_clips_a_certain_mistake_as_sklearn_does():
    y = np.array([0, 1, 1])
    proba = np.array([[1.0, 0.0], [1.0, 0.0], [0.3, 0.7]])  # row 2: probability 0 for the truth
    got = log_loss_of(y, proba, ["a", "b"], "binary")
    assert np.isfinite(got) and got == pytest.approx(log_loss(y, proba), abs=TOL)
