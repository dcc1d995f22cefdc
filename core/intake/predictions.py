"""A predictions file -> :class:`PredictionsSet`: the true target and the scores of one or
more models trained elsewhere (nothing is refitted here).

What the file may hold (detected by :func:`detect_layout`, shown by :meth:`ScoreLayout.describe`):

* the target, as for a data file (:func:`core.intake.targets.parse_target`): one column
  (binary / multiclass, or multi-label with ``label_sep``) or several 0/1 label columns
  (a ``true_`` prefix of those columns is dropped from the label names, so the
  ``predictions.csv`` written by ``analyze`` reads back);
* per model, one score column per class -- ``proba_<class>``, ``score_<class>``,
  ``<prefix><class>`` with ``scores_prefix``, or the class names themselves --, or for a
  binary target one score column (``score``, ``proba``, ``probability``, ``y_score``, ``p``,
  the ``scores_prefix`` itself, or ``proba_<one class>``), and/or a predicted-label column
  (``pred``, ``y_pred``, ``prediction``, ``predicted``; multi-label: ``pred_<label>`` 0/1
  columns, or one column of label sets with ``label_sep``);
* several models either in long format -- a ``model`` (or ``strategy``) column, every
  model scoring the same rows (matched by a ``row`` column when there is one, else by
  order) -- or side by side, each column named ``<model>:<column>`` (e.g. ``net:proba_0``,
  ``gbm:proba_0``);
* an optional ``fold`` column (the parts the decisions are cross-fitted on).

Scores in [0, 1] (and, with one column per class of a single-label target, rows summing to
1 within 0.01) are ``probability``; anything else is ``score`` (logits, margins): kept as
given in ``ModelScores.raw`` and mapped to [0, 1] for the views (logistic function per
column, softmax over a row's classes; [0, 1] scores not summing to 1 are divided by their
row sum), fine for ranking views, not for calibration. Every mismatch is a
:class:`~core.errors.DataError` with a hint.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from sklearn.metrics import roc_auc_score

from core.errors import DataError
from core.intake.columns import shorten
from core.intake.reader import RawTable, read_csv_source
from core.intake.score_columns import (
    ROW_COLUMNS,
    SCORE_PREFIXES,
    ScoreKind,
    aligned_rows,
    as_proba,
    find_column,
    fold_parts,
    model_names,
    numbers,
    pred_columns,
    pred_values,
    score_columns,
    score_kind,
)
from core.intake.targets import parse_target

MODEL_COLUMNS = ("model", "strategy")
FOLD_COLUMN = "fold"
MODEL_SEP = ":"
"""Side by side models: ``<model>:<column>``."""
DEFAULT_MODEL = "model"
"""Name of the one model of a file without a ``model`` column or ``<model>:`` prefixes."""


@dataclass(frozen=True)
class ModelColumns:
    """Where one model's scores are: ``score_columns`` aligned with the classes (one column
    for a binary single score, then ``score_class`` says which class it scores), the
    predicted-label column(s), and the kind detected from the values."""

    name: str
    score_columns: tuple[str, ...] = ()
    score_class: int | None = None  # binary single score: the class the column scores
    pred_columns: tuple[str, ...] = ()
    kind: ScoreKind = "label"
    kind_reason: str = ""


@dataclass(frozen=True)
class ScoreLayout:
    """What :func:`detect_layout` found in a predictions table."""

    task: str
    classes: tuple[str, ...]
    target: tuple[str, ...]
    models: tuple[ModelColumns, ...]
    label_sep: str | None = None
    model_column: str | None = None  # long format
    fold_column: str | None = None
    row_column: str | None = None
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def describe(self) -> list[str]:
        """Plain sentences for the screen, one per finding."""
        kind = {"binary": "binary", "multiclass": "multiclass", "multilabel": "multi-label"}
        what = "labels" if self.task == "multilabel" else "classes"
        lines = [
            f"Target {', '.join(map(repr, self.target))}: {kind[self.task]}, "
            f"{len(self.classes)} {what} ({shorten([repr(c) for c in self.classes], 8)})."
        ]
        if self.model_column:
            lines.append(
                f"Column '{self.model_column}' names {len(self.models)} models "
                "(long format: each scores the same rows)."
            )
        for m in self.models:
            if m.score_columns:
                head = {"probability": "probabilities", "score": "raw scores (not probabilities)"}
                where = ", ".join(m.score_columns)
                if m.score_class is not None:
                    where += f" (class {self.classes[m.score_class]!r})"
                text = f"Model {m.name!r}: {head[m.kind]} in {where}"
                if m.kind == "score":
                    text += f" ({m.kind_reason}; fine for ranking views, not for calibration)"
                if m.pred_columns:
                    text += f"; its own decisions in {', '.join(m.pred_columns)}"
            else:
                text = (
                    f"Model {m.name!r}: predicted labels only, in {', '.join(m.pred_columns)} "
                    "(no scores: threshold views do not apply)"
                )
            lines.append(text + ".")
        if self.fold_column:
            lines.append(f"Column '{self.fold_column}': decisions are tuned across its parts.")
        if self.ignored:
            lines.append(f"Not used: {shorten([repr(c) for c in self.ignored], 8)}.")
        return lines + list(self.notes)


@dataclass(frozen=True, eq=False)
class ModelScores:
    """One model's scores on the rows of a :class:`PredictionsSet`.

    ``proba`` (n, K) in [0, 1] for the views (None for labels only); ``raw`` the values as
    given (None for labels only); ``pred`` its own decisions (codes (n,) or 0/1 (n, K)),
    None when the file gives none."""

    name: str
    kind: ScoreKind
    proba: np.ndarray | None
    pred: np.ndarray | None
    raw: np.ndarray | None = None
    columns: ModelColumns | None = None


@dataclass(frozen=True, eq=False)
class PredictionsSet:
    """True targets and every model's scores on the same rows."""

    name: str
    content_hash: str
    task: str
    classes: tuple[str, ...]
    target: tuple[str, ...]
    y: np.ndarray  # codes (n,) or 0/1 int8 (n, K)
    row_ids: np.ndarray  # (n,) the row column, else 0-based data row of the first model
    models: dict[str, ModelScores]
    fold: np.ndarray | None = None  # (n,) part 0..F-1 from the file's fold column
    label_sep: str | None = None
    n_dropped_missing_target: int = 0
    layout: ScoreLayout | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def n_rows(self) -> int:
        return int(len(self.row_ids))

    @property
    def class_counts(self) -> dict[str, int]:
        y = np.asarray(self.y)
        counts = y.sum(axis=0) if y.ndim == 2 else np.bincount(y, minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts, strict=True)}


