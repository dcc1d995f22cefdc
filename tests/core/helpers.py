"""Small seeded Dataset builders and intake helpers shared by the tests under tests/core.

Importable as ``from helpers import make_ds, dataset_from``: tests/core/conftest.py puts this
folder on ``sys.path`` (pytest's prepend import mode inserts a conftest's folder).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification, make_multilabel_classification

from core.intake.columns import ColumnDecision
from core.intake.dataset import Dataset, read_table
from core.intake.reader import RawTable

DEFAULT_CLASSES = {"binary": ("neg", "pos"), "multiclass": ("x", "y", "z"),
                   "multilabel": ("a", "b", "c")}  # fmt: skip


def make_ds(
    task: str = "binary",
    n: int = 150,
    seed: int = 0,
    *,
    classes: Sequence[str] | None = None,
    row_ids: np.ndarray | None = None,
    **overrides: Any,
) -> Dataset:
    """A seeded numeric Dataset of ``task``: 5 features f0..f4, skewed classes.

    Binary weights 0.85/0.15, multiclass 0.7/0.2/0.1 (make_classification, 3 informative
    features); multi-label: 3 labels, one per row on average (make_multilabel_classification,
    no unlabelled rows). ``classes`` renames the classes (default :data:`DEFAULT_CLASSES`),
    ``row_ids`` replaces ``arange(n)``, ``overrides`` sets any other Dataset field.
    """
    if task == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=n,
            n_features=5,
            n_classes=3,
            n_labels=1,
            allow_unlabeled=False,
            random_state=seed,
        )
        y = y.astype(np.int8)
    else:
        k = 2 if task == "binary" else 3
        X, y = make_classification(
            n_samples=n,
            n_features=5,
            n_informative=3,
            n_redundant=0,
            n_classes=k,
            weights=[0.85] if k == 2 else [0.7, 0.2],
            random_state=seed,
        )
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    fields: dict[str, Any] = {
        "X": frame,
        "y": y,
        "task": task,
        "classes": tuple(classes) if classes is not None else DEFAULT_CLASSES[task],
        "target": ("t",),
        "numeric_features": tuple(frame.columns),
        "categorical_features": (),
        "schema": (),
        "row_ids": np.arange(n) if row_ids is None else np.asarray(row_ids),
    }
    return Dataset(**(fields | overrides))


def dataset_from(
    X: pd.DataFrame, y: Any, classes: Sequence[str], task: str | None = None
) -> Dataset:
    """A Dataset built directly from ``X`` and ``y`` (no CSV reader).

    Numeric vs categorical features from the dtypes; the task from ``y`` (a 2-D 0/1 matrix is
    multi-label) and the number of classes unless given; ``y`` as int8 (multi-label) or int64.
    """
    y = np.asarray(y)
    if task is None:
        task = "multilabel" if y.ndim == 2 else ("binary" if len(classes) == 2 else "multiclass")
    numeric = tuple(c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]))
    categorical = tuple(c for c in X.columns if c not in numeric)
    return Dataset(
        X=X.reset_index(drop=True),
        y=y.astype(np.int8) if task == "multilabel" else y.astype(np.int64),
        task=task,  # type: ignore[arg-type]
        classes=tuple(classes),
        target=tuple(classes) if task == "multilabel" else ("target",),
        numeric_features=numeric,
        categorical_features=categorical,
        schema=(),
        row_ids=np.arange(len(X)),
    )


# --------------------------------------------------------------------------- intake

SIMPLE = b"num,word,y\n1,red,0\n2,blue,1\n3,red,0\n4,green,1\n"


class UploadedFile(io.BytesIO):
    """Streamlit's UploadedFile: a BytesIO subclass with a ``name``."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def raw_of(data: bytes | str, **kwargs) -> RawTable:
    """``read_table`` of CSV text or bytes."""
    return read_table(data.encode() if isinstance(data, str) else data, **kwargs)


def decisions(ds: Dataset) -> dict[str, ColumnDecision]:
    """The schema decisions of ``ds`` by column."""
    return {d.column: d for d in ds.schema}


def brute_force_pareto(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Mask of the points no other point beats on both axes (the slow, obvious way)."""
    ge = (xs[None, :] >= xs[:, None]) & (ys[None, :] >= ys[:, None])
    gt = (xs[None, :] > xs[:, None]) | (ys[None, :] > ys[:, None])
    return ~np.any(ge & gt, axis=1)  # row i is dominated when some j is >= and > somewhere


def spread_ds(counts: Sequence[int], seed: int = 0) -> Dataset:
    """Classes with the given counts on unique, well-mixed random numeric rows (no duplicates)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = pd.DataFrame(rng.normal(size=(len(y), 2)), columns=["a", "b"])
    return dataset_from(X, y, [f"c{i}" for i in range(len(counts))])


def finding_codes(profile: Any) -> dict[str, Any]:
    """A profile's findings by code."""
    return {f.code: f for f in profile.findings}


def three_class_predictions(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A long-format predictions file: two models ("net" weak, "gbm" strong) scoring the same
    ``n`` rows of a 45/40/15 % three-class target (columns label, model, row, proba_0..2)."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, n, p=[0.45, 0.4, 0.15])
    frames = []
    for name, strength in (("net", 0.5), ("gbm", 1.2)):
        p = rng.dirichlet(np.ones(3), n)
        p[np.arange(n), y] += strength
        p /= p.sum(axis=1, keepdims=True)
        frames.append(pd.DataFrame({"label": y, "model": name, "row": np.arange(n),
                                    **{f"proba_{k}": p[:, k] for k in range(3)}}))  # fmt: skip
    return pd.concat(frames)
