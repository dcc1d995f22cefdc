"""Tables for people without Python: safe CSV bytes and the Excel workbook.

Every text cell a spreadsheet could run as a formula (``= + - @``, tab, CR) is neutralised
(OWASP CSV injection) with :func:`core.exports.outputs.safe_cell`; numbers are written untouched.
The rows to label next are :mod:`core.exports.label_next`.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

from core.analysis.findings import comparison_findings
from core.evaluation.comparison import Comparison
from core.exports.outputs import metrics_long, predictions_long, safe_cell
from core.exports.results_json import results_dict
from core.intake.dataset import Dataset, schema_frame
from core.metrics.scores import normalise_confusion
from core.profile.measures import Profile

EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet, header included
EXCEL_MAX_CHARS = 32_767  # characters of one Excel cell
_BOLD = Font(bold=True)


# --------------------------------------------------------------------------- CSV


def _safe_text(value: Any) -> Any:
    return safe_cell(value) if isinstance(value, str) else value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes, formula-like text cells and headers neutralised.

    Same layout as :func:`core.exports.outputs.write_outputs` (no index, ``\\n`` line ends); numbers
    are written exactly as pandas writes them. If some text holds a carriage return, lines
    end with ``\\r\\n`` instead, so that the text is quoted and the row stays one record
    (Python's csv module quotes only the characters of the line terminator).
    """
    out = frame.rename(columns=lambda c: safe_cell(str(c)))
    has_cr = any("\r" in str(c) for c in out.columns)
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_safe_text)
            has_cr = has_cr or bool(out[col].map(lambda v: isinstance(v, str) and "\r" in v).any())
    ending = "\r\n" if has_cr else "\n"
    return out.to_csv(index=False, lineterminator=ending).encode("utf-8")


# --------------------------------------------------------------------------- Excel


