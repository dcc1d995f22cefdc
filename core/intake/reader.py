"""Reading an uploaded CSV: refuse what is not a CSV, detect the encoding and the dialect on a
sample, then parse the whole file with pyarrow (pandas' C engine only where pyarrow cannot).

The engine that parsed the file is recorded in ``frame.attrs["csv_engine"]`` ("pyarrow" or "c").
pyarrow is called directly rather than through ``pandas.read_csv(engine="pyarrow")``: pandas'
wrapper does not pass ``newlines_in_values``, so a quoted newline that falls on a pyarrow block
boundary makes it fail, and it cannot be given clean column names for a header it did not parse.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import mmap
import os
import re
import zipfile
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from core.errors import DataError
from core.intake import pieces as csv_pieces

MAX_BYTES = 200 * 1024**2
SAMPLE_BYTES = 64 * 1024
NA_TOKENS = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "-", "?",
             "#N/A", "missing", "Missing")  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")
ENGINE_ATTR = "csv_engine"
COMPACT_INTS = (np.int8, np.int16, np.int32)
"""Whole-number columns are held in the first of these that holds every value."""
_EXACT_PROBE = 4096  # float values tried first: a column of decimals fails on its first rows

_DELIM_NAMES = {",": "comma ','", ";": "semicolon ';'", "\t": "tab", "|": "pipe '|'"}
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"  # not \t \n \v \f \r
_C_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_C_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_ARROW_NOT_UTF8 = re.compile(r"conversion error to (large_)?(string|utf8): invalid UTF8", re.I)
_EXCEL_SEP = re.compile(r"sep=(.)[ \t]*(\r\n|\r|\n)")
_OTHER_SEPARATORS = {":": "colons ':'", " ": "spaces", "~": "tildes '~'", "^": "carets '^'"}
_DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "looks like an old Excel (.xls) workbook",
     "In Excel use File > Save As > CSV and upload the .csv file"),
    (b"\x1f\x8b", "is gzip-compressed", "Decompress it (e.g. gunzip) and upload the .csv inside"),
    (b"%PDF", "is a PDF document", "Export the table to CSV from the program that made it"),
    (b"PAR1", "is a Parquet file",
     "Convert it with pandas.read_parquet(...).to_csv(...) and upload the CSV"),
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class CsvRead:
    """What :func:`read_csv_source` found; ``core.intake.dataset.read_table`` wraps it in a RawTable."""

    frame: pd.DataFrame
    name: str
    content_hash: str
    encoding: str
    delimiter: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    names: tuple[str, ...]
    unnamed: frozenset[str]  # names we generated for empty header cells
    skip_rows: int  # physical lines up to and including the header row
    quoted_newline: bool
    notes: tuple[str, ...]
    lead_lines: int = 0  # lines before the header that are not blank (Excel's "sep=;")


class _NotUtf8(Exception):
    """pyarrow or the C engine met bytes that are not UTF-8."""


def read_csv_source(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> CsvRead:
    """Decode and parse a CSV given as a path, raw bytes or a binary file-like object."""
    path, data, default_name = _resolve(source, max_bytes)
    size = os.path.getsize(path) if path is not None else len(data)
    if size > max_bytes:
        raise DataError(
            f"The file is {_mb(size)}, over the {_mb(max_bytes)} limit",
            "Upload a random sample of the rows, or split the file into smaller parts",
        )
    if size == 0:
        raise DataError("The file is empty (0 bytes)", "Upload a CSV with a header row and data")
    head = _read_head(path, data)
    _refuse_binary_formats(head, path, data)
    encoding = _sniff_encoding(head)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(_scan, path, data)  # hashing overlaps with parsing
        frame, dialect, encoding, notes = _decode_and_parse(path, data, head, encoding, scan)
        digest = scan.result()[0]
    notes.extend(dialect.notes)
    frame = compact_numeric(_tidy(frame, dialect, notes))
    return CsvRead(frame, name or default_name, digest, encoding, dialect.delimiter, tuple(notes))


def _decode_and_parse(
    path: str | None, data: bytes | None, head: bytes, encoding: str, scan: Future
) -> tuple[pd.DataFrame, _Dialect, str, list[str]]:
    """Parse UTF-8 straight from the source; otherwise (or if NULs turn up) via UTF-8 bytes."""
    notes: list[str] = []
    if encoding in ("utf-8", "utf-8-sig"):
        src = path if path is not None else data
        text, complete = _sample_text(src)
        _refuse_text_formats(text, complete, src)
        try:
            frame, dialect = _parse(src, text, complete)
            if not scan.result()[1]:
                return frame, dialect, encoding, notes
        except _NotUtf8:
            encoding = "legacy"
    raw = data if data is not None else _read_all(path)
    src, encoding = _to_utf8(raw, encoding, scan.result()[1], notes)
    text, complete = _sample_text(src)
    _refuse_text_formats(text, complete, src)
    try:
        frame, dialect = _parse(src, text, complete)
    except _NotUtf8:
        raise DataError(
            "The file's text could not be decoded", "Save it as UTF-8 CSV and upload that"
        ) from None
    return frame, dialect, encoding, notes


# -- getting the bytes -------------------------------------------------------------------------


def _resolve(source: object, max_bytes: int) -> tuple[str | None, bytes | None, str]:
    """(path, data, default name): exactly one of path and data is set."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise DataError(f"File not found: '{path}'", "Check the path and try again")
        return path, None, os.path.basename(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return None, bytes(source) if not isinstance(source, bytes) else source, "data.csv"
    if hasattr(source, "read"):
        raw_name = getattr(source, "name", None)
        name = os.path.basename(raw_name) if isinstance(raw_name, str) else "data.csv"
        if hasattr(source, "getvalue"):  # BytesIO / Streamlit's UploadedFile: no copy
            data = source.getvalue()
        else:
            if hasattr(source, "seekable") and source.seekable():
                source.seek(0)
            data = source.read(max_bytes + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("read_table needs a binary file object; open the file with 'rb'")
        return None, bytes(data), name
    raise TypeError(f"read_table takes a path, bytes or a binary file; got {type(source).__name__}")


def _read_head(path: str | None, data: bytes | None, n: int = SAMPLE_BYTES) -> bytes:
    if data is not None:
        return data[:n]
    with open(path, "rb") as f:
        return f.read(n)


def _read_all(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _scan(path: str | None, data: bytes | None) -> tuple[str, bool]:
    """sha256 of the raw bytes and whether they hold a NUL, read in 1 MB pieces (a memory
    map of the whole file would count in the resident memory while the file is parsed)."""
    if data is not None:
        return hashlib.sha256(data).hexdigest(), data.find(b"\0") >= 0
    digest, nul = hashlib.sha256(), False
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            nul = nul or chunk.find(b"\0") >= 0
    return digest.hexdigest(), nul


def _mb(n: int) -> str:
    return f"{n / 1024**2:.1f} MB"


# -- what it is and how it is encoded ----------------------------------------------------------


def _refuse_binary_formats(head: bytes, path: str | None, data: bytes | None) -> None:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path if path is not None else io.BytesIO(data)) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            names = []
        if any(n.startswith("xl/") for n in names):
            raise DataError(
                "The file looks like an Excel workbook, not a CSV",
                "In Excel use File > Save As > CSV (comma delimited) and upload the .csv file",
            )
        raise DataError(
            "The file is a zip archive, not a CSV", "Unzip it and upload the CSV inside"
        )
    for magic, what, hint in _MAGIC:
        if head.startswith(magic):
            raise DataError(f"The file {what}, not a CSV", hint)


def _sniff_encoding(head: bytes) -> str:
    """'utf-8-sig', 'utf-16', 'utf-16-le'/'-be' (no BOM), 'utf-8', or 'legacy' (cp1252/latin-1)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    probe = head[:4096]
    probe = probe[: len(probe) - len(probe) % 2]
    if len(probe) >= 4:
        even, odd = probe[0::2].count(0) / (len(probe) / 2), probe[1::2].count(0) / (len(probe) / 2)
        if odd > 0.6 and even < 0.05:
            return "utf-16-le"
        if even > 0.6 and odd < 0.05:
            return "utf-16-be"
    n_control = len(head) - len(head.translate(None, _CONTROL))
    if n_control > max(8, 0.02 * len(head)):
        raise DataError(
            f"The file looks binary, not like text: {n_control} of its first {len(head)} bytes "
            "are control characters",
            "Upload a plain-text CSV (in a spreadsheet program use Save As > CSV)",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "legacy"
    return "utf-8"


def _to_utf8(raw: bytes, encoding: str, has_nul: bool, notes: list[str]) -> tuple[bytes, str]:
    """Re-encode as UTF-8 (stripping NULs from 8-bit text); returns (bytes, encoding used)."""
    if has_nul and not encoding.startswith("utf-16"):
        notes.append(f"Removed {raw.count(0)} NUL bytes (\\0) from the file.")
        raw = raw.replace(b"\0", b"")
    if encoding == "legacy":
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
        notes.append(
            f"The file is not valid UTF-8; decoded it as {encoding}. If accented letters look "
            "wrong, save the file as UTF-8 and upload it again."
        )
        return text.encode("utf-8"), encoding
    if encoding.startswith("utf-16"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as err:
            raise DataError(
                f"The file looks like UTF-16 text but cannot be decoded ({err.reason} at byte "
                f"{err.start})",
                "Save it again as UTF-8 CSV and upload that",
            ) from None
        notes.append(f"Decoded the file as {encoding.upper()}.")
        return text.lstrip("\ufeff").encode("utf-8"), encoding
    return raw, encoding


def _sample_text(src: str | bytes) -> tuple[str, bool]:
    """The first ~64 KB as text (more if needed to hold a few full lines) and whether that is
    the whole file."""
    size = len(src) if isinstance(src, bytes) else os.path.getsize(src)
    n = SAMPLE_BYTES
    while True:
        sample = src[:n] if isinstance(src, bytes) else _read_head(src, None, n)
        text, complete = _decode_sample(sample, size)
        if complete or text.count("\n") >= 3 or n >= 64 * SAMPLE_BYTES:
            return text, complete
        n *= 4


def _decode_sample(sample: bytes, size: int) -> tuple[str, bool]:
    """UTF-8 text of the sample, cut after its last full line unless it is the whole file."""
    complete = len(sample) >= size
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=complete)
    text = text.removeprefix("\ufeff")
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text, complete


def _refuse_text_formats(text: str, complete: bool, src: str | bytes) -> None:
    body = text.lstrip()
    if not body:
        if complete:
            raise DataError("The file is empty (only blank space)", "Upload a CSV with data")
        return
    start = body[:256].lower()
    if start.startswith(("<!doctype html", "<html", "<table")):
        raise DataError(
            "The file is an HTML page, not a CSV",
            "Download the data itself as CSV (not the web page) and upload that",
        )
    if start.startswith("<?xml"):
        raise DataError(
            "The file is XML, not a CSV",
            "Convert it with pandas.read_xml(...).to_csv(...) or export CSV from its program",
        )
    if body[0] in "{[" and _is_json(body, complete, src):
        raise DataError(
            "The file is JSON, not a CSV",
            "Convert it with pandas.read_json(...).to_csv(...) and upload the CSV",
        )


def _is_json(body: str, complete: bool, src: str | bytes) -> bool:
    first = body.split("\n", 1)[0]
    candidates = [first, body] if complete else [first]
    for text in candidates:
        try:
            if isinstance(json.loads(text), (dict, list)):
                return True
        except ValueError:
            pass
    if complete:
        return False
    raw = src if isinstance(src, bytes) else _read_all(src)
    try:
        return isinstance(json.loads(raw.decode("utf-8-sig", errors="replace")), (dict, list))
    except ValueError:
        return False


# -- dialect and header ------------------------------------------------------------------------


def _records(text: str, delimiter: str, complete: bool) -> list[tuple[int, list[str], int]]:
    """(first physical line, fields, last physical line) per non-blank record of the sample."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out, prev = [], 0
    try:
        for fields in reader:
            start, prev = prev + 1, reader.line_num
            if fields:
                out.append((start, fields, prev))
    except csv.Error:
        pass
    if not complete and out:
        out.pop()  # the sample may have cut the last record short
    return out


def _sniff(text: str, complete: bool) -> _Dialect:
    """Pick the delimiter whose field count is the most consistent, then read the header.

    Excel's "sep=;" first line is skipped and names the delimiter."""
    lead, delimiters, lead_notes = 0, DELIMITERS, []
    excel = _EXCEL_SEP.match(text)
    if excel:
        lead, text = 1, text[excel.end() :]
        delimiters = (excel.group(1),) if excel.group(1) in DELIMITERS else DELIMITERS
        lead_notes.append(f"Skipped Excel's '{excel.group(0).strip()}' first line.")
    best, best_key = None, None
    for delimiter in delimiters:
        recs = _records(text, delimiter, complete)
        if not recs:
            continue
        counts = Counter(len(fields) for _, fields, _ in recs)
        mode, freq = counts.most_common(1)[0]
        key = (mode >= 2, round(freq / len(recs), 3), mode)
        if best_key is None or key > best_key:
            best, best_key = (delimiter, recs), key
    if best is None:
        raise DataError("The file has no rows", "Upload a CSV with a header row and data")
    delimiter, recs = best
    if best_key[2] == 1:
        _refuse_other_separator([fields[0] for _, fields, _ in recs[:50]])
    header, data = recs[0], recs[1:]
    if complete and not data:
        raise _header_only()
    raw_names = [n.strip() for n in header[1]]
    k = len(raw_names)
    over = [(line, fields) for line, fields, _ in data if len(fields) > k]
    if over and all(len(f) == k + 1 and not f[-1].strip() for _, f in over):
        raw_names.append("")  # a delimiter at the end of the data lines only
    elif over:
        line, fields = over[0]
        raise _too_many_fields(line + lead, len(fields), k, delimiter)
    names, unnamed, notes = _clean_names(raw_names)
    return _Dialect(
        delimiter=delimiter,
        names=tuple(names),
        unnamed=frozenset(unnamed),
        skip_rows=header[2] + lead,
        quoted_newline=any(end > start for start, _, end in recs),
        notes=tuple(lead_notes + notes),
        lead_lines=lead,
    )


def _refuse_other_separator(lines: list[str]) -> None:
    """One column whose lines all hold the same number of e.g. ':' is a file split by ':'."""
    if len(lines) < 2:
        return
    for sep, what in _OTHER_SEPARATORS.items():
        counts = {line.strip().count(sep) for line in lines}
        if len(counts) == 1 and counts.pop() >= 1:
            raise DataError(
                f"The values look separated by {what}, which is not a supported delimiter",
                "Save the file with commas, semicolons, tabs or pipes between the values "
                "(in a spreadsheet program: Save As > CSV) and upload it again",
            )


def _too_many_fields(line: int, n: int, k: int, delimiter: str) -> DataError:
    return DataError(
        f"Line {line} has {n} fields but the header has {k} columns",
        f"Put quotes around values that contain the delimiter ({_DELIM_NAMES[delimiter]}), "
        "or add the missing column names to the header, then upload the file again",
    )


def _clean_names(raw: list[str]) -> tuple[list[str], set[str], list[str]]:
    """Empty names -> column_<i>; duplicates -> name_2, name_3 (never clashing)."""
    filled = [n or f"column_{i}" for i, n in enumerate(raw, start=1)]
    unnamed = {f for f, n in zip(filled, raw, strict=True) if not n}
    taken, names, renamed = set(filled), [], []
    seen: set[str] = set()
    for n in filled:
        new = n
        if n in seen:
            k = 2
            while f"{n}_{k}" in taken:
                k += 1
            new = f"{n}_{k}"
            taken.add(new)
            renamed.append(f"'{n}' -> '{new}'")
            if n in unnamed:
                unnamed.add(new)
        seen.add(new)
        names.append(new)
    notes = [f"Renamed duplicate column names: {', '.join(renamed)}."] if renamed else []
    return names, unnamed, notes


# -- parsing -----------------------------------------------------------------------------------


def _parse(src: str | bytes, text: str, complete: bool) -> tuple[pd.DataFrame, _Dialect]:
    """pyarrow first (again with quoted newlines allowed if it trips on a quote the sample did
    not show); pandas' C engine for what pyarrow refuses, e.g. rows with too few fields."""
    dialect = _sniff(text, complete)
    for retry in (False, True):
        try:
            return _parse_arrow(src, dialect), dialect
        except pa.ArrowInvalid as err:
            message = str(err)
            if not message.startswith("CSV parse error"):  # that one quotes the row's text
                if _ARROW_NOT_UTF8.search(message):
                    raise _NotUtf8 from err
                if "skip initial" in message or "Empty CSV" in message:
                    raise _header_only() from None
            if retry or dialect.quoted_newline or not _has_quote(src):
                break
            dialect = replace(dialect, quoted_newline=True)
    return _parse_c(src, dialect), dialect


def _has_quote(src: str | bytes) -> bool:
    if isinstance(src, bytes):
        return b'"' in src
    with open(src, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return view.find(b'"') >= 0


def _header_only() -> DataError:
    return DataError(
        "The file has a header row but no data rows", "Add the data rows below the header"
    )


def _parse_arrow(src: str | bytes, dialect: _Dialect) -> pd.DataFrame:
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


def _parse_c(src: str | bytes, dialect: _Dialect) -> pd.DataFrame:
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
        raise _too_many_fields(line, n, k, dialect.delimiter) from None
    frame.attrs[ENGINE_ATTR] = "c"
    return frame


def _physical_line(src: str | bytes, dialect: _Dialect, c_line: int) -> int:
    """The C engine counts records and blank lines, not newlines inside quotes: map back."""
    raw = src if isinstance(src, bytes) else _read_all(src)
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


def _decimal_commas(frame: pd.DataFrame, col: str) -> bool:
    """Turn a text column of numbers written with decimal commas ("1.234,5") into floats."""
    s = frame[col]
    if not isinstance(s.dtype, pd.StringDtype):
        return False
    uniques = pd.Series(s.dropna().unique(), dtype="str").str.strip()
    if uniques.empty or not uniques.str.contains(",", regex=False).any():
        return False
    if not uniques.str.fullmatch(_DECIMAL_COMMA.pattern).all():
        return False
    text = s.str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    frame[col] = pd.to_numeric(text, errors="coerce").astype(np.float64)
    return True


def _tidy(frame: pd.DataFrame, dialect: _Dialect, notes: list[str]) -> pd.DataFrame:
    """Drop empty unnamed trailing columns, turn +-inf into missing, index 0..n-1."""
    names = list(frame.columns)
    trailing = []
    while names and names[-1] in dialect.unnamed and frame[names[-1]].isna().all():
        trailing.append(names.pop())
    if trailing:
        frame = frame.drop(columns=trailing)
        notes.append(
            f"Dropped {len(trailing)} empty unnamed column(s) at the end of each line "
            "(a trailing delimiter)."
        )
    unnamed = [n for n in names if n in dialect.unnamed]
    if unnamed:
        notes.append(f"Named the columns with an empty header: {', '.join(unnamed)}.")
    if dialect.delimiter != ",":
        commas = [col for col in names if _decimal_commas(frame, col)]
        if commas:
            notes.append(f"Read decimal commas (1,5 = 1.5) in: {', '.join(commas)}.")
    inf_cols = []
    for col in names:
        values = frame[col].to_numpy() if frame[col].dtype == np.float64 else None
        if values is not None and np.isinf(values).any():
            inf_cols.append(f"{col} ({int(np.isinf(values).sum())})")
            frame[col] = np.where(np.isinf(values), np.nan, values)
    if inf_cols:
        notes.append(f"Read infinite values (inf, -inf) as missing in: {', '.join(inf_cols)}.")
    if frame.shape[0] == 0:
        raise _header_only()
    frame.index = pd.RangeIndex(frame.shape[0])
    return frame


def compact_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Hold numeric columns in smaller types where that changes no value (in place).

    The rule: a 64-bit integer column becomes int8, int16 or int32, the first whose range
    holds its minimum and maximum; a float64 column becomes float32 when every value
    (missing ones aside) converts to float32 and back unchanged, e.g. whole numbers up to
    2**24 with gaps, or halves and quarters. Decimals such as 0.1 are not exact in float32
    and stay float64. Converting back to float64 gives the original values bit for bit, so
    models and metrics see the same numbers; ``core.intake.dataset`` types features as float64 again.
    """
    for col in frame.columns:
        values = frame[col].to_numpy() if frame[col].dtype in (np.int64, np.float64) else None
        if values is None or values.size == 0:
            continue
        if values.dtype == np.int64:
            small = _smallest_int(values.min(), values.max())
            if small is not None:
                frame[col] = values.astype(small)
        elif _exact_in_float32(values[:_EXACT_PROBE]) and _exact_in_float32(values):
            frame[col] = values.astype(np.float32)
    return frame


def _smallest_int(lo: int, hi: int) -> type | None:
    for kind in COMPACT_INTS:
        info = np.iinfo(kind)
        if info.min <= lo and hi <= info.max:
            return kind
    return None


def _exact_in_float32(values: np.ndarray) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):  # too large for float32: not exact
        small = values.astype(np.float32)
    return bool(np.array_equal(small, values, equal_nan=True))
