"""CSV intake, target/task detection and feature typing -> :class:`Dataset`.

Everything the user uploads is validated here, once; nothing downstream re-checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

TaskKind = Literal["binary", "multiclass", "multilabel"]


@dataclass(frozen=True)
class ColumnDecision:
    """What intake did with one column of the file, and why (the schema report)."""

    column: str
    kind: str  # "target" | "numeric" | "categorical" | "datetime" | "dropped"
    reason: str


@dataclass(frozen=True, eq=False)
class RawTable:
    """A CSV decoded and split into columns, before a target is chosen."""

    frame: pd.DataFrame  # every column as read; index 0..n-1 = 0-based data row of the file
    name: str  # file name as uploaded (user text: escape before showing in HTML)
    content_hash: str  # sha256 hex of the raw bytes
    encoding: str
    delimiter: str
    notes: tuple[str, ...] = ()  # what intake noticed (e.g. "dropped 3 empty trailing columns")


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
