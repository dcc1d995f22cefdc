"""core.intake.columns: feature typing and the small helpers target detection shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import decisions, raw_of

from core.errors import DataError
from core.intake.columns import (
    ColumnDecision,
    id_like_name,
    number_label,
    shorten,
    strip_text,
    type_feature,
)
from core.intake.dataset import build_dataset


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


# -- feature typing ----------------------------------------------------------------------------


def _typing_frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    days = pd.date_range("2020-01-01", periods=n, freq="D")
    junk = rng.normal(size=n).round(3).astype(str)
    junk[:3] = "n.a."
    sparse = np.full(n, "", dtype=object)
    sparse[:5] = "x"
    return pd.DataFrame({
        "row": np.arange(n),
        "Unnamed": np.arange(100, 100 + n)[rng.permutation(n)],
        "uuid": [f"{i:08x}-1c2d-4e5f-8a9b-{rng.integers(1 << 40):012x}" for i in range(n)],
        "customer_id": [f"CU{i}" for i in rng.permutation(n)],
        "user_key": rng.permutation(n) * 7 + 3,  # unique, not a sequence, named like a key
        "income": rng.integers(10_000, 10**9, n),  # unique integers but not an ID
        "ratio": rng.normal(size=n),
        "flag": rng.choice(["true", "false"], n),
        "iso_date": days.strftime("%Y-%m-%d"),
        "eu_date": days.strftime("%d/%m/%Y"),
        "stamp": days.strftime("%Y-%m-%dT12:00:00Z"),  # pyarrow reads these as UTC timestamps
        "city": rng.choice(["Paris", "Rome", "Oslo"], n),
        "const_text": "same",
        "const_num": 7,
        "empty": "",
        "sparse": sparse,
        "comment": [f"free text number {i} here" for i in range(n)],
        "codes": [f"P{i % 120}" for i in range(n)],
        "junk_num": junk,
        "y": rng.integers(0, 2, n),
    })  # fmt: skip


def test_feature_typing_decisions_and_reasons():
    n = 200
    ds = build_dataset(raw_of(_typing_frame(n).to_csv(index=False)), "y")
    got = {c: (d.kind, d.reason) for c, d in decisions(ds).items()}
    assert got["row"] == (
        "dropped",
        "ID-like: 200 distinct values in 200 rows (an integer sequence)",
    )
    assert got["Unnamed"][0] == "dropped" and "integer sequence" in got["Unnamed"][1]
    assert got["uuid"] == ("dropped", "ID-like: 200 distinct values in 200 rows")
    assert got["customer_id"] == ("dropped", "ID-like: 200 distinct values in 200 rows")
    assert got["user_key"] == ("dropped", "ID-like: 200 distinct values in 200 rows")
    assert got["stamp"] == ("datetime", "datetime -> days since 1970-01-01")
    assert got["income"] == ("numeric", "numeric; read as int32 (lossless)")
    assert got["ratio"] == ("numeric", "numeric")
    assert got["flag"] == ("numeric", "numeric")
    assert got["iso_date"] == ("datetime", "datetime -> days since 1970-01-01")
    assert got["eu_date"] == (
        "datetime",
        "datetime: 100% of 200 values parse as dates -> days since 1970-01-01",
    )
    assert got["city"] == ("categorical", "categorical: 3 distinct values")
    assert got["const_text"] == ("dropped", "constant: every value is 'same'")
    assert got["const_num"] == ("dropped", "constant: every value is 7")
    assert got["empty"] == ("dropped", "all missing (200 rows)")
    assert got["sparse"] == ("dropped", "98% missing (195 of 200 rows)")
    assert got["comment"] == (
        "dropped",
        "high-cardinality text: 200 distinct values in 200 rows (over 50 to one-hot)",
    )
    assert got["codes"] == (
        "dropped",
        "high-cardinality text: 120 distinct values in 200 rows (over 50 to one-hot)",
    )
    assert got["junk_num"] == ("numeric", "numeric; 3 non-numeric values ('n.a.') read as missing")
    assert got["y"] == ("target", "target (binary: 2 classes)")


def test_feature_matrix_dtypes_and_values():
    frame = _typing_frame()
    ds = build_dataset(raw_of(frame.to_csv(index=False)), "y")
    assert list(ds.X.columns) == [
        "income", "ratio", "flag", "iso_date", "eu_date", "stamp", "city", "junk_num"
    ]  # fmt: skip
    assert ds.numeric_features == (
        "income", "ratio", "flag", "iso_date", "eu_date", "stamp", "junk_num"
    )  # fmt: skip
    assert ds.categorical_features == ("city",)
    for col in ds.numeric_features:
        assert ds.X[col].dtype == np.float64, col
    assert ds.X["city"].dtype == object
    assert all(type(v) is str for v in ds.X["city"])
    assert ds.X["flag"].tolist() == (frame["flag"] == "true").astype(float).tolist()
    first_day = (pd.Timestamp("2020-01-01") - pd.Timestamp("1970-01-01")).days  # 18262
    expected_days = np.arange(first_day, first_day + len(frame), dtype=float)
    np.testing.assert_array_equal(ds.X["iso_date"], expected_days)
    np.testing.assert_array_equal(ds.X["eu_date"], expected_days)  # day first: 13/01/2020 ...
    np.testing.assert_array_equal(ds.X["stamp"], expected_days + 0.5)
    assert ds.X["junk_num"].isna().sum() == 3
    assert isinstance(ds.X.index, pd.RangeIndex)
    np.testing.assert_array_equal(ds.y, frame["y"].to_numpy())
    assert ds.row_ids.tolist() == list(range(len(frame)))


def test_categorical_keeps_missing_as_nan_and_booleans_with_gaps_are_numeric():
    raw = raw_of("c,b,y\nred,true,0\n,false,1\nblue,,0\nred,true,1\n")
    ds = build_dataset(raw, "y")
    assert ds.X["c"].iloc[1] is np.nan or pd.isna(ds.X["c"].iloc[1])
    assert ds.X["c"].tolist()[::2] == ["red", "blue"]
    assert decisions(ds)["c"].reason == "categorical: 2 distinct values; 1 missing"
    assert decisions(ds)["b"] == ColumnDecision("b", "numeric", "numeric; 1 missing")
    assert ds.X["b"].tolist()[:2] == [1.0, 0.0] and np.isnan(ds.X["b"].iloc[2])


def test_no_usable_feature_lists_why_each_column_was_dropped():
    raw = raw_of("id,k,e,y\n1,a,,0\n2,a,,1\n3,a,,0\n4,a,,1\n")
    with pytest.raises(
        DataError,
        match=r"No usable feature column is left: 'id' \(ID-like.*"
        r"'k' \(constant: every value is 'a'\), 'e' \(all missing \(4 rows\)\)",
    ):
        build_dataset(raw, "y")
