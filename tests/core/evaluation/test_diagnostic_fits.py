"""Learning curve and reference models on the comparison's folds (core.evaluation.diagnostic_fits)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import make_ds
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score, f1_score

from core.errors import DataError
from core.evaluation import diagnostic_runs
from core.evaluation.comparison import CompareConfig, run_comparison
from core.evaluation.diagnostic_fits import (
    DUMMY,
    REFERENCE_MODEL,
    SHARES,
    DiagnosticFits,
    diagnostic_fits,
)
from core.evaluation.fold import FoldResult
from core.evaluation.splits import split_rows

MODEL = "logistic_regression"


def _config(**kw) -> CompareConfig:
    return CompareConfig(
        **({"strategies": ("baseline",), "model": MODEL, "cv": 3, "n_jobs": 1} | kw)
    )


def _binary_ds(**make):
    X, y = make_classification(**({"n_redundant": 0, "flip_y": 0} | make))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return make_ds("binary", n=len(y), X=frame, y=y, numeric_features=tuple(frame.columns))


def _class_bin(y: np.ndarray, j: int, multilabel: bool) -> np.ndarray:
    return (y[:, j] if multilabel else y == j).astype(int)


def _check_against_comparison(ds, config, cls, fits: DiagnosticFits) -> None:
    """The 100 % point equals the comparison's baseline, fold by fold, with sklearn."""
    comparison = run_comparison(ds, config)
    split = split_rows(ds, holdout=config.holdout, cv=config.cv, seed=config.seed)
    cv_ds, folds = split.cv_ds, split.folds
    assert len(folds) == len(comparison.folds)
    for (tr, va), (ctr, cva) in zip(folds, comparison.folds, strict=True):
        assert np.array_equal(tr, ctr) and np.array_equal(va, cva)
    base = comparison.results["baseline"]
    j = ds.classes.index(cls)
    y = _class_bin(comparison.y_true, j, ds.is_multilabel)
    want_f1 = [base.fold_class_f1[k][cls] for k in range(len(folds))]
    want_ap = [average_precision_score(y[va], base.oof_proba[va, j]) for _, va in folds]
    curve = fits.learning_curve
    assert curve.shares[-1] == 1.0
    assert curve.fold_f1[-1] == pytest.approx(want_f1, abs=1e-12)
    assert curve.fold_ap[-1] == pytest.approx(want_ap, abs=1e-12)
    assert curve.f1_mean[-1] == pytest.approx(np.mean(want_f1), abs=1e-12)
    assert curve.ap_mean[-1] == pytest.approx(np.mean(want_ap), abs=1e-12)
    assert curve.ap_std[-1] == pytest.approx(np.std(want_ap, ddof=1), abs=1e-12)
    assert curve.class_rows[-1] == pytest.approx(np.mean([y[tr].sum() for tr, _ in folds]))
    assert curve.train_rows[-1] == pytest.approx(np.mean([len(tr) for tr, _ in folds]))
    assert cv_ds.n_rows == len(comparison.y_true)


@pytest.fixture(scope="module")
def binary_run():
    ds = make_ds("binary", n=150)
    config = _config(holdout=0.2, seed=3)
    calls: list[tuple[int, int, str]] = []
    fits = diagnostic_fits(ds, config, important_class="pos", progress=lambda *a: calls.append(a))
    return ds, config, fits, calls


def test_hundred_percent_point_equals_the_comparisons_own_numbers(binary_run):
    ds, config, fits, _ = binary_run
    _check_against_comparison(ds, config, "pos", fits)


