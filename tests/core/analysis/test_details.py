"""core.analysis.details and core.analysis.findings: curves per strategy, threshold lookups, the plane."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
)

from core.analysis.details import (
    SummaryPlane,
    ThresholdPoint,
    accuracy_f1_plane,
    at_threshold,
    per_class_long,
    strategy_details,
)
from core.analysis.findings import (
    comparison_findings,
    low_recall,
    precision_collapse,
    strategy_findings,
)
from core.analysis.planes import operating_points
from core.errors import DataError
from core.evaluation.comparison import CompareConfig, run_comparison
from core.metrics.plane import f1_bounds

TOL = 1e-12


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_threshold_lookup_equals_sklearn_at_that_threshold(comparisons, task):
    cmp_ = comparisons[task]
    det = strategy_details(cmp_, "baseline")
    proba = cmp_.results["baseline"].oof_proba
    for i, cls in enumerate(cmp_.classes):
        truth = (cmp_.y_true[:, i] if task == "multilabel" else cmp_.y_true == i).astype(int)
        for t in (0.2, 0.5, 0.73):
            pred = (proba[:, i] >= t).astype(int)
            got = at_threshold(det, cls, t)
            assert isinstance(got, ThresholdPoint)
            assert (got.class_name, got.threshold) == (cls, t)
            assert got.tp == int(((pred == 1) & (truth == 1)).sum())
            assert got.fp == int(((pred == 1) & (truth == 0)).sum())
            assert got.fn == int(((pred == 0) & (truth == 1)).sum())
            assert got.tn == int(((pred == 0) & (truth == 0)).sum())
            assert got.f1 == pytest.approx(f1_score(truth, pred, zero_division=0), abs=TOL)
            assert got.recall == pytest.approx(recall_score(truth, pred, zero_division=0))
            assert got.precision == pytest.approx(precision_score(truth, pred, zero_division=0))
            assert got.accuracy == pytest.approx(accuracy_score(truth, pred), abs=TOL)
        assert det.average_precision[cls] == pytest.approx(
            average_precision_score(truth, proba[:, i])
        )


def test_unknown_class_and_failed_strategy_raise(comparisons):
    det = strategy_details(comparisons["binary"], "baseline")
    with pytest.raises(DataError, match="Unknown class 'maybe'"):
        at_threshold(det, "maybe", 0.5)
    with pytest.raises(DataError, match="No results for strategy 'smote'"):
        strategy_details(comparisons["binary"], "smote")


def test_binary_tuned_threshold_is_the_mean_over_folds(comparisons):
    cmp_ = comparisons["binary"]
    det = strategy_details(cmp_, "threshold_tuning")
    per_fold = [t[0] for t in cmp_.results["threshold_tuning"].thresholds]
    assert det.tuned_thresholds == {"yes": pytest.approx(float(np.mean(per_fold)))}
    assert strategy_details(cmp_, "baseline").tuned_thresholds == {}


def test_gap_is_mean_training_minus_validation_f1(comparisons):
    result = comparisons["multiclass"].results["random_over"]
    gap = strategy_details(comparisons["multiclass"], "random_over").gap.set_index("class")
    for cls in ("red", "green", "blue"):
        train = np.mean([f[cls] for f in result.train_class_f1])
        val = np.mean([f[cls] for f in result.fold_class_f1])
        assert gap.at[cls, "gap"] == pytest.approx(train - val)


def test_binary_plane_points_lie_in_the_exact_region(comparisons):
    cmp_ = comparisons["binary"]
    plane = accuracy_f1_plane(cmp_)
    assert isinstance(plane, SummaryPlane)
    assert plane.positive_class == "yes" == cmp_.important_class  # the minority class
    p = float(np.mean(cmp_.y_true == 1))
    for _, row in plane.points.iterrows():
        pred = cmp_.results[row["strategy"]].oof_pred
        assert row["f1"] == pytest.approx(f1_score(cmp_.y_true, pred, pos_label=1))
        low, high = f1_bounds(row["accuracy"], p)
        assert float(low) - 1e-9 <= row["f1"] <= float(high) + 1e-9
    assert set(plane.region.columns) >= {"accuracy", "f1_min", "f1_max"}


@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
def test_other_planes_use_summary_scores(comparisons, task):
    plane = accuracy_f1_plane(comparisons[task])
    row = plane.points.set_index("strategy").loc["baseline"]
    summary = comparisons[task].results["baseline"].summary
    if task == "multiclass":
        assert row["f1"] == summary["macro_f1"] and row["accuracy"] == summary["accuracy"]
    else:
        assert row["f1"] == summary["micro_f1"]
        assert row["accuracy"] == pytest.approx(1 - summary["hamming_loss"])
    assert plane.region is None


def test_per_class_long_has_every_ok_strategy_and_class(comparisons):
    cmp_ = comparisons["multiclass"]
    long = per_class_long(cmp_, "recall")
    assert len(long) == len(cmp_.results) * 3
    value = long.query("strategy == 'class_weight' and `class` == 'blue'")["value"].item()
    pred = cmp_.results["class_weight"].oof_pred
    assert value == pytest.approx(recall_score(cmp_.y_true == 2, pred == 2))


def test_low_recall_finding_names_the_class_and_what_it_is_mistaken_for(comparisons):
    cmp_ = comparisons["multiclass"]
    table = cmp_.results["baseline"].per_class.set_index("class")
    found = low_recall(cmp_, "baseline")
    assert (table["recall"] < 0.5).sum() * 2 <= len(table)  # not the "most fail" case
    for f in found:
        cls = f.evidence["class"]
        assert f.code == "low_recall"
        assert f.evidence["recall"] == table.at[cls, "recall"]
        assert f.evidence["recall"] < 0.5 * table["recall"].drop(index=cls).median()
        assert "predicted as" in f.message
    flagged = {f.evidence["class"] for f in found}
    # issue 15: only when the others do well (median >= 0.5, at least 0.3 above the class's)
    expected = {
        c
        for c in table.index
        if table.at[c, "recall"] < 0.6
        and table.at[c, "recall"] < 0.5 * table["recall"].drop(index=c).median()
        and table["recall"].drop(index=c).median() >= 0.5
        and table["recall"].drop(index=c).median() - table.at[c, "recall"] >= 0.3 - 1e-12
    }
    assert flagged == expected


def test_precision_collapse_fires_on_a_resampler_that_halves_precision(comparisons):
    import dataclasses

    cmp_ = comparisons["binary"]
    base = cmp_.results["baseline"].per_class.copy()
    worse = base.copy()
    worse.loc[worse["class"] == "yes", "recall"] = base.loc[base["class"] == "yes", "recall"] + 0.3
    worse.loc[worse["class"] == "yes", "precision"] = (
        base.loc[base["class"] == "yes", "precision"] * 0.3
    )
    results = dict(cmp_.results)
    results["random_over"] = dataclasses.replace(results["random_over"], per_class=worse)
    fake = dataclasses.replace(cmp_, results=results)
    found = precision_collapse(fake, "random_over")
    assert [f.evidence["class"] for f in found] == ["yes"]
    # class_weight is not a resampler: never blamed for a precision collapse
    results["class_weight"] = dataclasses.replace(results["class_weight"], per_class=worse)
    assert precision_collapse(dataclasses.replace(cmp_, results=results), "class_weight") == []


def test_binary_plane_points_are_the_planes_operating_points(comparisons):
    """One owner of the points: the old computation (pooled accuracy, the class's F1 in the
    per-class table) and scikit-learn agree with core.analysis.planes.operating_points."""
    cmp_ = comparisons["binary"]
    for positive in ("yes", "no"):
        j = cmp_.classes.index(positive)
        plane = accuracy_f1_plane(cmp_, positive)
        assert plane.positive_class == positive and plane.f1_label == f"F1 of '{positive}'"
        ours = operating_points(cmp_, positive)
        assert plane.points["strategy"].tolist() == ours["strategy"].tolist()
        assert plane.points["accuracy"].tolist() == ours["accuracy"].tolist()
        assert plane.points["f1"].tolist() == ours["f1"].tolist()
        assert plane.points["strategy"].tolist() == [n for n, r in cmp_.results.items() if r.ok]
        for row in plane.points.itertuples():
            result = cmp_.results[row.strategy]
            old_f1 = float(result.per_class.set_index("class").at[positive, "f1"])
            assert row.accuracy == pytest.approx(result.summary["accuracy"], abs=TOL)
            assert row.f1 == pytest.approx(old_f1, abs=TOL)
            truth, pred = cmp_.y_true == j, result.oof_pred == j
            assert row.accuracy == pytest.approx(accuracy_score(truth, pred), abs=TOL)
            assert row.f1 == pytest.approx(f1_score(truth, pred), abs=TOL)
    with pytest.raises(DataError, match="Unknown positive class 'maybe'"):
        accuracy_f1_plane(cmp_, "maybe")


def test_findings_are_json_ready_and_failures_are_reported(comparisons, datasets):
    import json

    checked = []
    for cmp_ in comparisons.values():
        for f in comparison_findings(cmp_) + strategy_findings(cmp_, "baseline"):
            d = f.to_dict()
            assert set(d) == {"code", "severity", "title", "message", "suggestion", "evidence",
                              "how_to_read"}  # fmt: skip
            assert d["how_to_read"]  # every finding says how to read it
            assert json.loads(json.dumps(d, allow_nan=False)) == d
            assert d["title"] and d["message"] and d["severity"] in ("info", "warning", "error")
            checked.append(d["code"])
    assert checked  # the loop above did check findings
    # ml_ros is multi-label only: on a binary target it fails, and says why
    failed = run_comparison(
        datasets["binary"], CompareConfig(strategies=("baseline", "ml_ros"), cv=3, n_jobs=1)
    )
    result = failed.results["ml_ros"]
    assert not result.ok and result.error
    found = [f for f in comparison_findings(failed) if f.code == "strategy_failed"]
    assert len(found) == 1
    d = found[0].to_dict()
    assert d["message"] == result.error and d["evidence"] == {"strategy": "ml_ros"}
    assert d["title"] == "ml_ros could not run"
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert strategy_findings(failed, "ml_ros") == []
