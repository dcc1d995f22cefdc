"""Machine-readable outputs of a comparison: results.json, metrics.csv, predictions.csv.

The shapes are the DESIGN.md "Command line" contract. Every metric in ``results.json`` can
be recomputed exactly from ``predictions.csv``: cross-validation rows carry their fold,
hold-out rows carry ``fold = -1`` and ``split = "holdout"``. Files are written atomically.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.evaluation.comparison import Comparison
from core.evaluation.fold import HOLDOUT_FOLD
from core.exports.results_json import results_dict

ALL = "_all"
"""``class`` of summary (all-class) metrics in metrics.csv."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """Neutralise a user-text cell a spreadsheet would run as a formula (CSV injection).

    Strings starting with ``= + - @`` tab or CR get a leading ``'``, unless the whole
    string is a plain number such as ``-1``; non-strings are returned unchanged.
    """
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _safe_column(values: pd.Series) -> pd.Series:
    return values.map(safe_cell) if len(values) else values


# --------------------------------------------------------------------------- long tables


def _metric_rows(
    name: str, split: str, per_class: pd.DataFrame | None, summary: dict, ci: dict
) -> list[tuple]:
    rows: list[tuple] = []
    if per_class is not None:
        value_cols = [
            c
            for c in per_class.columns
            if c != "class"
            and not c.endswith(("_ci_low", "_ci_high"))
            and pd.api.types.is_numeric_dtype(per_class[c])
        ]
        for rec in per_class.to_dict(orient="records"):
            for col in value_cols:
                low = rec.get(f"{col}_ci_low", np.nan)
                high = rec.get(f"{col}_ci_high", np.nan)
                rows.append((name, str(rec["class"]), col, rec[col], low, high, split))
    for metric, value in summary.items():
        low, high = ci.get(metric, (np.nan, np.nan))
        rows.append((name, ALL, metric, value, low, high, split))
    return rows


def metrics_long(comparison: Comparison) -> pd.DataFrame:
    """Long metrics: ``strategy, class, metric, value, ci_low, ci_high, split``.

    ``class`` is ``"_all"`` for summary metrics; ``split`` is ``"cv"`` (pooled
    out-of-fold) or ``"holdout"``. Failed strategies have no rows.
    """
    rows: list[tuple] = []
    for name, result in comparison.results.items():
        if not result.ok:
            continue
        rows += _metric_rows(
            name, "cv", result.per_class, result.summary or {}, result.summary_ci or {}
        )
        hold = result.holdout
        if hold is not None and hold.status == "ok":
            rows += _metric_rows(name, "holdout", hold.per_class, hold.summary, {})
    frame = pd.DataFrame(
        rows, columns=["strategy", "class", "metric", "value", "ci_low", "ci_high", "split"]
    )
    frame = frame.astype({"value": "float64", "ci_low": "float64", "ci_high": "float64"})
    frame["class"] = _safe_column(frame["class"].astype(str))
    return frame


def label_sets(y: np.ndarray, classes: Sequence[str], sep: str) -> list[str]:
    """Multi-label 0/1 rows as label-set text: the names of each row's labels joined by ``sep``."""
    names = np.asarray(classes, dtype=object)
    return [sep.join(names[row.astype(bool)]) for row in np.asarray(y)]


def _prediction_block(
    comparison: Comparison,
    name: str,
    split: str,
    rows: np.ndarray,
    folds: np.ndarray,
    y: np.ndarray,
    pred: np.ndarray,
    proba: np.ndarray | None,
) -> pd.DataFrame:
    classes = comparison.classes
    columns: dict[str, Any] = {
        "strategy": name,
        "row": np.asarray(rows, dtype=np.int64),
        "fold": np.asarray(folds, dtype=np.int64),
    }
    if comparison.task == "multilabel":
        sep = comparison.dataset.label_sep or "|"
        columns["y_true"] = label_sets(y, classes, sep)
        columns["y_pred"] = label_sets(pred, classes, sep)
        for prefix, values in (("true", y), ("pred", pred)):
            for j, c in enumerate(classes):
                columns[f"{prefix}_{c}"] = np.asarray(values)[:, j].astype(np.int64)
    else:
        names = np.asarray(classes, dtype=object)
        columns["y_true"] = names[np.asarray(y)]
        columns["y_pred"] = names[np.asarray(pred)]
    if proba is not None:
        for j, c in enumerate(classes):
            columns[f"proba_{c}"] = np.asarray(proba)[:, j]
    frame = pd.DataFrame(columns)
    frame["split"] = split
    return frame


def predictions_long(comparison: Comparison) -> pd.DataFrame:
    """Every row's prediction per successful strategy, long format (DESIGN.md contract).

    ``strategy, row, fold, y_true, y_pred, proba_<class>...`` (multi-label adds
    ``true_<label>, pred_<label>`` and ``y_true``/``y_pred`` as label sets), then
    ``split``: ``"cv"`` rows are out-of-fold predictions (each CV row once per strategy),
    ``"holdout"`` rows (``fold = -1``) come from the fit on all CV rows. ``row`` is the
    0-based data row of the uploaded file. User text is neutralised for spreadsheets.
    """
    blocks: list[pd.DataFrame] = []
    for name, result in comparison.results.items():
        if not result.ok:
            continue
        blocks.append(
            _prediction_block(
                comparison,
                name,
                "cv",
                comparison.row_ids,
                result.fold_of_row,
                comparison.y_true,
                result.oof_pred,
                result.oof_proba,
            )
        )
        hold = result.holdout
        if hold is not None and hold.status == "ok" and comparison.holdout_row_ids is not None:
            n = len(comparison.holdout_row_ids)
            blocks.append(
                _prediction_block(
                    comparison,
                    name,
                    "holdout",
                    comparison.holdout_row_ids,
                    np.full(n, HOLDOUT_FOLD),
                    comparison.holdout_y_true,
                    hold.pred,
                    hold.proba,
                )
            )
    if not blocks:
        return pd.DataFrame(columns=["strategy", "row", "fold", "y_true", "y_pred", "split"])
    frame = pd.concat(blocks, ignore_index=True)
    for col in ("y_true", "y_pred"):
        frame[col] = _safe_column(frame[col].astype(str))
    return frame


# --------------------------------------------------------------------------- files


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same directory, then rename over ``path``.

    The temporary file is created by ``write`` itself, so it gets the usual permissions.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_outputs(
    comparison: Comparison,
    out_dir: str | os.PathLike[str],
    *,
    profile: dict | None = None,
    command: str | None = None,
    diagnosis: dict | None = None,
) -> dict[str, Path]:
    """Write results.json, metrics.csv and predictions.csv into ``out_dir`` (created);
    ``diagnosis`` as in :func:`results_dict`.

    Returns ``{"results": ..., "metrics": ..., "predictions": ...}`` paths.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": out / "results.json",
        "metrics": out / "metrics.csv",
        "predictions": out / "predictions.csv",
    }
    text = json.dumps(
        results_dict(comparison, profile=profile, command=command, diagnosis=diagnosis),
        indent=2,
        allow_nan=False,
        ensure_ascii=False,
    )
    atomic_write(paths["results"], lambda p: p.write_text(text + "\n", encoding="utf-8"))
    for key, frame in (
        ("metrics", metrics_long(comparison)),
        ("predictions", predictions_long(comparison)),
    ):
        atomic_write(
            paths[key],
            lambda p, f=frame: f.to_csv(p, index=False, encoding="utf-8", lineterminator="\n"),
        )
    return paths
