"""What the app does with each file of the bad-input corpus (tests/data/bad/): the
machine-readable form of EXPECTED.md, shared by tests/core/intake/test_bad_inputs.py and
tests/app/test_bad_uploads.py. ``PYTHONPATH=. python tests/data/bad_corpus.py`` rewrites
EXPECTED.md after a change here or in make_bad_corpus.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from make_bad_corpus import FILES

BAD = Path(__file__).resolve().parent / "bad"


@dataclass(frozen=True)
class Expect:
    """What the app does with one corpus file, given the target a user would pick."""

    target: str | tuple[str, ...]
    label_sep: str | None = None
    refused: str | None = None  # the whole DataError message
    stage: str | None = None  # "read" (read_table) or "target" (build_dataset)
    task: str | None = None
    classes: tuple[str, ...] = ()
    n_rows: int | None = None
    schema: dict[str, str] | None = None  # column -> kind in the schema report
    kinds: dict[str, int] | None = None  # kind -> columns (wide files)
    notes: str = ""  # the intake's notes, joined
    reasons: dict[str, str] = field(default_factory=dict)  # column -> schema reason

    def targets(self) -> list[str]:
        return [self.target] if isinstance(self.target, str) else list(self.target)


EXPECTED: dict[str, Expect] = {
    "empty.csv": Expect(
        "target",
        refused="The file is empty (0 bytes). Upload a CSV with a header row and data.",
        stage="read",
    ),
    "blank_space.csv": Expect(
        "target",
        refused="The file is empty (only blank space). Upload a CSV with data.",
        stage="read",
    ),
    "header_only.csv": Expect(
        "target",
        refused="The file has a header row but no data rows. Add the data rows below the header.",
        stage="read",
    ),
    "header_only_no_newline.csv": Expect(
        "target",
        refused="The file has a header row but no data rows. Add the data rows below the header.",
        stage="read",
    ),
    "one_row.csv": Expect(
        "target",
        refused="Target column 'target' has only one class: every value is 'yes' (1 row). Pick a column with at least two classes.",
        stage="target",
    ),
    "two_rows.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=2,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "one_class.csv": Expect(
        "target",
        refused="Target column 'target' has only one class: every value is 'yes' (60 rows). Pick a column with at least two classes.",
        stage="target",
    ),
    "binary_garbage.csv": Expect(
        "target",
        refused="The file looks binary, not like text: 450 of its first 4096 bytes are control characters. Upload a plain-text CSV (in a spreadsheet program use Save As > CSV).",
        stage="read",
    ),
    "zip_renamed.csv": Expect(
        "target",
        refused="The file is a zip archive, not a CSV. Unzip it and upload the CSV inside.",
        stage="read",
    ),
    "xlsx_renamed.csv": Expect(
        "target",
        refused="The file looks like an Excel workbook, not a CSV. In Excel use File > Save As > CSV (comma delimited) and upload the .csv file.",
        stage="read",
    ),
    "xls_renamed.csv": Expect(
        "target",
        refused="The file looks like an old Excel (.xls) workbook, not a CSV. In Excel use File > Save As > CSV and upload the .csv file.",
        stage="read",
    ),
    "json_renamed.csv": Expect(
        "target",
        refused="The file is JSON, not a CSV. Convert it with pandas.read_json(...).to_csv(...) and upload the CSV.",
        stage="read",
    ),
    "jsonl_renamed.csv": Expect(
        "target",
        refused="The file is JSON, not a CSV. Convert it with pandas.read_json(...).to_csv(...) and upload the CSV.",
        stage="read",
    ),
    "html_renamed.csv": Expect(
        "target",
        refused="The file is an HTML page, not a CSV. Download the data itself as CSV (not the web page) and upload that.",
        stage="read",
    ),
    "xml_renamed.csv": Expect(
        "target",
        refused="The file is XML, not a CSV. Convert it with pandas.read_xml(...).to_csv(...) or export CSV from its program.",
        stage="read",
    ),
    "gzip_renamed.csv": Expect(
        "target",
        refused="The file is gzip-compressed, not a CSV. Decompress it (e.g. gunzip) and upload the .csv inside.",
        stage="read",
    ),
    "pdf_renamed.csv": Expect(
        "target",
        refused="The file is a PDF document, not a CSV. Export the table to CSV from the program that made it.",
        stage="read",
    ),
    "parquet_renamed.csv": Expect(
        "target",
        refused="The file is a Parquet file, not a CSV. Convert it with pandas.read_parquet(...).to_csv(...) and upload the CSV.",
        stage="read",
    ),
    "continuous_target.csv": Expect(
        "target",
        refused="Target column 'target' looks continuous (80 distinct values). Bin it into classes or pick another column.",
        stage="target",
    ),
    "id_target.csv": Expect(
        "target",
        refused="Target column 'target' looks like an ID: 80 distinct values in 80 rows. Pick the column that holds each row's class, or group rare classes.",
        stage="target",
    ),
    "too_many_classes.csv": Expect(
        "target",
        refused="Target column 'target' has more than 50 classes: 60 distinct values in 1200 rows. Pick the column that holds each row's class, or group rare classes.",
        stage="target",
    ),
    "target_missing.csv": Expect(
        "class",
        refused="Target column 'class' is not in the file. Close matches: 'klass'.",
        stage="target",
    ),
    "all_empty_target.csv": Expect(
        "target",
        refused="Target column 'target' is empty: every value is missing. Pick another column.",
        stage="target",
    ),
    "only_target.csv": Expect(
        "target",
        refused="The file has no column besides the target (target). Add the feature columns to the file.",
        stage="target",
    ),
    "ragged_long_rows.csv": Expect(
        "target",
        refused="Line 8 has 6 fields but the header has 4 columns. Put quotes around values that contain the delimiter (comma ','), or add the missing column names to the header, then upload the file again.",
        stage="read",
    ),
    "ragged_short_rows.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=27,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Dropped 3 rows with a missing target (target).",
        reasons={"target": "target (binary: 2 classes)"},
    ),
    "nul_bytes.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=50,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Removed 5 NUL bytes (\\0) from the file.",
    ),
    "huge_field.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=30,
        schema={
            "x1": "numeric",
            "x2": "numeric",
            "color": "categorical",
            "target": "target",
            "notes": "categorical",
        },
        notes="",
        reasons={"notes": "categorical: 2 distinct values"},
    ),
    "duplicate_columns.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x": "numeric", "x_2": "numeric", "color": "categorical", "target": "target"},
        notes="Renamed duplicate column names: 'x' -> 'x_2'.",
    ),
    "inf_values.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Read infinite values (inf, -inf) as missing in: x1 (4).",
        reasons={"x1": "numeric; 4 missing"},
    ),
    "latin1.csv": Expect(
        "target",
        task="binary",
        classes=("café", "thé"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="The file is not valid UTF-8; decoded it as cp1252. If accented letters look wrong, save the file as UTF-8 and upload it again.",
    ),
    "cp1252_quotes.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="The file is not valid UTF-8; decoded it as cp1252. If accented letters look wrong, save the file as UTF-8 and upload it again.",
    ),
    "utf16_bom.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Decoded the file as UTF-16.",
    ),
    "utf16be_no_bom.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Decoded the file as UTF-16-BE.",
    ),
    "utf8_bom.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "invalid_utf8_late.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=5000,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="The file is not valid UTF-8; decoded it as cp1252. If accented letters look wrong, save the file as UTF-8 and upload it again.",
    ),
    "semicolon_decimal_comma.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Read decimal commas (1,5 = 1.5) in: x1.",
    ),
    "tab_separated.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "pipe_separated.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "colon_separated.csv": Expect(
        "target",
        refused="The values look separated by colons ':', which is not a supported delimiter. Save the file with commas, semicolons, tabs or pipes between the values (in a spreadsheet program: Save As > CSV) and upload it again.",
        stage="read",
    ),
    "excel_sep_line.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Skipped Excel's 'sep=;' first line.",
    ),
    "wide_2000_columns.csv": Expect(
        "target",
        task="binary",
        classes=("common", "rare"),
        n_rows=40,
        kinds={"numeric": 2000, "target": 1},
        notes="",
    ),
    "html_in_names.csv": Expect(
        "target",
        task="binary",
        classes=("<i>no</i>", "<img src=x onerror=alert(1)>"),
        n_rows=40,
        schema={
            "<script>alert('x1')</script>": "numeric",
            "x2": "numeric",
            "<b>colour</b>": "categorical",
            "target": "target",
        },
        notes="",
    ),
    "formula_labels.csv": Expect(
        "target",
        task="multiclass",
        classes=("+cmd|' /C calc'!A0", "=1+1", "@SUM(A1:A9)"),
        n_rows=60,
        schema={
            "x1": "numeric",
            '=HYPERLINK("http://example.com","x2")': "numeric",
            "color": "categorical",
            "target": "target",
        },
        notes="",
    ),
    "singleton_class.csv": Expect(
        "target",
        task="multiclass",
        classes=("fraud", "no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
        reasons={"target": "target (multiclass: 3 classes)"},
    ),
    "multilabel_sets_blanks.csv": Expect(
        "tags",
        label_sep="|",
        task="multilabel",
        classes=("billing", "bug", "ui"),
        n_rows=60,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "tags": "target"},
        notes="9 rows of 'tags' carry no label (an empty label set); they are kept as rows "
        "with none of the labels.",
        reasons={"tags": "target (multi-label: 3 labels separated by '|')"},
    ),
    "multilabel_one_label.csv": Expect(
        "tags",
        label_sep="|",
        refused="Only one label ('bug') occurs in the target tags. A multi-label target needs at "
        "least two labels: pick more label columns, check the label separator, or use a "
        "one-column (binary) target.",
        stage="target",
    ),
    "multilabel_01_bad.csv": Expect(
        ("is_bug", "is_ui"),
        refused="Target column 'is_ui' is not 0/1: found '2', 'maybe'. Each of several target columns must hold 0/1 (or true/false, yes/no); pick 0/1 columns, or use one column of label sets with label_sep.",
        stage="target",
    ),
    "multilabel_01_blanks.csv": Expect(
        ("is_bug", "is_ui"),
        task="multilabel",
        classes=("is_bug", "is_ui"),
        n_rows=37,
        schema={
            "x1": "numeric",
            "x2": "numeric",
            "color": "categorical",
            "is_bug": "target",
            "is_ui": "target",
        },
        notes="Dropped 3 rows with a missing target (is_bug, is_ui).",
        reasons={
            "is_bug": "label column: 1 in 13 of 37 rows (35.1%)",
            "is_ui": "label column: 1 in 7 of 37 rows (18.9%)",
        },
    ),
    "trailing_delimiter.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Dropped 1 empty unnamed column(s) at the end of each line (a trailing delimiter).",
    ),
    "empty_header_cells.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={
            "column_1": "numeric",
            "x2": "numeric",
            "column_3": "categorical",
            "target": "target",
        },
        notes="Named the columns with an empty header: column_1, column_3.",
    ),
    "quoted_newlines_crlf.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={
            "x1": "numeric",
            "x2": "numeric",
            "color": "categorical",
            "target": "target",
            "comment": "categorical",
        },
        notes="",
    ),
    "unclosed_quote.csv": Expect(
        "target",
        refused='A quote (") opened on line 11 is never closed. Close the quote or remove it, then upload the file again.',
        stage="read",
    ),
    "all_features_constant.csv": Expect(
        "target",
        refused="No usable feature column is left: 'x1' (constant: every value is 1), 'x2' (constant: every value is 7), 'color' (constant: every value is 'red'). Add feature columns to the file, or pick another target.",
        stage="target",
    ),
    "na_tokens_target.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=55,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="Dropped 5 rows with a missing target (target).",
    ),
    "control_chars.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
        reasons={"color": "categorical: 5 distinct values"},
    ),
    "boolean_target.csv": Expect(
        "target",
        task="binary",
        classes=("False", "True"),
        n_rows=50,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "whitespace_labels.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=50,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "many_blank_lines.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "mixed_numeric_text.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=80,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
        reasons={"x1": "numeric; 3 non-numeric values ('unknown', 'n.a.') read as missing"},
    ),
    "numeric_target_codes.csv": Expect(
        "target",
        task="multiclass",
        classes=("0", "1", "2"),
        n_rows=90,
        schema={"x1": "numeric", "x2": "numeric", "color": "categorical", "target": "target"},
        notes="",
    ),
    "long_text_column.csv": Expect(
        "target",
        task="binary",
        classes=("no", "yes"),
        n_rows=200,
        schema={
            "x1": "numeric",
            "x2": "numeric",
            "color": "categorical",
            "target": "target",
            "ticket_text": "dropped",
        },
        notes="",
        reasons={
            "ticket_text": "high-cardinality text: 200 distinct values in 200 rows (over 50 to one-hot)"
        },
    ),
    "emoji_and_rtl.csv": Expect(
        "target",
        task="binary",
        classes=("שלום", "🔥 hot"),
        n_rows=40,
        schema={"x1": "numeric", "x2": "numeric", "цвет 🎨": "categorical", "target": "target"},
        notes="",
    ),
}
REFUSED = sorted(name for name, e in EXPECTED.items() if e.refused)
LOADED = sorted(name for name, e in EXPECTED.items() if not e.refused)


# --------------------------------------------------------------------------- EXPECTED.md


def _cell(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _outcome(want: Expect) -> str:
    if want.refused:
        stage = "when read" if want.stage == "read" else "when the target is chosen"
        return f"refused {stage}: {want.refused}"
    if want.schema is not None:
        schema = ", ".join(f"{c} {k}" for c, k in want.schema.items())
    else:
        schema = ", ".join(f"{n} {k}" for k, n in want.kinds.items())
    text = f"loads: {want.task}, {want.n_rows} rows, classes {', '.join(want.classes)}; "
    text += f"schema: {schema}"
    if want.reasons:
        text += "; " + "; ".join(f"{c}: {r}" for c, r in want.reasons.items())
    if want.notes:
        text += f"; notes: {want.notes}"
    return text


def expected_markdown() -> str:
    """EXPECTED.md, rendered from ``EXPECTED`` and the generator's descriptions."""
    lines = [
        "# Bad-input corpus: what the app does with each file",
        "",
        "Generated by `tests/data/make_bad_corpus.py` (seeded); checked by",
        "`tests/core/intake/test_bad_inputs.py` (core.intake.dataset and `python -m core profile`) and",
        "`tests/app/test_bad_uploads.py` (the Data page's uploader). A refused file shows the",
        "message with `st.error` in the app and as one `error: ...` line (exit 2) in the CLI.",
        "Rewrite it with `PYTHONPATH=. python tests/data/bad_corpus.py` after changing either.",
        "",
        "| file | what it is | target | outcome |",
        "| --- | --- | --- | --- |",
    ]
    for name, want in EXPECTED.items():
        target = ", ".join(want.targets())
        if want.label_sep:
            target += f" (label_sep '{want.label_sep}')"
        row = [f"`{name}`", FILES[name][0], target, _outcome(want)]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    (BAD / "EXPECTED.md").write_text(expected_markdown(), encoding="utf-8")
