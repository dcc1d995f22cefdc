"""core.analysis.spread: scores over the folds beside the pooled ones, checked against numpy
on real comparisons' fold scores, and the texts the views show."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.analysis.spread import (
    FOLDS_SUFFIX,
    OVER_FOLDS_NOTE,
    StrategySpread,
    comparison_spreads,
    outlier_notes,
    over_folds_table,
    spread_text,
    strategy_spread,
    with_f1_over_folds,
)
from core.evaluation.crossval import StrategyResult
from core.metrics.per_fold import fold_spread

TASKS = ("binary", "multiclass", "multilabel")


@pytest.mark.parametrize("task", TASKS)
def test_spreads_equal_numpy_on_the_fold_scores(comparisons, task):
    comparison = comparisons[task]
    spreads = comparison_spreads(comparison)
    assert list(spreads) == list(comparison.results)
    for name, result in comparison.results.items():
        spread = spreads[name]
        assert spread.strategy == name
        if not result.ok:
            assert spread.summary == {} and spread.class_f1 == {}
            continue
        assert list(spread.summary) == list(result.summary)  # the pooled metrics, same order
        for m, s in spread.summary.items():
            x = np.array([f[m] for f in result.fold_scores])
            assert s.n == comparison.config.cv == len(x)
            assert s.mean == pytest.approx(np.mean(x), abs=1e-12)
            assert s.sd == pytest.approx(np.std(x, ddof=1), abs=1e-12)
            assert (s.low, s.high) == (x.min(), x.max())
        assert list(spread.class_f1) == list(comparison.classes)
        for c, s in spread.class_f1.items():
            x = np.array([f[c] for f in result.fold_class_f1])
            assert s.mean == pytest.approx(np.mean(x), abs=1e-12)
            assert s.sd == pytest.approx(np.std(x, ddof=1), abs=1e-12)


def _result(fold_scores, fold_class_f1, summary=None, per_class=None) -> StrategyResult:
    return StrategyResult(
        name="s",
        status="ok",
        error=None,
        fold_of_row=np.zeros(1, dtype=np.intp),
        summary=summary if summary is not None else dict(fold_scores[0]),
        per_class=per_class,
        fold_scores=tuple(fold_scores),
        fold_class_f1=tuple(fold_class_f1),
    )


def test_strategy_spread_on_a_hand_example():
    macro = [0.80, 0.81, 0.79, 0.80, 0.40]
    result = _result(
        [{"macro_f1": v, "accuracy": 0.9} for v in macro],
        [{"a": 0.9, "b": v} for v in macro],
    )
    spread = strategy_spread(result, classes=("b", "a"))
    assert list(spread.class_f1) == ["b", "a"]  # the order asked for
    assert spread.summary["macro_f1"].outlier_fold == 4
    assert spread.summary["accuracy"].sd == 0.0 and spread.summary["accuracy"].outlier_fold is None
    assert spread.class_f1["b"] == fold_spread(macro)
    d = spread.to_dict()
    assert set(d) == {"summary", "per_class_f1"}
    assert d["summary"]["macro_f1"]["outlier_fold"] == 4
    assert d["per_class_f1"]["a"]["mean"] == pytest.approx(0.9)
    failed = StrategyResult("f", "failed", "boom", np.zeros(1, dtype=np.intp))
    assert strategy_spread(failed).to_dict() == {"summary": {}, "per_class_f1": {}}


def test_spread_text_as_the_views_show_it():
    assert spread_text(fold_spread([0.8, 0.82, 0.78, 0.81, 0.79])) == "0.800 ± 0.016"
    flagged = fold_spread([0.80, 0.81, 0.79, 0.80, 0.40])
    assert spread_text(flagged) == "0.720 ± 0.179, fold 5 outlier (0.400)"  # folds from 1
    assert spread_text(flagged, digits=2) == "0.72 ± 0.18, fold 5 outlier (0.40)"
    assert spread_text(fold_spread([np.nan, 0.7])) == "0.700 (1 fold)"
    assert spread_text(fold_spread([np.nan])) == "–"
    assert spread_text(None) == "–"
    assert "Pooled" in OVER_FOLDS_NOTE and "Over folds" in OVER_FOLDS_NOTE


def test_over_folds_table_and_per_class_column(comparisons):
    comparison = comparisons["multiclass"]
    important = comparison.important_class
    table = over_folds_table(comparison, ["macro_f1", "accuracy"], important)
    assert list(table.columns) == ["strategy", "important_f1", "important_f1_folds",
                                   "macro_f1_folds", "accuracy_folds"]  # fmt: skip
    assert list(table["strategy"]) == list(comparison.results)
    spreads = comparison_spreads(comparison)
    for row in table.itertuples(index=False):
        result = comparison.results[row.strategy]
        pooled = result.per_class.set_index("class").at[important, "f1"]
        assert row.important_f1 == pooled
        assert row.important_f1_folds == spread_text(spreads[row.strategy].class_f1[important])
        assert row.macro_f1_folds == spread_text(spreads[row.strategy].summary["macro_f1"])
        assert " ± " in row.macro_f1_folds
    result = comparison.results["baseline"]
    shown = with_f1_over_folds(result.per_class, spreads["baseline"])
    cols = list(shown.columns)
    assert cols[cols.index("f1") + 1] == "f1" + FOLDS_SUFFIX
    pd.testing.assert_frame_equal(shown.drop(columns="f1_folds"), result.per_class)
    assert "f1_folds" not in result.per_class  # a copy
    for cls, text in zip(shown["class"], shown["f1_folds"], strict=True):
        assert text == spread_text(spreads["baseline"].class_f1[str(cls)])


def test_a_failed_strategy_shows_dashes():
    failed = StrategyResult("f", "failed", "boom", np.zeros(1, dtype=np.intp))
    spread = StrategySpread("f")
    table = pd.DataFrame({"class": ["a"], "f1": [math.nan]})
    assert with_f1_over_folds(table, spread)["f1_folds"].tolist() == ["–"]
    assert strategy_spread(failed) == spread


def test_outlier_notes_name_the_fold_and_the_other_folds_mean():
    result = _result(
        [{"macro_f1": 0.8}] * 5,
        [{"a": 0.9, "b": v} for v in (0.80, 0.81, 0.79, 0.80, 0.40)],
    )
    notes = outlier_notes(strategy_spread(result), noun="label")
    assert notes == [
        "F1 of label 'b': fold 5 scored 0.400 against 0.800 on average on the other folds; "
        "look at what that fold's rows hold before trusting the pooled F1."
    ]
    assert outlier_notes(StrategySpread("s")) == []


def test_a_predictions_file_counts_parts_not_folds():
    flagged = fold_spread([0.80, 0.81, 0.79, 0.80, 0.40])
    assert spread_text(flagged, part="part") == "0.720 ± 0.179, part 5 outlier (0.400)"
    assert spread_text(fold_spread([np.nan, 0.7]), part="part") == "0.700 (1 part)"
    result = _result(
        [{"macro_f1": 0.8}] * 5,
        [{"a": 0.9, "b": v} for v in (0.80, 0.81, 0.79, 0.80, 0.40)],
    )
    (note,) = outlier_notes(strategy_spread(result), noun="class", part="part")
    assert note.startswith("F1 of class 'b': part 5 scored 0.400 against 0.800")
    assert "other parts; look at what that part's rows" in note
