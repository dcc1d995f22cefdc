"""Tests for core.intake.dataset / core.intake.reader: CSV intake, target and task detection, feature typing.

Every fixture file is written here as bytes. Which parser read a file is recorded in
``raw.frame.attrs["csv_engine"]`` ("pyarrow" or "c"); the tests check it where it matters.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.intake.columns import ColumnDecision
from core.intake.dataset import Dataset, build_dataset, load_dataset, read_table, schema_frame
from core.intake.reader import ENGINE_ATTR, MAX_BYTES, NA_TOKENS, RawTable
from core.intake.targets import TargetSuggestion, suggest_target

SIMPLE = b"num,word,y\n1,red,0\n2,blue,1\n3,red,0\n4,green,1\n"


class UploadedFile(io.BytesIO):
    """Streamlit's UploadedFile: a BytesIO subclass with a ``name``."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def raw_of(data: bytes | str, **kwargs) -> RawTable:
    return read_table(data.encode() if isinstance(data, str) else data, **kwargs)


def decisions(ds: Dataset) -> dict[str, ColumnDecision]:
    return {d.column: d for d in ds.schema}


# -- sources -----------------------------------------------------------------------------------


def test_path_bytes_and_uploaded_file_read_the_same(tmp_path):
    path = tmp_path / "fruit.csv"
    path.write_bytes(SIMPLE)
    digest = hashlib.sha256(SIMPLE).hexdigest()
    from_path = read_table(path)
    from_str_path = read_table(str(path))
    from_bytes = read_table(SIMPLE)
    from_upload = read_table(UploadedFile(SIMPLE, "upload.csv"))
    for raw in (from_path, from_str_path, from_bytes, from_upload):
        assert raw.content_hash == digest
        assert raw.encoding == "utf-8"
        assert raw.delimiter == ","
        pd.testing.assert_frame_equal(raw.frame, from_path.frame)
    assert from_path.name == from_str_path.name == "fruit.csv"
    assert from_bytes.name == "data.csv"
    assert from_upload.name == "upload.csv"
    assert read_table(SIMPLE, name="given.csv").name == "given.csv"
    assert read_table(path, name="given.csv").name == "given.csv"


def test_uploaded_file_already_read_to_the_end_is_read_whole():
    upload = UploadedFile(SIMPLE, "u.csv")
    upload.read()
    assert read_table(upload).frame.shape == (4, 3)


def test_frame_index_is_the_zero_based_data_row():
    raw = raw_of(SIMPLE)
    assert isinstance(raw.frame.index, pd.RangeIndex)
    assert raw.frame.index.tolist() == [0, 1, 2, 3]
    assert raw.frame["num"].tolist() == [1, 2, 3, 4]
    assert raw.frame.attrs[ENGINE_ATTR] == "pyarrow"


def test_frame_is_writable_and_picklable():
    # st.cache_data pickles a RawTable; pages and later steps may edit copies of the frame.
    raw = pickle.loads(pickle.dumps(raw_of(SIMPLE)))
    assert raw.frame.attrs[ENGINE_ATTR] == "pyarrow"
    raw.frame.loc[0, "num"] = 9
    assert raw.frame["num"].tolist() == [9, 2, 3, 4]


def test_missing_path_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"File not found: '.*nope\.csv'"):
        read_table(tmp_path / "nope.csv")


# -- encodings ---------------------------------------------------------------------------------

TEXT = "city,n\nZürich,1\nSão Paulo,2\n"


@pytest.mark.parametrize(
    ("data", "encoding", "note"),
    [
        (TEXT.encode("utf-8"), "utf-8", None),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", None),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16", "UTF-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le", "UTF-16-LE"),
        (TEXT.encode("utf-16-be"), "utf-16-be", "UTF-16-BE"),
        (TEXT.encode("cp1252"), "cp1252", "not valid UTF-8; decoded it as cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252"],
)
def test_encodings(data, encoding, note):
    raw = read_table(data)
    assert raw.encoding == encoding
    assert list(raw.frame.columns) == ["city", "n"]  # no BOM left in the first name
    assert raw.frame["city"].tolist() == ["Zürich", "São Paulo"]
    assert raw.frame["n"].tolist() == [1, 2]
    assert any(note in n for n in raw.notes) if note else raw.notes == ()
    assert raw.content_hash == hashlib.sha256(data).hexdigest()  # of the bytes as uploaded


def test_cp1252_euro_sign_and_latin1_fallback():
    assert raw_of("a,b\n1,5 €\n".encode("cp1252")).frame["b"].tolist() == ["5 €"]
    # 0x81 is undefined in cp1252, so only latin-1 can decode this file
    raw = raw_of(b"a,b\n1,caf\xe9\x81\n")
    assert raw.encoding == "latin-1"
    assert raw.frame["b"].tolist() == ["café\x81"]
    assert any("decoded it as latin-1" in n for n in raw.notes)