# ------------------------------------------------------------------------------ detection


def detect_layout(
    raw: RawTable,
    target: str | Sequence[str],
    *,
    label_sep: str | None = None,
    scores_prefix: str | None = None,
) -> ScoreLayout:
    """What a predictions table holds: the task and classes (the target parsed as for a data
    file), each model's score and predicted-label columns and the kind of its scores, and the
    ``model`` / ``fold`` / ``row`` columns. :class:`DataError` for what cannot be used."""
    parsed = parse_target(raw.frame, target, label_sep=label_sep, notes=(notes := []))
    classes = _label_names(parsed.classes, parsed.y.ndim == 2)
    task = "multilabel" if parsed.y.ndim == 2 else "binary" if len(classes) == 2 else "multiclass"
    columns = [str(c) for c in raw.frame.columns if c not in parsed.columns]
    model_col = find_column(columns, MODEL_COLUMNS)
    fold_col = find_column(columns, (FOLD_COLUMN,))
    row_col = find_column(columns, ROW_COLUMNS)
    rest = [c for c in columns if c not in (model_col, fold_col, row_col)]
    groups: dict[str, dict[str, str]] = {}
    for col in rest:
        model, sep, inner = col.partition(MODEL_SEP)
        model, inner = (model.strip(), inner.strip()) if sep else ("", col)
        groups.setdefault(model, {})[inner] = col
    if model_col and any(groups.keys() - {""}):
        raise DataError(
            f"The file has both a '{model_col}' column and '<model>{MODEL_SEP}<column>' names",
            "Use one way of naming several models: long format or side by side",
        )
    prefixes = (scores_prefix,) if scores_prefix else SCORE_PREFIXES
    keep = np.flatnonzero(parsed.keep)
    found, used = [], set()
    for model, inner in groups.items():
        scores, which = score_columns(inner, classes, task, prefixes)
        if which == 1 and not scores[0].lower().endswith(classes[1].lower()):
            which = _single_score_class(raw, scores[0], parsed.y, keep, classes, notes)
        preds = pred_columns(inner, classes, task)
        if not scores and not preds:
            continue
        used.update(scores + preds)
        kind: ScoreKind = "label"
        reason = "labels only"
        if scores and not model_col:
            kind, reason = score_kind(numbers(raw.frame, scores, keep), task, which is not None)
        name = model or DEFAULT_MODEL
        found.append(ModelColumns(name, scores, which, preds, kind, reason))
    if not found:
        expected = ", ".join(f"'{p}{classes[0]}'" for p in prefixes)
        raise DataError(
            f"No score or predicted-label column found for the classes "
            f"{shorten([repr(c) for c in classes], 6)} (looked for {expected}, a column named "
            "after each class, or 'pred')",
            "Name the score columns proba_<class> (or pass the prefix with --scores), or add "
            "a 'pred' column of predicted labels",
        )
    if model_col:
        if len(found) > 1:
            raise DataError(
                f"With a '{model_col}' column, give one set of score columns for every model",
                f"Drop the '<model>{MODEL_SEP}' prefixes",
            )
        model_of = model_names(raw.frame, model_col)
        names = list(dict.fromkeys(model_of))
        one = found[0]
        found = []
        for n in names:
            rows = keep[model_of[keep] == n]
            kind, reason = (
                score_kind(
                    numbers(raw.frame, one.score_columns, rows), task, one.score_class is not None
                )
                if one.score_columns
                else (one.kind, one.kind_reason)
            )
            found.append(ModelColumns(n, one.score_columns, one.score_class, one.pred_columns,
                                      kind, reason))  # fmt: skip
    return ScoreLayout(
        task=task,
        classes=classes,
        target=tuple(parsed.columns),
        models=tuple(found),
        label_sep=label_sep,
        model_column=model_col,
        fold_column=fold_col,
        row_column=row_col,
        ignored=tuple(c for c in rest if c not in used),
        notes=tuple(notes),
    )


