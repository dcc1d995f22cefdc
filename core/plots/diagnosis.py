"""Figures of the diagnosis: one small chart per cause where a picture helps.

Pure functions from computed results (a learning curve, precision-recall curves, a threshold
curve, per-strategy scores) to Plotly figures; they draw and never compute a metric. Used by
the Diagnosis page and the HTML report alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.plots.style import NEUTRAL, PALETTE, figure
from core.text import plotly_text

BASELINE_COLOR = "#1f2328"  # the baseline in near-black: every other strategy is compared with it
REFERENCE_COLOR = PALETTE[1]  # reference models (another model family, the dummy)
HEIGHT = 380  # the charts are small: one per cause
LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.22, "yanchor": "top"}
MARGIN = {"l": 60, "r": 20, "t": 60, "b": 110}  # room for the legend under the x axis


class LearningCurveLike(Protocol):
    """What :func:`learning_curve_figure` reads (``core.evaluation.diagnostic_fits.LearningCurve``)."""

    class_name: str
    strategy: str
    shares: Sequence[float]
    class_rows: Sequence[float]
    ap_mean: Sequence[float]
    ap_std: Sequence[float]
    f1_mean: Sequence[float]
    f1_std: Sequence[float]


def strategy_colors(names: Sequence[str]) -> dict[str, str]:
    """Colour per strategy in the diagnosis charts: the baseline near-black, the others the
    palette in their order."""
    others = [n for n in names if n != "baseline"]
    colors = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(others)}
    if "baseline" in names:
        colors["baseline"] = BASELINE_COLOR
    return colors


def learning_curve_figure(curve: LearningCurveLike, *, title: str | None = None) -> go.Figure:
    """Average precision and F1 of the class against the rows of it the model trained on
    (mean over folds, ± one standard deviation as error bars)."""
    cls = plotly_text(curve.class_name)
    x = [float(v) for v in curve.class_rows]
    shares = [f"{s:.0%} of each training fold" for s in curve.shares]
    fig = figure(
        title or f"Learning curve of '{cls}' ({curve.strategy})",
        xaxis_title=f"Rows of '{cls}' in the training folds",
        yaxis_title=f"Score of '{cls}'",
        legend_title_text="",
        legend=LEGEND_BELOW,
        margin=MARGIN,
        height=HEIGHT,
    )
    for name, mean, std, color, dash in (
        ("Average precision", curve.ap_mean, curve.ap_std, PALETTE[0], "solid"),
        ("F1 at the default decision", curve.f1_mean, curve.f1_std, PALETTE[2], "dash"),
    ):
        fig.add_scatter(
            x=x,
            y=[float(v) for v in mean],
            error_y={"type": "data", "array": [float(v) for v in std], "visible": True},
            mode="lines+markers",
            name=name,
            customdata=shares,
            line={"color": color, "dash": dash},
            hovertemplate=f"{name}: %{{y:.3f}}<br>%{{x:.0f}} rows (%{{customdata}})<extra></extra>",
        )
    fig.update_yaxes(range=[0, 1.02])
    return fig


def pr_comparison_figure(
    curves: Mapping[str, pd.DataFrame],
    points: Mapping[str, tuple[float, float]],
    class_name: str,
    *,
    average_precision: Mapping[str, float] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Precision-recall curves of one class for several strategies (baseline first), each
    with its operating point at the default decision (``points``: name -> (recall, precision)).

    Strategies that only moved along the baseline's curve have points on (or under) it."""
    names = list(curves)
    colors = strategy_colors(names)
    class_name = plotly_text(class_name)
    fig = figure(
        title or f"Precision-recall of '{class_name}': baseline vs resampling",
        xaxis_title=f"Recall of '{class_name}'",
        yaxis_title=f"Precision of '{class_name}'",
        legend_title_text="Strategy (AP):",
        legend=LEGEND_BELOW,
        margin=MARGIN,
        height=HEIGHT + 40,
    )
    for name in names:
        curve = curves[name]
        ap = (average_precision or {}).get(name)
        label = name if ap is None else f"{name} ({ap:.3f})"
        fig.add_scatter(
            x=curve["recall"],
            y=curve["precision"],
            mode="lines",
            name=label,
            legendgroup=name,
            line={"color": colors[name], "width": 2.5 if name == "baseline" else 1.5},
            hovertemplate=f"{name}: recall %{{x:.3f}}, precision %{{y:.3f}}<extra></extra>",
        )
    for name, (recall, precision) in points.items():
        fig.add_scatter(
            x=[recall],
            y=[precision],
            mode="markers",
            name=f"{name} at its default decision",
            legendgroup=name,
            showlegend=False,
            marker={"color": colors.get(name, NEUTRAL), "size": 11, "symbol": "diamond",
                    "line": {"color": "white", "width": 1}},
            hovertemplate=f"{name} decides here: recall %{{x:.3f}}, precision %{{y:.3f}}"
            "<extra></extra>",
        )  # fmt: skip
    fig.update_xaxes(range=[0, 1.01])
    fig.update_yaxes(range=[0, 1.02])
    return fig


