"""core.analysis.findings: every finding code has a "how to read it"; a class is "left behind"
only when the other classes really do well, and one finding says so when most classes fail
(issue 15)."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from core.analysis import findings
from core.analysis.findings import (
    FINDING_CODES,
    HOW_TO_READ,
    comparison_findings,
    left_behind,
    low_recall,
    overfitting,
    precision_collapse,
    strategy_findings,
)
from core.evaluation.comparison import Comparison

SOURCE = Path(findings.__file__)


def with_recalls(cmp_: Comparison, recalls: list[float], name: str = "baseline") -> Comparison:
    """``cmp_`` with ``name``'s per-class recalls replaced (in class order)."""
    result = cmp_.results[name]
    table = result.per_class.copy()
    table["recall"] = table["class"].map(dict(zip(cmp_.classes, recalls, strict=True)))
    results = dict(cmp_.results)
    results[name] = dataclasses.replace(result, per_class=table)
    return dataclasses.replace(cmp_, results=results)


def codes_of(found) -> list[str]:
    return [f.code for f in found]


# --- the mapping ------------------------------------------------------------------------


def test_the_mapping_covers_every_code_the_module_emits():
    emitted = set()
    calls_of_finding = 0
    for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_finding":
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str)
            emitted.add(first.value)
        calls_of_finding += isinstance(node, ast.Call) and getattr(node.func, "id", None) == (
            "Finding"
        )
    assert emitted == set(FINDING_CODES) == set(HOW_TO_READ)
    assert calls_of_finding == 1  # only _finding builds one, so every one reads the mapping
    for code, text in HOW_TO_READ.items():
        assert text.strip() and len(text) <= 400 and text.rstrip().endswith("."), code


def test_every_code_emitted_says_how_to_read_it(comparisons, datasets):
    multiclass = comparisons["multiclass"]
    made = []
    made += low_recall(with_recalls(multiclass, [0.9, 0.8, 0.1]), "baseline")
    made += low_recall(with_recalls(multiclass, [0.0, 0.01, 0.02]), "baseline")
    # a training-vs-validation F1 gap of 0.5 for one class
    base = multiclass.results["baseline"]
    cls = multiclass.classes[0]
    gap = dataclasses.replace(
        base,
        train_class_f1=tuple({**d, cls: 1.0} for d in base.train_class_f1),
        fold_class_f1=tuple({**d, cls: 0.5} for d in base.fold_class_f1),
    )
    made += overfitting(
        dataclasses.replace(multiclass, results={**multiclass.results, "baseline": gap}), "baseline"
    )
    binary = comparisons["binary"]
    table = binary.results["baseline"].per_class.copy()
    worse = table.copy()
    worse["recall"] = (table["recall"] + 0.3).clip(upper=1.0)
    worse["precision"] = table["precision"] * 0.3
    over = dataclasses.replace(binary.results["random_over"], per_class=worse)
    made += precision_collapse(
        dataclasses.replace(binary, results={**binary.results, "random_over": over}),
        "random_over",
    )
    failed = dataclasses.replace(binary.results["class_weight"], status="failed", error="boom")
    made += comparison_findings(
        dataclasses.replace(binary, results={**binary.results, "class_weight": failed})
    )
    tuned = binary.results["threshold_tuning"]  # cuts 0.1 ... 0.6 over the folds: unstable
    moving = dataclasses.replace(tuned, thresholds=((0.1,), (0.35,), (0.6,)))
    made += findings.threshold_unstable(
        dataclasses.replace(binary, results={**binary.results, "threshold_tuning": moving}),
        "threshold_tuning",
    )
    # recall up with probabilities far less reliable than the baseline's (issue 16)
    shifted = binary.results["baseline"].oof_proba.copy()
    shifted[:, 0] **= 4  # the majority class's probability pushed down, as after under-sampling
    shifted[:, 1] = 1 - shifted[:, 0]
    bought = dataclasses.replace(over, oof_proba=shifted)
    made += findings.calibration_broken(
        dataclasses.replace(binary, results={**binary.results, "random_over": bought}),
        "random_over",
    )
    assert set(codes_of(made)) == set(FINDING_CODES)
    for f in made:
        assert f.how_to_read == HOW_TO_READ[f.code] and f.how_to_read
        assert f.to_dict()["how_to_read"] == f.how_to_read
    # words on screen: strategy names are names, any other snake_case key is not a word;
    # a rise is said without a sign ("rose by 30 percentage points", never "by +30")
    names = sorted({*binary.results, *multiclass.results}, key=len, reverse=True)
    for f in made:
        said = " ".join((f.title, f.message, f.suggestion, f.how_to_read))
        for name in names:
            said = said.replace(name, "")
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", said), (f.code, said)
        assert "by +" not in said and "by -" not in said, f.code
    (collapse,) = [f for f in made if f.code == "precision_collapse"]
    gain = 100 * collapse.evidence["recall_change"]
    assert f"rose by {gain:.0f} percentage points (to " in collapse.message


