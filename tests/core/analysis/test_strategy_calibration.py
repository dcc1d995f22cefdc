"""core.analysis.calibration: each strategy's calibration per class, before and after a
correction (``corrected_proba``), the comparison-wide table, results.json's ``calibration``,
and the finding "bought recall by breaking calibration"."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from core.analysis.calibration import (
    UNRECORDED,
    calibration_comparison,
    calibration_dict,
    strategy_calibration,
)
from core.analysis.findings import (
    CALIBRATION_RATIO,
    HOW_TO_READ,
    calibration_broken,
    comparison_findings,
    strategy_findings,
)
from core.errors import DataError
from core.evaluation.comparison import Comparison
from core.metrics.calibration import calibration_table, log_loss_of
from core.profile.finding import jsonable


def shifted(proba: np.ndarray, beta: float) -> np.ndarray:
    """Binary probabilities as after under-sampling the majority class at rate ``beta``
    (Dal Pozzolo et al. 2015): p_s = p / (p + beta (1 - p)); inverse of the correction."""
    p = proba[:, 1] / (proba[:, 1] + beta * (1.0 - proba[:, 1]))
    return np.column_stack([1.0 - p, p])


def with_result(cmp_: Comparison, name: str, **changes) -> Comparison:
    return dataclasses.replace(
        cmp_, results={**cmp_.results, name: dataclasses.replace(cmp_.results[name], **changes)}
    )


def with_recall(cmp_: Comparison, name: str, cls: str, recall: float) -> Comparison:
    table = cmp_.results[name].per_class.copy()
    table.loc[table["class"] == cls, "recall"] = recall
    return with_result(cmp_, name, per_class=table)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_each_strategy_is_calibrated_on_its_own_and_its_corrected_probabilities(comparisons, task):
    cmp_ = comparisons[task]
    y, classes = cmp_.y_true, cmp_.classes
    for name, result in cmp_.results.items():
        cal = strategy_calibration(cmp_, name)
        own = calibration_table(y, result.oof_proba, classes, task)
        pd.testing.assert_frame_equal(cal.own.per_class, own)
        assert cal.own.log_loss == log_loss_of(y, result.oof_proba, classes, task)
        assert "10 equal-width bins" in cal.binning and set(cal.bins) == set(classes)
        if result.corrected_proba is None:
            assert cal.before is None and cal.correction is None and cal.own is cal
            assert list(cal.table().columns) == list(cal.per_class.columns)  # no before columns
        else:
            after = calibration_table(y, result.corrected_proba, classes, task)
            pd.testing.assert_frame_equal(cal.per_class, after)
            assert cal.correction and cal.own is cal.before
    assert strategy_calibration(cmp_, "baseline").before is None  # never corrected


def test_before_and_after_when_corrected(comparisons):
    cmp_ = comparisons["binary"]
    own = cmp_.results["random_over"].oof_proba
    fixed = shifted(own, 4.0)  # any other probabilities stand in for the correction here
    cmp2 = with_result(cmp_, "random_over", corrected_proba=fixed, correction="prior shift undone")
    cal = strategy_calibration(cmp2, "random_over")
    assert cal.correction == "prior shift undone"
    unrecorded = with_result(cmp_, "random_over", corrected_proba=fixed, correction=None)
    assert strategy_calibration(unrecorded, "random_over").correction == UNRECORDED
    assert UNRECORDED == "Corrected probabilities; how they were made was not recorded"
    pd.testing.assert_frame_equal(
        cal.per_class, calibration_table(cmp_.y_true, fixed, cmp_.classes, "binary")
    )
    pd.testing.assert_frame_equal(
        cal.before.per_class, strategy_calibration(cmp_, "random_over").own.per_class
    )
    assert cal.own is cal.before
    table = cal.table()
    assert list(table["brier_before"]) == list(cal.before.per_class["brier"])
    assert list(table["reliability_before"]) == list(cal.before.per_class["reliability"])
    doc = jsonable(calibration_dict(cal))
    json.dumps(doc)
    assert set(doc) == {"per_class", "log_loss", "bins", "before"}
    assert set(doc["before"]) == {"per_class", "log_loss"}
    assert doc["before"]["log_loss"] == pytest.approx(cal.before.log_loss)
    keys = {"class", "brier", "reliability", "resolution", "uncertainty", "ece", "within_bin"}
    assert set(doc["per_class"][0]) == keys == set(doc["before"]["per_class"][0])
    assert doc["bins"]["n_bins"] == 10 and doc["bins"]["kind"] == "equal-width"
    # the comparison-wide table: own numbers for every strategy, corrected ones beside
    wide = calibration_comparison(cmp2).set_index("strategy")
    important = cmp2.important_class
    assert wide.at["random_over", "reliability"] == cal.before.of(important)["reliability"]
    assert wide.at["random_over", "reliability_corrected"] == cal.of(important)["reliability"]
    assert wide.at["random_over", "log_loss_corrected"] == cal.log_loss
    assert np.isnan(wide.at["baseline", "brier_corrected"])
    assert wide.at["baseline", "correction"] == ""
    assert list(wide.index) == list(cmp2.results)


def test_uncorrected_dict_has_no_before_and_bad_probabilities_are_refused(comparisons):
    cmp_ = comparisons["multilabel"]
    doc = calibration_dict(strategy_calibration(cmp_, "baseline"))
    assert set(doc) == {"per_class", "log_loss", "bins"}
    assert [r["class"] for r in doc["per_class"]] == list(cmp_.classes)
    bad = with_result(cmp_, "baseline", oof_proba=cmp_.results["baseline"].oof_proba + 0.5)
    with pytest.raises(DataError, match="between 0 and 1"):
        strategy_calibration(bad, "baseline")
    failed = with_result(cmp_, "ml_ros", status="failed", error="boom")
    with pytest.raises(DataError, match="boom"):
        strategy_calibration(failed, "ml_ros")
    assert "ml_ros" not in set(calibration_comparison(failed)["strategy"])


# --- the finding ----------------------------------------------------------------------


def broken(cmp_: Comparison) -> Comparison:
    """random_over with its probabilities shifted as by under-sampling to a fifth of the
    majority class, and recall of the important class 0.2 above the baseline's."""
    cls = cmp_.important_class
    base_recall = cmp_.results["baseline"].per_class.set_index("class").at[cls, "recall"]
    own = cmp_.results["random_over"].oof_proba
    out = with_result(cmp_, "random_over", oof_proba=shifted(own, 0.2))
    return with_recall(out, "random_over", cls, min(1.0, base_recall + 0.2))


