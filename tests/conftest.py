"""Shared seeded fixtures: small datasets of the three task kinds and comparisons on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from core.evaluation.comparison import CompareConfig, run_comparison
from core.intake.columns import ColumnDecision
from core.intake.dataset import Dataset
from core.runs.store import ENV_VAR

TASKS = ("binary", "multiclass", "multilabel")
STRATEGIES = {
    "binary": ("baseline", "class_weight", "random_over", "threshold_tuning"),
    "multiclass": ("baseline", "class_weight", "random_over", "threshold_tuning"),
    "multilabel": ("baseline", "class_weight", "ml_ros", "threshold_tuning"),
}


def synthetic_dataset(task: str, n: int = 300, seed: int = 0) -> Dataset:
    """Seeded make_classification data (weights skewed) as a Dataset of ``task``."""
    k = 2 if task == "binary" else 3
    weights = [0.85, 0.15] if k == 2 else [0.7, 0.2, 0.1]
    X, y = make_classification(
        n_samples=n,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_classes=k,
        weights=weights,
        class_sep=1.0,
        random_state=seed,
    )
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    if task == "multilabel":
        rng = np.random.default_rng(seed)
        y = np.stack(
            [y == 0, (y == 1) | (rng.random(n) < 0.05), (X[:, 1] > 0.9) & (y != 0)], axis=1
        ).astype(np.int8)
        classes = ("alpha", "beta", "gamma")
        target = classes
    else:
        classes = ("no", "yes") if k == 2 else ("red", "green", "blue")
        target = ("label",)
    schema = tuple(ColumnDecision(c, "numeric", "numeric values") for c in frame.columns)
    return Dataset(
        X=frame,
        y=np.asarray(y),
        task=task,
        classes=classes,
        target=target,
        numeric_features=tuple(frame.columns),
        categorical_features=(),
        schema=schema,
        row_ids=np.arange(n, dtype=np.int64),
        name=f"{task}.csv",
        content_hash=f"synthetic-{task}-{n}-{seed}",
    )


@pytest.fixture(autouse=True)
def runs_home(tmp_path, monkeypatch) -> Path:
    """Saved runs go to a per-test folder, never to the user's real data directory; returns it."""
    root = tmp_path / "runs-home"
    monkeypatch.setenv(ENV_VAR, str(root))
    return root


@pytest.fixture(scope="session")
def datasets() -> dict[str, Dataset]:
    return {task: synthetic_dataset(task) for task in TASKS}


@pytest.fixture(scope="session")
def comparisons(datasets):
    """One small comparison per task kind (3 folds, logistic regression, serial)."""
    return {
        task: run_comparison(ds, CompareConfig(strategies=STRATEGIES[task], cv=3, seed=0, n_jobs=1))
        for task, ds in datasets.items()
    }
