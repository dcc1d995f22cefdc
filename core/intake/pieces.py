"""Reading a big CSV with pyarrow in pieces, so that the peak memory stays near the table's.

``pyarrow.csv.read_csv`` on a whole file holds the raw bytes, its parse buffers and the
finished table at once: about three times the DataFrame at its peak (pandas' own
``read_csv(engine="pyarrow")`` reaches nearly four). Cut into pieces of
:data:`PIECE_BYTES` at record boundaries, each piece is read (with all cores) and its bytes
are freed before the next, so the peak is the table plus one piece's buffers
(``bench/intake.py`` measures both).

A cut is only made at a line end outside any quoted field (an even number of quote
characters since the header), so a quoted value with a newline or a delimiter inside is never
split. The first piece infers the column types and the later pieces are read with them, so the
table is what one read of the whole file would give; where a later piece does not fit those
types (a column of whole numbers that turns decimal further down, say), or anything else goes
wrong, :func:`read_in_pieces` raises :class:`pyarrow.ArrowInvalid` and the caller reads the
whole file at once instead, exactly as for a small file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv

PIECE_BYTES = 32 * 1024**2
"""Bytes per piece (cut at the next record boundary)."""

MIN_PIECES = 2
"""Files smaller than this many pieces are read at once (nothing to gain)."""

_QUOTE = b'"'


def worth_it(src: str | bytes) -> bool:
    """Whether ``src`` (a path or the bytes) is big enough to read in pieces."""
    size = os.path.getsize(src) if isinstance(src, str) else len(src)
    return size >= MIN_PIECES * PIECE_BYTES


def read_in_pieces(
    src: str | bytes,
    *,
    skip_rows: int,
    read_options: pacsv.ReadOptions,
    parse_options: pacsv.ParseOptions,
    convert_options: pacsv.ConvertOptions,
) -> pa.Table:
    """The table of the CSV ``src`` (a path or bytes), read piece by piece.

    ``skip_rows`` physical lines (up to and including the header) are skipped; the options
    are those of a whole-file ``pyarrow.csv.read_csv`` (``read_options`` names the columns).
    :class:`pyarrow.ArrowInvalid` when the file cannot be cut safely or a piece does not
    parse with the first piece's types: the caller then reads the file whole.
    """
    with _Source(src) as source:
        start = source.skip_lines(skip_rows)
        if start is None:
            raise pa.ArrowInvalid("the header holds an open quote: read the file whole")
        read_opts = pacsv.ReadOptions(
            column_names=read_options.column_names,
            use_threads=read_options.use_threads,
            block_size=read_options.block_size,
        )
        tables: list[pa.Table] = []
        types: dict[str, pa.DataType] = {}
        for piece in source.pieces(start):
            convert = _with_types(convert_options, types)
            table = pacsv.read_csv(
                pa.BufferReader(piece),
                read_options=read_opts,
                parse_options=parse_options,
                convert_options=convert,
            )
            del piece
            for field in table.schema:  # pin each column's type once a piece has one
                if field.name not in types and not pa.types.is_null(field.type):
                    types[field.name] = field.type
            tables.append(table)
    if not tables:
        raise pa.ArrowInvalid("Empty CSV file: no data rows after the header")
    # A column empty in the first pieces is null there: promote it to the type found later.
    return pa.concat_tables(tables, promote_options="default")


def _with_types(options: pacsv.ConvertOptions, types: dict[str, pa.DataType]):
    return pacsv.ConvertOptions(
        null_values=options.null_values,
        strings_can_be_null=options.strings_can_be_null,
        column_types=types or None,
    )


class _Source:
    """Byte ranges of a file (read on demand) or of bytes in memory (zero-copy slices)."""

    def __init__(self, src: str | bytes) -> None:
        self._data = src if isinstance(src, bytes) else None
        self._file = open(src, "rb") if isinstance(src, str) else None  # noqa: SIM115
        self._size = os.path.getsize(src) if isinstance(src, str) else len(src)
        self._buffer = pa.py_buffer(src) if isinstance(src, bytes) else None

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def _line_end(self, pos: int) -> int:
        """Offset just past the line end at or after ``pos`` (the size if none)."""
        if self._data is not None:
            found = self._data.find(b"\n", pos)
            return self._size if found < 0 else found + 1
        self._file.seek(pos)
        self._file.readline()
        return min(self._file.tell(), self._size)

    def _quotes(self, start: int, end: int) -> int:
        if self._data is not None:
            return self._data.count(_QUOTE, start, end)
        self._file.seek(start)
        return self._file.read(end - start).count(_QUOTE)

    def skip_lines(self, n: int) -> int | None:
        """Offset after ``n`` lines, or None when a quote is still open there."""
        pos = 0
        for _ in range(n):
            pos = self._line_end(pos)
        return pos if self._quotes(0, pos) % 2 == 0 else None

    def pieces(self, start: int) -> Iterator[pa.Buffer]:
        """Consecutive pieces from ``start`` to the end, each ending at a record boundary."""
        while start < self._size:
            if self._data is not None:  # bytes in memory: zero-copy slices
                buf, lo = self._data, start
                hi = min(start + PIECE_BYTES, self._size)
            else:  # a file: read the piece (the few bytes after its cut are read again next)
                self._file.seek(start)
                buf, lo = self._file.read(PIECE_BYTES), 0
                hi = len(buf)
            cut = hi if start + (hi - lo) >= self._size else _cut(buf, lo, hi)
            yield (self._buffer if self._data is not None else pa.py_buffer(buf)).slice(
                lo, cut - lo
            )
            start += cut - lo
            del buf


def _cut(buf: bytes, lo: int, hi: int) -> int:
    """The last record boundary in ``buf[lo:hi]``: just after a line end, with an even number
    of quote characters since ``lo``. ArrowInvalid when there is none."""
    cut = buf.rfind(b"\n", lo, hi) + 1
    if buf.find(_QUOTE, lo, cut) >= 0:  # quotes: step back until none is left open
        open_quote = buf.count(_QUOTE, lo, cut) % 2
        while open_quote and cut > lo:
            prev = buf.rfind(b"\n", lo, cut - 1) + 1
            open_quote ^= buf.count(_QUOTE, max(prev, lo), cut) % 2
            cut = max(prev, lo)
    if cut <= lo:
        raise pa.ArrowInvalid(f"no record boundary within {PIECE_BYTES:,} bytes: read whole")
    return cut
