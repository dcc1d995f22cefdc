"""core.modelling.correction: the prior shift of resampling / class weights undone, or the
probabilities calibrated on inner folds; decisions and scores never change."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from core.cli import main
from core.errors import DataError
from core.evaluation.crossval import evaluate_strategy
from core.modelling.correction import (
    Correction,
    PriorShift,
    binary_corrected,
    correct_fit,
    correction_text,
    prior_corrected,
    prior_shift,
    undersampling_correction,
)
from core.modelling.options import PROBABILITY_CORRECTIONS, StrategyOptions
from core.modelling.strategies import get_strategy
from core.runs.store import RunStore, data_dir

TOL = 1e-12


def _logistic_data(n: int, intercept: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose true P(1 | x) is logistic in x: the well-specified case."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logit = intercept + X @ np.array([1.0, -0.8, 0.5])
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.intp)


def _fitted(strategy: str, ds, **options):
    opts = StrategyOptions(**options).validated(ds)
    est = get_strategy(strategy).build(ds, model="logistic_regression", seed=0, options=opts)
    return est.fit(ds.X, ds.y)


# ----------------------------------------------------------------------------- the formulas


def test_dal_pozzolo_formula_equals_the_general_form():
    p_s = np.linspace(0.0, 1.0, 21)
    n_neg, n_pos, beta = 950, 50, 0.2  # keep a fifth of the negatives, every positive
    data = np.array([n_neg, n_pos]) / (n_neg + n_pos)
    trained = np.array([beta * n_neg, n_pos]) / (beta * n_neg + n_pos)
    general = prior_corrected(np.column_stack([1 - p_s, p_s]), data, trained)
    np.testing.assert_allclose(general[:, 1], undersampling_correction(p_s, beta), atol=TOL)
    np.testing.assert_allclose(binary_corrected(p_s, data[1], trained[1]), general[:, 1], atol=TOL)
    # by hand: p_s = 0.5 at beta = 0.2 -> 0.1 / (0.1 - 0.5 + 1) = 1/6
    assert undersampling_correction(np.array([0.5]), 0.2)[0] == pytest.approx(1 / 6)


def test_no_shift_is_the_identity_and_rows_sum_to_one():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(3), size=50)
    shares = np.array([0.7, 0.2, 0.1])
    np.testing.assert_allclose(prior_corrected(proba, shares, shares), proba, atol=TOL)
    out = prior_corrected(proba, shares, np.full(3, 1 / 3))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=TOL)
    # odds of class c against class 0 scale by (shares_c / shares_0) / (1/3 / 1/3)
    np.testing.assert_allclose(
        out[:, 2] / out[:, 0], proba[:, 2] / proba[:, 0] * (0.1 / 0.7), rtol=1e-9
    )


def test_under_sampling_mean_probability_returns_to_the_true_share():
    X, y = _logistic_data(40_000, intercept=-4.6)  # about 2.4 % positives
    train, test = slice(0, 20_000), slice(20_000, None)
    est = ImbPipeline(
        [("sample", RandomUnderSampler(random_state=0)), ("model", LogisticRegression())]
    ).fit(X[train], y[train])
    proba = est.predict_proba(X[test])
    corrected, how = correct_fit(
        est, X[train], y[train], X[test], proba, method="prior", inner_cv=3, seed=0
    )
    true_share = y[test].mean()
    assert 0.02 < true_share < 0.03
    np.testing.assert_allclose(how.shift.trained, [0.5, 0.5])  # under-sampled to 1:1
    assert proba[:, 1].mean() > 10 * true_share  # the model's own: far off
    assert corrected[:, 1].mean() == pytest.approx(true_share, rel=0.05)


# ------------------------------------------------------------------ shifts of fitted strategies


def test_baseline_and_threshold_tuning_get_no_correction(datasets):
    ds = datasets["binary"]
    for name in ("baseline", "threshold_tuning", "cost_sensitive"):
        est = _fitted(name, ds)
        assert prior_shift(est, ds.y) is None
        proba = est.predict_proba(ds.X)
        assert correct_fit(est, ds.X, ds.y, ds.X, proba, method="prior", inner_cv=3, seed=0) is None


def test_class_weights_act_like_resampling(datasets):
    ds = datasets["binary"]
    counts = np.bincount(ds.y)
    shift = prior_shift(_fitted("class_weight", ds, class_weights={"yes": 4.0}), ds.y)
    mass = counts * np.array([1.0, 4.0])  # a weight of 4 = four copies of each "yes" row
    np.testing.assert_allclose(shift.data, counts / counts.sum(), atol=TOL)
    np.testing.assert_allclose(shift.trained, mass / mass.sum(), atol=TOL)
    assert shift.cause == "class weights"
    balanced = prior_shift(_fitted("class_weight", ds), ds.y)  # "balanced": equal mass
    np.testing.assert_allclose(balanced.trained, [0.5, 0.5], atol=TOL)


def test_multiclass_and_multilabel_shapes(datasets):
    ds = datasets["multiclass"]
    est = _fitted("random_under", ds)
    proba = est.predict_proba(ds.X)
    out, how = correct_fit(est, ds.X, ds.y, ds.X, proba, method="prior", inner_cv=3, seed=0)
    assert out.shape == proba.shape
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(how.shift.trained, np.full(3, 1 / 3), atol=TOL)
    assert how.shift.data.argmin() == np.bincount(ds.y).argmin()

    ml = datasets["multilabel"]
    est = _fitted("random_over", ml)  # binary relevance: one over-sampler per label
    proba = est.predict_proba(ml.X)
    out, how = correct_fit(est, ml.X, ml.y, ml.X, proba, method="prior", inner_cv=3, seed=0)
    assert out.shape == proba.shape and how.shift.multilabel
    np.testing.assert_allclose(how.shift.data, ml.y.mean(axis=0), atol=TOL)
    np.testing.assert_allclose(how.shift.trained, 0.5, atol=TOL)
    for j in range(ml.y.shape[1]):
        np.testing.assert_allclose(
            out[:, j], binary_corrected(proba[:, j], ml.y[:, j].mean(), 0.5), atol=TOL
        )
    assert ((out >= 0) & (out <= 1)).all()


def test_correction_words_say_what_was_done(datasets):
    ds = datasets["binary"]
    est = _fitted("random_under", ds)
    _, how = correct_fit(
        est, ds.X, ds.y, ds.X, est.predict_proba(ds.X), method="prior", inner_cv=3, seed=0
    )
    share = 100 * np.bincount(ds.y)[1] / len(ds.y)
    assert correction_text([how], ds.classes) == (
        "Prior shift undone: the model was trained at 50 % / 50 % of 'no' / 'yes' "
        f"(resampling); the data has {100 - share:.3g} % / {share:.3g} %. Method: Elkan (2001), "
        "Dal Pozzolo et al. (2015)"
    )
    uneven = Correction("prior", PriorShift(np.array([0.9, 0.1]), np.array([0.6, 0.4]), "x"))
    assert correction_text([uneven], ("a", "b")) == (
        "Prior shift undone: the model was trained at 60 % / 40 % of 'a' / 'b' (x); the data "
        "has 90 % / 10 %. Method: Elkan (2001), Dal Pozzolo et al. (2015)"
    )
    uneven_labels = PriorShift(np.array([0.02, 0.1]), np.array([0.3, 0.4]), "resampling", True)
    assert correction_text([Correction("prior", uneven_labels)], ("p", "q")) == (
        "Prior shift undone: the models were trained at 30 % / 40 % positives (resampling); the "
        "data has 2 % / 10 % positives of 'p' / 'q'. Method: Elkan (2001), Dal Pozzolo et al. "
        "(2015)"
    )
    ovr = PriorShift(np.array([0.7, 0.2, 0.1]), np.full(3, 0.5), "class weights", one_vs_rest=True)
    assert correction_text([Correction("prior", ovr)], "abc") == (
        "Prior shift undone: each one-vs-rest model was trained at 50 % of its own class (class "
        "weights), then the rows renormalised; the data has 70 % / 20 % / 10 % of 'a' / 'b' / "
        "'c'. Method: Elkan (2001), Dal Pozzolo et al. (2015)"
    )
    four = PriorShift(np.array([0.7, 0.1, 0.1, 0.1]), np.full(4, 0.25), "class weights")
    assert correction_text([Correction("prior", four)], "abcd") == (
        "Prior shift undone: the model was trained at equal shares of 'a' / 'b' / 'c' / 'd' "
        "(25 % each; class weights); the data has 70 % / 10 % / 10 % / 10 %. Method: Elkan "
        "(2001), Dal Pozzolo et al. (2015)"
    )
    labels = PriorShift(np.array([0.02, 0.1]), np.array([0.5, 0.5]), "resampling", True)
    sigmoid = Correction("sigmoid", labels, inner_cv=3)
    fallback = Correction("prior", labels, note="sigmoid calibration: too few rows.")
    assert correction_text([sigmoid, fallback], ("p", "q")) == (
        "Calibrated (sigmoid, scikit-learn's CalibratedClassifierCV) on the out-of-fold "
        "predictions of 3 inner folds of each training part; the models were trained at 50 % "
        "positives for each label (resampling); the data has 2 % / 10 % positives of 'p' / "
        "'q'. In 1 of 2 folds the prior shift was undone instead (sigmoid calibration: too few "
        "rows); method: Elkan (2001), Dal Pozzolo et al. (2015)"
    )
    for text in (correction_text([how], ds.classes), correction_text([sigmoid], "pq")):
        assert "data's" not in text and "))" not in text and "=" not in text
        assert not text.endswith(".")  # pages and the report add the full stop


# ------------------------------------------------------------------ through the evaluation


def test_comparisons_carry_the_correction_beside_the_own_probabilities(comparisons):
    binary = comparisons["binary"].results
    assert binary["baseline"].corrected_proba is None and binary["baseline"].correction is None
    assert binary["threshold_tuning"].corrected_proba is None
    for name in ("class_weight", "random_over"):
        result = binary[name]
        assert result.corrected_proba.shape == result.oof_proba.shape
        assert not np.allclose(result.corrected_proba, result.oof_proba)
        assert result.correction.startswith("Prior shift undone: the model was trained at 50 %")
    ml = comparisons["multilabel"].results["ml_ros"]
    assert ml.corrected_proba.shape == ml.oof_proba.shape
    assert ml.correction.startswith("Prior shift undone: the models were trained at")


def test_sigmoid_calibration_keeps_the_decisions(datasets):
    ds = datasets["binary"]
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(ds.X, ds.y))
    runs = {
        method: evaluate_strategy(
            ds,
            "random_under",
            model="logistic_regression",
            options=StrategyOptions(probability_correction=method),
            folds=folds,
        )
        for method in ("none", "sigmoid")
    }
    none, sigmoid = runs["none"], runs["sigmoid"]
    np.testing.assert_array_equal(sigmoid.oof_pred, none.oof_pred)
    np.testing.assert_array_equal(sigmoid.oof_proba, none.oof_proba)
    assert sigmoid.summary == none.summary
    assert none.corrected_proba is None and none.correction is None
    assert sigmoid.corrected_proba.shape == sigmoid.oof_proba.shape
    assert sigmoid.correction.startswith(
        "Calibrated (sigmoid, scikit-learn's CalibratedClassifierCV) on the out-of-fold "
        "predictions of 3 inner folds of each training part; the model was trained at 50 % / "
        "50 % of 'no' / 'yes' (resampling); the data has "
    )
    # calibrated at the data's shares: the mean probability of "yes" is near its share
    assert sigmoid.corrected_proba[:, 1].mean() == pytest.approx(ds.y.mean(), abs=0.03)
    assert none.oof_proba[:, 1].mean() > ds.y.mean() + 0.1


def test_saved_runs_keep_the_correction(comparisons):
    store = RunStore(data_dir())
    original = comparisons["binary"]
    back = store.load(store.save(original)).comparison
    for name, result in original.results.items():
        again = back.results[name]
        assert again.correction == result.correction
        if result.corrected_proba is None:
            assert again.corrected_proba is None
        else:
            np.testing.assert_array_equal(again.corrected_proba, result.corrected_proba)


# ------------------------------------------------------------------------- the option


def test_the_option_is_validated(datasets):
    ds = datasets["binary"]
    assert StrategyOptions().validated(ds).probability_correction == "prior"
    for method in PROBABILITY_CORRECTIONS:
        assert StrategyOptions(probability_correction=method).validated(ds)
    with pytest.raises(DataError, match=r"Unknown probability correction 'sigmoidd'") as err:
        StrategyOptions(probability_correction="sigmoidd").validated(ds)
    assert "Did you mean 'sigmoid'?" in str(err.value)


def test_the_cli_flag_reaches_the_config(tmp_path, datasets):
    ds = datasets["binary"]
    frame = ds.X.copy()
    frame["y"] = np.asarray(ds.classes)[ds.y]
    (tmp_path / "d.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
    argv = ["analyze", str(tmp_path / "d.csv"), "--target", "y", "--strategies",
            "baseline,random_under", "--cv", "3", "--n-jobs", "1", "--out", str(tmp_path / "o"),
            "--no-diagnostic-fits", "--probability-correction", "none"]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    doc = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert doc["config"]["options"]["probability_correction"] == "none"
    assert doc["strategies"]["random_under"]["correction"] is None
    with contextlib.redirect_stderr(io.StringIO()):
        assert main([*argv[:-1], "platt"]) == 2
