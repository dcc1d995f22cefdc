"""Tables for people without Python: the Excel workbook, safe CSV bytes, and the rows to
label next (uncertainty sampling on the recommended strategy's out-of-fold probabilities).

Every text cell a spreadsheet could run as a formula (``= + - @``, tab, CR) is neutralised
(OWASP CSV injection) with :func:`core.exports.outputs._safe_cell`; numbers are written untouched.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

from core.analysis.findings import comparison_findings
from core.errors import DataError
from core.evaluation.comparison import Comparison, recommend
from core.exports.outputs import _safe_cell, metrics_long, predictions_long, results_dict
from core.intake.dataset import Dataset, schema_frame
from core.metrics.scores import normalise_confusion
from core.profile.measures import Profile

LABEL_NEXT_ROWS = 200  # rows in the label-next table by default
DOUBT_MARGIN = 0.5  # a row is "in doubt" when its margin is at most this (or it is mispredicted)
EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet, header included
EXCEL_MAX_CHARS = 32_767  # characters of one Excel cell
_BOLD = Font(bold=True)


# --------------------------------------------------------------------------- CSV


def _safe_text(value: Any) -> Any:
    return _safe_cell(value) if isinstance(value, str) else value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes, formula-like text cells and headers neutralised.

    Same layout as :func:`core.exports.outputs.write_outputs` (no index, ``\\n`` line ends); numbers
    are written exactly as pandas writes them. If some text holds a carriage return, lines
    end with ``\\r\\n`` instead, so that the text is quoted and the row stays one record
    (Python's csv module quotes only the characters of the line terminator).
    """
    out = frame.rename(columns=lambda c: _safe_cell(str(c)))
    has_cr = any("\r" in str(c) for c in out.columns)
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_safe_text)
            has_cr = has_cr or bool(out[col].map(lambda v: isinstance(v, str) and "\r" in v).any())
    ending = "\r\n" if has_cr else "\n"
    return out.to_csv(index=False, lineterminator=ending).encode("utf-8")


# --------------------------------------------------------------------------- label next


def uncertainty_margin(proba: np.ndarray) -> np.ndarray:
    """How sure each prediction is, 0 (a coin flip) to 1 (certain).

    ``proba`` (n, K) single-label class probabilities: top-1 minus top-2 probability.
    Multi-label, pass one label's probabilities (n,): ``|2p - 1|``, the distance from 0.5
    doubled.
    """
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        return np.abs(2.0 * p - 1.0)
    if p.ndim != 2 or p.shape[1] < 2:
        raise DataError(f"Probabilities must have shape (n, K >= 2). Got {p.shape} instead")
    top2 = -np.partition(-p, 1, axis=1)[:, :2]
    return top2[:, 0] - top2[:, 1]


def _rarity(comparison: Comparison) -> np.ndarray:
    """Rank of each class code by row count, 0 = rarest (ties: class order)."""
    counts = comparison.dataset.class_counts
    order = sorted(range(len(comparison.classes)), key=lambda j: (counts[comparison.classes[j]], j))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _positions(comparison: Comparison, dataset: Dataset) -> np.ndarray:
    """Positions in ``dataset`` of the comparison's cross-validation rows."""
    data = comparison.dataset
    same = (
        dataset.content_hash == data.content_hash
        and tuple(dataset.target) == tuple(data.target)
        and tuple(dataset.classes) == tuple(data.classes)
    )
    pos = pd.Index(np.asarray(dataset.row_ids)).get_indexer(np.asarray(comparison.row_ids))
    if not same or (pos < 0).any():
        raise DataError(
            f"The dataset '{dataset.name}' is not the one this comparison ran on "
            f"('{data.name}', target {', '.join(data.target)})",
            "Load the same file and target on the Data page, or rerun the comparison",
        )
    return pos


def _label_sets(y: np.ndarray, classes: Sequence[str], sep: str) -> list[str]:
    names = np.asarray(classes, dtype=object)
    return [sep.join(names[row.astype(bool)]) for row in np.asarray(y)]