def test_curve_shape_rows_and_progress(binary_run):
    ds, config, fits, calls = binary_run
    curve = fits.learning_curve
    assert curve.class_name == "pos" and curve.strategy == "baseline"
    assert curve.shares == SHARES
    n = len(SHARES)
    for field in ("class_rows", "train_rows", "ap_mean", "ap_std", "f1_mean", "f1_std"):
        assert len(getattr(curve, field)) == n
    assert all(len(f) == config.cv for f in curve.fold_ap)
    assert list(curve.class_rows) == sorted(curve.class_rows)  # nested, growing
    assert list(curve.train_rows) == sorted(curve.train_rows)
    # class rows of a share: ceil(share x class rows of the fold), at least 5
    split = split_rows(ds, holdout=config.holdout, cv=config.cv, seed=config.seed)
    cv_ds, folds = split.cv_ds, split.folds
    y = np.asarray(cv_ds.y)
    want = np.mean([max(math.ceil(0.25 * (y[tr] == 1).sum()), 5) for tr, _ in folds])
    assert curve.class_rows[0] == pytest.approx(want)
    assert curve.notes == ()
    # progress: one call per fit, counting up to the total
    total = n * config.cv + config.cv  # curve fits + gradient-boosting reference
    assert [c[:2] for c in calls] == [(i, total) for i in range(1, total + 1)]
    assert all(isinstance(c[2], str) and c[2] for c in calls)
    assert fits.seconds > 0
    assert set(fits.to_dict()) == {"learning_curve", "references", "seconds"}


def test_dummy_reference_scores_the_class_share(binary_run):
    ds, config, fits, _ = binary_run
    dummy = fits.reference(DUMMY)
    assert dummy is not None and dummy.error is None and dummy.class_name == "pos"
    split = split_rows(ds, holdout=config.holdout, cv=config.cv, seed=config.seed)
    cv_ds, folds = split.cv_ds, split.folds
    y = (np.asarray(cv_ds.y) == 1).astype(int)
    # a constant score: AP is the class share of the rows scored, exactly per fold
    assert dummy.fold_ap == pytest.approx([y[va].mean() for _, va in folds], abs=1e-12)
    assert dummy.ap == pytest.approx(y.mean(), abs=0.01)
    # "prior" decides the majority (rest): F1 of the class is 0
    assert dummy.f1 == 0.0 and dummy.fold_f1 == (0.0,) * config.cv


def test_model_reference_is_on_the_same_folds(binary_run):
    ds, config, fits, _ = binary_run
    ref = fits.reference(REFERENCE_MODEL)
    assert ref is not None and ref.error is None
    assert [r.model for r in fits.references] == [REFERENCE_MODEL, DUMMY]
    # recompute the gradient-boosting baseline on the comparison's folds, independently
    comparison = run_comparison(ds, replace(config, model=REFERENCE_MODEL))
    base = comparison.results["baseline"]
    y = (comparison.y_true == 1).astype(int)
    pred = (base.oof_pred == 1).astype(int)
    assert ref.f1 == pytest.approx(f1_score(y, pred), abs=1e-12)
    assert ref.ap == pytest.approx(average_precision_score(y, base.oof_proba[:, 1]), abs=1e-12)
    assert ref.fold_f1 == pytest.approx(
        [f1_score(y[va], pred[va]) for _, va in comparison.folds], abs=1e-12
    )


def test_no_gradient_boosting_reference_when_the_model_is_that():
    ds = make_ds("binary", n=150)
    fits = diagnostic_fits(ds, _config(model=REFERENCE_MODEL), important_class="pos", shares=())
    assert fits.learning_curve is None
    assert [r.model for r in fits.references] == [DUMMY]


def test_curve_rises_when_more_rows_help():
    ds = _binary_ds(n_samples=300, n_features=30, n_informative=15, weights=[0.85], random_state=1)
    curve = diagnostic_fits(ds, _config(), important_class="pos", shares=(0.25, 1.0)).learning_curve
    assert curve.ap_mean[0] < curve.ap_mean[1] - 0.2
    assert all(a < b for a, b in zip(*curve.fold_ap, strict=True))  # in every fold


def test_curve_is_flat_when_saturated():
    ds = _binary_ds(
        n_samples=1200, n_features=3, n_informative=3, n_clusters_per_class=1,
        weights=[0.85], class_sep=1.0, random_state=0,
    )  # fmt: skip
    fits = diagnostic_fits(ds, _config(), important_class="pos", shares=(0.25, 0.5, 1.0))
    ap = fits.learning_curve.ap_mean
    assert max(ap) - min(ap) < 0.02
    assert 0.7 < ap[-1] < 0.95  # not trivially separable


