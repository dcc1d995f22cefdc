"""(Re)generate the bad-input corpus in tests/data/bad/: files a user could upload.

Seeded and deterministic: running it twice writes the same bytes. Each file is described
in ``FILES`` (name -> what it is); tests/data/bad/EXPECTED.md says what the app does with
it and tests/core/intake/test_bad_inputs.py checks that. Run from the repository root:

    python tests/data/make_bad_corpus.py
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "bad"
SEED = 20240611
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(SEED + offset)


def _csv(frame: pd.DataFrame, sep: str = ",", **kwargs) -> bytes:
    return frame.to_csv(index=False, sep=sep, lineterminator="\n", **kwargs).encode("utf-8")


def _base(n: int = 120, offset: int = 0) -> pd.DataFrame:
    """A plain binary table: two numeric features, one categorical, a 'target' of yes/no."""
    rng = _rng(offset)
    target = np.where(rng.random(n) < 0.2, "yes", "no")
    return pd.DataFrame(
        {
            "x1": (rng.normal(size=n) + (target == "yes")).round(3),
            "x2": rng.integers(0, 50, n),
            "color": rng.choice(["red", "green", "blue"], n),
            "target": target,
        }
    )


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), data)
    return buf.getvalue()


# -- the files ---------------------------------------------------------------------------------


def empty() -> bytes:
    return b""


def blank_space() -> bytes:
    return b"\n\n   \r\n\t\n"


def header_only() -> bytes:
    return b"x1,x2,color,target\n"


def header_only_no_newline() -> bytes:
    return b"x1,x2,color,target"


def one_row() -> bytes:
    return b"x1,x2,color,target\n0.5,3,red,yes\n"


def two_rows() -> bytes:
    return b"x1,x2,color,target\n0.5,3,red,yes\n1.5,7,blue,no\n"


def one_class() -> bytes:
    frame = _base(60, 1)
    frame["target"] = "yes"
    return _csv(frame)


def binary_garbage() -> bytes:
    return _rng(2).integers(0, 256, 4096, dtype=np.uint8).tobytes()


def zip_renamed() -> bytes:
    return _zip({"data.csv": _csv(_base(40, 3))})


def xlsx_renamed() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    frame = _base(30, 4)
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    raw = io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as zf:  # rewrite with fixed timestamps: same bytes every run
        entries = {name: zf.read(name) for name in zf.namelist()}
    entries["docProps/core.xml"] = re.sub(
        rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", entries["docProps/core.xml"]
    )
    return _zip(entries)


def xls_renamed() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _rng(5).integers(0, 256, 2000, np.uint8).tobytes()


def json_renamed() -> bytes:
    return _base(20, 6).to_json(orient="records", indent=1).encode("utf-8")


def jsonl_renamed() -> bytes:
    return _base(20, 7).to_json(orient="records", lines=True).encode("utf-8")


def html_renamed() -> bytes:
    table = _base(10, 8).to_html(index=False)
    return f"<!DOCTYPE html>\n<html><body><h1>Export</h1>\n{table}\n</body></html>\n".encode()


def xml_renamed() -> bytes:
    frame = _base(10, 9)
    rows = "".join(
        f"  <row><x1>{r.x1}</x1><x2>{r.x2}</x2><target>{r.target}</target></row>\n"
        for r in frame.itertuples()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n{rows}</rows>\n'.encode()


def gzip_renamed() -> bytes:
    return gzip.compress(_csv(_base(40, 10)), mtime=0)


def pdf_renamed() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def parquet_renamed() -> bytes:
    buf = io.BytesIO()
    _base(40, 11).to_parquet(buf, index=False)
    return buf.getvalue()


def continuous_target() -> bytes:
    frame = _base(80, 12)
    frame["target"] = _rng(12).normal(50, 10, 80).round(4)
    return _csv(frame)


def id_target() -> bytes:
    frame = _base(80, 13)
    frame["target"] = [f"CUST-{i:05d}" for i in range(80)]
    return _csv(frame)


def too_many_classes() -> bytes:
    frame = _base(1200, 14)
    frame["target"] = [f"sku_{i % 60:02d}" for i in range(1200)]
    return _csv(frame)


def target_missing() -> bytes:
    return _csv(_base(40, 15).rename(columns={"target": "klass"}))


def all_empty_target() -> bytes:
    frame = _base(40, 16)
    frame["target"] = ""
    return _csv(frame)


def only_target() -> bytes:
    return _csv(_base(40, 17)[["target"]])


def ragged_long_rows() -> bytes:
    lines = _csv(_base(30, 18)).decode().splitlines()
    lines[7] += ",extra,fields"
    return ("\n".join(lines) + "\n").encode()


def ragged_short_rows() -> bytes:
    lines = _csv(_base(30, 19)).decode().splitlines()
    for i in (4, 9, 15):
        lines[i] = lines[i].rsplit(",", 2)[0] + ",no"  # 3 fields: "no" lands in color
    return ("\n".join(lines) + "\n").encode()


def nul_bytes() -> bytes:
    data = bytearray(_csv(_base(50, 20)))
    for pos in (30, 200, 400, 401, 402):
        data.insert(pos, 0)
    return bytes(data)


def huge_field() -> bytes:
    frame = _base(30, 21)
    frame["notes"] = "short note"
    frame.loc[5, "notes"] = "lorem ipsum " * (3 * 1024 * 1024 // 12)  # one 3 MB cell
    return _csv(frame)


def duplicate_columns() -> bytes:
    frame = _base(40, 22)
    text = _csv(frame).decode().splitlines()
    text[0] = "x,x,color,target"
    return ("\n".join(text) + "\n").encode()


def inf_values() -> bytes:
    frame = _base(40, 23).astype({"x1": object})
    frame.loc[[2, 5], "x1"] = "inf"
    frame.loc[8, "x1"] = "-inf"
    frame.loc[11, "x1"] = "Infinity"
    return _csv(frame)


def latin1() -> bytes:
    frame = _base(40, 24)
    frame["target"] = np.where(frame["target"] == "yes", "café", "thé")
    frame["color"] = frame["color"].map({"red": "rouge", "green": "vert", "blue": "bleu clair"})
    return frame.to_csv(index=False, lineterminator="\n").encode("latin-1")


def cp1252_quotes() -> bytes:
    frame = _base(40, 25)
    frame["color"] = frame["color"].map({"red": "“red”", "green": "green – dark", "blue": "€ blue"})
    return frame.to_csv(index=False, lineterminator="\n").encode("cp1252")


def utf16_bom() -> bytes:
    return codecs.BOM_UTF16_LE + _csv(_base(40, 26)).decode().encode("utf-16-le")


def utf16be_no_bom() -> bytes:
    return _csv(_base(40, 27)).decode().encode("utf-16-be")


def utf8_bom() -> bytes:
    return codecs.BOM_UTF8 + _csv(_base(40, 28))


def invalid_utf8_late() -> bytes:
    frame = _base(5000, 29)
    frame.loc[4900, "color"] = "bleu foncé"
    head = _csv(frame.iloc[:4900])
    tail = frame.iloc[4900:].to_csv(index=False, header=False, lineterminator="\n")
    if len(head) <= 70_000:  # must reach past the 64 KB sample the encoding is sniffed on
        raise RuntimeError("invalid_utf8_late: the valid head is too short")
    return head + tail.encode("latin-1")


def semicolon_decimal_comma() -> bytes:
    return _csv(_base(40, 30), sep=";", decimal=",")


def tab_separated() -> bytes:
    return _csv(_base(40, 31), sep="\t")


def pipe_separated() -> bytes:
    return _csv(_base(40, 32), sep="|")


def colon_separated() -> bytes:
    return _csv(_base(40, 33), sep=":")


def excel_sep_line() -> bytes:
    return b"sep=;\n" + _csv(_base(40, 34), sep=";")


def wide_2000_columns() -> bytes:
    rng = _rng(35)
    n = 40
    frame = pd.DataFrame(rng.integers(0, 10, (n, 2000)), columns=[f"f{i}" for i in range(2000)])
    frame["target"] = np.where(np.arange(n) % 4 == 0, "rare", "common")
    return _csv(frame)


def html_in_names() -> bytes:
    frame = _base(40, 36).rename(
        columns={"x1": "<script>alert('x1')</script>", "color": "<b>colour</b>"}
    )
    frame["target"] = np.where(
        frame["target"] == "yes", "<img src=x onerror=alert(1)>", "<i>no</i>"
    )
    return _csv(frame)


def formula_labels() -> bytes:
    frame = _base(60, 37).rename(columns={"x2": '=HYPERLINK("http://example.com","x2")'})
    labels = np.array(["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1:A9)"])
    frame["target"] = labels[np.arange(60) % 3]
    return _csv(frame)


def singleton_class() -> bytes:
    frame = _base(40, 38)
    frame.loc[7, "target"] = "fraud"
    return _csv(frame)


def multilabel_sets_blanks() -> bytes:
    rng = _rng(39)
    n = 60
    sets = ["billing|bug", "bug", "", "billing", " bug | ui ", "ui|", "|billing", "bug||ui"]
    frame = _base(n, 39).drop(columns="target")
    frame["tags"] = [sets[i] for i in rng.integers(0, len(sets), n)]
    return _csv(frame)


def multilabel_one_label() -> bytes:
    frame = _base(40, 56).drop(columns="target")
    frame["tags"] = np.where(np.arange(40) % 4 == 0, "bug", "")
    return _csv(frame)


def multilabel_01_bad() -> bytes:
    frame = _base(40, 40).drop(columns="target")
    frame["is_bug"] = (np.arange(40) % 3 == 0).astype(int)
    frame["is_ui"] = (np.arange(40) % 5 == 0).astype(int).astype(str)
    frame.loc[3, "is_ui"] = "2"
    frame.loc[9, "is_ui"] = "maybe"
    return _csv(frame)


def multilabel_01_blanks() -> bytes:
    frame = _base(40, 41).drop(columns="target").astype({"x2": float})
    frame["is_bug"] = (np.arange(40) % 3 == 0).astype(float)
    frame["is_ui"] = (np.arange(40) % 5 == 0).astype(float)
    frame.loc[[4, 10], "is_bug"] = np.nan
    frame.loc[12, "is_ui"] = np.nan
    return _csv(frame)


def trailing_delimiter() -> bytes:
    lines = _csv(_base(40, 42)).decode().splitlines()
    return ("\n".join(line + "," for line in lines) + "\n").encode()


def empty_header_cells() -> bytes:
    lines = _csv(_base(40, 43)).decode().splitlines()
    lines[0] = ",x2,,target"
    return ("\n".join(lines) + "\n").encode()


def quoted_newlines_crlf() -> bytes:
    frame = _base(40, 44)
    frame["comment"] = np.where(np.arange(40) % 4 == 0, "line one\r\nline two, with comma", "ok")
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def unclosed_quote() -> bytes:
    lines = _csv(_base(30, 45)).decode().splitlines()
    lines[10] = lines[10].replace(",red,", ',"red,').replace(",blue,", ',"blue,')
    lines[10] = lines[10].replace(",green,", ',"green,')
    return ("\n".join(lines) + "\n").encode()


def all_features_constant() -> bytes:
    frame = _base(40, 46)
    frame["x1"], frame["x2"], frame["color"] = 1.0, 7, "red"
    return _csv(frame)


def na_tokens_target() -> bytes:
    frame = _base(60, 47)
    for i, token in zip((1, 4, 9, 20, 33), ("NA", "?", "-", "null", " "), strict=True):
        frame.loc[i, "target"] = token
    return _csv(frame)


def control_chars() -> bytes:
    frame = _base(40, 48)
    frame.loc[3, "color"] = "red\x01"
    frame.loc[6, "color"] = "gr\x1been"
    return _csv(frame)


def boolean_target() -> bytes:
    frame = _base(50, 49)
    frame["target"] = np.where(frame["target"] == "yes", "TRUE", "FALSE")
    return _csv(frame)


def whitespace_labels() -> bytes:
    frame = _base(50, 50)
    frame["target"] = [
        (" " if i % 2 else "") + t + ("  " if i % 3 == 0 else "")
        for i, t in enumerate(frame["target"])
    ]
    return _csv(frame, quoting=1)  # csv.QUOTE_ALL keeps the blanks in the file


def many_blank_lines() -> bytes:
    lines = _csv(_base(40, 51)).decode().splitlines()
    return ("\n\n\n".join(lines) + "\n\n\n").encode()


def mixed_numeric_text() -> bytes:
    frame = _base(80, 52).astype({"x1": object})
    frame.loc[[3, 17], "x1"] = "unknown"
    frame.loc[40, "x1"] = "n.a."
    return _csv(frame)


def numeric_target_codes() -> bytes:
    frame = _base(90, 53)
    frame["target"] = np.array([0, 1, 2])[np.arange(90) % 3] * 1.0
    return _csv(frame)


def long_text_column() -> bytes:
    rng = _rng(54)
    frame = _base(200, 54)
    words = np.array(["late", "payment", "refund", "error", "login", "slow", "crash", "card"])
    frame["ticket_text"] = [" ".join(rng.choice(words, 6)) + f" #{i}" for i in range(200)]
    return _csv(frame)


def emoji_and_rtl() -> bytes:
    frame = _base(40, 55)
    frame["target"] = np.where(frame["target"] == "yes", "🔥 hot", "שלום")
    frame = frame.rename(columns={"color": "цвет 🎨"})
    return _csv(frame)


FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "empty.csv": ("0 bytes", empty),
    "blank_space.csv": ("only newlines, spaces and a tab", blank_space),
    "header_only.csv": ("a header row and no data", header_only),
    "header_only_no_newline.csv": ("a header without even a newline", header_only_no_newline),
    "one_row.csv": ("header and a single data row", one_row),
    "two_rows.csv": ("header and two rows of different classes", two_rows),
    "one_class.csv": ("60 rows, every target 'yes'", one_class),
    "binary_garbage.csv": ("4 KB of random bytes", binary_garbage),
    "zip_renamed.csv": ("a zip archive holding a CSV, renamed .csv", zip_renamed),
    "xlsx_renamed.csv": ("an Excel .xlsx workbook renamed .csv", xlsx_renamed),
    "xls_renamed.csv": ("an old Excel .xls (OLE2) header renamed .csv", xls_renamed),
    "json_renamed.csv": ("a JSON array of records", json_renamed),
    "jsonl_renamed.csv": ("JSON lines (one object per line)", jsonl_renamed),
    "html_renamed.csv": ("an HTML page with a table", html_renamed),
    "xml_renamed.csv": ("an XML document", xml_renamed),
    "gzip_renamed.csv": ("a gzip-compressed CSV renamed .csv", gzip_renamed),
    "pdf_renamed.csv": ("a PDF document", pdf_renamed),
    "parquet_renamed.csv": ("a Parquet file", parquet_renamed),
    "continuous_target.csv": ("target holds 80 distinct real numbers", continuous_target),
    "id_target.csv": ("target is a unique customer ID per row", id_target),
    "too_many_classes.csv": ("target has 60 classes", too_many_classes),
    "target_missing.csv": ("no column 'class'; there is 'klass'", target_missing),
    "all_empty_target.csv": ("target column present, every value blank", all_empty_target),
    "only_target.csv": ("a single column: the target", only_target),
    "ragged_long_rows.csv": ("line 8 has three fields too many", ragged_long_rows),
    "ragged_short_rows.csv": ("three lines are one field short (no target)", ragged_short_rows),
    "nul_bytes.csv": ("5 NUL bytes scattered in the text", nul_bytes),
    "huge_field.csv": ("one 3 MB cell in a 'notes' column", huge_field),
    "duplicate_columns.csv": ("two columns named 'x'", duplicate_columns),
    "inf_values.csv": ("'inf', '-inf' and 'Infinity' in a numeric column", inf_values),
    "latin1.csv": ("Latin-1 (ISO-8859-1) text with accents in labels", latin1),
    "cp1252_quotes.csv": ("Windows-1252 curly quotes, en dash and euro sign", cp1252_quotes),
    "utf16_bom.csv": ("UTF-16 LE with a byte-order mark", utf16_bom),
    "utf16be_no_bom.csv": ("UTF-16 BE without a byte-order mark", utf16be_no_bom),
    "utf8_bom.csv": ("UTF-8 with a byte-order mark", utf8_bom),
    "invalid_utf8_late.csv": (
        "UTF-8-looking first 70 KB, then a Latin-1 'é' near the end",
        invalid_utf8_late,
    ),
    "semicolon_decimal_comma.csv": (
        "semicolon-separated with decimal commas (European Excel)",
        semicolon_decimal_comma,
    ),
    "tab_separated.csv": ("tab-separated", tab_separated),
    "pipe_separated.csv": ("pipe-separated", pipe_separated),
    "colon_separated.csv": ("colon-separated (not a supported delimiter)", colon_separated),
    "excel_sep_line.csv": ("Excel's 'sep=;' first line, then ';' data", excel_sep_line),
    "wide_2000_columns.csv": ("2,000 integer feature columns, 40 rows", wide_2000_columns),
    "html_in_names.csv": ("HTML/script tags in column names and labels", html_in_names),
    "formula_labels.csv": ("spreadsheet formulas as labels and a column name", formula_labels),
    "singleton_class.csv": ("a third class 'fraud' with one row", singleton_class),
    "multilabel_sets_blanks.csv": (
        "label sets 'a|b' with blank cells, blank and padded pieces",
        multilabel_sets_blanks,
    ),
    "multilabel_one_label.csv": ("label sets where only 'bug' ever occurs", multilabel_one_label),
    "multilabel_01_bad.csv": ("0/1 label columns holding '2' and 'maybe'", multilabel_01_bad),
    "multilabel_01_blanks.csv": ("0/1 label columns with blank cells", multilabel_01_blanks),
    "trailing_delimiter.csv": ("every line ends with a comma", trailing_delimiter),
    "empty_header_cells.csv": ("two header cells are empty", empty_header_cells),
    "quoted_newlines_crlf.csv": ("CRLF lines, quoted cells holding CRLF", quoted_newlines_crlf),
    "unclosed_quote.csv": ("a quote opened and never closed on line 11", unclosed_quote),
    "all_features_constant.csv": ("every feature column is constant", all_features_constant),
    "na_tokens_target.csv": ("targets 'NA', '?', '-', 'null', ' ' in 5 rows", na_tokens_target),
    "control_chars.csv": ("two control characters inside labels", control_chars),
    "boolean_target.csv": ("target TRUE/FALSE", boolean_target),
    "whitespace_labels.csv": ("quoted labels with leading/trailing blanks", whitespace_labels),
    "many_blank_lines.csv": ("two blank lines after every line", many_blank_lines),
    "mixed_numeric_text.csv": ("numbers with 3 text values in one column", mixed_numeric_text),
    "numeric_target_codes.csv": ("target 0.0/1.0/2.0 written as floats", numeric_target_codes),
    "long_text_column.csv": ("a free-text column, unique per row", long_text_column),
    "emoji_and_rtl.csv": ("emoji, Hebrew and Cyrillic in labels and names", emoji_and_rtl),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (_, make) in FILES.items():
        (OUT / name).write_bytes(make())


if __name__ == "__main__":
    main()