def test_invalid_utf8_after_the_sample_falls_back_to_cp1252():
    body = "".join(f"{i},plain\n" for i in range(10_000))  # > 64 KB of clean UTF-8 first
    raw = raw_of(("a,b\n" + body + "10000,caf\xe9\n").encode("cp1252"))
    assert raw.encoding == "cp1252"
    assert raw.frame["b"].iloc[-1] == "café"
    assert raw.frame.shape == (10_001, 2)


# -- delimiters and dialect --------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_delimiter_is_sniffed(sep):
    other = {",": ";", ";": ",", "\t": ",", "|": ","}[sep]  # a rival inside the values
    lines = ["id", "text", "n"], ["1", f"a{other}b", "10"], ["2", f"c{other}d", "20"]
    raw = raw_of("".join(sep.join(line) + "\n" for line in lines))
    assert raw.delimiter == sep
    assert raw.frame["text"].tolist() == [f"a{other}b", f"c{other}d"]
    assert raw.frame["n"].tolist() == [10, 20]


def test_delimiter_inside_quotes_is_ignored_by_the_sniffer():
    raw = raw_of('a;b\n"x;y;z";1\n"p;q;r";2\n"s;t;u";3\n')
    assert raw.delimiter == ";"
    assert raw.frame["a"].tolist() == ["x;y;z", "p;q;r", "s;t;u"]


def test_quoted_newlines_and_crlf():
    raw = raw_of(b'a,note,n\r\n1,"two\r\nlines",5\r\n2,"say ""hi""",6\r\n')
    assert raw.frame["note"].tolist() == ["two\r\nlines", 'say "hi"']
    assert raw.frame["n"].tolist() == [5, 6]
    assert raw.frame.attrs[ENGINE_ATTR] == "pyarrow"


def test_quoted_newline_on_a_pyarrow_block_boundary():
    # pandas.read_csv(engine="pyarrow") fails on this file: the embedded newline is the last
    # one before pyarrow's 1 MiB block boundary, so its chunker splits inside the quotes.
    rows, size, i = ["a,b,c\n"], 6, 0
    while size < (1 << 20) - 40:
        rows.append(f"{i},{i % 3},plain\n")
        size, i = size + len(rows[-1]), i + 1
    rows.append('7,1,"before\n' + "x" * 100 + '"\n')
    rows += [f"{j},{j % 3},tail\n" for j in range(100)]
    raw = raw_of("".join(rows))
    assert raw.frame.attrs[ENGINE_ATTR] == "pyarrow"
    assert raw.frame.shape == (i + 101, 3)
    assert raw.frame["c"].iloc[i] == "before\n" + "x" * 100
    assert raw.frame["c"].iloc[-1] == "tail"


def test_trailing_delimiter_columns_are_dropped_with_a_note():
    for text in ("a,b,\n1,x,\n2,y,\n", "a,b\n1,x,\n2,y,\n", "a,b,,\n1,x,,\n2,y,,\n"):
        raw = raw_of(text)
        assert list(raw.frame.columns) == ["a", "b"], text
        assert any("trailing delimiter" in n for n in raw.notes)


@pytest.mark.parametrize("token", NA_TOKENS)
def test_missing_value_tokens(token):
    raw = raw_of(f"n,s\n1,x\n{token},{token}\n3,y\n")
    # a missing token keeps the column numeric (float32: 1 and 3 are exact there, see
    # core.intake.reader.compact_numeric)
    assert raw.frame["n"].dtype == np.float32
    assert raw.frame["n"].isna().tolist() == [False, True, False]
    assert raw.frame["s"].isna().tolist() == [False, True, False]


def test_infinities_become_missing_with_a_note_naming_the_columns():
    raw = raw_of("a,b,c\n1,inf,x\n2,-inf,y\n3,4.5,inf\n")
    assert raw.frame["b"].isna().tolist() == [True, True, False]
    assert raw.frame["a"].tolist() == [1, 2, 3]
    assert raw.frame["c"].tolist() == ["x", "y", "inf"], "text columns are left alone"
    (note,) = [n for n in raw.notes if "infinite" in n]
    assert "b (2)" in note and "a" not in note.split(":")[1].replace("b (2)", "")


def test_header_names_are_stripped_filled_and_made_unique():
    raw = raw_of(" a ,a,,a_2, b\n1,2,3,4,5\n")
    assert list(raw.frame.columns) == ["a", "a_3", "column_3", "a_2", "b"]
    assert any("'a' -> 'a_3'" in n for n in raw.notes)
    assert any("column_3" in n for n in raw.notes)


