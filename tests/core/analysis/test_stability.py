"""core.analysis.stability: the spread over folds of every tuned decision equals the values
the folds tuned (read directly from ``StrategyResult.thresholds``), and the objective a step
either side of them equals scikit-learn's on each fold's rows with that fold's own value."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score, matthews_corrcoef

from core.analysis.findings import strategy_findings, threshold_unstable
from core.analysis.stability import STEP, UNSTABLE_RANGE, objective_at, threshold_stability
from core.evaluation.comparison import CompareConfig, run_comparison
from core.metrics.decision_rules import apply_offsets
from core.modelling.options import StrategyOptions
from core.profile.finding import jsonable

TOL = 1e-12


@pytest.fixture(scope="module")
def costed(datasets):
    """A seeded binary comparison whose cost_sensitive rule acts as a cut per fold."""
    config = CompareConfig(strategies=("baseline", "cost_sensitive"), cv=3, seed=0, n_jobs=1)
    return run_comparison(datasets["binary"], config)


def _pooled(result, decide) -> np.ndarray:
    """Pooled 0/1 decisions: ``decide(fold, rows)`` on each fold's validation rows."""
    out = np.zeros(len(result.fold_of_row), dtype=int)
    for fold in range(len(result.thresholds or result.n_val)):
        rows = result.fold_of_row == fold
        out[rows] = decide(fold, rows)
    return out


def _check_spread(entry, values) -> None:
    x = np.asarray(values, dtype=float)
    np.testing.assert_allclose(entry.fold_values, x, atol=TOL)
    x = x[np.isfinite(x)]
    assert entry.mean == pytest.approx(x.mean(), abs=TOL)
    assert entry.sd == pytest.approx(x.std(ddof=1), abs=TOL)
    assert (entry.min, entry.max) == (x.min(), x.max())
    assert entry.range == pytest.approx(x.max() - x.min(), abs=TOL)


def test_binary_cuts_are_the_folds_and_f1_a_step_away_is_sklearns(comparisons):
    cmp_ = comparisons["binary"]
    result = cmp_.results["threshold_tuning"]
    got = threshold_stability(cmp_, "threshold_tuning")
    assert (got.kind, got.quantity, got.objective, got.step) == ("tuned_cuts", "cut", "f1", 0.05)
    assert [e.class_name for e in got.per_class] == ["yes"]  # the positive class, classes[1]
    entry = got.entry("yes")
    cuts = [t[0] for t in result.thresholds]
    _check_spread(entry, cuts)
    assert entry.unstable == (max(cuts) - min(cuts) >= UNSTABLE_RANGE["cut"])
    y, s = cmp_.y_true == 1, result.oof_proba[:, 1]
    for d, found in ((-0.05, entry.below), (0.0, entry.at_value), (0.05, entry.above)):
        pred = _pooled(result, lambda f, rows, d=d: s[rows] >= cuts[f] + d)
        assert found == pytest.approx(f1_score(y, pred), abs=TOL), d
    table = result.per_class.set_index("class")  # at the cut: the table's F1 exactly
    assert entry.at_value == pytest.approx(table.at["yes", "f1"], abs=TOL)


def test_multiclass_offsets_and_their_sensitivity(comparisons):
    cmp_ = comparisons["multiclass"]
    result = cmp_.results["threshold_tuning"]
    got = threshold_stability(cmp_, "threshold_tuning")
    assert (got.kind, got.quantity, got.step) == ("offsets", "offset", STEP["offset"])
    assert got.entry("red") is None  # the reference class: offset 0 in every fold
    offsets = np.array(result.thresholds, dtype=float)
    for j, cls in enumerate(cmp_.classes[1:], start=1):
        entry = got.entry(cls)
        _check_spread(entry, offsets[:, j])
        for d, found in ((-0.25, entry.below), (0.0, entry.at_value), (0.25, entry.above)):
            moved = offsets.copy()
            moved[:, j] += d
            pred = _pooled(
                result,
                lambda f, rows, m=moved, j=j: apply_offsets(result.oof_proba[rows], m[f]) == j,
            )
            assert found == pytest.approx(f1_score(cmp_.y_true == j, pred), abs=TOL), (cls, d)
        assert entry.at_value == pytest.approx(
            result.per_class.set_index("class").at[cls, "f1"], abs=TOL
        )


