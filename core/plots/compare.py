"""Figures comparing strategies: per-class bars and heatmap, confusion matrices, the plane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.plots.style import NEUTRAL, SEQUENTIAL, TEMPLATE, class_colors, figure
from core.plots.tradeoff import (
    FRONT_COLOR,
    Y_RANGE,
    label_position,
    padded_range,
    strategy_colors,
)
from core.text import plotly_text

_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "pentagon")


def per_class_bars(
    long: pd.DataFrame,
    classes: Sequence[str],
    *,
    metric: str = "F1",
    title: str | None = None,
    noun: str = "class",
) -> go.Figure:
    """Grouped bars: for each strategy, one bar per class (class colours), of one metric;
    ``noun`` ("class" or "label") names them in the title and legend.

    ``long`` has columns ``strategy``, ``class``, ``value`` (strategies in display order).
    """
    colors = class_colors(classes)
    strategies = list(dict.fromkeys(long["strategy"]))
    fig = figure(
        title or f"{metric} per {noun}, by strategy",
        xaxis_title="Strategy",
        yaxis_title=metric,
        barmode="group",
        legend_title_text=noun.capitalize(),
    )
    for cls in classes:
        rows = long[long["class"] == cls].set_index("strategy").reindex(strategies)
        fig.add_bar(
            x=[plotly_text(s) for s in strategies],
            y=rows["value"],
            name=plotly_text(cls),
            marker_color=colors[cls],
            hovertemplate=f"{plotly_text(cls)}, %{{x}}: {metric} %{{y:.3f}}<extra></extra>",
        )
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(type="category", tickangle=-30)
    return fig


def strategy_class_heatmap(
    long: pd.DataFrame,
    classes: Sequence[str],
    *,
    metric: str = "F1",
    title: str | None = None,
    noun: str = "class",
) -> go.Figure:
    """Strategy x class (or label: ``noun``) heatmap of one metric, columns in class order."""
    strategies = list(dict.fromkeys(long["strategy"]))
    table = long.pivot(index="strategy", columns="class", values="value").reindex(
        index=strategies, columns=list(classes)
    )
    z = table.to_numpy(dtype=float)
    fig = figure(
        title or f"{metric}: strategy × {noun}",
        xaxis_title=noun.capitalize(),
        yaxis_title="Strategy",
        height=max(320, 120 + 32 * len(strategies)),
    )
    fig.add_heatmap(
        z=z,
        x=[plotly_text(c) for c in table.columns],
        y=[plotly_text(s) for s in strategies],
        colorscale=SEQUENTIAL,
        zmin=0,
        zmax=1,
        colorbar={"title": metric},
        text=[["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in z],
        texttemplate="%{text}",
        hovertemplate="%{y}, %{x}: " + metric + " %{z:.3f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


def confusion_side_by_side(
    matrices: Mapping[str, np.ndarray],
    classes: Sequence[str],
    *,
    normalised: bool = True,
    columns: int = 3,
    title: str | None = None,
) -> go.Figure:
    """One confusion matrix per strategy (rows true, columns predicted), same colour scale."""
    names = list(matrices)
    cols = max(1, min(columns, len(names)))
    rows = int(np.ceil(len(names) / cols))
    labels = [plotly_text(c) for c in classes]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[plotly_text(n) for n in names],
        horizontal_spacing=0.06,
        vertical_spacing=0.14 if rows > 1 else 0.2,
    )
    fmt = "{:.0%}" if normalised else "{:,.0f}"
    zmax = 1.0 if normalised else max(float(np.max(m)) for m in matrices.values())
    for i, name in enumerate(names):
        z = np.asarray(matrices[name], dtype=float)
        fig.add_heatmap(
            z=z,
            x=labels,
            y=labels,
            coloraxis="coloraxis",
            text=[[fmt.format(v) for v in row] for row in z],
            texttemplate="%{text}" if len(labels) <= 8 else None,
            hovertemplate=f"{plotly_text(name)}: true %{{y}}, predicted %{{x}}: "
            "%{text}<extra></extra>",
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_layout(
        template=TEMPLATE,
        title=title
        or (
            "Confusion matrices normalised by true class (rows: true, columns: predicted)"
            if normalised
            else "Confusion matrices (rows: true, columns: predicted)"
        ),
        coloraxis={
            "colorscale": SEQUENTIAL,
            "cmin": 0,
            "cmax": zmax,
            "colorbar": {"title": "Share of true class" if normalised else "Rows"},
        },
        height=max(360, 300 * rows + 80),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    # Every panel has the same true classes: label them once, on the left, since repeated
    # labels ran into the panel beside them.
    fig.update_yaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=True, col=1)
    fig.update_xaxes(type="category")
    return fig


def _padded(values: pd.Series, pad: float = 0.04) -> list[float]:
    """An axis range around ``values`` with some room, clipped to [0, 1.02]."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    room = max(pad, (high - low) * 0.15)
    return [max(0.0, low - room), min(1.02, high + room)]


NEAR_TRIVIAL = 0.15
"""A trivial classifier this close (in accuracy) to the strategies' points is inside the
zoomed view of the plane; one farther away is named in a note instead."""


