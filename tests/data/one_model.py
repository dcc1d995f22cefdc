"""A predictions file of one noisy three-class model, for the predictions-mode AppTests
(Compare, Diagnosis): its true label and proba_0..2, and core's comparison of it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.evaluation.comparison import Comparison
from core.evaluation.scored import comparison_from_predictions
from core.intake.predictions import load_predictions


def one_model_comparison(n: int, seed: int, strength: float) -> Comparison:
    """``n`` rows of a 50/35/15 % target scored by Dirichlet noise plus ``strength`` on the
    true class, as core's predictions comparison (cv 3, seed 0)."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, n, p=[0.5, 0.35, 0.15])
    p = rng.dirichlet(np.ones(3), n)
    p[np.arange(n), y] += strength
    p /= p.sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"label": y, **{f"proba_{k}": p[:, k] for k in range(3)}})
    pset = load_predictions(frame.to_csv(index=False).encode(), target="label")
    return comparison_from_predictions(pset, cv=3, seed=0)
