"""core.intake.targets: checking and encoding the chosen target column(s)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import raw_of

from core.errors import DataError
from core.intake.columns import ColumnDecision
from core.intake.targets import ParsedTarget, TargetSuggestion, parse_target, suggest_target


def test_one_column_becomes_codes_in_sorted_class_order():
    frame = pd.DataFrame({"y": ["no", "yes", None, "no", " yes "], "x": [1, 2, 3, 4, 5]})
    notes: list[str] = []
    got = parse_target(frame, "y", notes=notes)
    assert isinstance(got, ParsedTarget)
    assert got.columns == ("y",)
    assert got.classes == ("no", "yes")
    np.testing.assert_array_equal(got.y, [0, 1, 0, 1])  # blanks stripped, missing row dropped
    np.testing.assert_array_equal(got.keep, [True, True, False, True, True])
    assert got.decisions == {"y": ColumnDecision("y", "target", "target (binary: 2 classes)")}
    assert notes == []


def test_numeric_classes_sort_as_numbers():
    frame = pd.DataFrame({"grade": [10, 2, 2, 10, 1]})
    got = parse_target(frame, "grade", notes=[])
    assert got.classes == ("1", "2", "10")
    np.testing.assert_array_equal(got.y, [2, 1, 1, 2, 0])


def test_several_01_columns_are_a_label_matrix_and_never_set_labels_are_dropped():
    frame = pd.DataFrame({"a": [1, 0, 1, 0], "b": ["yes", "no", "no", "yes"], "c": [0, 0, 0, 0]})
    notes: list[str] = []
    got = parse_target(frame, ["a", "b", "c"], notes=notes)
    assert got.classes == ("a", "b")
    assert got.y.dtype == np.int8
    np.testing.assert_array_equal(got.y, [[1, 1], [0, 0], [1, 0], [0, 1]])
    assert got.decisions["c"].kind == "dropped"
    assert got.decisions["a"].reason == "label column: 1 in 2 of 4 rows (50.0%)"
    assert notes == ["Dropped label(s) that never occur (all 0): c."]


def test_label_sets_split_on_the_separator():
    frame = pd.DataFrame({"tags": ["x|y", "y", "z|x", None]})
    notes: list[str] = []
    got = parse_target(frame, "tags", label_sep="|", notes=notes)
    assert got.classes == ("x", "y", "z")
    # a missing cell is an empty label set (as mldr counts it): kept, with no label
    np.testing.assert_array_equal(got.y, [[1, 1, 0], [0, 1, 0], [1, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(got.keep, [True, True, True, True])
    assert notes == [
        "1 row of 'tags' carries no label (an empty label set); it is kept as a row with none "
        "of the labels."
    ]


@pytest.mark.parametrize(
    ("target", "label_sep", "message"),
    [
        ("Y", None, "Target column 'Y' is not in the file"),
        ("one", None, "has only one class"),
        (["a", "one"], "|", "label_sep applies to one target column"),
        (["a", "zero"], None, "Only one label ('a') occurs"),
    ],
)
def test_unusable_targets_are_refused(target, label_sep, message):
    frame = pd.DataFrame({"y": [0, 1, 0, 1], "one": ["k"] * 4, "a": [1, 0, 1, 0], "zero": [0] * 4})
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_target(frame, target, label_sep=label_sep, notes=[])


# -- target suggestion -------------------------------------------------------------------------


def test_suggest_prefers_a_target_like_name():
    rng = np.random.default_rng(1)
    n = 120
    frame = pd.DataFrame({
        "customer_id": np.arange(n),
        "Outcome": rng.choice(["won", "lost"], n),
        "income": rng.normal(size=n),
        "region": rng.choice(list("abcd"), n),
    })  # fmt: skip
    guess = suggest_target(raw_of(frame.to_csv(index=False)))
    assert isinstance(guess, TargetSuggestion)
    assert guess.column == "Outcome"
    assert "named like a target" in guess.reason
    assert guess.candidates == (("Outcome", 2), ("region", 4))


@pytest.mark.parametrize("name", ["churn", "is_fraud", "has_defect", "Species", "y", "label"])
def test_suggest_recognises_names(name):
    frame = pd.DataFrame({"x": range(40), name: [0, 1, 2, 3] * 10, "last": [5, 6] * 20})
    assert suggest_target(raw_of(frame.to_csv(index=False))).column == name


def test_suggest_falls_back_to_the_last_low_cardinality_column_and_lists_01_columns():
    rng = np.random.default_rng(2)
    n = 200
    frame = pd.DataFrame({
        "flag_a": rng.integers(0, 2, n),
        "flag_b": rng.choice(["yes", "no"], n),
        "grade": rng.integers(1, 6, n),
        "score": rng.normal(size=n),  # continuous
        "row": np.arange(n),  # ID-like
        "when": pd.date_range("2021-01-01", periods=n).astype(str),
    })  # fmt: skip
    guess = suggest_target(raw_of(frame.to_csv(index=False)))
    assert guess.column == "grade"
    assert "No column is named like a target" in guess.reason
    assert [c for c, _ in guess.candidates] == ["grade", "flag_b", "flag_a"]
    assert guess.label_columns == ("flag_a", "flag_b")


def test_suggest_nothing_when_no_column_fits_and_mentions_label_sets():
    n = 100
    frame = pd.DataFrame({
        "x": np.linspace(0, 1, n),
        "tags": [["a|b", "b|c", "a|c", "a"][i % 4] + f"|t{i % 7}" for i in range(n)],
    })  # fmt: skip
    guess = suggest_target(raw_of(frame.to_csv(index=False)))
    assert guess.column is None and guess.candidates == ()
    assert "pick the target yourself" in guess.reason
    assert "'tags' looks like label sets separated by '|'" in guess.reason