def test_multilabel_cuts_per_label(comparisons):
    cmp_ = comparisons["multilabel"]
    result = cmp_.results["threshold_tuning"]
    got = threshold_stability(cmp_, "threshold_tuning")
    assert got.quantity == "cut" and [e.class_name for e in got.per_class] == list(cmp_.classes)
    for j, label in enumerate(cmp_.classes):
        entry = got.entry(label)
        cuts = [t[j] if t[j] <= 1 else np.nan for t in result.thresholds]
        _check_spread(entry, cuts)
        s = result.oof_proba[:, j]
        for d, found in ((-0.05, entry.below), (0.0, entry.at_value), (0.05, entry.above)):
            pred = _pooled(
                result,
                lambda f, rows, c=cuts, d=d, s=s: (
                    np.zeros(rows.sum(), bool) if np.isnan(c[f]) else s[rows] >= c[f] + d
                ),
            )
            assert found == pytest.approx(f1_score(cmp_.y_true[:, j], pred), abs=TOL), label


def test_cost_sensitive_acted_as_cut(costed):
    result = costed.results["cost_sensitive"]
    got = threshold_stability(costed, "cost_sensitive")
    assert (got.kind, got.quantity, got.objective) == ("expected_cost", "acted_as_cut", "f1")
    s, pred = result.oof_proba[:, 1], np.asarray(result.oof_pred) == 1
    cuts = []
    for fold in range(len(result.n_val)):  # midway between the last row left and the first taken
        rows = result.fold_of_row == fold
        lo, hi = s[rows][~pred[rows]].max(), s[rows][pred[rows]].min()
        assert lo < hi  # the rule acted as one cut on this fold
        cuts.append((lo + hi) / 2)
    entry = got.entry("yes")
    _check_spread(entry, cuts)
    for d, found in ((-0.05, entry.below), (0.0, entry.at_value), (0.05, entry.above)):
        folds = result.fold_of_row
        expected = f1_score(costed.y_true == 1, s >= np.asarray(cuts)[folds] + d)
        assert found == pytest.approx(expected, abs=TOL), d
    assert threshold_stability(costed, "baseline") is None


@pytest.mark.parametrize(
    ("objective", "score"),
    [("mcc", matthews_corrcoef), ("balanced_accuracy", balanced_accuracy_score)],
)
def test_the_strategys_objective_is_the_metric(comparisons, objective, score):
    cmp_ = comparisons["binary"]
    options = StrategyOptions(threshold_objective=objective)
    cmp_ = dataclasses.replace(cmp_, config=dataclasses.replace(cmp_.config, options=options))
    result = cmp_.results["threshold_tuning"]
    entry = threshold_stability(cmp_, "threshold_tuning").entry("yes")
    cuts = np.array([t[0] for t in result.thresholds])[result.fold_of_row]
    y, s = cmp_.y_true == 1, result.oof_proba[:, 1]
    assert entry.below == pytest.approx(score(y, s >= cuts - 0.05), abs=TOL)
    assert entry.above == pytest.approx(score(y, s >= cuts + 0.05), abs=TOL)


def test_objective_at_by_hand():
    y = np.array([0, 1, 1, 0])
    margin = np.array([-0.3, 0.2, -0.1, 0.05])
    # t=0: rows 1 and 3 predicted: TP 1, FP 1, FN 1 -> F1 0.5; t=-0.2: rows 1, 2, 3 -> 0.8
    assert objective_at(y, margin, (0.0, -0.2), "f1", 1.0) == pytest.approx((0.5, 0.8))
    # t=0.5: nothing predicted -> F1 0 (zero_division=0), balanced accuracy 0.5
    assert objective_at(y, margin, (0.5,), "f1", 1.0) == (0.0,)
    assert objective_at(y, margin, (0.5,), "balanced_accuracy", 1.0) == (0.5,)
    assert objective_at(y, margin, (-1.0,), "f1", 1.0) == pytest.approx((2 / 3,))  # all rows


def test_none_where_nothing_is_tuned(comparisons):
    for task, cmp_ in comparisons.items():
        for name in cmp_.results:
            if name != "threshold_tuning":
                assert threshold_stability(cmp_, name) is None, (task, name)


def _moved(cmp_, cuts):
    tuned = dataclasses.replace(cmp_.results["threshold_tuning"], thresholds=cuts)
    return dataclasses.replace(cmp_, results={**cmp_.results, "threshold_tuning": tuned})


