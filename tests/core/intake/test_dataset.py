"""core.intake.dataset: target and task detection through ``build_dataset``, target errors,
and the Dataset itself (file facts, schema, ``load_dataset``)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from helpers import SIMPLE, decisions, raw_of

from core.errors import DataError
from core.intake.columns import ColumnDecision
from core.intake.dataset import build_dataset, load_dataset, read_table, schema_frame

# -- task detection ----------------------------------------------------------------------------


def test_binary_from_01_integers():
    ds = build_dataset(raw_of(SIMPLE), "y")
    assert ds.task == "binary"
    assert ds.classes == ("0", "1")
    assert ds.y.dtype == np.int64
    assert ds.y.tolist() == [0, 1, 0, 1]
    assert ds.target == ("y",)
    assert decisions(ds)["y"] == ColumnDecision("y", "target", "target (binary: 2 classes)")


def test_float_coded_classes_keep_their_natural_form_and_missing_targets_are_dropped():
    raw = raw_of("f,y\n1.5,1.0\n2,\n3,0.0\n4,NA\n5,1\n6,0\n")
    ds = build_dataset(raw, "y")
    assert ds.classes == ("0", "1")
    assert ds.y.tolist() == [1, 0, 1, 0]
    assert ds.row_ids.dtype == np.int64
    assert ds.row_ids.tolist() == [0, 2, 4, 5]
    assert ds.n_dropped_missing_target == 2
    assert ds.X["f"].tolist() == [1.5, 3.0, 5.0, 6.0]
    assert ds.X.index.tolist() == [0, 1, 2, 3]
    assert any("Dropped 2 rows with a missing target (y)" in n for n in ds.notes)


def test_numeric_classes_are_ordered_numerically():
    ds = build_dataset(raw_of("f,y\n.1,10\n.2,2\n.3,1\n.4,2\n"), "y")
    assert ds.task == "multiclass"
    assert ds.classes == ("1", "2", "10")
    assert ds.y.tolist() == [2, 1, 0, 1]
    assert ds.class_counts == {"1": 1, "2": 2, "10": 1}


def test_string_classes_are_sorted_and_stripped():
    ds = build_dataset(raw_of("f,y\n.1, b\n.2,a \n.3,c\n.4,b\n"), "y")
    assert ds.classes == ("a", "b", "c")
    assert ds.y.tolist() == [1, 0, 2, 1]


def test_boolean_target():
    ds = build_dataset(raw_of("f,y\n.1,true\n.2,false\n.3,True\n"), "y")
    assert ds.task == "binary"
    assert ds.classes == ("False", "True")
    assert ds.y.tolist() == [1, 0, 1]


def test_multilabel_from_01_like_columns():
    raw = raw_of(
        "f,a,b,c,d,e\n"
        ".1,1,true,yes,t,1.0\n"
        ".2,0,false,no,f,0.0\n"
        ".3,1,TRUE,Yes,T,0.0\n"
        ".4,,false,no,f,1.0\n"
    )
    ds = build_dataset(raw, ["a", "b", "c", "d", "e"])
    assert ds.task == "multilabel"
    assert ds.classes == ("a", "b", "c", "d", "e")
    assert ds.y.dtype == np.int8
    assert ds.y.tolist() == [[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 0]]
    assert ds.row_ids.tolist() == [0, 1, 2]
    assert ds.n_dropped_missing_target == 1
    assert ds.class_counts == {"a": 2, "b": 2, "c": 2, "d": 2, "e": 1}
    assert decisions(ds)["a"].kind == "target"


def test_multilabel_label_that_never_occurs_is_dropped_with_a_note():
    ds = build_dataset(raw_of("f,a,b,c\n.1,1,0,0\n.2,0,0,1\n.3,1,0,1\n"), ["a", "b", "c"])
    assert ds.classes == ("a", "c")
    assert ds.y.tolist() == [[1, 0], [0, 1], [1, 1]]
    assert decisions(ds)["b"].kind == "dropped"
    assert "never occurs" in decisions(ds)["b"].reason
    assert any("never occur (all 0): b" in n for n in ds.notes)
    assert "b" not in ds.X.columns


def test_multilabel_from_label_sets():
    raw = raw_of("f,tags\n.1,b|a\n.2,a||c\n.3, c | b \n.4,\n.5,|\n.6,a\n")
    ds = build_dataset(raw, "tags", label_sep="|")
    assert ds.task == "multilabel"
    assert ds.classes == ("a", "b", "c")
    assert ds.label_sep == "|"
    # the blank cell (row 3) is an empty label set, kept like "|": a row with no label
    assert ds.y.tolist() == [[1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]]
    assert ds.row_ids.tolist() == [0, 1, 2, 3, 4, 5]
    assert ds.n_dropped_missing_target == 0
    assert "3 labels separated by '|'" in decisions(ds)["tags"].reason
    assert "2 rows of 'tags' carry no label (an empty label set)" in " ".join(ds.notes)


def test_label_sets_of_numbers_are_ordered_numerically():
    ds = build_dataset(raw_of("f,t\n.1,10;2\n.2,1\n.3,2\n"), "t", label_sep=";")
    assert ds.classes == ("1", "2", "10")
    assert ds.y.tolist() == [[0, 1, 1], [1, 0, 0], [0, 1, 0]]


def test_label_sets_without_label_sep_are_pointed_out():
    few = raw_of("f,t\n" + "".join(f"{i % 4},{['a|b', 'a', 'b'][i % 3]}\n" for i in range(30)))
    ds = build_dataset(few, "t")
    assert ds.task == "multiclass"
    assert any("pass label_sep='|'" in n for n in ds.notes)
    combos = [f"l{i % 9}|l{(i * 7) % 11}|l{i % 5}" for i in range(300)]
    many = raw_of("f,t\n" + "".join(f"{i % 4},{c}\n" for i, c in enumerate(combos)))
    with pytest.raises(DataError, match=r"label sets separated by '\|'; pass label_sep='\|'"):
        build_dataset(many, "t")
    assert build_dataset(many, "t", label_sep="|").task == "multilabel"


def test_names_with_commas_are_not_label_sets():
    names = [f"Surname{i}, Given{i}" for i in range(8)] * 5
    raw = raw_of(pd.DataFrame({"f": [0, 1] * 20, "who": names}).to_csv(index=False))
    assert not any("label_sep" in n for n in build_dataset(raw, "who").notes)


# -- target errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "target", "kwargs", "match"),
    [
        (SIMPLE, "wrod", {}, r"Target column 'wrod' is not in the file.*Close matches: 'word'"),
        (SIMPLE, "Y", {}, r"Target column 'Y' is not in the file.*Close matches: 'y'"),
        (SIMPLE, "zzz", {}, r"'zzz' is not in the file.*The columns are: num, word, y"),
        (SIMPLE, [], {}, r"No target column given"),
        (b"f,y\n1,\n2,NA\n", "y", {}, r"'y' is empty: every value is missing"),
        (b"f,y\n1,a\n2,a\n3,\n", "y", {}, r"only one class: every value is 'a' \(2 rows\)"),
        (SIMPLE, ["y", "word"], {}, r"'word' is not 0/1: found 'red', 'blue', 'green'"),
        (b"f,a,b\n1,2,0\n2,0.5,1\n", ["a", "b"], {}, r"'a' is not 0/1: found 2, 0\.5"),
        (b"f,a,b\n1,0,0\n2,0,0\n", ["a", "b"], {}, r"No label occurs: every value of a, b is 0"),
        (b"f,a,b\n1,,0\n2,1,\n", ["a", "b"], {}, r"Every row has a missing value in one of"),
        (SIMPLE, ["y", "num"], {"label_sep": "|"}, r"label_sep applies to one target column"),
        (SIMPLE, "word", {"label_sep": ""}, r"label_sep must be a non-empty string.*Got ''"),
        (b"f,t\n1,|\n2, | \n", "t", {"label_sep": "|"}, r"holds no labels once split on '\|'"),
        (b"f,t\n1,\n2,\n", "t", {"label_sep": "|"}, r"'t' is empty: every value is missing"),
    ],
    ids=["typo", "case", "unknown", "no-target", "all-missing", "one-class", "not-01-text",
         "not-01-number", "no-label-occurs", "ml-all-missing", "sep-with-columns", "empty-sep",
         "sep-no-labels", "sep-all-missing"],
)  # fmt: skip
def test_target_errors(data, target, kwargs, match):
    with pytest.raises(DataError, match=match):
        build_dataset(raw_of(data), target, **kwargs)


def test_unknown_target_lists_the_columns_truncated():
    raw = raw_of(",".join(f"c{i}" for i in range(15)) + "\n" + ",".join("1" * 15) + "\n")
    with pytest.raises(DataError, match=r"The columns are: c0, c1, .*c9, \.\.\. \(5 more\)"):
        build_dataset(raw, "zzz")


def test_continuous_id_like_and_too_many_class_targets():
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame({
        "f": rng.normal(size=n),
        "price": rng.uniform(1, 100, n).round(2),
        "code": [f"K{i:04d}" for i in range(n)],
        "group": rng.integers(0, 60, n),
        "small": rng.integers(0, 8, n),
    })  # fmt: skip
    raw = raw_of(frame.to_csv(index=False))
    with pytest.raises(
        DataError, match=r"'price' looks continuous \(\d+ distinct values\).*Bin it"
    ):
        build_dataset(raw, "price")
    with pytest.raises(DataError, match=r"'code' looks like an ID: 300 distinct values in 300"):
        build_dataset(raw, "code")
    with pytest.raises(DataError, match=r"'group' has more than 50 classes: 60 distinct values"):
        build_dataset(raw, "group")
    with pytest.raises(DataError, match=r"'small' has more than 5 classes: 8 distinct values"):
        build_dataset(raw, "small", max_classes=5)
    labels = "|".join(f"l{i}" for i in range(8))
    with pytest.raises(DataError, match=r"8 distinct labels; at most 5 are supported"):
        build_dataset(raw_of(f"f,t\n1,{labels}\n2,l0\n"), "t", label_sep="|", max_classes=5)


def test_dataset_copies_file_facts_and_schema_frame():
    raw = read_table(b"a,b,,y\n1,x,,0\n5,y,,1\n3,x,,1\n", name="mine.csv")
    ds = build_dataset(raw, "y")
    assert ds.name == "mine.csv"
    assert ds.content_hash == raw.content_hash
    assert ds.label_sep is None
    assert ds.notes[: len(raw.notes)] == raw.notes
    table = schema_frame(ds)
    assert list(table.columns) == ["column", "kind", "reason"]
    assert table["column"].tolist() == ["a", "b", "column_3", "y"]
    assert table["kind"].tolist() == ["numeric", "categorical", "dropped", "target"]


def test_load_dataset_is_read_table_then_build_dataset(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"f,tags\n.1,a|b\n.2,b\n.3,a\n")
    ds = load_dataset(path, "tags", label_sep="|", name="tickets.csv")
    assert ds.name == "tickets.csv"
    assert ds.classes == ("a", "b")
    assert ds.y.tolist() == [[1, 1], [0, 1], [1, 0]]
    assert ds.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
