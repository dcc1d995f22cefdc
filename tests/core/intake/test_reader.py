"""core.intake.reader (with decode and dialect), through ``read_table``: sources, encodings,
delimiters and dialect, refusals. Which parser read a file is recorded in
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
from helpers import SIMPLE, UploadedFile, raw_of

from core.errors import DataError
from core.intake.dataset import read_table
from core.intake.reader import ENGINE_ATTR, MAX_BYTES, NA_TOKENS

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
