"""Input checks shared by the metrics modules: the task kind (:mod:`core.metrics.scores`,
:mod:`core.metrics.curves`), predictions checked against the classes (scores,
:mod:`core.metrics.significance`), finite numbers and a zero-safe ratio
(:mod:`core.metrics.plane`, :mod:`core.metrics.prevalence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import confusion_matrix

from core.errors import DataError
from core.tasks import TASK_KINDS


def check_task(task: str) -> str:
    """``task`` itself; :class:`DataError` unless it is one of :data:`core.tasks.TASK_KINDS`."""
    if task not in TASK_KINDS:
        raise DataError(
            f"Unknown task kind. Expected one of {', '.join(TASK_KINDS)}. Got {task!r} instead"
        )
    return task


@dataclass(frozen=True)
class Preds:
    """Checked predictions of one task, with lazily shared intermediate results."""

    y_true: np.ndarray
    y_pred: np.ndarray | None
    proba: np.ndarray | None
    classes: tuple[str, ...]
    task: str

    @property
    def labels(self) -> np.ndarray:
        """Class codes ``0..K-1``."""
        return np.arange(len(self.classes))

    @property
    def multilabel(self) -> bool:
        """True for a multi-label task."""
        return self.task == "multilabel"

    @cached_property
    def cm(self) -> np.ndarray:
        """Single-label confusion counts (rows true, columns predicted)."""
        return confusion_matrix(self.y_true, self.y_pred, labels=self.labels)

    @cached_property
    def present_recalls(self) -> np.ndarray:
        """Recall of each class that occurs in ``y_true`` (single-label)."""
        support = self.cm.sum(axis=1)
        return np.diag(self.cm)[support > 0] / support[support > 0]


def _check_codes(y: np.ndarray, name: str, n: int, k: int, multilabel: bool) -> np.ndarray:
    y = np.asarray(y)
    shape = (n, k) if multilabel else (n,)
    if y.shape != shape or y.dtype.kind not in "biu":
        kind = "a 0/1 matrix" if multilabel else "integer class codes"
        raise DataError(
            f"{name} must be {kind} of shape {shape}. Got shape {y.shape} and dtype {y.dtype} "
            "instead"
        )
    upper = 1 if multilabel else k - 1
    if y.size and (y.min() < 0 or y.max() > upper):
        raise DataError(f"{name} holds values outside 0..{upper}. Got {y.min()}..{y.max()} instead")
    return y


def prepare(
    y_true: np.ndarray,
    y_pred: np.ndarray | None,
    proba: np.ndarray | None,
    classes: Sequence[str],
    task: str,
) -> Preds:
    """Check predictions of one task against ``classes`` and bundle them as :class:`Preds`.

    ``task`` must be a task kind and ``classes`` hold at least two names; ``y_true`` (and
    ``y_pred`` when given) are integer codes ``(n,)`` or a 0/1 matrix ``(n, K)`` for
    multi-label, with ``n >= 1``; ``proba`` (when given) is finite, shape ``(n, K)``.
    Raises :class:`DataError` otherwise.
    """
    check_task(task)
    names = tuple(str(c) for c in classes)
    multilabel = task == "multilabel"
    if len(names) < 2:
        need = "two labels" if multilabel else "two classes"
        raise DataError(f"Scoring needs at least {need}. Got {list(names)} instead")
    n = np.asarray(y_true).shape[0] if np.ndim(y_true) else 0
    if n == 0:
        raise DataError("There are no rows to score. Check that the data has rows with a target")
    yt = _check_codes(y_true, "y_true", n, len(names), multilabel)
    yp = None if y_pred is None else _check_codes(y_pred, "y_pred", n, len(names), multilabel)
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (n, len(names)):
            raise DataError(
                f"proba must have shape ({n}, {len(names)}), one column per class. "
                f"Got {proba.shape} instead"
            )
        if not np.isfinite(proba).all():
            raise DataError(
                "proba holds NaN or infinite values; probabilities must be finite numbers",
                "Check the model's predict_proba output",
            )
    return Preds(yt, yp, proba, names, task)


def finite_array(values: Any, name: str) -> np.ndarray:
    """``values`` as a float array; :class:`DataError` (naming ``name``) unless every entry is a
    finite number."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric. Got {str(values)[:80]!r} instead") from None
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} must be finite numbers; found NaN or infinity", "Drop those rows")
    return arr


def safe_div(num: ArrayLike, den: ArrayLike, zero_division: float = 0.0) -> np.ndarray:
    """``num / den`` as float, ``zero_division`` where ``den`` is not positive."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), float(zero_division))
