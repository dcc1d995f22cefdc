"""core.intake.columns: feature typing and the small helpers target detection shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.intake.columns import (
    ColumnDecision,
    id_like_name,
    number_label,
    shorten,
    strip_text,
    type_feature,
)


def test_shorten_names_how_many_more():
    assert shorten(["a", "b"], 3) == "a, b"
    assert shorten(["a", "b", "c", "d"], 2) == "a, b, ... (2 more)"


def test_strip_text_blanks_become_missing_and_numbers_are_untouched():
    s = pd.Series([" a ", "  ", None], dtype="str")
    got = strip_text(s)
    assert got.iloc[0] == "a" and got.iloc[1:].isna().all()
    numbers = pd.Series([1.0, 2.0])
    assert strip_text(numbers) is numbers


@pytest.mark.parametrize(
    ("name", "expected"),
    [("id", True), ("customer_id", True), ("customerId", True), ("Row", True),
     ("idea", False), ("width", False), ("grade", False)],
)  # fmt: skip
def test_id_like_names(name, expected):
    assert id_like_name(name) is expected


def test_number_labels():
    assert number_label("7", 7.0) == "7"
    assert number_label(None, 3.0) == "3"
    assert number_label(None, 2.5) == "2.5"


def test_type_feature_decisions():
    n = 60
    numeric, values = type_feature("x", pd.Series(np.r_[np.arange(59) * 0.5, np.nan]), n)
    assert numeric == ColumnDecision("x", "numeric", "numeric; 1 missing")
    assert values.dtype == np.float64
    constant, values = type_feature("c", pd.Series([4] * n), n)
    assert constant == ColumnDecision("c", "dropped", "constant: every value is 4")
    assert values is None
    seq, _ = type_feature("n", pd.Series(np.arange(n)), n)
    assert seq.reason == "ID-like: 60 distinct values in 60 rows (an integer sequence)"
    cat, values = type_feature("city", pd.Series(["Oslo", "Lima"] * 30, dtype="str"), n)
    assert cat == ColumnDecision("city", "categorical", "categorical: 2 distinct values")
    assert values.dtype == object and values.iloc[1] == "Lima"
    dates, values = type_feature("d", pd.Series(["2024-01-01", "2024-01-03"] * 30, dtype="str"), n)
    assert dates.kind == "datetime"
    assert values.iloc[:2].tolist() == [19723.0, 19725.0]  # days since 1970-01-01
    empty, _ = type_feature("e", pd.Series([np.nan] * n), n)
    assert empty == ColumnDecision("e", "dropped", "all missing (60 rows)")
