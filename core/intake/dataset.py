"""CSV intake -> :class:`Dataset`: read the table, check the target, type the features.

Everything the user uploads is validated here, once; nothing downstream re-checks it.
Decoding and parsing the file lives in :mod:`core.intake.reader`, target detection in
:mod:`core.intake.targets`, feature typing in :mod:`core.intake.columns`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd

from core.errors import DataError
from core.intake.columns import ColumnDecision, shorten, type_feature
from core.intake.reader import MAX_BYTES, RawTable, read_csv_source
from core.intake.targets import parse_target
from core.tasks import TaskKind


@dataclass(frozen=True, eq=False)
class Dataset:
    """One clean, typed table with its target: the input of every later step.

    ``y`` holds integer codes into ``classes`` (shape ``(n,)``) for binary/multiclass,
    and a 0/1 ``int8`` matrix of shape ``(n, len(classes))`` for multi-label, where
    ``classes`` are the label names.
    """

    X: pd.DataFrame
    y: np.ndarray
    task: TaskKind
    classes: tuple[str, ...]
    target: tuple[str, ...]
    numeric_features: tuple[str, ...]
    categorical_features: tuple[str, ...]
    schema: tuple[ColumnDecision, ...]
    row_ids: np.ndarray  # 0-based data row of the uploaded file, per kept row
    n_dropped_missing_target: int = 0
    name: str = "data.csv"
    content_hash: str = ""
    label_sep: str | None = None
    notes: tuple[str, ...] = field(default=())
    # A stratified sample (core.intake.sampling): rows of the data it was drawn from, and the
    # sentence announcing it; its content_hash then ends in "#sample-<rows>-seed<seed>".
    sampled_from: int | None = None
    sample_note: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def is_multilabel(self) -> bool:
        return self.task == "multilabel"

    @property
    def class_counts(self) -> dict[str, int]:
        """Rows per class (multi-label: rows carrying each label), in ``classes`` order."""
        if self.is_multilabel:
            counts = np.asarray(self.y).sum(axis=0)
        else:
            counts = np.bincount(np.asarray(self.y), minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts, strict=True)}

    def classes_by_rarity(self) -> list[str]:
        """Classes rarest first (multi-label: by rows carrying each label); see
        :func:`classes_by_rarity` for the tie-break."""
        counts = self.class_counts
        return classes_by_rarity([counts[c] for c in self.classes], self.classes)


def classes_by_rarity(counts: Sequence[float], classes: Sequence[str]) -> list[str]:
    """``classes`` ordered rarest first by ``counts`` (aligned with ``classes``).

    The one rule for "the rarest class": fewest rows (or smallest share) first; on a tie the
    class that comes earlier in ``classes`` comes first (so a balanced binary target's rarest
    is its first class).
    """
    if len(counts) != len(classes):
        raise DataError(
            f"counts and classes must have the same length. Got {len(counts)} and {len(classes)}"
        )
    order = sorted(range(len(classes)), key=lambda i: (float(counts[i]), i))
    return [str(classes[i]) for i in order]


def read_table(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> RawTable:
    """Read a CSV (path, bytes or binary file-like such as Streamlit's UploadedFile).

    Refuses what is not a CSV, detects the encoding and delimiter on the first 64 KB, then
    parses the whole file with pyarrow; ``frame.attrs["csv_engine"]`` says which parser ran.
    """
    return read_csv_source(source, name=name, max_bytes=max_bytes)


def load_dataset(
    source: str | os.PathLike | bytes | BinaryIO,
    target: str | Sequence[str],
    *,
    label_sep: str | None = None,
    name: str | None = None,
) -> Dataset:
    """:func:`read_table` then :func:`build_dataset`."""
    return build_dataset(read_table(source, name=name), target, label_sep=label_sep)


def schema_frame(ds: Dataset) -> pd.DataFrame:
    """The schema report as a table with columns column, kind, reason."""
    rows = [(d.column, d.kind, d.reason) for d in ds.schema]
    return pd.DataFrame(rows, columns=["column", "kind", "reason"])


# -- building the dataset ----------------------------------------------------------------------


def build_dataset(
    raw: RawTable,
    target: str | Sequence[str],
    *,
    label_sep: str | None = None,
    max_classes: int = 50,
) -> Dataset:
    """Check the target, detect the task, type every other column -> :class:`Dataset`.

    One column: binary/multiclass (or multi-label with ``label_sep``, e.g. "a|b"); several
    0/1 columns: multi-label. Rows with a missing target are dropped and counted.
    """
    frame = raw.frame
    notes = list(raw.notes)
    parsed = parse_target(frame, target, label_sep=label_sep, max_classes=max_classes, notes=notes)
    targets, y, keep, classes = parsed.columns, parsed.y, parsed.keep, parsed.classes
    decisions = dict(parsed.decisions)
    task: TaskKind = (
        "multilabel" if y.ndim == 2 else "binary" if len(classes) == 2 else "multiclass"
    )
    row_ids = np.flatnonzero(keep).astype(np.int64)
    n_dropped = int(frame.shape[0] - row_ids.size)
    if n_dropped:
        notes.append(f"Dropped {n_dropped} rows with a missing target ({', '.join(targets)}).")
    feats = frame if n_dropped == 0 else frame.iloc[row_ids]
    columns: dict[str, pd.Series] = {}
    for col in frame.columns:
        if col in decisions:
            continue
        decisions[col], values = type_feature(str(col), feats[col], row_ids.size)
        if values is not None:
            columns[col] = values
    if not columns:
        dropped = [f"'{d.column}' ({d.reason})" for d in decisions.values() if d.kind == "dropped"]
        if not dropped:
            raise DataError(
                f"The file has no column besides the target ({', '.join(targets)})",
                "Add the feature columns to the file",
            )
        raise DataError(
            f"No usable feature column is left: {shorten(dropped, 6)}",
            "Add feature columns to the file, or pick another target",
        )
    # copy=False: no consolidation into one 2-D block, so float64 columns of the file are
    # shared with the raw table instead of copied (half the memory of a big numeric file).
    X = pd.DataFrame(columns, copy=False)
    X.index = pd.RangeIndex(row_ids.size)
    schema = tuple(decisions[c] for c in frame.columns)
    kinds = {d.column: d.kind for d in schema}
    return Dataset(
        X=X,
        y=y,
        task=task,
        classes=classes,
        target=tuple(targets),
        numeric_features=tuple(c for c in X.columns if kinds[c] in ("numeric", "datetime")),
        categorical_features=tuple(c for c in X.columns if kinds[c] == "categorical"),
        schema=schema,
        row_ids=row_ids,
        n_dropped_missing_target=n_dropped,
        name=raw.name,
        content_hash=raw.content_hash,
        label_sep=label_sep,
        notes=tuple(notes),
    )
