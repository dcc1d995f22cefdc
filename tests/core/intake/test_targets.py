"""core.intake.targets: checking and encoding the chosen target column(s)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.intake.columns import ColumnDecision
from core.intake.targets import ParsedTarget, parse_target


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
    got = parse_target(frame, "tags", label_sep="|", notes=[])
    assert got.classes == ("x", "y", "z")
    np.testing.assert_array_equal(got.y, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(got.keep, [True, True, True, False])


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
