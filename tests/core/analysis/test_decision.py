"""core.analysis.decision: the threshold panel states the strategy's actual decision, and its
counts are the table's (checked against scikit-learn on the pooled predictions)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix

from core.analysis.decision import counts_of, decision_of, nearest_cut
from core.analysis.details import at_threshold, strategy_details
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison

TOL = 1e-12
BINARY = ("baseline", "threshold_tuning", "cost_sensitive")


@pytest.fixture(scope="module")
def binary(datasets):
    """A seeded binary comparison with 5 folds: one cut, tuned cuts, an expected-cost rule."""
    config = CompareConfig(strategies=BINARY, cv=5, seed=0, n_jobs=1)
    return run_comparison(datasets["binary"], config)


def _sklearn_counts(y_bin, pred_bin) -> tuple[int, int, int, int]:
    tn, fp, fn, tp = confusion_matrix(y_bin, pred_bin, labels=[0, 1]).ravel()
    return int(tp), int(fp), int(fn), int(tn)


def _shown(decided) -> tuple[int, int, int, int]:
    return decided.tp, decided.fp, decided.fn, decided.tn


def _table_row(result, cls):
    return result.per_class.set_index("class").loc[cls]


@pytest.mark.parametrize("name", BINARY)
def test_binary_decided_counts_are_the_tables(binary, name):
    result = binary.results[name]
    det = strategy_details(binary, name)
    cls = det.probability_class
    got = decision_of(binary, det, cls)
    y_bin = (binary.y_true == 1).astype(int)
    pred_bin = (np.asarray(result.oof_pred) == 1).astype(int)
    assert _shown(got.decided) == _sklearn_counts(y_bin, pred_bin)
    cm = np.asarray(result.confusion)  # the confusion matrix on the page: rows true
    assert (got.decided.tp, got.decided.fn, got.decided.fp) == (cm[1, 1], cm[1, 0], cm[0, 1])
    row = _table_row(result, cls)
    assert got.decided.precision == pytest.approx(row["precision"], abs=TOL)
    assert got.decided.recall == pytest.approx(row["recall"], abs=TOL)
    assert got.decided.f1 == pytest.approx(row["f1"], abs=TOL)
    assert got.single == at_threshold(det, cls, got.start)


def test_threshold_tuning_states_its_per_fold_cuts(binary):
    result = binary.results["threshold_tuning"]
    det = strategy_details(binary, "threshold_tuning")
    got = decision_of(binary, det, "yes")
    cuts = [float(t[0]) for t in result.thresholds]
    assert got.kind == "tuned_cuts" and not got.is_one_cut
    assert got.per_fold == pytest.approx(cuts, abs=TOL)
    assert got.cut == pytest.approx(np.mean(cuts), abs=TOL)
    assert got.start == round(float(np.mean(cuts)), 2)
    assert got.start_basis == "the mean of the per-fold cuts"
    listed = ", ".join(f"{c:.2f}" for c in cuts)
    assert got.description == (
        f"a tuned cut per fold on the probability of 'yes': {listed} (mean {np.mean(cuts):.2f})"
    )
    # The per-fold cuts ARE the decision: each fold's cut on its own rows gives oof_pred.
    proba = result.oof_proba[:, 1]
    for fold, cut in enumerate(cuts):
        rows = result.fold_of_row == fold
        np.testing.assert_array_equal(result.oof_pred[rows], (proba[rows] >= cut).astype(int))
    # One cut at the mean is not the same decision here: the line says both counts.
    single = ((proba >= got.start).astype(int), (binary.y_true == 1).astype(int))
    tp, fp, _, _ = _sklearn_counts(single[1], single[0])
    assert (got.single.tp, got.single.fp) == (tp, fp)
    if got.exact:
        assert got.difference is None
    else:
        assert got.difference == (
            f"A single cut at {got.start:.2f} finds {tp} of {int(single[1].sum())} 'yes' rows "
            f"and flags {fp} others; the per-fold cuts found {got.decided.tp} and flagged "
            f"{got.decided.fp}."
        )


def test_cost_sensitive_says_it_is_an_expected_cost_rule(binary):
    result = binary.results["cost_sensitive"]
    det = strategy_details(binary, "cost_sensitive")
    got = decision_of(binary, det, "yes")
    assert got.kind == "expected_cost" and not got.is_one_cut
    assert got.description.startswith("expected-cost rule (not a single cut)")
    assert "the expected-cost rule found" in (got.difference or "the expected-cost rule found")
    # Binary: per fold, the rule acted as a cut between the rows it kept and the rest.
    proba, pred = result.oof_proba[:, 1], np.asarray(result.oof_pred)
    for fold, cut in enumerate(got.per_fold):
        rows = result.fold_of_row == fold
        assert np.isfinite(cut)
        np.testing.assert_array_equal(pred[rows], (proba[rows] >= cut).astype(int))


def test_baseline_opens_at_one_cut_that_reproduces_the_table(binary):
    result = binary.results["baseline"]
    det = strategy_details(binary, "baseline")
    got = decision_of(binary, det, "yes")
    assert (got.kind, got.cut, got.start) == ("cut", 0.5, 0.5)
    assert got.description == "one cut at 0.50 on the probability of 'yes'"
    assert got.start_basis == "the decision's own cut"
    y_bin = (binary.y_true == 1).astype(int)
    expected = _sklearn_counts(y_bin, np.asarray(result.oof_pred))
    at_half = _sklearn_counts(y_bin, (result.oof_proba[:, 1] >= 0.5).astype(int))
    assert got.exact and got.difference is None
    assert _shown(got.single) == expected == at_half == _shown(got.decided)


@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
def test_every_class_decided_counts_match_sklearn(comparisons, task):
    cmp_ = comparisons[task]
    for name in ("baseline", "threshold_tuning"):
        result = cmp_.results[name]
        det = strategy_details(cmp_, name)
        if task == "multilabel":
            mcm = multilabel_confusion_matrix(cmp_.y_true, result.oof_pred)
        else:
            labels = list(range(len(cmp_.classes)))
            mcm = multilabel_confusion_matrix(cmp_.y_true, result.oof_pred, labels=labels)
        for j, cls in enumerate(cmp_.classes):
            got = decision_of(cmp_, det, cls)
            (tn, fp), (fn, tp) = mcm[j]
            assert _shown(got.decided) == (tp, fp, fn, tn)
            assert got.decided.recall == pytest.approx(_table_row(result, cls)["recall"], abs=TOL)
            assert got.single == at_threshold(det, cls, got.start)


def test_multiclass_kinds_and_offsets(comparisons):
    cmp_ = comparisons["multiclass"]
    det = strategy_details(cmp_, "baseline")
    assert decision_of(cmp_, det, "blue").kind == "argmax"
    assert "argmax" in decision_of(cmp_, det, "blue").description
    tuned = cmp_.results["threshold_tuning"]
    det = strategy_details(cmp_, "threshold_tuning")
    got = decision_of(cmp_, det, "blue")
    assert got.kind == "offsets" and got.cut is None
    assert got.start_basis == "the single cut that agrees with the decision on the most rows"
    assert got.per_fold == pytest.approx([t[2] for t in tuned.thresholds], abs=TOL)
    assert got.description.startswith("per-class offsets per fold")
    reference = decision_of(cmp_, det, "red")
    assert reference.per_fold == pytest.approx([0.0] * len(tuned.thresholds))
    green = ", ".join(f"{t[1]:+.2f}" for t in tuned.thresholds)
    assert "'red' is the reference (offset 0 in every fold)" in reference.description
    assert f"'green': {green}" in reference.description
    assert [c for c, _ in reference.others] == ["green", "blue"]


def test_multilabel_tuned_cuts_are_per_label(comparisons):
    cmp_ = comparisons["multilabel"]
    result = cmp_.results["threshold_tuning"]
    det = strategy_details(cmp_, "threshold_tuning")
    for j, label in enumerate(cmp_.classes):
        got = decision_of(cmp_, det, label)
        cuts = [t[j] if t[j] <= 1 else np.nan for t in result.thresholds]
        assert got.kind == "tuned_cuts"
        np.testing.assert_allclose(got.per_fold, cuts, atol=TOL)
        proba = result.oof_proba[:, j]
        for fold, cut in enumerate(got.per_fold):
            rows = result.fold_of_row == fold
            expected = np.zeros(rows.sum(), int) if np.isnan(cut) else proba[rows] >= cut
            np.testing.assert_array_equal(result.oof_pred[rows, j], expected)


def test_counts_of_by_hand():
    got = counts_of(np.array([1, 1, 0, 0, 0]), np.array([1, 0, 1, 0, 0]))
    assert (got.tp, got.fp, got.fn, got.tn) == (1, 1, 1, 2)
    assert (got.precision, got.recall, got.f1) == (0.5, 0.5, 0.5)
    assert got.accuracy == pytest.approx(0.6) and got.specificity == pytest.approx(2 / 3)
    nothing = counts_of(np.array([1, 0]), np.array([0, 0]))
    assert (nothing.precision, nothing.f1) == (0.0, 0.0)
    with pytest.raises(DataError, match="same length"):
        counts_of(np.array([1, 0]), np.array([1]))


def test_nearest_cut_by_hand():
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.7])
    # predicted exactly for scores >= 0.3: every cut in (0.2, 0.3] agrees; nearest 0.5 is 0.3
    assert nearest_cut(scores, np.array([0, 0, 1, 1, 1])) == 0.3
    # predicted for scores >= 0.6: cuts 0.31..0.60 all agree; 0.5 is among them
    assert nearest_cut(scores, np.array([0, 0, 0, 1, 1])) == 0.5
    # not a cut (0.2 predicted, 0.3 not): one row disagrees at best, for cuts in (0.1, 0.2]
    # and in (0.3, 0.6]; of those the one nearest 0.5 is 0.5 itself
    assert nearest_cut(scores, np.array([0, 1, 0, 1, 1])) == 0.5
    # 0.1 and 0.2 predicted, 0.3 not: any cut up to 0.1 gets one row wrong, every other 2+
    assert nearest_cut(scores[:3], np.array([1, 1, 0])) == 0.1


def test_unknown_class_is_a_data_error(binary):
    det = strategy_details(binary, "baseline")
    with pytest.raises(DataError, match="Unknown class 'maybe'"):
        decision_of(binary, det, "maybe")


def test_a_predictions_file_speaks_of_parts_not_folds():
    """Tuned offsets of a predictions file are chosen per cross-fitting part of the file:
    the decision says "per part" (no fold was trained there)."""
    from helpers import three_class_predictions

    from core.evaluation.scored import comparison_from_predictions
    from core.intake.predictions import load_predictions

    frame = three_class_predictions()
    pset = load_predictions(frame.to_csv(index=False).encode(), target="label")
    comparison = comparison_from_predictions(pset, cv=3, seed=0)
    name = next(n for n in comparison.results if n.endswith("tuned offsets"))
    decision = decision_of(comparison, strategy_details(comparison, name), "2")
    assert decision.part == "part"
    assert "per part" in decision.description and "per fold" not in decision.description
    assert len(decision.per_fold) == 3
