"""How long one fit of each model takes on this data, relative to logistic regression.

A quick estimate shown before a run (the Strategies page's "Model" box): one fit of each
model's plain pipeline on a seeded stratified sample of at most :data:`SAMPLE_ROWS` rows,
single-threaded as in a comparison, the cheapest models first, stopping once
:data:`BUDGET_S` seconds are spent (models left out show no estimate). Small samples
flatter models with a fixed start-up cost and hide how a model scales with rows: it is a
ranking, not a forecast.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from threadpoolctl import threadpool_limits

from core.intake.dataset import Dataset
from core.intake.sampling import stratified_sample
from core.modelling.models import MODELS, make_model

REFERENCE = "logistic_regression"
SAMPLE_ROWS = 1000
BUDGET_S = 0.8
TIMING_ORDER = (
    "logistic_regression",
    "lightgbm",
    "xgboost",
    "mlp",
    "hist_gradient_boosting",
    "random_forest",
)
"""Cheapest first, so the budget is spent on as many models as possible."""


@dataclass(frozen=True)
class FitTimes:
    """Seconds of one fit per model on ``n_rows`` rows (models not timed are absent)."""

    n_rows: int
    seconds: dict[str, float] = field(default_factory=dict)

    def relative(self, model: str) -> float | None:
        """``model``'s fit time over logistic regression's, or None when either is unknown."""
        base = self.seconds.get(REFERENCE)
        own = self.seconds.get(model)
        if base is None or own is None or base <= 0:
            return None
        return own / base

    def label(self, model: str) -> str:
        """E.g. ``"≈ 6× logistic regression"``; ``""`` when unknown or for the reference."""
        ratio = self.relative(model)
        if ratio is None or model == REFERENCE:
            return ""
        shown = f"{ratio:.1f}" if ratio < 10 else f"{ratio:.0f}"
        return f"≈ {shown}× logistic regression"


def time_fits(
    ds: Dataset,
    models: Sequence[str] | None = None,
    *,
    seed: int = 0,
    max_rows: int = SAMPLE_ROWS,
    budget_s: float = BUDGET_S,
) -> FitTimes:
    """Time one fit of each model's plain pipeline on a stratified sample of ``ds``.

    ``models`` (default: every registered built-in model) are timed in :data:`TIMING_ORDER`;
    once ``budget_s`` seconds have been spent the rest are skipped. A model whose fit fails
    on the sample is left out.
    """
    wanted = list(models) if models is not None else list(MODELS)
    order = [m for m in TIMING_ORDER if m in wanted] + [m for m in wanted if m not in TIMING_ORDER]
    small = ds.n_rows <= max_rows or 2 * len(ds.classes) > max_rows
    sample = ds if small else stratified_sample(ds, max_rows, seed=seed)
    seconds: dict[str, float] = {}
    spent = 0.0
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in order:
            if spent > budget_s or MODELS.get(name) is None or MODELS[name].factory is not None:
                continue
            pipeline = make_model(name, sample, seed=seed)  # imports its library: untimed
            start = time.perf_counter()
            try:
                pipeline.fit(sample.X, sample.y)
            except Exception:  # an estimate: a model that cannot fit here shows none
                spent += time.perf_counter() - start
                continue
            took = time.perf_counter() - start
            spent += took
            seconds[name] = took
    return FitTimes(n_rows=sample.n_rows, seconds=seconds)
