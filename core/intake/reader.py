"""Reading an uploaded CSV: refuse what is not a CSV, detect the encoding and the dialect on a
sample, then parse the whole file with pyarrow (pandas' C engine only where pyarrow cannot).
The steps live in :mod:`core.intake.decode` (bytes, encoding), :mod:`core.intake.dialect`
(delimiter, header) and :mod:`core.intake.tidy` (clean-up, compact numeric types).

The engine that parsed the file is recorded in ``frame.attrs["csv_engine"]`` ("pyarrow" or "c").
pyarrow is called directly rather than through ``pandas.read_csv(engine="pyarrow")``: pandas'
wrapper does not pass ``newlines_in_values``, so a quoted newline that falls on a pyarrow block
boundary makes it fail, and it cannot be given clean column names for a header it did not parse.
"""

from __future__ import annotations

import csv
import io
import mmap
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from core.errors import DataError
from core.intake import pieces as csv_pieces
from core.intake.decode import (
    read_all,
    read_head,
    refuse_binary_formats,
    refuse_text_formats,
    resolve_source,
    sample_text,
    scan_bytes,
    sniff_encoding,
    to_utf8,
)
from core.intake.dialect import Dialect, header_only, sniff_dialect, too_many_fields
from core.intake.tidy import compact_numeric, tidy_frame

MAX_BYTES = 200 * 1024**2
NA_TOKENS = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "-", "?",
             "#N/A", "missing", "Missing")  # fmt: skip
ENGINE_ATTR = "csv_engine"

_C_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_C_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_ARROW_NOT_UTF8 = re.compile(r"conversion error to (large_)?(string|utf8): invalid UTF8", re.I)


@dataclass(frozen=True, eq=False)
class RawTable:
    """A CSV decoded and split into columns, before a target is chosen."""

    frame: pd.DataFrame  # every column as read; index 0..n-1 = 0-based data row of the file
    name: str  # file name as uploaded (user text: escape before showing in HTML)
    content_hash: str  # sha256 hex of the raw bytes
    encoding: str
    delimiter: str
    notes: tuple[str, ...] = ()  # what intake noticed (e.g. "dropped 3 empty trailing columns")


class _NotUtf8(Exception):
    """pyarrow or the C engine met bytes that are not UTF-8."""


