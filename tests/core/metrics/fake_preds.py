"""Seeded, imperfect predictions shared by the metrics tests (imported as ``fake_preds``)."""

from __future__ import annotations

import numpy as np


def make_preds(task: str, n: int = 120, seed: int = 0):
    """Seeded, imperfect predictions: (y_true, y_pred, proba, classes)."""
    rng = np.random.default_rng(seed)
    if task == "multilabel":
        classes = ("w", "x", "y", "z")
        y = (rng.random((n, 4)) < [0.1, 0.3, 0.5, 0.15]).astype(np.int8)
        proba = np.clip(0.45 * y + 0.6 * rng.random((n, 4)), 0, 1)
        return y, (proba >= 0.5).astype(np.int8), proba, classes
    classes = ("neg", "pos") if task == "binary" else ("a", "b", "c")
    k = len(classes)
    y = rng.choice(k, size=n, p=[0.75, 0.25] if k == 2 else [0.6, 0.3, 0.1])
    proba = rng.dirichlet(np.ones(k), size=n)
    proba[np.arange(n), y] += 0.6
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba.argmax(axis=1), proba, classes


def one_hot(y, k):
    return np.eye(k, dtype=np.int8)[y]