def label_next(
    comparison: Comparison,
    dataset: Dataset,
    *,
    strategy: str | None = None,
    n: int = LABEL_NEXT_ROWS,
) -> pd.DataFrame:
    """The ``n`` rows the model is least sure about, rarest classes first (uncertainty sampling).

    Reads ``strategy``'s (default: the recommended one) out-of-fold probabilities, so each
    row is judged by a model that never saw it; hold-out rows are left alone. A row is *in
    doubt* when its ``margin`` (see :func:`uncertainty_margin`) is at most
    :data:`DOUBT_MARGIN` or the prediction is wrong. Its ``focus_class`` is the rarer of its
    true and predicted class (multi-label: its rarest label in doubt, else its least sure
    label). Rows in doubt come first, then by focus class from the rarest, then least sure.

    Columns: ``rank, strategy, row`` (0-based data row of the file), ``focus_class,
    in_doubt, margin, y_true, y_pred``, ``proba_<class>`` per class, then the features.
    Values are raw: write with :func:`csv_bytes`.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"The number of rows to label must be a whole number >= 1. Got {n!r}")
    name = strategy or recommend(comparison)["strategy"]
    if name is None:
        raise DataError("No strategy ran successfully, so no model can rank rows to label")
    result = comparison.results.get(name)
    if result is None or not result.ok:
        raise DataError(
            f"Strategy {name!r} has no results to rank rows by",
            "Pick one of: " + ", ".join(k for k, r in comparison.results.items() if r.ok),
        )
    if result.oof_proba is None:
        raise DataError(
            f"{name} gives no probabilities, so how sure it is cannot be ranked",
            "Pick a strategy with probabilities, e.g. baseline or class_weight",
        )
    pos = _positions(comparison, dataset)
    classes = comparison.classes
    proba = np.asarray(result.oof_proba, dtype=np.float64)
    y, pred = np.asarray(comparison.y_true), np.asarray(result.oof_pred)
    rank = _rarity(comparison)
    if comparison.task == "multilabel":
        margins = uncertainty_margin(proba.ravel()).reshape(proba.shape)
        doubt = (margins <= DOUBT_MARGIN) | (y != pred)
        # the rarest label in doubt, else the least sure label
        key = np.where(doubt, rank[None, :], len(classes) + np.argsort(np.argsort(margins, 1), 1))
        focus = np.argmin(key, axis=1)
        margin = margins[np.arange(len(focus)), focus]
        in_doubt = doubt.any(axis=1)
        sep = comparison.dataset.label_sep or "|"
        y_true, y_pred = _label_sets(y, classes, sep), _label_sets(pred, classes, sep)
    else:
        margin = uncertainty_margin(proba)
        in_doubt = (margin <= DOUBT_MARGIN) | (y != pred)
        focus = np.where(rank[y] <= rank[pred], y, pred)
        names = np.asarray(classes, dtype=object)
        y_true, y_pred = names[y], names[pred]
    row = np.asarray(comparison.row_ids, dtype=np.int64)
    order = np.lexsort((row, margin, rank[focus], ~in_doubt))[: int(n)]
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "strategy": name,
            "row": row[order],
            "focus_class": np.asarray(classes, dtype=object)[focus[order]],
            "in_doubt": in_doubt[order],
            "margin": margin[order],
            "y_true": np.asarray(y_true, dtype=object)[order],
            "y_pred": np.asarray(y_pred, dtype=object)[order],
        }
    )
    for j, c in enumerate(classes):
        frame[f"proba_{c}"] = proba[order, j]
    features = dataset.X.iloc[pos[order]].reset_index(drop=True)
    taken = set(frame.columns)
    features.columns = [f"{c} (feature)" if c in taken else c for c in features.columns]
    return pd.concat([frame, features], axis=1)


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
    return _safe_cell(value)


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
    ``doc`` is :func:`core.exports.outputs.results_dict` when already computed.
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