def _plane_view(
    points: pd.DataFrame, trivial: Mapping[str, Mapping[str, float]] | None
) -> tuple[list[float], list[float], list[str]]:
    """Axis ranges zoomed on the points and the trivial classifiers near them, and the
    names of the trivial classifiers left outside."""
    xs, ys = points["accuracy"].to_numpy(dtype=float), points["f1"].to_numpy(dtype=float)
    low, high = float(np.nanmin(xs)), float(np.nanmax(xs))
    near, far = [], []
    for name, point in (trivial or {}).items():
        close = low - NEAR_TRIVIAL <= point["accuracy"] <= high + NEAR_TRIVIAL
        (near if close else far).append(name)
    x_all = np.r_[xs, [trivial[n]["accuracy"] for n in near]] if near else xs
    y_all = np.r_[ys, [trivial[n]["f1"] for n in near]] if near else ys
    x_range = padded_range(x_all, bounds=(-0.02, 1.02), room=0.02)
    y_range = padded_range(y_all, bounds=Y_RANGE, room=0.05)
    return x_range, y_range, far


def accuracy_f1_plane(
    points: pd.DataFrame,
    *,
    f1_label: str = "Macro F1",
    x_label: str = "Accuracy",
    region: pd.DataFrame | None = None,
    trivial: Mapping[str, Mapping[str, float]] | None = None,
    front: pd.DataFrame | None = None,
    title: str | None = None,
) -> go.Figure:
    """Each strategy as a point in the (accuracy, F1) plane.

    ``points``: columns ``strategy``, ``accuracy``, ``f1`` (optional ``label`` for hover).
    ``region``: columns ``accuracy``, ``f1_min``, ``f1_max`` (the feasible area, shaded).
    ``trivial``: {name: {accuracy, f1}} (e.g. all-positive / all-negative classifiers).
    ``front``: points of a Pareto front, joined by a line.

    Strategies are told apart by colour (:func:`core.plots.tradeoff.strategy_colors`, as on
    the trade-off planes) and symbol, named in the legend and on hover; no name is printed
    on the plot, where close points' names ran into each other. The axes zoom on the points
    and the trivial classifiers near them (:data:`NEAR_TRIVIAL`); a trivial classifier
    farther away is named in a note, and the region is drawn whole (zoom out to see it).
    """
    x_label, f1_label = plotly_text(x_label), plotly_text(f1_label)
    fig = figure(
        title or f"{x_label} vs {f1_label}: each strategy as a point (up and right is better)",
        xaxis_title=x_label,
        yaxis_title=f1_label,
        legend_title_text="",
        legend={"traceorder": "normal"},
    )
    if region is not None and not region.empty:
        fig.add_scatter(
            x=region["accuracy"],
            y=region["f1_max"],
            mode="lines",
            line={"color": NEUTRAL, "width": 1},
            name="feasible region (upper bound)",
            hovertemplate="accuracy %{x:.3f}: F1 at most %{y:.3f}<extra></extra>",
        )
        fig.add_scatter(
            x=region["accuracy"],
            y=region["f1_min"],
            mode="lines",
            line={"color": NEUTRAL, "width": 1},
            fill="tonexty",
            fillcolor="rgba(127,127,127,0.12)",
            name="feasible region (lower bound)",
            hovertemplate="accuracy %{x:.3f}: F1 at least %{y:.3f}<extra></extra>",
        )
    on_front: set[str] = set()
    if front is not None and not front.empty:
        ordered = front.sort_values("accuracy")
        on_front = set(ordered["strategy"].astype(str))
        fig.add_scatter(
            x=ordered["accuracy"],
            y=ordered["f1"],
            mode="lines+markers",
            name="Pareto front",
            line={"color": FRONT_COLOR, "width": 2, "dash": "dash"},
            marker={"color": FRONT_COLOR, "size": 19, "symbol": "circle-open"},
            hoverinfo="skip",
        )
    names = [str(n) for n in dict.fromkeys(points["strategy"])]
    colors = strategy_colors(names)
    for i, (name, rows) in enumerate(points.groupby("strategy", sort=False)):
        name = str(name)
        hover = rows.get("label")
        hover = None if hover is None else hover.map(plotly_text)
        single = len(rows) == 1
        fig.add_scatter(
            x=rows["accuracy"],
            y=rows["f1"],
            mode="markers",
            name=plotly_text(name),
            marker={
                "size": 13 if single else 6,
                "symbol": _SYMBOLS[i % len(_SYMBOLS)],
                "color": colors[name],
                "line": {"color": "white", "width": 1},
            },
            customdata=hover,
            hovertemplate=(
                f"<b>{plotly_text(name)}</b>"
                f"{' (on the Pareto front)' if name in on_front else ''}<br>"
                f"{x_label} %{{x:.3f}}<br>{f1_label} %{{y:.3f}}"
                + ("<br>%{customdata}" if hover is not None else "")
                + "<extra></extra>"
            ),
        )
    if region is None:  # no region to show: zoom both axes alike on the points
        x_range, y_range = _padded(points["accuracy"]), _padded(points["f1"])
        far: list[str] = []
    else:
        x_range, y_range, far = _plane_view(points, trivial)
    for name, point in (trivial or {}).items():
        label = name.replace("_", " ")
        fig.add_scatter(
            x=[point["accuracy"]],
            y=[point["f1"]],
            mode="markers+text",
            text=[label],
            textposition=label_position(point["accuracy"], point["f1"], x_range, y_range),
            textfont={"color": NEUTRAL},
            marker={"color": NEUTRAL, "symbol": "x-thin-open", "size": 12, "line": {"width": 2}},
            name=label,
            hovertemplate=f"{label}: accuracy %{{x:.3f}}, F1 %{{y:.3f}}<extra></extra>",
        )
    if far:
        where = ", ".join(
            f"{n.replace('_', ' ')} at accuracy {trivial[n]['accuracy']:.3f}, "
            f"F1 {trivial[n]['f1']:.3f}"
            for n in far
        )
        fig.add_annotation(
            text=f"Outside this view: {where}",
            xref="paper",
            yref="paper",
            x=0.01,
            y=0.99,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": 11, "color": NEUTRAL},
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    return fig