def test_the_finding_fires_when_the_cut_moves_far(comparisons):
    moving = _moved(comparisons["binary"], ((0.1,), (0.35,), (0.6,)))
    got = threshold_stability(moving, "threshold_tuning")
    entry = got.entry("yes")
    assert entry.unstable and entry.range == pytest.approx(0.5)
    at, lo, hi = f"{entry.at_value:.3f}", f"{entry.below:.3f}", f"{entry.above:.3f}"
    assert got.line("yes") == (
        "Across the 3 folds the cut ranged 0.10 to 0.60 (sd 0.25). "
        f"F1 {at} at the cut; {lo} with the cut 0.05 lower, {hi} with it 0.05 higher."
    )
    assert got.fold_text("yes") == "per fold: 0.10, 0.35, 0.60"
    assert got.sentence("yes") == (
        "Across the 3 folds the cut ranged 0.10 to 0.60 (sd 0.25). Per fold: 0.10, 0.35, 0.60. "
        f"F1 {at} at the cut; {lo} with the cut 0.05 lower, {hi} with it 0.05 higher."
    )
    found = threshold_unstable(moving, "threshold_tuning")
    assert [f.code for f in found] == ["threshold_unstable"]
    assert found[0].title == "threshold_tuning's tuned decision moves between folds"
    assert found[0].message == (
        "Across the 3 folds, the cut on the probability of 'yes' moved from 0.10 to 0.60 "
        f"(per fold: 0.10, 0.35, 0.60); F1 {at} at its value, {lo} with it 0.05 lower, {hi} "
        "with it 0.05 higher."
    )
    assert "repeated cross-validation" in found[0].suggestion
    assert found[0].evidence["fold_values"] == {"yes": [0.1, 0.35, 0.6]}
    assert "threshold_unstable" in {f.code for f in strategy_findings(moving, "threshold_tuning")}
    steady = _moved(comparisons["binary"], ((0.30,), (0.35,), (0.40,)))
    assert not threshold_stability(steady, "threshold_tuning").unstable
    assert threshold_unstable(steady, "threshold_tuning") == []


def test_to_dict_is_the_contract(comparisons):
    got = threshold_stability(comparisons["multilabel"], "threshold_tuning").to_dict()
    assert set(got) == {"quantity", "objective", "step", "unstable_range", "per_class"}
    keys = {"class", "fold_values", "mean", "sd", "min", "max", "range", "unstable"}
    assert set(got["per_class"][0]) == keys | {"at_value", "below", "above"}
    json.dumps(jsonable(got), allow_nan=False)


def test_the_report_says_it_next_to_the_threshold_curves(comparisons):
    from core.report.document import build_report

    moving = _moved(comparisons["binary"], ((0.1,), (0.35,), (0.6,)))
    said = threshold_stability(moving, "threshold_tuning").sentence("yes")
    html = build_report(moving)
    line = "Tuned decision, 'yes' (unstable: the range over the folds is large): "
    assert f'<p class="note" data-stability="yes">{line}{said}</p>' in html
    assert 'data-code="threshold_unstable"' in html


def test_small_cuts_get_a_third_decimal(comparisons):
    low = threshold_stability(
        _moved(comparisons["binary"], ((0.02,), (0.025,), (0.03,))), "threshold_tuning"
    )
    assert low.fold_text("yes") == "per fold: 0.020, 0.025, 0.030"
    assert low.line("yes").startswith(
        "Across the 3 folds the cut ranged 0.020 to 0.030 (sd 0.005). F1 "
    )


def test_predictions_mode_says_parts_and_offsets_explain_their_step(comparisons):
    """A predictions file is cross-fitted in parts, not folds; an offset step is stated on the
    probability scale (0.25 * 0.3 * 0.7 = 0.0525, about 0.05)."""
    moving = _moved(comparisons["binary"], ((0.1,), (0.35,), (0.6,)))
    parts = dataclasses.replace(
        moving, config=dataclasses.replace(moving.config, mode="predictions")
    )
    got = threshold_stability(parts, "threshold_tuning")
    assert (got.part, got.folds) == ("part", "parts")
    assert got.line("yes").startswith("Across the 3 parts the cut ranged 0.10 to 0.60")
    assert got.fold_text("yes") == "per part: 0.10, 0.35, 0.60"
    assert "Per part: 0.10, 0.35, 0.60." in got.sentence("yes")
    assert "fold" not in got.sentence("yes") and got.step_note() == ""
    (found,) = threshold_unstable(parts, "threshold_tuning")
    assert found.title == "threshold_tuning's tuned decision moves between parts"
    assert found.message.startswith("Across the 3 parts, ") and "per part: " in found.message
    assert "fold" not in found.message and "repeated cross-validation" not in found.suggestion
    fit = threshold_stability(moving, "threshold_tuning")
    assert fit.part == "fold" and fit.to_dict() == got.to_dict()  # words only

    cmp_ = comparisons["multiclass"]
    offsets = threshold_stability(cmp_, "threshold_tuning")
    assert offsets.quantity == "offset"
    note = (
        " Offsets are added to the log-probability; ±0.25 moves a class near probability 0.3 "
        "by about ±0.05."
    )
    assert offsets.step_note() == note
    cls = offsets.per_class[0].class_name
    e = offsets.entry(cls)
    assert offsets.line(cls).endswith(
        f"F1 {e.at_value:.3f} at the offset; {e.below:.3f} with the offset 0.25 lower, "
        f"{e.above:.3f} with it 0.25 higher.{note}"
    )
    assert offsets.sentence(cls).endswith(note)
