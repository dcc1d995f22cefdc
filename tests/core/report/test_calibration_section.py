"""core.report.calibration_section: the report's calibration table per strategy carries core's
numbers exactly (``data-value``), with the log loss and the binning in its note; before and
after columns when the probabilities were corrected."""

from __future__ import annotations

import dataclasses

from core.analysis.calibration import strategy_calibration
from core.report.calibration_section import SHOWN, calibration_section
from core.report.parts import FigureStore


def test_the_table_holds_cores_numbers(comparisons):
    cmp_ = comparisons["multilabel"]
    store = FigureStore()
    part = calibration_section(cmp_, "baseline", store)
    cal = strategy_calibration(cmp_, "baseline")
    table = part["calibration"]
    assert table.columns[0] == "Label" and table.columns[1] == "Brier score"
    assert len(table.columns) == 1 + len(SHOWN)
    for row, rec in zip(table.rows, cal.per_class.to_dict("records"), strict=True):
        assert row[0].text == rec["class"]
        assert [float(c.value) for c in row[1:]] == [rec[k] for k in SHOWN]
        assert [c.key for c in row[1:]] == list(SHOWN)
    assert f"Log loss {cal.log_loss:.4f}." in part["calibration_note"]
    assert (
        "Bins: 10 equal-width bins of the predicted probability (0–0.1, …, 0.9–1; a value on an "
        "inner edge goes to the lower bin)."
    ) in part["calibration_note"]
    assert "ece_bins" not in part["calibration_note"]
    assert store.charts == [part["calibration_chart"]]  # the reliability diagram, no "before"
    assert "before correction" not in part["calibration_chart"].spec


def test_before_and_after_when_corrected(comparisons):
    cmp_ = comparisons["binary"]
    fixed = dataclasses.replace(
        cmp_.results["random_over"],
        corrected_proba=cmp_.results["baseline"].oof_proba,
        correction="by hand",
    )
    cmp_ = dataclasses.replace(cmp_, results={**cmp_.results, "random_over": fixed})
    part = calibration_section(cmp_, "random_over", FigureStore())
    cal = strategy_calibration(cmp_, "random_over")
    table = part["calibration"]
    assert table.columns[-2:] == ["Brier score before correction", "Reliability before correction"]
    own = cal.before.per_class
    assert [float(r[-2].value) for r in table.rows] == list(own["brier"])
    assert [float(r[-1].value) for r in table.rows] == list(own["reliability"])
    note = part["calibration_note"]
    assert "The numbers are those of the corrected probabilities. By hand. The dashed" in note
    assert "(by hand)" not in note
    assert "before correction" in part["calibration_chart"].spec
    assert f"({cal.before.log_loss:.4f} before correction)" in part["calibration_note"]