def test_the_finding_fires_on_recall_bought_with_calibration(comparisons):
    cmp_ = broken(comparisons["binary"])
    cls = cmp_.important_class
    found = calibration_broken(cmp_, "random_over")
    assert [f.code for f in found] == ["calibration_broken"]
    f = found[0]
    rel = strategy_calibration(cmp_, "random_over").own.of(cls)["reliability"]
    rel0 = strategy_calibration(cmp_, "baseline").own.of(cls)["reliability"]
    assert rel >= CALIBRATION_RATIO * rel0 and rel - rel0 >= 0.01
    assert f.evidence["reliability"] == rel and f.evidence["reliability_baseline"] == rel0
    assert f.evidence["class"] == cls and f.evidence["recall_change"] >= 0.05
    assert f.how_to_read == HOW_TO_READ["calibration_broken"]
    assert f"'{cls}'" in f.title
    gain = 100 * f.evidence["recall_change"]
    assert f.message.startswith(
        f"Recall of '{cls}' rose by {gain:.0f} percentage points but the reliability term of "
        f"its predicted probabilities grew from {rel0:.4f} (baseline) to {rel:.4f}: "
    )  # 4 decimals as in the calibration table; no sign on a rise
    assert "by +" not in f.message
    after = strategy_calibration(cmp_, "random_over").of(cls)["reliability"]  # prior undone
    assert f.message.endswith(f" After the correction its reliability is {after:.4f}.")
    assert "calibration_broken" in [g.code for g in strategy_findings(cmp_, "random_over")]
    assert "calibration_broken" in [g.code for g in comparison_findings(cmp_)]
    # never for the baseline itself
    assert calibration_broken(cmp_, "baseline") == []
    assert "calibration_broken" not in [g.code for g in strategy_findings(cmp_, "baseline")]


def test_the_finding_reports_the_corrected_reliability(comparisons):
    cmp_ = broken(comparisons["binary"])
    own = cmp_.results["baseline"].oof_proba  # a correction that restores the baseline's
    cmp_ = with_result(cmp_, "random_over", corrected_proba=own, correction="undone")
    (f,) = calibration_broken(cmp_, "random_over")
    after = strategy_calibration(cmp_, "baseline").of(cmp_.important_class)["reliability"]
    assert f.evidence["reliability_corrected"] == after
    assert f.message.endswith(f" After the correction its reliability is {after:.4f}.")


def test_the_finding_stays_quiet_without_a_recall_gain_or_a_calibration_loss(comparisons):
    cmp_ = comparisons["binary"]
    cls = cmp_.important_class
    base_recall = cmp_.results["baseline"].per_class.set_index("class").at[cls, "recall"]
    # calibration broken, recall not up by 0.05
    no_gain = with_recall(broken(cmp_), "random_over", cls, base_recall + 0.04)
    assert calibration_broken(no_gain, "random_over") == []
    # recall up, probabilities those of the baseline: nothing broken
    same = with_result(
        with_recall(cmp_, "random_over", cls, min(1.0, base_recall + 0.2)),
        "random_over",
        oof_proba=cmp_.results["baseline"].oof_proba,
    )
    assert calibration_broken(same, "random_over") == []