def test_nul_bytes_are_stripped_with_a_note():
    raw = raw_of(b"a,b\n1,x\x00y\n2,z\n")
    assert raw.frame["b"].tolist() == ["xy", "z"]
    assert any("Removed 1 NUL" in n for n in raw.notes)


def test_rows_with_fewer_fields_get_missing_values_via_the_c_engine():
    raw = raw_of("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    assert raw.frame["c"].isna().tolist() == [False, True, False]
    assert raw.frame.attrs[ENGINE_ATTR] == "c"


def test_numeric_file_of_200k_rows_takes_the_pyarrow_path():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200_000, 5)).round(4), columns=list("abcde"))
    frame["label"] = rng.integers(0, 2, frame.shape[0])
    raw = raw_of(frame.to_csv(index=False).encode())
    assert raw.frame.attrs[ENGINE_ATTR] == "pyarrow"
    assert raw.frame.shape == (200_000, 6)
    assert (raw.frame.dtypes[list("abcde")] == np.float64).all()
    np.testing.assert_allclose(raw.frame[list("abcde")].to_numpy(), frame[list("abcde")])


# -- refusals ----------------------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            zf.writestr(name, "x")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", r"empty \(0 bytes\)"),
        (b"  \r\n\t\n", r"empty \(only blank space\)"),
        (codecs.BOM_UTF8 + b"\n", r"empty \(only blank space\)"),
        (_zip(["data.csv"]), r"zip archive.*Unzip it"),
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), r"Excel workbook.*File > Save As > CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), r"old Excel \(\.xls\)"),
        (gzip.compress(SIMPLE), r"gzip-compressed.*Decompress"),
        (b"%PDF-1.7\n%...", r"PDF document"),
        (b"PAR1" + bytes(50) + b"PAR1", r"Parquet file"),
        (b'{"rows": [{"a": 1}, {"a": 2}]}', r"JSON, not a CSV"),
        (b'[\n  {"a": 1},\n  {"a": 2}\n]\n', r"JSON, not a CSV"),
        (b'{"a": 1}\n{"a": 2}\n', r"JSON, not a CSV"),
        (b"<!DOCTYPE html>\n<html><body></body></html>", r"HTML page"),
        (b"  <html><table></table></html>", r"HTML page"),
        (b"<table><tr><td>1</td></tr></table>", r"HTML page"),
        (bytes(range(256)) * 8, r"looks binary.*control characters"),
        (b"a,b\n" + b"1\x00\x00\x00,2\n" * 50, r"looks binary, not like text: 150 of its first 354 bytes"),
        (b"a,b\n", r"header row but no data rows"),
        (b"a,b\n\n\n", r"header row but no data rows"),
        (b"a,b\n1,2\n3,4,5\n", r"Line 3 has 3 fields but the header has 2 columns.*quotes"),
        (b"a,b\n1,2\n\n3,4,5\n", r"Line 4 has 3 fields"),
    ],
    ids=["empty", "blank", "bom-only", "zip", "xlsx", "xls", "gzip", "pdf", "parquet", "json",
         "json-pretty", "jsonl", "html-doctype", "html", "html-table", "binary", "nul-heavy", "header-only",
         "header-blank-lines", "extra-field", "extra-field-after-blank"],
)  # fmt: skip
def test_refused_inputs(data, match):
    with pytest.raises(DataError, match=match):
        read_table(data)


def test_a_csv_whose_first_cell_starts_with_a_bracket_is_not_json():
    assert raw_of("[a],b\n1,2\n").frame.columns.tolist() == ["[a]", "b"]


def test_extra_field_after_the_sample_names_the_physical_line():
    body = "".join(f"{i},x\n" for i in range(20_000))  # well past the 64 KB sample
    with pytest.raises(DataError, match=r"Line 20002 has 3 fields but the header has 2"):
        raw_of("a,b\n" + body + "1,2,3\n")
    # a quoted newline earlier in the file shifts the line count
    quoted = '5,"two\nlines"\n'
    with pytest.raises(DataError, match=r"Line 20004 has 3 fields"):
        raw_of("a,b\n" + body + quoted + "1,2,3\n")


def test_over_the_size_limit():
    assert MAX_BYTES == 200 * 1024**2
    with pytest.raises(DataError, match=r"0\.0 MB, over the 0\.0 MB limit.*sample.*split"):
        read_table(SIMPLE, max_bytes=10)


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
    assert ds.y.tolist() == [[1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 0], [1, 0, 0]]
    assert ds.row_ids.tolist() == [0, 1, 2, 4, 5]
    assert ds.n_dropped_missing_target == 1
    assert "3 labels separated by '|'" in decisions(ds)["tags"].reason


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
