"""Two saved runs side by side: each strategy's pooled summary metrics in both, and the change."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from core.evaluation.comparison import Comparison

COMPARE_COLUMNS = ("strategy", "metric", "a", "b", "delta", "status_a", "status_b")


def _pooled(result: Any, metric: str) -> float:
    """A strategy result's pooled ``metric``; NaN if it is missing or failed."""
    if result is None or not result.ok:
        return math.nan
    return float((result.summary or {}).get(metric, math.nan))


def compare_runs(first: Comparison, second: Comparison) -> pd.DataFrame:
    """Pooled summary metrics of comparisons ``first`` (A) and ``second`` (B) side by side.

    Columns :data:`COMPARE_COLUMNS` (``delta = b - a``). Strategies of A first, then those
    only B ran; a strategy missing from a run, or failed there, has NaN on that side.
    """
    names = list(dict.fromkeys([*first.results, *second.results]))
    metrics = list(dict.fromkeys([*first.metric_names(), *second.metric_names()]))
    rows = []
    for name in names:
        ra, rb = first.results.get(name), second.results.get(name)
        for metric in metrics:
            va, vb = _pooled(ra, metric), _pooled(rb, metric)
            rows.append(
                {
                    "strategy": name,
                    "metric": metric,
                    "a": va,
                    "b": vb,
                    "delta": vb - va,
                    "status_a": "missing" if ra is None else ra.status,
                    "status_b": "missing" if rb is None else rb.status,
                }
            )
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS)).astype(
        {"a": "float64", "b": "float64", "delta": "float64"}
    )