# --- left behind only when the others do well (issue 15) ---------------------------------


@pytest.mark.parametrize(
    ("recall", "median_other", "expected"),
    [
        (0.0, 0.95, True),
        (0.0, 0.01, False),  # the old rule said yes: 0 < 0.6 and 0 < 0.5 * 0.01
        (0.1, 0.45, False),  # the others do not do well either
        (0.25, 0.54, False),  # 0.25 < 0.27 but only 0.29 apart
        (0.2, 0.5, True),  # exactly 0.3 apart, exactly 0.5: counts (0.5 - 0.2 is 0.3 in floats)
        (0.4, 0.7, False),  # 0.4 is not below half of 0.7
        (0.3, 0.7, True),  # 0.7 - 0.3 is 0.39999...: far enough
        (0.6, 1.0, False),  # 60% is not low
    ],
)
def test_left_behind_rule(recall, median_other, expected):
    assert left_behind(recall, median_other) is expected


def test_a_class_is_left_behind_when_the_others_do_well(comparisons):
    cmp_ = with_recalls(comparisons["multiclass"], [0.9, 0.8, 0.1])
    found = low_recall(cmp_, "baseline")
    third = cmp_.classes[2]
    assert codes_of(found) == ["low_recall"]
    f = found[0]
    assert f.evidence["class"] == third and f.evidence["median_other_recall"] == pytest.approx(0.85)
    assert f.title == f"'{third}' is left behind by baseline"
    assert f"Recall of '{third}' is 10% while the other classes have a median recall of 85%" in (
        f.message
    )


def test_when_every_class_fails_one_finding_says_so(comparisons):
    cmp_ = with_recalls(comparisons["multiclass"], [0.0, 0.01, 0.02])
    found = low_recall(cmp_, "baseline")
    assert codes_of(found) == ["poor_recall"]  # not three "left behind"
    f = found[0]
    assert f.title == "No class is recalled well by baseline"
    assert f.severity == "warning"
    assert "below 30% for 3 of 3 classes (median 1%" in f.message
    a, b, c = cmp_.classes
    assert f"lowest '{a}' 0%, '{b}' 1%, '{c}' 2%" in f.message
    assert "left behind" not in f.title and "little of any of them" in f.message
    assert f.evidence["recalls"] == {a: 0.0, b: 0.01, c: 0.02}
    # the whole comparison says it once for the baseline, as the strategy's own findings do
    assert codes_of(comparison_findings(cmp_)).count("poor_recall") == 1
    assert "low_recall" not in codes_of(comparison_findings(cmp_))
    assert codes_of(strategy_findings(cmp_, "baseline")).count("poor_recall") == 1


@pytest.mark.parametrize(
    "recalls",
    [
        [0.25, 0.52, 0.54],  # 0.25 is below half the others' median 0.53, but only 0.28 apart
        [0.9, 0.48, 0.35],  # the rarer classes are mediocre, not failed: 0 of 3 below 30%
    ],
)
def test_neither_left_behind_nor_a_general_failure(comparisons, recalls):
    assert low_recall(with_recalls(comparisons["multiclass"], recalls), "baseline") == []


def test_binary_minority_at_zero_is_left_behind_not_a_general_failure(comparisons):
    cmp_ = with_recalls(comparisons["binary"], [0.99, 0.0])  # one of two below 50%: not most
    found = low_recall(cmp_, "baseline")
    assert codes_of(found) == ["low_recall"]
    assert found[0].evidence["class"] == cmp_.classes[1]


def test_most_labels_poorly_recalled_names_the_ones_that_do_better(comparisons):
    cmp_ = comparisons["multilabel"]
    labels = cmp_.classes
    assert len(labels) >= 3
    recalls = [0.8] + [0.05] * (len(labels) - 1)
    found = low_recall(with_recalls(cmp_, recalls), "baseline")
    assert codes_of(found) == ["poor_recall"]
    f = found[0]
    assert f.title == "Most labels are recalled poorly by baseline"
    assert f"Only '{labels[0]}' (80%) does better." in f.message
    assert "little of most of them" in f.message
    assert f"for {len(labels) - 1} of {len(labels)} labels" in f.message
    assert "one per label" in f.suggestion
