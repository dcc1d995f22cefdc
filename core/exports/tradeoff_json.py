"""The ``tradeoff`` object of results.json and the report's trade-off figures and sentences,
built from :mod:`core.analysis.planes`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.analysis.planes import (
    MAX_POINTS,
    POINT_COLUMNS,
    PlaneView,
    plane,
    positive_classes,
    resolve_positive,
)
from core.analysis.sides import sides
from core.evaluation.comparison import Comparison
from core.metrics.plane import feasible_region

if TYPE_CHECKING:
    import plotly.graph_objects as go

REGION_GRID = 101
"""Accuracy values (0, 0.01, ..., 1, plus the two corners) at which results.json samples
the region."""

BY_CLASS_POINTS = 25
"""Points per strategy in results.json's ``by_class`` planes (Pareto points always kept)."""

_JSON_POINT_FIELDS = ("strategy", "threshold", *POINT_COLUMNS[2:])
_BY_CLASS_FIELDS = ("strategy", "threshold", "accuracy", "f1", "pareto")
BY_CLASS_DIGITS = 6
"""Decimals kept in ``by_class`` (the top level keeps full precision)."""


# --------------------------------------------------------------------------- results.json


def _num(value: Any) -> float | int | None:
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    return value if np.isfinite(value) else None


def _records(
    frame: pd.DataFrame, fields: tuple[str, ...] = _JSON_POINT_FIELDS, digits: int | None = None
) -> list[dict]:
    out = []
    for rec in frame[list(fields)].to_dict(orient="records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if k == "strategy":
                row[k] = str(v)
            elif k == "pareto":
                row[k] = bool(v)
            else:
                value = _num(v)
                row[k] = round(value, digits) if digits and isinstance(value, float) else value
        out.append(row)
    return out


def _plane_dict(view: PlaneView, max_points: int) -> dict[str, Any]:
    shown = view.thinned(max_points)
    return {
        "positive_class": view.positive_class,
        "negative_class": view.negative_label,
        "positive_share": view.positive_share,
        "accuracy_label": view.x_label,
        "f1_label": view.f1_label,
        "points": _records(shown.points),
        "pareto": _records(shown.pareto),
        "operating_points": _records(view.operating),
        "n_thresholds": dict(view.n_thresholds),
        "region": [
            {k: float(v) for k, v in rec.items()}
            for rec in feasible_region(view.positive_share, n_grid=REGION_GRID).to_dict(
                orient="records"
            )
        ],
        "trivial": {k: {m: float(x) for m, x in v.items()} for k, v in view.trivial.items()},
    }


def _compact_dict(view: PlaneView) -> dict[str, Any]:
    """A class's plane in few bytes: the region follows from ``positive_share``."""
    shown = view.thinned(BY_CLASS_POINTS)
    return {
        "positive_class": view.positive_class,
        "negative_class": view.negative_label,
        "positive_share": view.positive_share,
        "points": _records(shown.points, _BY_CLASS_FIELDS, BY_CLASS_DIGITS),
        "operating_points": _records(
            view.operating, ("strategy", "accuracy", "f1"), BY_CLASS_DIGITS
        ),
        "n_thresholds": dict(view.n_thresholds),
    }


def tradeoff_dict(
    comparison: Comparison, *, positive: str | None = None, max_points: int = MAX_POINTS
) -> dict[str, Any]:
    """The ``tradeoff`` object of results.json (plain JSON types; ``threshold`` null = never
    predict positive, the all-negative end of a sweep).

    Top level, for ``positive`` (default: :func:`core.analysis.planes.default_positive`,
    the important class): ``positive_class``,
    ``negative_class``, ``positive_share``, ``points`` [{``strategy``, ``threshold``,
    ``accuracy``, ``f1``, tp, fp, fn, tn, precision, recall_pos, recall_neg,
    balanced_accuracy}] (at most about ``max_points`` per strategy, every Pareto point
    kept), ``pareto`` (the non-dominated subset of ``points``, which is also that of every
    threshold), ``operating_points`` (each strategy's own decisions), ``n_thresholds``,
    ``region`` [{``accuracy``, ``f1_min``, ``f1_max``}] on a grid of accuracies, ``trivial``;
    then ``sides`` (this class vs its complement as positive: per strategy the F1-optimal
    cut of each side and its balanced accuracy, and ``summary``, a sentence) and
    ``by_class``: for every class or label as positive, ``positive_share`` (which fixes its
    region), ``points`` [{strategy, threshold, accuracy, f1, ``pareto`` (bool)}] (at most
    about 25 per strategy, every Pareto point kept, 6 decimals) and ``operating_points``.
    """
    positive = resolve_positive(comparison, positive)
    both = sides(comparison, positive)
    doc = _plane_dict(both.positive, max_points)
    doc["task"] = comparison.task
    doc["max_points_per_strategy"] = max_points
    doc["sides"] = {
        "positive_class": both.positive.positive_class,
        "complement_class": both.complement.positive_class,
        "strategies": [
            {k: (v if isinstance(v, str) else _num(v)) for k, v in rec.items()}
            for rec in both.table.to_dict(orient="records")
        ],
        "summary": both.sentence,
    }
    by_class = {positive: both.positive}
    if comparison.task == "binary":  # the complement is the other class
        by_class[both.complement.positive_class] = both.complement
    doc["by_class"] = {
        cls: _compact_dict(by_class.get(cls) or plane(comparison, cls))
        for cls in positive_classes(comparison)
    }
    return doc


# --------------------------------------------------------------------------- report


def tradeoff_report_figures(
    comparison: Comparison, *, positive: str | None = None, max_points: int = MAX_POINTS
) -> list[go.Figure]:
    """Figures for the HTML report: the plane of ``positive`` (default: the important class) with
    its whole feasible region; the same zoomed on the strategies and the front; that class
    and its complement as positive side by side (zoomed alike)."""
    from core.plots.tradeoff import tradeoff_plane, tradeoff_sides

    both = sides(comparison, positive)
    left, right = both.positive.thinned(max_points), both.complement.thinned(max_points)
    return [
        tradeoff_plane(left),
        tradeoff_plane(
            left,
            zoom=True,
            title=f"The same, zoomed on the strategies and the Pareto front ({left.f1_label})",
        ),
        tradeoff_sides(left, right, zoom=True),
    ]


def tradeoff_report_text(comparison: Comparison, *, positive: str | None = None) -> list[str]:
    """Plain sentences to go with :func:`tradeoff_report_figures`."""
    both = sides(comparison, positive)
    view = both.positive
    front = view.pareto
    lines = [
        f"Every strategy at every decision threshold of its out-of-fold probabilities, with "
        f"'{view.positive_class}' ({view.positive_share:.1%} of the rows) as the positive "
        "class. The shaded area holds every (accuracy, F1) pair any classifier can reach at "
        "that share, so accuracy alone says little about F1.",
    ]
    if not front.empty:
        # each point once, naming every strategy that reaches it: each strategy named once
        owners = list(dict.fromkeys(s for names in front["strategies"] for s in names))
        points = f"{len(front)} point{'' if len(front) == 1 else 's'}"
        lines.append(
            f"The Pareto front ({points}) runs from accuracy "
            f"{front['accuracy'].max():.3f} (F1 {front['f1'].iloc[0]:.3f}) to F1 "
            f"{front['f1'].max():.3f} (accuracy {front['accuracy'].iloc[-1]:.3f}); it is made "
            f"of {', '.join(owners)}."
        )
    lines.append(both.sentence)
    return lines
