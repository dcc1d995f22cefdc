"""The report's over-folds companions: beside the pooled F1 of the important class, the pooled
macro F1 and each class's pooled F1, the mean ± sd over the folds that core.analysis.spread
computes, with the outlier fold flagged."""

from __future__ import annotations

from html import unescape

import numpy as np
import pytest
from test_document import parse

from core.analysis.spread import OVER_FOLDS_NOTE, comparison_spreads, spread_text
from core.metrics.per_fold import fold_spread
from core.report.document import ReportBundle
from core.report.strategy_section import folds_cell

TASKS = ("binary", "multilabel")


@pytest.fixture(scope="module")
def html(comparisons, datasets) -> dict[str, str]:
    return {task: ReportBundle(comparisons[task], datasets[task]).html for task in TASKS}


@pytest.mark.parametrize("task", TASKS)
def test_report_shows_the_spread_over_folds_beside_the_pooled_figures(html, comparisons, task):
    comparison = comparisons[task]
    spreads = comparison_spreads(comparison)
    important = comparison.important_class
    cells = parse(html[task]).cells
    seen = {"important_f1_folds": 0, "macro_f1_folds": 0, "f1_folds": 0}
    for cell in cells:
        if cell["metric"] not in seen:
            continue
        spread = spreads[cell["strategy"]]
        if cell["metric"] == "important_f1_folds":
            assert cell["table"] == "comparison"
            expected = spread.class_f1[important]
        elif cell["metric"] == "macro_f1_folds":
            assert cell["table"] == "comparison"
            expected = spread.summary["macro_f1"]
        else:
            assert cell["table"] == "per-class"
            expected = spread.class_f1[cell["class"]]
        assert cell["text"] == spread_text(expected)
        assert float(cell["value"]) == expected.mean
        assert " ± " in cell["text"]
        seen[cell["metric"]] += 1
    n_ok = sum(r.ok for r in comparison.results.values())
    assert seen == {
        "important_f1_folds": n_ok,
        "macro_f1_folds": n_ok,
        "f1_folds": n_ok * len(comparison.classes),
    }
    text = unescape(html[task])
    assert f"F1 of '{important}' over folds" in text and "Macro F1 over folds" in text
    assert text.count(OVER_FOLDS_NOTE) == 1 + n_ok  # the comparison and each strategy's table


def test_an_outlier_fold_is_flagged_in_the_cell():
    flagged = folds_cell(fold_spread([0.80, 0.81, 0.79, 0.80, 0.40]), key="f1_folds")
    assert flagged.text == "0.720 ± 0.179, fold 5 outlier (0.400)"
    assert flagged.cls == "outlier" and flagged.num and flagged.key == "f1_folds"
    assert float(flagged.value) == pytest.approx(0.72)
    calm = folds_cell(fold_spread([0.8, 0.82, 0.78]), key="f1_folds")
    assert calm.cls is None and calm.text == "0.800 ± 0.020"
    empty = folds_cell(fold_spread([np.nan]), key="f1_folds")
    assert empty.value is None and empty.text == "–"
    assert folds_cell(None, key="x").text == "–"
