"""Tests for core.analysis.planes and core.analysis.sides: planes per positive class, operating
points, fronts, the two sides of a binary plane."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from helpers import brute_force_pareto
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    recall_score,
)

from core.analysis.planes import (
    POINT_COLUMNS,
    SHARED_POINT_KEY,
    confusion_point,
    default_positive,
    merge_shared_points,
    operating_points,
    plane,
    positive_classes,
)
from core.analysis.sides import sides
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, Comparison
from core.evaluation.crossval import StrategyResult
from core.evaluation.summary import DatasetSummary
from core.metrics.plane import f1_bounds

TASKS = ("binary", "multiclass", "multilabel")
EXACT = 1e-12
SAMPLING = 0.01  # resampled deployment set vs re-estimate (200,000 rows)


def _truth_and_scores(comparison: Comparison, name: str, cls: str):
    j = comparison.classes.index(cls)
    y = np.asarray(comparison.y_true)
    result = comparison.results[name]
    if comparison.task == "multilabel":
        return y[:, j], result.oof_proba[:, j], result.oof_pred[:, j]
    return (y == j).astype(int), result.oof_proba[:, j], (result.oof_pred == j).astype(int)


def _hand_comparison(
    y: np.ndarray, proba: np.ndarray, classes=("no", "yes"), important: str | None = None
) -> Comparison:
    n = y.size
    pred = np.argmax(proba, axis=1)
    counts = {c: int(np.sum(y == i)) for i, c in enumerate(classes)}
    summary = DatasetSummary(
        name="hand.csv",
        content_hash="hand",
        task="binary",
        target=("label",),
        classes=tuple(classes),
        class_counts=counts,
        n_rows=n,
        n_cv_rows=n,
        n_holdout_rows=0,
    )
    result = StrategyResult(
        name="baseline",
        status="ok",
        error=None,
        fold_of_row=np.zeros(n, dtype=np.intp),
        oof_pred=pred,
        oof_proba=proba,
    )
    failed = StrategyResult(
        name="smote", status="failed", error="no", fold_of_row=np.zeros(n, dtype=np.intp)
    )
    return Comparison(
        dataset=summary,
        config=CompareConfig(strategies=("baseline", "smote"), important_class=important),
        results={"baseline": result, "smote": failed},
        folds=(),
        y_true=y,
        row_ids=np.arange(n),
    )


# --------------------------------------------------------------------------- points


@pytest.mark.parametrize("task", TASKS)
def test_every_threshold_point_equals_sklearn(comparisons, task):
    comparison = comparisons[task]
    for cls in positive_classes(comparison):
        view = plane(comparison, cls)
        for name, rows in view.points.groupby("strategy", sort=False):
            y, score, _ = _truth_and_scores(comparison, name, cls)
            assert len(rows) == np.unique(score).size + 1  # every cut, plus "never"
            assert view.n_thresholds[name] == len(rows)
            for rec in rows.iloc[:: max(1, len(rows) // 7)].itertuples():
                pred = (score >= rec.threshold).astype(int)
                assert rec.accuracy == pytest.approx(accuracy_score(y, pred), abs=EXACT)
                assert rec.f1 == pytest.approx(f1_score(y, pred, zero_division=0), abs=EXACT)
                assert rec.recall_pos == pytest.approx(recall_score(y, pred), abs=EXACT)
                assert rec.recall_neg == pytest.approx(
                    recall_score(y, pred, pos_label=0), abs=EXACT
                )
                assert rec.balanced_accuracy == pytest.approx(
                    balanced_accuracy_score(y, pred), abs=EXACT
                )


@pytest.mark.parametrize("task", TASKS)
def test_operating_points_are_each_strategys_own_decisions(comparisons, task):
    comparison = comparisons[task]
    cls = default_positive(comparison)
    view = plane(comparison, cls)
    assert list(view.operating["strategy"]) == [n for n, r in comparison.results.items() if r.ok]
    for rec in view.operating.itertuples():
        y, _, pred = _truth_and_scores(comparison, rec.strategy, cls)
        per_class = comparison.results[rec.strategy].per_class.set_index("class")
        assert rec.f1 == pytest.approx(per_class.at[cls, "f1"], abs=EXACT)
        assert rec.recall_pos == pytest.approx(per_class.at[cls, "recall"], abs=EXACT)
        assert rec.accuracy == pytest.approx(accuracy_score(y, pred), abs=EXACT)
        if task == "binary":
            summary = comparison.results[rec.strategy].summary
            assert rec.accuracy == pytest.approx(summary["accuracy"], abs=EXACT)
            assert rec.balanced_accuracy == pytest.approx(summary["balanced_accuracy"], abs=EXACT)


@pytest.mark.parametrize("task", TASKS)
def test_every_point_lies_inside_its_region(comparisons, task):
    comparison = comparisons[task]
    for cls in positive_classes(comparison):
        for complement in (False, True):
            view = plane(comparison, cls, complement=complement)
            points = pd.concat([view.points, view.operating], ignore_index=True)
            lo, hi = f1_bounds(points["accuracy"].to_numpy(), view.positive_share)
            assert np.all(points["f1"] >= lo - EXACT)
            assert np.all(points["f1"] <= hi + EXACT)
            region = view.region
            assert region["accuracy"].is_monotonic_increasing
            for name, point in view.trivial.items():  # the sweep ends are the trivial ones
                ends = view.points.groupby("strategy").agg(["first", "last"])
                col = "first" if name == "all_negative" else "last"
                np.testing.assert_allclose(ends[("accuracy", col)], point["accuracy"])
                np.testing.assert_allclose(ends[("f1", col)], point["f1"])


@pytest.mark.parametrize("task", TASKS)
def test_front_is_exactly_the_non_dominated_set(comparisons, task):
    view = plane(comparisons[task])
    xs, ys = view.points["accuracy"].to_numpy(), view.points["f1"].to_numpy()
    np.testing.assert_array_equal(view.points["pareto"].to_numpy(), brute_force_pareto(xs, ys))
    front = view.pareto
    assert front["accuracy"].is_monotonic_decreasing
    assert front["f1"].is_monotonic_increasing  # along a front F1 rises as accuracy falls


def test_thinned_keeps_the_front_and_caps_the_rest(comparisons):
    view = plane(comparisons["binary"])
    small = view.thinned(10)
    counts = small.points.groupby("strategy").size()
    n_front = view.points.groupby("strategy")["pareto"].sum()
    assert (counts <= 10 + 4 + n_front.reindex(counts.index)).all()
    assert (counts < view.points.groupby("strategy").size()).all()
    pd.testing.assert_frame_equal(small.pareto, view.pareto)
    for name, rows in small.points.groupby("strategy"):  # both ends and the best F1 stay
        full = view.points[view.points["strategy"] == name]
        assert rows.index[0] == full.index[0] and rows.index[-1] == full.index[-1]
        assert rows["f1"].max() == full["f1"].max()
    assert view.thinned(10_000).points.equals(view.points)


def test_with_points_recomputes_the_front(comparisons):
    view = plane(comparisons["binary"])
    best = view.points.loc[view.points["accuracy"].idxmax()].copy()
    extra = pd.DataFrame([best[list(POINT_COLUMNS)]]).assign(
        strategy="search", accuracy=1.0, f1=1.0
    )
    both = view.with_points(extra)
    assert both.pareto["strategy"].tolist() == ["search"]
    assert len(both.points) == len(view.points) + 1
    assert view.with_points(extra.iloc[:0]) is view


@pytest.mark.parametrize("task", TASKS)
def test_front_lists_each_operating_point_once(comparisons, task):
    view = plane(comparisons[task])
    raw = view.points[view.points["pareto"]]
    front = view.pareto
    key = list(SHARED_POINT_KEY)
    assert not front.duplicated(key).any()
    assert sum(len(s) for s in front["strategies"]) == len(raw)
    assert front["strategy"].tolist() == [", ".join(s) for s in front["strategies"]]
    for row in front.itertuples():  # every strategy named reaches exactly this point
        same = raw[raw["strategy"].isin(row.strategies) & (raw["threshold"] == row.threshold)]
        assert len(same) == len(row.strategies)
        np.testing.assert_array_equal(
            same[["tp", "fp", "fn", "tn"]], [[row.tp, row.fp, row.fn, row.tn]] * len(same)
        )
    if task == "multiclass":  # threshold_tuning keeps baseline's probabilities: shared points
        assert "baseline, threshold_tuning" in front["strategy"].tolist()


def test_strategies_sharing_probabilities_are_one_row_of_the_front():
    y = np.array([0, 0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4]])
    hand = _hand_comparison(y, proba)
    same = replace(hand.results["baseline"], name="threshold_tuning")
    comparison = replace(
        hand, results={"baseline": hand.results["baseline"], "threshold_tuning": same}
    )
    front = plane(comparison).pareto
    # cuts at 0.7, 0.6, 0.4 give (tp, fp) = (1, 0), (1, 1), (2, 1): accuracy 4/5, 3/5, 4/5
    # and F1 2/3, 1/2, 4/5, so the front is the cut at 0.4 alone, reached by both strategies
    assert front["strategy"].tolist() == ["baseline, threshold_tuning"]
    assert front["strategies"].tolist() == [("baseline", "threshold_tuning")]
    assert front["threshold"].tolist() == [0.4]
    pred = (proba[:, 1] >= 0.4).astype(int)
    assert front["accuracy"].iloc[0] == pytest.approx(accuracy_score(y, pred), abs=EXACT)
    assert front["f1"].iloc[0] == pytest.approx(f1_score(y, pred), abs=EXACT)


def test_merge_shared_points_keeps_different_cuts_apart():
    rows = pd.DataFrame(
        {"strategy": ["a", "b", "b", "c"], "threshold": [0.5, 0.5, 0.3, 0.3],
         "tp": [1, 1, 2, 2], "fp": [0, 0, 1, 1], "fn": [1, 1, 0, 0], "tn": [2, 2, 1, 1]},
        index=[10, 11, 12, 13],
    )  # fmt: skip
    merged = merge_shared_points(rows)
    assert merged.index.tolist() == [10, 12]  # the first row of each point
    assert merged["strategy"].tolist() == ["a, b", "b, c"]
    moved = rows.assign(threshold=[0.5, 0.4, 0.3, 0.3])  # same counts, another cut: two rules
    assert merge_shared_points(moved)["strategy"].tolist() == ["a", "b", "b, c"]
    never = rows.assign(threshold=np.inf)  # "never" cuts with the same counts are one point
    assert len(merge_shared_points(never)) == 2
    with pytest.raises(DataError, match="need columns"):
        merge_shared_points(rows.drop(columns="tn"))


def test_default_positive_is_the_rarest(comparisons):
    assert default_positive(comparisons["binary"]) == "yes"
    assert default_positive(comparisons["multiclass"]) == "blue"
    counts = comparisons["multilabel"].dataset.class_counts
    assert default_positive(comparisons["multilabel"]) == min(counts, key=counts.get)
    balanced = _hand_comparison(np.array([0, 1, 0, 1]), np.full((4, 2), 0.5))
    # a tie goes to the earlier class, as everywhere (Comparison.class_rarity)
    assert default_positive(balanced) == "no" == balanced.important_class
    for task in TASKS:
        assert default_positive(comparisons[task]) == comparisons[task].important_class


def test_default_positive_follows_the_important_class():
    y = np.array([0, 0, 0, 1])
    proba = np.tile([0.6, 0.4], (4, 1))
    assert default_positive(_hand_comparison(y, proba)) == "yes"  # the rarest
    assert default_positive(_hand_comparison(y, proba, important="no")) == "no"
    # an important class with rows on one side only cannot be positive: the rarest that can
    y3 = np.array([0, 0, 0, 1, 1])
    proba3 = np.tile([0.5, 0.3, 0.2], (5, 1))
    lonely = _hand_comparison(y3, proba3, classes=("a", "b", "c"), important="c")
    assert lonely.class_rarity() == ["c", "b", "a"] and positive_classes(lonely) == ["a", "b"]
    assert default_positive(lonely) == "b"


def test_operating_points_function_equals_sklearn_and_the_planes_own(comparisons):
    comparison = comparisons["multiclass"]
    points = operating_points(comparison, "green")
    assert list(points.columns) == list(POINT_COLUMNS)
    assert points["strategy"].tolist() == [n for n, r in comparison.results.items() if r.ok]
    assert points["threshold"].isna().all()
    for row in points.itertuples():
        y, _, pred = _truth_and_scores(comparison, row.strategy, "green")
        assert row.accuracy == pytest.approx(accuracy_score(y, pred), abs=EXACT)
        assert row.f1 == pytest.approx(f1_score(y, pred, zero_division=0), abs=EXACT)
    pd.testing.assert_frame_equal(points, plane(comparison, "green").operating)


def test_confusion_point_hand_example():
    point = confusion_point([1, 1, 0, 0, 0], [1, 0, 1, 0, 0])
    assert (point["tp"], point["fp"], point["fn"], point["tn"]) == (1, 1, 1, 2)
    assert point["accuracy"] == pytest.approx(3 / 5)
    assert point["f1"] == pytest.approx(2 / 4)
    assert point["balanced_accuracy"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert confusion_point([0, 0], [0, 0])["f1"] == 0.0


def test_binary_complement_is_the_other_class(comparisons):
    comparison = comparisons["binary"]
    complement = plane(comparison, "yes", complement=True)
    other = plane(comparison, "no")
    pd.testing.assert_frame_equal(complement.points, other.points)
    assert complement.positive_class == "no" and complement.negative_label == "yes"
    multi = plane(comparisons["multiclass"], "blue", complement=True)
    assert multi.positive_class == "not blue"
    assert multi.positive_share == pytest.approx(
        1 - plane(comparisons["multiclass"]).positive_share
    )


# --------------------------------------------------------------------------- sides


@pytest.mark.parametrize("task", TASKS)
def test_sides_table_matches_a_brute_force_threshold_search(comparisons, task):
    comparison = comparisons[task]
    cls = default_positive(comparison)
    both = sides(comparison, cls)
    assert both.minority is both.positive and both.majority is both.complement
    for rec in both.table.itertuples():
        y, score, _ = _truth_and_scores(comparison, rec.strategy, cls)
        proba = comparison.results[rec.strategy].oof_proba
        # the complement's own score: the other class's column (binary), else 1 - P(class)
        other = proba[:, 1 - comparison.classes.index(cls)] if task == "binary" else 1 - score
        for truth, s, f1, ba in (
            (y, score, rec.best_f1_pos, rec.balanced_accuracy_pos),
            (1 - y, other, rec.best_f1_neg, rec.balanced_accuracy_neg),
        ):
            cuts = np.unique(s)[::-1]  # highest first: ties go to the highest cut
            pred = s[None, :] >= cuts[:, None]  # one row of predictions per cut
            tp = (pred & (truth == 1)).sum(axis=1)
            scores = 2 * tp / (pred.sum(axis=1) + truth.sum())
            cut = cuts[int(np.argmax(scores))]
            best = (s >= cut).astype(int)
            assert f1 == pytest.approx(f1_score(truth, best), abs=EXACT)
            assert f1 == pytest.approx(scores.max(), abs=EXACT)
            assert ba == pytest.approx(balanced_accuracy_score(truth, best), abs=EXACT)


def test_sides_say_when_the_majority_as_positive_is_better():
    # 3 "yes" of 8; F1 of "yes" is best predicting everything "yes" (balanced accuracy 0.5),
    # F1 of "no" is best at a cut that keeps one "yes" right (balanced accuracy 2/3)
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    s = np.array([0.2, 0.8, 0.2, 0.6, 0.2, 0.4, 0.4, 0.4])
    comparison = _hand_comparison(y, np.column_stack([1 - s, s]))
    both = sides(comparison)
    row = both.table.iloc[0]
    assert row["best_f1_pos"] == pytest.approx(6 / 11)
    assert row["balanced_accuracy_pos"] == pytest.approx(0.5)
    assert row["best_f1_neg"] == pytest.approx(10 / 12)
    assert row["balanced_accuracy_neg"] == pytest.approx(2 / 3)
    assert row["better_balanced_accuracy"] == "complement"
    assert both.sentence.startswith(
        "At the threshold of best F1, 'no' (majority) as the positive class gives a better "
        "balanced accuracy than 'yes' (minority) for every strategy (baseline 0.667 vs 0.500)"
    )
    assert list(both.positive.operating["strategy"]) == ["baseline"]  # failed ones skipped


def test_errors_name_what_to_do(comparisons):
    with pytest.raises(DataError, match="Unknown positive class 'purple'.*'red'"):
        plane(comparisons["multiclass"], "purple")
    with pytest.raises(DataError, match="Unknown positive label"):
        sides(comparisons["multilabel"], "nope")
    with pytest.raises(DataError, match="max_per_strategy must be at least 2. Got 1"):
        plane(comparisons["binary"]).thinned(1)
    with pytest.raises(DataError, match="Extra points lack columns"):
        plane(comparisons["binary"]).with_points(pd.DataFrame({"accuracy": [1.0]}))
    with pytest.raises(DataError, match="equal, non-zero length"):
        confusion_point([1, 0], [1])


# --------------------------------------------------------------------------- results.json