def threshold_gain_figure(
    curve: pd.DataFrame,
    class_name: str,
    strategy: str,
    *,
    default: tuple[float | None, float],
    best: tuple[float, float],
    title: str | None = None,
) -> go.Figure:
    """F1 of the class against the decision threshold on its probability, with the default
    decision and the best cut marked (``default``/``best``: (threshold, F1)). The vertical
    distance between the two marks is what moving the cut gains. A default without a
    threshold (a multiclass arg-max) is a horizontal line at its F1."""
    class_name = plotly_text(class_name)
    fig = figure(
        title or f"F1 of '{class_name}' as the threshold moves ({strategy})",
        xaxis_title=f"Threshold on the probability of '{class_name}'",
        yaxis_title=f"F1 of '{class_name}'",
        legend_title_text="",
        legend=LEGEND_BELOW,
        margin=MARGIN,
        height=HEIGHT,
    )
    fig.add_scatter(
        x=curve["threshold"],
        y=curve["f1"],
        mode="lines",
        name="F1 at each threshold",
        line={"color": PALETTE[0]},
        hovertemplate="threshold %{x:.3f}: F1 %{y:.3f}<extra></extra>",
    )
    marks = [("best cut", best, PALETTE[5], "star")]
    if default[0] is None:
        fig.add_scatter(
            x=[0, 1],
            y=[default[1], default[1]],
            mode="lines",
            name=f"default decision (arg-max): F1 {default[1]:.3f}",
            line={"color": NEUTRAL, "dash": "dash"},
            hovertemplate="default decision: F1 %{y:.3f}<extra></extra>",
        )
    else:
        marks.insert(0, ("default decision", default, NEUTRAL, "circle"))
    for label, (thr, f1), color, symbol in marks:
        fig.add_scatter(
            x=[thr],
            y=[f1],
            mode="markers+text",
            name=f"{label}: F1 {f1:.3f}",
            text=[f"{f1:.2f}"],
            textposition="top center",
            marker={"color": color, "size": 13, "symbol": symbol},
            hovertemplate=f"{label}: threshold %{{x:.3f}}, F1 %{{y:.3f}}<extra></extra>",
        )
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.08])
    return fig


def reference_bars_figure(
    strategies: Mapping[str, float],
    references: Mapping[str, float],
    class_name: str,
    *,
    rope: float | None = None,
    title: str | None = None,
) -> go.Figure:
    """F1 of the class for every strategy of the chosen model (blue) and for the reference
    models run on the same folds (orange; the dummy grey), best strategy as a dotted line
    with the region of practical equivalence above it when ``rope`` is given."""
    class_name = plotly_text(class_name)
    fig = figure(
        title or f"F1 of '{class_name}': the strategies vs reference models",
        xaxis_title="Strategy or reference model",
        yaxis_title=f"F1 of '{class_name}'",
        legend_title_text="",
        legend=LEGEND_BELOW,
        margin={**MARGIN, "b": 140},
        height=HEIGHT + 40,
    )
    names = list(strategies)
    fig.add_bar(
        x=names,
        y=[float(strategies[n]) for n in names],
        name="strategies of the chosen model",
        marker_color=PALETTE[0],
        hovertemplate="%{x}: F1 %{y:.3f}<extra></extra>",
    )
    refs = list(references)
    fig.add_bar(
        x=[f"reference: {r}" for r in refs],
        y=[float(references[r]) for r in refs],
        name="reference models",
        marker_color=[NEUTRAL if r == "dummy" else REFERENCE_COLOR for r in refs],
        hovertemplate="%{x}: F1 %{y:.3f}<extra></extra>",
    )
    finite = [v for v in strategies.values() if np.isfinite(v)]
    if finite and rope is not None:
        top = max(finite)
        fig.add_hline(
            y=top + rope,
            line={"color": NEUTRAL, "dash": "dot"},
            annotation_text=f"best strategy + ROPE ({top:.3f} + {rope:g})",
            annotation_position="top left",
        )
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(type="category", tickangle=-30)
    return fig