def _excel_value(value: Any) -> Any:
    """A value openpyxl writes safely: text neutralised and cleaned, NaN -> empty cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        value = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CHARS]
    return safe_cell(value)


class _Sheet:
    """A write-only worksheet with a bold header row and a row budget."""

    def __init__(self, book: Workbook, title: str, max_rows: int) -> None:
        self.ws = book.create_sheet(title)
        self.max_rows = max_rows
        self.rows = 0

    def header(self, values: Iterable[Any]) -> None:
        cells = []
        for v in values:
            cell = WriteOnlyCell(self.ws, value=_excel_value(v))
            cell.font = _BOLD
            cells.append(cell)
        self.append(cells)

    def append(self, values: Iterable[Any]) -> bool:
        """Write one row; False (nothing written) once the sheet is full."""
        if self.rows >= self.max_rows:
            return False
        self.ws.append([v if isinstance(v, Cell) else _excel_value(v) for v in values])
        self.rows += 1
        return True

    def frame(self, frame: pd.DataFrame, note_if_cut: str | None = None) -> int:
        """Write a table (header + rows); returns the data rows written.

        When the rows do not fit, the last row of the sheet is ``note_if_cut`` (formatted
        with ``shown`` and ``total``) if given.
        """
        self.header(frame.columns)
        room = self.max_rows - self.rows
        cut = len(frame) > room
        shown = frame.iloc[: max(room - (1 if cut and note_if_cut else 0), 0)]
        for rec in shown.itertuples(index=False, name=None):
            self.append(rec)
        if cut and note_if_cut:
            self.append([note_if_cut.format(shown=len(shown), total=len(frame))])
        return len(shown)


def _key_values(pairs: Iterable[tuple[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(pairs), columns=["key", "value"])


def _confusion_blocks(sheet: _Sheet, comparison: Comparison) -> None:
    classes = list(comparison.classes)
    for name, result in comparison.results.items():
        if not result.ok:
            continue
        cm = np.asarray(result.confusion)
        if comparison.task == "multilabel":
            for j, label in enumerate(classes):
                sheet.header([f"{name}: label {label}", "predicted 0", "predicted 1"])
                sheet.append(["true 0", *cm[j, 0].tolist()])
                sheet.append(["true 1", *cm[j, 1].tolist()])
                sheet.append([])
            continue
        shares = normalise_confusion(cm, "true")
        sheet.header([f"{name}: rows (true \\ predicted)", *classes])
        for i, cls in enumerate(classes):
            sheet.append([cls, *cm[i].tolist()])
        sheet.header([f"{name}: share of the true class", *classes])
        for i, cls in enumerate(classes):
            sheet.append([cls, *shares[i].tolist()])
        sheet.append([])


def _per_class_long(doc: dict) -> pd.DataFrame:
    rows = []
    for name, entry in doc["strategies"].items():
        for split, table in (
            ("cv", entry["per_class"]),
            ("holdout", (entry.get("holdout") or {}).get("per_class") or []),
        ):
            for rec in table:
                rows.append({"strategy": name, "split": split, **rec})
    return pd.DataFrame(rows)


def _findings_frame(comparison: Comparison, profile: Profile | None) -> pd.DataFrame:
    found = [("data", f) for f in (profile.findings if profile is not None else ())]
    found += [("results", f) for f in comparison_findings(comparison)]
    rows = [
        {
            "source": source,
            "severity": f.severity,
            "title": f.title,
            "message": f.message,
            "suggestion": f.suggestion,
            "evidence": json.dumps(f.to_dict()["evidence"], ensure_ascii=False),
        }
        for source, f in found
    ]
    columns = ["source", "severity", "title", "message", "suggestion", "evidence"]
    return pd.DataFrame(rows, columns=columns)


def _profile_frame(profile: Profile) -> pd.DataFrame:
    pairs: list[tuple[str, Any]] = [
        ("task", profile.task),
        ("rows", profile.n_rows),
        ("imbalance ratio", profile.imbalance_ratio),
        ("majority class", profile.majority_class),
        ("minority classes", ", ".join(profile.minority_classes)),
        ("balance entropy (1 = balanced)", profile.balance_entropy),
        ("duplicate rows", profile.duplicates.n_duplicate_rows),
        ("rows in conflicting duplicate groups", profile.duplicates.n_conflicting_rows),
    ]
    ml = profile.multilabel
    if ml is not None:
        pairs += [
            ("label cardinality", ml.label_cardinality),
            ("label density", ml.label_density),
            ("MeanIR", ml.mean_ir),
            ("CVIR", ml.cvir),
            ("SCUMBLE", ml.scumble),
            ("distinct label sets", ml.n_labelsets),
            ("rows without a label", ml.n_rows_no_label),
        ]
    for cls in profile.classes:
        pairs.append((f"rows of {cls}", profile.class_counts[cls]))
        pairs.append((f"share of {cls}", profile.class_shares[cls]))
    return _key_values(pairs)


def _config_frame(doc: dict) -> pd.DataFrame:
    config, data, rec = doc["config"], doc["dataset"], doc["recommendation"]
    pairs: list[tuple[str, Any]] = [
        ("file", data["name"]),
        ("content sha256", data["content_hash"]),
        ("target", ", ".join(data["target"])),
        ("task", data["task"]),
        ("rows analysed", data["n_rows"]),
        ("cross-validation rows", data["n_cv_rows"]),
        ("hold-out rows", data["n_holdout_rows"]),
        ("model", config["model"]),
        ("folds", config["cv"]),
        ("seed", config["seed"]),
        ("hold-out share", config["holdout"]),
        ("strategies", ", ".join(config["strategies"])),
        ("important class", config["important_class"]),
        ("options", json.dumps(config["options"], ensure_ascii=False)),
        ("recommended strategy", rec["strategy"]),
        ("recommendation metric", rec["metric"]),
        ("recommendation", rec["reason"]),
    ]
    if "command" in doc:
        pairs.append(("command", doc["command"]))
    pairs += [(f"version of {k}", v) for k, v in doc["versions"].items()]
    return _key_values(pairs)


def excel_bytes(
    comparison: Comparison,
    *,
    dataset: Dataset | None = None,
    profile: Profile | None = None,
    command: str | None = None,
    label_next_rows: pd.DataFrame | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
    doc: dict | None = None,
) -> bytes:
    """The results as an .xlsx workbook, one sheet per table.

    Sheets: ``summary`` (comparison table), ``per_class`` (long, CV and hold-out),
    ``metrics`` (as metrics.csv), ``confusion`` (one block per strategy), ``predictions``
    (as predictions.csv, cut at ``max_rows`` with a note in its last row), ``label_next``
    (when given), ``profile`` and ``schema`` (when given), ``findings``, ``config``.
    ``doc`` is :func:`core.exports.results_json.results_dict` when already computed.
    """
    doc = doc if doc is not None else results_dict(comparison, command=command)
    book = Workbook(write_only=True)

    def sheet(title: str) -> _Sheet:
        return _Sheet(book, title, max_rows)

    sheet("summary").frame(comparison.table())
    sheet("per_class").frame(_per_class_long(doc))
    sheet("metrics").frame(metrics_long(comparison))
    _confusion_blocks(sheet("confusion"), comparison)
    sheet("predictions").frame(
        predictions_long(comparison),
        note_if_cut="Cut at Excel's row limit: {shown:,} of {total:,} rows shown; "
        "predictions.csv has them all.",
    )
    if label_next_rows is not None:
        sheet("label_next").frame(label_next_rows)
    if profile is not None:
        sheet("profile").frame(_profile_frame(profile))
    if dataset is not None:
        sheet("schema").frame(schema_frame(dataset))
    sheet("findings").frame(_findings_frame(comparison, profile))
    sheet("config").frame(_config_frame(doc))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
