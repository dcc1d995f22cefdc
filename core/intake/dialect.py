"""The dialect of a CSV sample: the delimiter (the most consistent field count), Excel's
"sep=;" line, the header row and its clean column names.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from core.errors import DataError

DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "comma ','", ";": "semicolon ';'", "\t": "tab", "|": "pipe '|'"}
_EXCEL_SEP = re.compile(r"sep=(.)[ \t]*(\r\n|\r|\n)")
_OTHER_SEPARATORS = {":": "colons ':'", " ": "spaces", "~": "tildes '~'", "^": "carets '^'"}


@dataclass(frozen=True)
class Dialect:
    """How to parse the file: delimiter, column names, where the data starts."""

    delimiter: str
    names: tuple[str, ...]
    unnamed: frozenset[str]  # names we generated for empty header cells
    skip_rows: int  # physical lines up to and including the header row
    quoted_newline: bool
    notes: tuple[str, ...]
    lead_lines: int = 0  # lines before the header that are not blank (Excel's "sep=;")


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


def sniff_dialect(text: str, complete: bool) -> Dialect:
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
        raise header_only()
    raw_names = [n.strip() for n in header[1]]
    k = len(raw_names)
    over = [(line, fields) for line, fields, _ in data if len(fields) > k]
    if over and all(len(f) == k + 1 and not f[-1].strip() for _, f in over):
        raw_names.append("")  # a delimiter at the end of the data lines only
    elif over:
        line, fields = over[0]
        raise too_many_fields(line + lead, len(fields), k, delimiter)
    names, unnamed, notes = _clean_names(raw_names)
    return Dialect(
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


def too_many_fields(line: int, n: int, k: int, delimiter: str) -> DataError:
    return DataError(
        f"Line {line} has {n} fields but the header has {k} columns",
        f"Put quotes around values that contain the delimiter ({_DELIM_NAMES[delimiter]}), "
        "or add the missing column names to the header, then upload the file again",
    )


def header_only() -> DataError:
    return DataError(
        "The file has a header row but no data rows", "Add the data rows below the header"
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