def _label_names(classes: tuple[str, ...], multilabel: bool) -> tuple[str, ...]:
    """Multi-label 0/1 columns all named ``true_<label>`` give the labels without ``true_``."""
    if multilabel and all(c.startswith("true_") and len(c) > 5 for c in classes):
        return tuple(c[5:] for c in classes)
    return tuple(classes)


# ------------------------------------------------------------------------------ the set


def predictions_from_raw(
    raw: RawTable, layout: ScoreLayout, *, name: str | None = None
) -> PredictionsSet:
    """The rows and every model's scores of ``raw`` as :func:`detect_layout` found them."""
    parsed = parse_target(raw.frame, list(layout.target), label_sep=layout.label_sep, notes=[])
    y_all = np.zeros((len(raw.frame), *parsed.y.shape[1:]), dtype=parsed.y.dtype)
    y_all[parsed.keep] = parsed.y
    names = [m.name for m in layout.models]
    rows, row_ids = aligned_rows(
        raw.frame, names, layout.model_column, layout.row_column, y_all, parsed.keep
    )
    first = next(iter(rows.values()))
    k = len(layout.classes)
    models: dict[str, ModelScores] = {}
    for m in layout.models:
        r = rows[m.name]
        values = numbers(raw.frame, m.score_columns, r) if m.score_columns else None
        proba = None if values is None else as_proba(values, m.kind, m.score_class, layout.task, k)
        pred = None
        if m.pred_columns:
            pred = pred_values(
                raw.frame, m.pred_columns, r, layout.task, layout.classes, layout.label_sep
            )
        models[m.name] = ModelScores(m.name, m.kind, proba, pred, values, m)
    return PredictionsSet(
        name=name or raw.name,
        content_hash=raw.content_hash,
        task=layout.task,
        classes=layout.classes,
        target=layout.target,
        y=y_all[first],
        row_ids=row_ids,
        models=models,
        fold=fold_parts(raw.frame, layout.fold_column, rows),
        label_sep=layout.label_sep,
        n_dropped_missing_target=int((~parsed.keep).sum()) // max(len(rows), 1),
        layout=layout,
        notes=tuple(raw.notes) + layout.notes,
    )


def load_predictions(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    target: str | Sequence[str],
    label_sep: str | None = None,
    scores_prefix: str | None = None,
    name: str | None = None,
) -> PredictionsSet:
    """Read a predictions CSV (path, bytes or binary file-like; the data files' reader), detect
    its layout and build the :class:`PredictionsSet`."""
    raw = read_csv_source(source, name=name)
    layout = detect_layout(raw, target, label_sep=label_sep, scores_prefix=scores_prefix)
    return predictions_from_raw(raw, layout, name=name)


def _single_score_class(
    raw: RawTable, col: str, y: np.ndarray, keep: np.ndarray, classes: Sequence[str], notes: list
) -> int:
    """The class a binary score column not named after a class scores: the one it ranks
    higher (ROC AUC of ``classes[1]`` at least 0.5: ``classes[1]``, the positive class)."""
    values = numbers(raw.frame, [col], keep)[:, 0]
    auc = float(roc_auc_score(y, values)) if 0 < y.sum() < y.size else 0.5
    which = 1 if auc >= 0.5 else 0
    notes.append(
        f"Column '{col}' is read as the score of class {classes[which]!r}: it ranks that class "
        f"higher (ROC AUC {max(auc, 1 - auc):.2f})."
    )
    return which