@pytest.mark.slow
@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
def test_multiclass_and_multilabel(task):
    ds = make_ds(task, n=150)
    config = _config()
    cls = ds.classes_by_rarity()[0]
    fits = diagnostic_fits(ds, config, important_class=cls)
    assert fits.learning_curve.class_name == cls
    assert all(np.isfinite(fits.learning_curve.ap_mean))
    _check_against_comparison(ds, config, cls, fits)
    split = split_rows(ds, holdout=config.holdout, cv=config.cv, seed=config.seed)
    cv_ds, folds = split.cv_ds, split.folds
    y = _class_bin(np.asarray(cv_ds.y), ds.classes.index(cls), ds.is_multilabel)
    dummy = fits.reference(DUMMY)
    assert dummy.fold_ap == pytest.approx([y[va].mean() for _, va in folds], abs=1e-12)
    # pooled: the folds' constant scores differ a little (their training shares do)
    assert dummy.ap == pytest.approx(y.mean(), abs=0.02)
    assert np.isfinite(fits.reference(REFERENCE_MODEL).f1)


@pytest.mark.slow
def test_parallel_equals_serial():
    ds = make_ds("multiclass", n=150)
    serial = diagnostic_fits(ds, _config(), important_class="z", n_jobs=1)
    both = diagnostic_fits(ds, _config(), important_class="z", n_jobs=2)
    assert serial.learning_curve == both.learning_curve
    assert serial.references == both.references


def test_a_failed_fit_is_nan_and_said(monkeypatch):
    real = diagnostic_runs.evaluate_fold

    def fails_when_small(ds, name, model, options, seed, k, tr, va, n_jobs=1) -> FoldResult:
        if len(tr) < 60 and k == 0:
            return FoldResult(name, k, "failed", "fold 1: too few rows", np.asarray(va), len(tr))
        return real(ds, name, model, options, seed, k, tr, va, n_jobs)

    monkeypatch.setattr(diagnostic_runs, "evaluate_fold", fails_when_small)
    ds = make_ds("binary", n=150)
    curve = diagnostic_fits(ds, _config(), important_class="pos", shares=(0.25, 1.0)).learning_curve
    assert math.isnan(curve.fold_ap[0][0]) and math.isnan(curve.fold_f1[0][0])
    assert np.isfinite(curve.fold_ap[0][1:]).all() and np.isfinite(curve.ap_mean).all()
    assert curve.ap_mean[0] == pytest.approx(np.mean(curve.fold_ap[0][1:]))
    assert len(curve.notes) == 1 and "25%" in curve.notes[0] and "too few rows" in curve.notes[0]


def test_progress_that_raises_stops_the_run():
    class Stop(Exception):
        pass

    def progress(done, total, message):
        raise Stop

    with pytest.raises(Stop):
        diagnostic_fits(make_ds("binary", n=150), _config(), important_class="pos",
                        shares=(1.0,), progress=progress)  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"important_class": "nope"}, ["'nope'", "'neg'", "'pos'"]),
        ({"important_class": None}, ["important class", "'pos'"]),
        ({"important_class": "pos", "strategy": "nope"}, ["'nope'"]),
        ({"important_class": "pos", "shares": (0.0, 1.0)}, ["shares"]),
        ({"important_class": "pos", "shares": (1.5,)}, ["shares"]),
        ({"important_class": "pos", "n_jobs": 0}, ["n_jobs"]),
    ],
)
def test_bad_input_raises_a_clear_data_error(kwargs, words):
    with pytest.raises(DataError) as err:
        diagnostic_fits(make_ds("binary", n=60), _config(), **kwargs)
    for word in words:
        assert word in str(err.value)


def test_strategy_not_for_the_task_raises():
    with pytest.raises(DataError, match="does not apply to multilabel"):
        diagnostic_fits(
            make_ds("multilabel", n=60), _config(), important_class="a", strategy="cost_sensitive"
        )