def read_csv_source(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> RawTable:
    """Decode and parse a CSV given as a path, raw bytes or a binary file-like object."""
    path, data, default_name = resolve_source(source, max_bytes)
    size = os.path.getsize(path) if path is not None else len(data)
    if size > max_bytes:
        raise DataError(
            f"The file is {_mb(size)}, over the {_mb(max_bytes)} limit",
            "Upload a random sample of the rows, or split the file into smaller parts",
        )
    if size == 0:
        raise DataError("The file is empty (0 bytes)", "Upload a CSV with a header row and data")
    head = read_head(path, data)
    refuse_binary_formats(head, path, data)
    encoding = sniff_encoding(head)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(scan_bytes, path, data)  # hashing overlaps with parsing
        frame, dialect, encoding, notes = _decode_and_parse(path, data, head, encoding, scan)
        digest = scan.result()[0]
    notes.extend(dialect.notes)
    frame = compact_numeric(tidy_frame(frame, dialect, notes))
    return RawTable(frame, name or default_name, digest, encoding, dialect.delimiter, tuple(notes))


def _decode_and_parse(
    path: str | None, data: bytes | None, head: bytes, encoding: str, scan: Future
) -> tuple[pd.DataFrame, Dialect, str, list[str]]:
    """Parse UTF-8 straight from the source; otherwise (or if NULs turn up) via UTF-8 bytes."""
    notes: list[str] = []
    if encoding in ("utf-8", "utf-8-sig"):
        src = path if path is not None else data
        text, complete = sample_text(src)
        refuse_text_formats(text, complete, src)
        try:
            frame, dialect = _parse(src, text, complete)
            if not scan.result()[1]:
                return frame, dialect, encoding, notes
        except _NotUtf8:
            encoding = "legacy"
    raw = data if data is not None else read_all(path)
    src, encoding = to_utf8(raw, encoding, scan.result()[1], notes)
    text, complete = sample_text(src)
    refuse_text_formats(text, complete, src)
    try:
        frame, dialect = _parse(src, text, complete)
    except _NotUtf8:
        raise DataError(
            "The file's text could not be decoded", "Save it as UTF-8 CSV and upload that"
        ) from None
    return frame, dialect, encoding, notes


def _parse(src: str | bytes, text: str, complete: bool) -> tuple[pd.DataFrame, Dialect]:
    """pyarrow first (again with quoted newlines allowed if it trips on a quote the sample did
    not show); pandas' C engine for what pyarrow refuses, e.g. rows with too few fields."""
    dialect = sniff_dialect(text, complete)
    for retry in (False, True):
        try:
            return _parse_arrow(src, dialect), dialect
        except pa.ArrowInvalid as err:
            message = str(err)
            if not message.startswith("CSV parse error"):  # that one quotes the row's text
                if _ARROW_NOT_UTF8.search(message):
                    raise _NotUtf8 from err
                if "skip initial" in message or "Empty CSV" in message:
                    raise header_only() from None
            if retry or dialect.quoted_newline or not _has_quote(src):
                break
            dialect = replace(dialect, quoted_newline=True)
    return _parse_c(src, dialect), dialect


def _has_quote(src: str | bytes) -> bool:
    if isinstance(src, bytes):
        return b'"' in src
    with open(src, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return view.find(b'"') >= 0


def _parse_arrow(src: str | bytes, dialect: Dialect) -> pd.DataFrame:
    parse_options = pacsv.ParseOptions(
        delimiter=dialect.delimiter, newlines_in_values=dialect.quoted_newline
    )
    convert_options = pacsv.ConvertOptions(null_values=list(NA_TOKENS), strings_can_be_null=True)
    table = None
    if csv_pieces.worth_it(src):  # big file: piece by piece, a lower memory peak
        try:
            table = csv_pieces.read_in_pieces(
                src,
                skip_rows=dialect.skip_rows,
                read_options=pacsv.ReadOptions(column_names=list(dialect.names)),
                parse_options=parse_options,
                convert_options=convert_options,
            )
        except pa.ArrowInvalid:
            table = None  # read it whole, as a small file: same result or the same error
    if table is None:
        table = pacsv.read_csv(
            src if isinstance(src, str) else pa.BufferReader(pa.py_buffer(src)),
            read_options=pacsv.ReadOptions(
                column_names=list(dialect.names), skip_rows=dialect.skip_rows
            ),
            parse_options=parse_options,
            convert_options=convert_options,
        )
    for i, fld in enumerate(table.schema):
        if pa.types.is_binary(fld.type) or pa.types.is_large_binary(fld.type):
            raise _NotUtf8(fld.name)  # pyarrow falls back to bytes for invalid UTF-8
        if pa.types.is_null(fld.type):
            table = table.set_column(i, fld.name, table.column(i).cast(pa.float64()))
        elif pa.types.is_time(fld.type) or pa.types.is_duration(fld.type):
            table = table.set_column(i, fld.name, table.column(i).cast(pa.string()))
    # split_blocks: one block per column, so float columns need no copy into a 2-D block.
    frame = table.to_pandas(self_destruct=True, split_blocks=True, date_as_object=False)
    del table
    pa.default_memory_pool().release_unused()  # hand the parser's buffers back to the OS
    frame.attrs[ENGINE_ATTR] = "pyarrow"
    return frame


def _parse_c(src: str | bytes, dialect: Dialect) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            src if isinstance(src, str) else io.BytesIO(src),
            sep=dialect.delimiter,
            header=0,
            skiprows=dialect.lead_lines,
            names=list(dialect.names),
            index_col=False,
            na_values=list(NA_TOKENS),
            keep_default_na=False,
            encoding="utf-8",
            low_memory=False,
            engine="c",
        )
    except UnicodeDecodeError as err:
        raise _NotUtf8 from err
    except pd.errors.ParserError as err:
        found = _C_ERROR.search(str(err))
        eof = _C_EOF_IN_QUOTE.search(str(err))
        if eof is not None:
            line = _physical_line(src, dialect, int(eof.group(1)) + 1)
            raise DataError(
                f'A quote (") opened on line {line} is never closed',
                "Close the quote or remove it, then upload the file again",
            ) from None
        if found is None:
            raise DataError(
                f"Could not parse the file as CSV ({err})".replace("\n", " "),
                "Check that quotes are balanced and every line has the same number of fields",
            ) from None
        k, c_line, n = (int(g) for g in found.groups())
        line = _physical_line(src, dialect, c_line)
        raise too_many_fields(line, n, k, dialect.delimiter) from None
    frame.attrs[ENGINE_ATTR] = "c"
    return frame


def _physical_line(src: str | bytes, dialect: Dialect, c_line: int) -> int:
    """The C engine counts records and blank lines, not newlines inside quotes: map back."""
    raw = src if isinstance(src, bytes) else read_all(src)
    if b'"' not in raw:
        return c_line
    stream = io.StringIO(raw.decode("utf-8-sig", errors="replace"), newline="")
    reader = csv.reader(stream, delimiter=dialect.delimiter, strict=False)
    prev = 0
    try:
        for i, _ in enumerate(reader, start=1):
            if i == c_line:
                return prev + 1
            prev = reader.line_num
    except csv.Error:  # e.g. a quote that never closes: the record starting after ``prev``
        return prev + 1
    return c_line


def _mb(n: int) -> str:
    return f"{n / 1024**2:.1f} MB"
