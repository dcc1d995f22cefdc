"""Big files are parsed in pieces (core.intake.pieces): the table must be exactly what one read
of the whole file gives, whatever the cuts fall on, or the whole-file read is used."""

from __future__ import annotations

import string

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.intake import pieces as csv_pieces
from core.intake.dataset import read_table


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of 64 bytes, and any file of two pieces or more is read in pieces; counts how
    often the pieces were used to the end (``used["pieces"]``) and how often given up."""
    monkeypatch.setattr(csv_pieces, "PIECE_BYTES", 64)
    used = {"pieces": 0, "gave_up": 0}
    real = csv_pieces.read_in_pieces

    def counted(*args, **kwargs):
        try:
            table = real(*args, **kwargs)
        except pa.ArrowInvalid:
            used["gave_up"] += 1
            raise
        used["pieces"] += 1
        return table

    monkeypatch.setattr(csv_pieces, "read_in_pieces", counted)
    return used


def _whole(monkeypatch, source) -> pd.DataFrame:
    with monkeypatch.context() as m:
        m.setattr(csv_pieces, "MIN_PIECES", 10**9)
        return read_table(source).frame


def _same(monkeypatch, source) -> pd.DataFrame:
    got = read_table(source).frame
    pd.testing.assert_frame_equal(got, _whole(monkeypatch, source))
    return got


def _rows(n: int) -> str:
    return "".join(f"{i},{i * 0.25},name {i},{'yes' if i % 7 == 0 else 'no'}\n" for i in range(n))


@pytest.mark.parametrize("as_path", [True, False])
def test_pieces_give_the_whole_file_table(tmp_path, monkeypatch, small_pieces, as_path):
    text = "id,x,who,label\n" + _rows(200)
    path = tmp_path / "big.csv"
    path.write_text(text, encoding="utf-8")
    got = _same(monkeypatch, str(path) if as_path else text.encode())
    assert small_pieces == {"pieces": 1, "gave_up": 0}
    assert len(got) == 200 and got["label"].tolist().count("yes") == 29


def test_quoted_newlines_and_delimiters_are_never_cut(tmp_path, monkeypatch, small_pieces):
    # Every record holds a quoted field with a newline, a comma and doubled quotes, long
    # enough that most 64-byte cuts fall inside one: the cut must move to a record boundary.
    body = "".join(f'{i},"line one, {i}\nline ""two"" of {i}\n",{i % 3}\n' for i in range(60))
    path = tmp_path / "quoted.csv"
    path.write_text("id,note,label\n" + body, encoding="utf-8")
    got = _same(monkeypatch, str(path))
    assert small_pieces["pieces"] == 1
    assert got.loc[5, "note"] == 'line one, 5\nline "two" of 5\n'
    assert got["id"].tolist() == list(range(60))


def test_a_column_that_turns_decimal_later_reads_whole(tmp_path, monkeypatch, small_pieces):
    rows = [f"{i},{i % 2}\n" for i in range(100)] + ["100.5,0\n"]
    path = tmp_path / "late_decimal.csv"
    path.write_text("x,label\n" + "".join(rows), encoding="utf-8")
    got = _same(monkeypatch, str(path))
    assert small_pieces["gave_up"] == 1, "the later piece does not fit int64: whole-file read"
    assert got["x"].iloc[-1] == 100.5


def test_a_column_empty_in_the_first_pieces_takes_the_later_type(
    tmp_path, monkeypatch, small_pieces
):
    rows = [f"{i},,{i % 2}\n" for i in range(60)] + [f"{i},{i / 4},{i % 2}\n" for i in range(40)]
    path = tmp_path / "late_values.csv"
    path.write_text("id,late,label\n" + "".join(rows), encoding="utf-8")
    got = _same(monkeypatch, str(path))
    assert small_pieces["pieces"] == 1
    assert got["late"].isna().sum() == 60 and got["late"].iloc[-1] == 39 / 4


def test_a_bad_row_in_a_later_piece_is_reported_as_for_a_whole_read(
    tmp_path, monkeypatch, small_pieces
):
    path = tmp_path / "short_row.csv"
    path.write_text("a,b,label\n" + "1,2,x\n" * 80 + "3,y\n" + "4,5,z\n" * 5, encoding="utf-8")
    # pandas' C engine reads the short row with a missing value, as for a whole-file read
    got = _same(monkeypatch, str(path))
    assert small_pieces["gave_up"] == 1
    assert got["label"].isna().sum() == 1


def test_invalid_utf8_in_a_later_piece_still_decodes_as_legacy(tmp_path, monkeypatch, small_pieces):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"city,label\n" + b"Paris,1\n" * 50 + b"Z\xfcrich,0\n" + b"Rome,1\n" * 5)
    got = _same(monkeypatch, str(path))
    assert "Zürich" in got["city"].tolist()


def test_header_only_file_in_pieces_is_still_refused(tmp_path, monkeypatch, small_pieces):
    path = tmp_path / "header.csv"
    path.write_text(",".join(f"column_{i}" for i in range(40)) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="header row but no data rows"):
        read_table(str(path))


def test_a_line_longer_than_a_piece_reads_whole(tmp_path, monkeypatch, small_pieces):
    path = tmp_path / "wide.csv"
    long = "v" * 300
    path.write_text("a,b\n" + f"1,{long}\n2,{long}\n", encoding="utf-8")
    got = _same(monkeypatch, str(path))
    assert small_pieces["gave_up"] == 1 and got["b"].tolist() == [long, long]


_cell = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.3f}"),
    st.text(string.ascii_letters + ' ,"\n', max_size=12).map(
        lambda s: '"' + s.replace('"', '""') + '"'
    ),
    st.just(""),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=2, max_size=60),
    piece=st.integers(16, 200),
)
def test_any_csv_in_pieces_equals_the_whole_read(rows, piece):
    """Random cells (numbers, blanks, quoted text with commas, quotes and newlines), random
    piece sizes: the frame is the whole-file frame, or the same error."""
    data = ("a,b,c\n" + "".join(",".join(r) + "\n" for r in rows)).encode()
    outcomes = []
    for piece_bytes, min_pieces in ((piece, 2), (piece, 10**9)):
        old = csv_pieces.PIECE_BYTES, csv_pieces.MIN_PIECES
        csv_pieces.PIECE_BYTES, csv_pieces.MIN_PIECES = piece_bytes, min_pieces
        try:
            outcomes.append(read_table(data).frame)
        except DataError as err:
            outcomes.append(str(err))
        finally:
            csv_pieces.PIECE_BYTES, csv_pieces.MIN_PIECES = old
    pieces, whole = outcomes
    if isinstance(whole, str):
        assert pieces == whole
    else:
        pd.testing.assert_frame_equal(pieces, whole)


def test_only_files_of_two_pieces_or_more_are_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_pieces, "PIECE_BYTES", 100)
    assert not csv_pieces.worth_it(b"x" * 199)
    assert csv_pieces.worth_it(b"x" * 200)
    path = tmp_path / "f.csv"
    path.write_bytes(b"x" * 200)
    assert csv_pieces.worth_it(str(path))
