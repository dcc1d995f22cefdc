"""core.metrics.sweep: the one threshold sweep, by hand, against scikit-learn, and against the
three sweeps it replaced (kept below verbatim as references: the curves, decision-rules and
plane views built on it must stay bit-identical to them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_curve

from core.errors import DataError
from core.metrics import curves, decision_rules, plane
from core.metrics.sweep import Sweep, cut_counts

# --------------------------------------------------------------------------- by hand


def _as_lists(sweep: Sweep) -> tuple[list[float], list[int], list[int], int, int]:
    return sweep.threshold.tolist(), sweep.tp.tolist(), sweep.fp.tolist(), sweep.n_pos, sweep.n_neg


def test_hand_checked_example() -> None:
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.2])
    # descending: 0.8 (neg), 0.4 (pos), 0.35 (pos), 0.2 (pos), 0.1 (neg)
    assert _as_lists(cut_counts(y, s)) == (
        [np.inf, 0.8, 0.4, 0.35, 0.2, 0.1],
        [0, 0, 1, 2, 3, 3],
        [0, 1, 1, 1, 1, 2],
        3,
        2,
    )


def test_dtypes_and_unpacking() -> None:
    sweep = cut_counts(np.array([True, False]), [0.3, 0.7])
    threshold, tp, fp, n_pos, n_neg = sweep
    assert threshold.dtype == np.float64 and tp.dtype == fp.dtype == np.int64
    assert type(n_pos) is int and type(n_neg) is int
    assert (n_pos, n_neg) == (1, 1)
    assert threshold.shape == tp.shape == fp.shape == (3,)


def test_ties_form_one_cut() -> None:
    y = [1, 0, 1, 0, 1, 0]
    s = [0.5, 0.5, 0.9, 0.2, 0.2, 0.2]
    assert _as_lists(cut_counts(y, s)) == (
        [np.inf, 0.9, 0.5, 0.2],
        [0, 1, 2, 3],
        [0, 0, 1, 3],
        3,
        3,
    )


def test_all_equal_scores_give_two_rows() -> None:
    assert _as_lists(cut_counts([1, 0, 0], [0.4, 0.4, 0.4])) == (
        [np.inf, 0.4],
        [0, 1],
        [0, 2],
        1,
        2,
    )


def test_empty_input_is_the_nothing_positive_row() -> None:
    assert _as_lists(cut_counts(np.array([], dtype=int), np.array([]))) == (
        [np.inf],
        [0],
        [0],
        0,
        0,
    )


def test_no_positives() -> None:
    assert _as_lists(cut_counts([0, 0, 0], [0.2, 0.2, 0.9])) == (
        [np.inf, 0.9, 0.2],
        [0, 0, 0],
        [0, 1, 3],
        0,
        3,
    )


def test_infinite_scores_are_cuts() -> None:
    threshold, tp, fp, _, _ = cut_counts([1, 0, 1], [np.inf, 0.5, -np.inf])
    assert threshold.tolist() == [np.inf, np.inf, 0.5, -np.inf]
    assert tp.tolist() == [0, 1, 1, 2] and fp.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("scores", [[0.1, np.nan], [np.nan], [np.nan, np.nan, 0.3]])
def test_nan_is_refused(scores: list[float]) -> None:
    with pytest.raises(DataError, match="Scores contain NaN. Drop or impute those rows"):
        cut_counts(np.zeros(len(scores), dtype=int), scores)


@pytest.mark.parametrize("decimals", [None, 2, 1])
def test_counts_equal_sklearn_roc_curve(decimals: int | None) -> None:
    rng = np.random.default_rng(7)
    y = (rng.random(500) < 0.2).astype(int)
    s = rng.random(500) + 0.3 * y
    if decimals is not None:
        s = np.round(s, decimals)
    fpr, tpr, thresholds = roc_curve(y, s, drop_intermediate=False)
    sweep = cut_counts(y, s)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    assert (sweep.n_pos, sweep.n_neg) == (n_pos, n_neg)
    np.testing.assert_array_equal(sweep.threshold, thresholds)
    np.testing.assert_array_equal(sweep.tp, np.round(tpr * n_pos).astype(np.int64))
    np.testing.assert_array_equal(sweep.fp, np.round(fpr * n_neg).astype(np.int64))


def test_counts_equal_brute_force() -> None:
    rng = np.random.default_rng(11)
    y = rng.random(80) < 0.4
    s = np.round(rng.random(80), 1)
    sweep = cut_counts(y, s)
    for t, tp, fp in zip(sweep.threshold, sweep.tp, sweep.fp, strict=True):
        assert tp == np.sum((s >= t) & y) and fp == np.sum((s >= t) & ~y)


# --------------------------------------------------------------------------- the three sweeps
# it replaced, verbatim but for names (each with its own input checks and messages)


def _legacy_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(num.shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _legacy_share(num: np.ndarray, total: int) -> np.ndarray:
    return num / total if total else np.zeros(num.shape, dtype=np.float64)


def _legacy_binary_inputs(y_true_bin, scores):
    y = np.asarray(y_true_bin)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise DataError(
            "Binary labels and scores must be 1-D arrays of the same length. "
            f"Got shapes {y.shape} and {s.shape} instead"
        )
    if y.dtype.kind in "iu":
        bad = bool(y.size) and (y.min() < 0 or y.max() > 1)
    elif y.dtype.kind == "b":
        bad = False
    else:
        bad = not np.isin(y, (0, 1)).all()
        if not bad:
            y = y.astype(np.int8)
    if bad:
        raise DataError(
            "Binary labels must be 0 or 1 (1 = positive). "
            f"Got values {np.unique(y)[:5].tolist()} instead"
        )
    return y, s


def legacy_threshold_curve(y_true_bin, scores) -> pd.DataFrame:
    """core.metrics.curves.threshold_curve before the sweep (ascending, +inf last)."""
    y, s = _legacy_binary_inputs(y_true_bin, scores)
    n = s.size
    order = np.argsort(s)
    s_sorted = s[order]
    if n and np.isnan(s_sorted[-1]):
        raise DataError("Scores contain NaN. Drop or impute those rows before scoring")
    y_sorted = y[order]
    pos_from = np.cumsum(y_sorted[::-1], dtype=np.int64)[::-1]
    n_pos = int(pos_from[0]) if n else 0
    starts = np.flatnonzero(s_sorted[1:] != s_sorted[:-1])
    starts += 1
    m = starts.size + 2 if n else 1
    thresholds = np.full(m, np.inf)
    tp = np.zeros(m, dtype=np.int64)
    predicted_pos = np.zeros(m, dtype=np.int64)
    if m == n + 1:
        thresholds[:-1] = s_sorted
        tp[:-1] = pos_from
        np.subtract(n, np.arange(n), out=predicted_pos[:-1])
    elif n:
        starts = np.concatenate((np.zeros(1, dtype=starts.dtype), starts))
        thresholds[:-1] = s_sorted[starts]
        tp[:-1] = pos_from[starts]
        np.subtract(n, starts, out=predicted_pos[:-1])
    fp = predicted_pos - tp
    tn = (n - n_pos) - fp
    precision = np.zeros(m, dtype=np.float64)
    np.divide(tp[:-1], predicted_pos[:-1], out=precision[:-1])
    f1 = _legacy_ratio(tp, predicted_pos + n_pos)
    f1 *= 2.0
    arrays = {
        "threshold": thresholds,
        "tp": tp,
        "fp": fp,
        "fn": n_pos - tp,
        "tn": tn,
        "precision": precision,
        "recall": _legacy_share(tp, n_pos),
        "f1": f1,
        "accuracy": _legacy_share(tp + tn, n),
        "specificity": _legacy_share(tn, n - n_pos),
    }
    return pd.DataFrame(arrays, columns=curves.THRESHOLD_COLUMNS)


def _legacy_check_objective(objective: str, beta: float) -> str:
    name = str(objective).strip().lower()
    if name not in ("f1", "fbeta", "balanced_accuracy", "mcc"):
        raise DataError(
            "Unknown threshold objective. Expected one of f1, fbeta, balanced_accuracy, mcc. "
            f"Got {objective!r} instead"
        )
    if name == "fbeta" and not (np.isfinite(beta) and beta > 0):
        raise DataError(f"beta for the 'fbeta' objective must be a positive number. Got {beta!r}")
    return name


def _legacy_check_binary_inputs(y_true_bin, scores):
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


def _legacy_safe_div(num, den):
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.zeros(num.shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _legacy_binary_scores(tp, fp, n_pos, n_neg, objective, beta):
    tp, fp = np.asarray(tp, float), np.asarray(fp, float)
    fn, tn = n_pos - tp, n_neg - fp
    if objective in ("f1", "fbeta"):
        b2 = 1.0 if objective == "f1" else float(beta) ** 2
        return _legacy_safe_div((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
    if objective == "balanced_accuracy":
        rates = [r for r, n in ((tp / max(n_pos, 1), n_pos), (tn / max(n_neg, 1), n_neg)) if n]
        return np.mean(rates, axis=0)
    return _legacy_safe_div(
        tp * tn - fp * fn, np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    )


def legacy_objective_by_cut(y_true_bin, scores, objective="f1", beta=1.0):
    """core.metrics.decision_rules.threshold_curve before the sweep (descending, midpoints)."""
    objective = _legacy_check_objective(objective, beta)
    y, s = _legacy_check_binary_inputs(y_true_bin, scores)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    last = np.r_[np.flatnonzero(s_sorted[1:] != s_sorted[:-1]), s.size - 1]
    tp = np.cumsum(y_sorted)[last]
    fp = last + 1 - tp
    n_pos = int(y.sum())
    values = _legacy_binary_scores(tp, fp, n_pos, y.size - n_pos, objective, beta)
    nxt = np.minimum(last + 1, s.size - 1)
    thresholds = np.where(last + 1 < s.size, (s_sorted[last] + s_sorted[nxt]) / 2, s_sorted[last])
    return thresholds, values


def _legacy_float_array(values, name):
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric. Got {str(values)[:80]!r} instead") from None
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} must be finite numbers; found NaN or infinity", "Drop those rows")
    return arr


def _legacy_plane_div(num, den, zero_division=0.0):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), float(zero_division))


def _legacy_check_binary_scores(y_true_bin, scores):
    y = np.asarray(y_true_bin)
    s = _legacy_float_array(scores, "Scores")
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise DataError(
            f"y_true_bin and scores must be 1-D of equal length. Got shapes {y.shape} and "
            f"{s.shape} instead"
        )
    if not np.isin(y, [0, 1]).all():
        raise DataError(
            "y_true_bin must hold only 0 and 1. Got values "
            f"{pd.unique(y.ravel())[:5].tolist()!r} instead"
        )
    y = y.astype(np.int64)
    if y.sum() in (0, y.size):
        raise DataError(
            "y_true_bin needs both classes (some 0 and some 1)",
            "A threshold sweep needs positives and negatives",
        )
    return y, s


def legacy_threshold_points(y_true_bin, scores) -> pd.DataFrame:
    """core.metrics.plane.threshold_points before the sweep (descending, +inf first)."""
    y, s = _legacy_check_binary_scores(y_true_bin, scores)
    order = np.argsort(s, kind="stable")[::-1]
    s_sorted, y_sorted = s[order], y[order]
    last = np.r_[np.flatnonzero(s_sorted[1:] != s_sorted[:-1]), s.size - 1]
    tp = np.r_[0, np.cumsum(y_sorted)[last]]
    fp = np.r_[0, last + 1] - tp
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    fn, tn = n_pos - tp, n_neg - fp
    recall_pos, recall_neg = tp / n_pos, tn / n_neg
    return pd.DataFrame(
        {
            "threshold": np.r_[np.inf, s_sorted[last]],
            "accuracy": (tp + tn) / y.size,
            "f1": 2 * tp / (2 * tp + fp + fn),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "recall_pos": recall_pos,
            "recall_neg": recall_neg,
            "balanced_accuracy": (recall_pos + recall_neg) / 2,
            "precision": _legacy_plane_div(tp, tp + fp),
        }
    )


# --------------------------------------------------------------------------- parity


def _parity_cases() -> list[tuple[object, object]]:
    """The 156 inputs the sweep was verified on: sizes x score kinds x label encodings, plus
    the error cases."""
    rng = np.random.default_rng(0)
    cases: list[tuple[object, object]] = []
    for n in [0, 1, 2, 5, 50, 1000]:
        for kind in ["distinct", "ties", "equal", "inf", "int"]:
            y = rng.random(n) < 0.3
            s = rng.random(n)
            if kind == "ties":
                s = np.round(s, 1)
            if kind == "equal":
                s = np.full(n, 0.5)
            if kind == "inf" and n:
                s[0] = np.inf
                s[-1] = -np.inf
            if kind == "int":
                s = rng.integers(0, 4, n)
            for labels in [y, y.astype(np.int8), y.astype(np.int64), y.astype(float)]:
                cases.append((labels, s))
            cases.append((1 - y.astype(int), s))
    cases += [
        ([0, 1], [0.1, np.nan]),
        ([0, 1, 2], [0.1, 0.2, 0.3]),
        ([0, 1], [0.1, 0.2, 0.3]),
        ([1, 1], [0.1, 0.2]),
        ([0, 0, 0], [0.2, 0.2, 0.9]),
        ([0, 1], [0.1, np.inf]),
        ([1, 0, 1, 0, 1, 0], [0.0, -0.0, 0.0, -0.0, 0.5, 0.5]),  # signed zeros tie
    ]
    return cases


PARITY_CASES = _parity_cases()


def _both(old, new, *args):
    """Both results, or both error messages (which must then be equal)."""
    results, errors = [], []
    for f in (old, new):
        try:
            results.append(f(*args))
            errors.append(None)
        except DataError as e:
            results.append(None)
            errors.append(str(e))
    assert errors[0] == errors[1], errors
    return results


def test_parity_case_count() -> None:
    assert len(PARITY_CASES) == 157  # the colleague's 156 plus signed zeros


@pytest.mark.parametrize("case", range(len(PARITY_CASES)))
def test_views_are_bit_identical_to_the_sweeps_they_replaced(case: int) -> None:
    y, s = PARITY_CASES[case]
    old, new = _both(legacy_threshold_curve, curves.threshold_curve, y, s)
    if old is not None:
        pd.testing.assert_frame_equal(old, new, check_exact=True)
        assert all(old[c].dtype == new[c].dtype for c in old)
        np.testing.assert_array_equal(np.signbit(old["threshold"]), np.signbit(new["threshold"]))
    old, new = _both(legacy_threshold_points, plane.threshold_points, y, s)
    if old is not None:
        pd.testing.assert_frame_equal(old, new, check_exact=True)
    for objective in decision_rules.OBJECTIVES:
        old, new = _both(
            legacy_objective_by_cut, decision_rules.objective_by_cut, y, s, objective, 2.0
        )
        if old is not None:
            assert np.array_equal(old[0], new[0]) and old[0].dtype == new[0].dtype, objective
            assert np.array_equal(old[1], new[1], equal_nan=True), objective
            assert old[1].dtype == new[1].dtype, objective
